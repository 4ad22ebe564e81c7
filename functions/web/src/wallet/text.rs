//! The texts of the wallet pages (the holder's "add to wallet", and the page where an
//! employer learns who may ask a wallet for the certificate), in both languages, kept apart from `i18n.rs`.

use crate::i18n::Lang;

pub struct WalletTexts {
    pub add: &'static str,
    pub add_title: &'static str,
    pub add_steps: [&'static str; 3],
    pub tx_code: &'static str,
    pub offer_qr: &'static str,
    pub same_phone: &'static str,
    pub add_not_valid: &'static str,
    pub verify_link: &'static str,
    pub verify_title: &'static str,
    pub verify_lead: &'static str,
    pub who_asks: &'static str,
    pub why_registered: &'static str,
    pub without_title: &'static str,
    pub without_share: &'static str,
    pub without_qr: &'static str,
    pub without_document: &'static str,
    pub register_title: &'static str,
    pub register: &'static str,
    pub register_contact: &'static str,
    pub offer_used_title: &'static str,
    pub offer_used: &'static str,
}

impl Lang {
    pub fn w(self) -> &'static WalletTexts {
        match self {
            Lang::Ro => &RO,
            Lang::En => &EN,
        }
    }
}

const RO: WalletTexts = WalletTexts {
    add: "Adăugați în portofelul digital",
    add_title: "Adăugați certificatul în portofelul digital",
    add_steps: [
        "Deschideți aplicația portofel (portofelul european de identitate digitală) și scanați codul QR de mai jos. Pe acest telefon, apăsați în schimb pe legătura de sub cod.",
        "Când portofelul vă cere codul de tranzacție, introduceți codul de mai jos.",
        "Codurile sunt valabile o singură dată, timp de 5 minute. Dacă expiră sau dacă introduceți greșit codul de tranzacție, oferta nu mai poate fi folosită: cereți una nouă de pe pagina certificatelor.",
    ],
    tx_code: "Codul de tranzacție",
    offer_qr: "Cod QR: oferta certificatului pentru portofel",
    same_phone: "Deschideți în portofelul de pe acest telefon",
    add_not_valid: "Doar un certificat valabil se poate adăuga în portofel.",
    verify_link: "Verificare din portofel",
    verify_title: "Verificare din portofelul digital",
    verify_lead: "Titularul poate arăta certificatul din portofelul său digital (portofelul european de identitate digitală), fără PDF și fără CNP: se văd doar dacă are mențiuni, până când e valabil și numele titularului.",
    who_asks: "Cererile către portofel le fac doar organizațiile înregistrate la MAI, din sistemele lor. Portofelul titularului arată numele înregistrat al organizației care cere, iar titularul alege dacă acceptă.",
    why_registered: "Astfel nimeni nu poate trimite o cerere în numele MAI sau al altei organizații ca să afle datele cuiva.",
    without_title: "Fără înregistrare, puteți verifica un certificat așa:",
    without_share: "Cereți titularului un cod de partajare și deschideți certificatul cu el",
    without_qr: "Scanați codul QR de pe certificat sau introduceți numărul certificatului și CNP-ul titularului",
    without_document: "Verificați fișierul PDF primit de la titular",
    register_title: "Înregistrarea organizației",
    register: "Instituțiile publice și angajatorii care verifică des certificate pot cere înregistrarea scriind la adresa de mai jos, cu denumirea și CUI-ul organizației. După înregistrare, aplicația organizației poate trimite cereri către portofele, iar portofelul titularului arată numele organizației.",
    register_contact: "cazier.online@mai.gov.ro",
    offer_used_title: "Această ofertă nu mai poate fi folosită",
    offer_used: "Portofelul dumneavoastră a preluat certificatul, ori oferta a expirat sau codul de tranzacție a fost introdus greșit. Dacă certificatul nu este în portofel, cereți o ofertă nouă.",
};

const EN: WalletTexts = WalletTexts {
    add: "Add to digital wallet",
    add_title: "Add the certificate to your digital wallet",
    add_steps: [
        "Open your wallet app (EU Digital Identity Wallet) and scan the QR code below. On this phone, tap the link under the code instead.",
        "When the wallet asks for the transaction code, enter the code below.",
        "The codes work once, for 5 minutes. If they expire, or if the transaction code is typed wrong, the offer can no longer be used: ask for a new one from your certificates.",
    ],
    tx_code: "Transaction code",
    offer_qr: "QR code: the certificate offer for your wallet",
    same_phone: "Open in the wallet on this phone",
    add_not_valid: "Only a valid certificate can be added to a wallet.",
    verify_link: "Check from a wallet",
    verify_title: "Checking from a digital wallet",
    verify_lead: "The holder can show the certificate from their digital wallet (EU Digital Identity Wallet), with no PDF and no CNP: only whether it lists entries, until when it is valid and the holder's name are shown.",
    who_asks: "Requests to a wallet are made only by organisations registered with the Ministry, from their own systems. The holder's wallet shows the registered name of the organisation that asks, and the holder decides whether to accept.",
    why_registered: "So nobody can send a request in the name of the Ministry or of another organisation to find out someone's data.",
    without_title: "Without registration, you can check a certificate like this:",
    without_share: "Ask the holder for a share code and open the certificate with it",
    without_qr: "Scan the QR code on the certificate, or enter the certificate number and the holder's CNP",
    without_document: "Check the PDF file the holder gave you",
    register_title: "Registering an organisation",
    register: "Public institutions and employers who check certificates often can ask to be registered by writing to the address below, with the organisation's name and CUI. Once registered, the organisation's application can send requests to wallets, and the holder's wallet shows the organisation's name.",
    register_contact: "cazier.online@mai.gov.ro",
    offer_used_title: "This offer can no longer be used",
    offer_used: "Your wallet has taken the certificate, or the offer expired or its transaction code was typed wrong. If the certificate is not in your wallet, ask for a new offer.",
};
