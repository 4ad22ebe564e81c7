//! The texts of the wallet pages (the holder's "add to wallet", and the page where an
//! employer asks a wallet for the certificate), in both languages, kept apart from `i18n.rs`.

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
    pub asks_for: &'static str,
    pub organisation_hint: &'static str,
    pub ask: &'static str,
    pub scan_title: &'static str,
    pub scan_steps: [&'static str; 2],
    pub request_qr: &'static str,
    pub show_result: &'static str,
    pub pending: &'static str,
    pub result_title: &'static str,
    pub valid_no_entries: &'static str,
    pub valid_with_entries: &'static str,
    pub revoked: &'static str,
    pub not_disclosed: &'static str,
    pub how_checked: &'static str,
    pub refused: &'static str,
    pub refused_detail: &'static str,
    pub declined: &'static str,
    pub expired: &'static str,
    pub another: &'static str,
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
    add: "Adaugă în portofelul digital",
    add_title: "Adăugați certificatul în portofelul digital",
    add_steps: [
        "Deschideți aplicația portofel (EU Digital Identity Wallet) și scanați codul QR de mai jos. Pe acest telefon, apăsați în schimb pe legătura de sub cod.",
        "Când portofelul vă cere codul de tranzacție, introduceți codul de mai jos.",
        "Codurile merg o singură dată, 5 minute. Dacă expiră, reveniți la certificate și cereți altele.",
    ],
    tx_code: "Codul de tranzacție",
    offer_qr: "Cod QR: oferta certificatului pentru portofel",
    same_phone: "Deschide în portofelul de pe acest telefon",
    add_not_valid: "Doar un certificat valabil se poate adăuga în portofel.",
    verify_link: "Verificare din portofel",
    verify_title: "Verificare din portofelul digital",
    verify_lead: "Titularul vă arată certificatul din portofelul său digital (EU Digital Identity Wallet), fără PDF și fără CNP. Vedeți dacă este valabil și dacă are mențiuni.",
    asks_for: "Se cer doar: dacă are mențiuni, până când e valabil și numele titularului. Titularul vede cererea și alege dacă o acceptă.",
    organisation_hint: "Titularul vede numele scris aici în lista „Cine mi-a verificat certificatul”.",
    ask: "Cere certificatul",
    scan_title: "Cereți titularului să scaneze codul",
    scan_steps: [
        "Titularul scanează codul QR cu portofelul său și acceptă cererea. Cererea merge 10 minute.",
        "Apoi apăsați „Arată rezultatul”.",
    ],
    request_qr: "Cod QR: cererea pentru portofelul titularului",
    show_result: "Arată rezultatul",
    pending: "Portofelul nu a răspuns încă. Așteptați ca titularul să accepte cererea, apoi apăsați din nou.",
    result_title: "Rezultatul verificării",
    valid_no_entries: "Valabil, fără mențiuni",
    valid_with_entries: "Valabil, cu mențiuni",
    revoked: "Revocat: certificatul nu mai este valabil",
    not_disclosed: "nu a fost arătat",
    how_checked: "Verificat acum: semnătura MAI a certificatului, cheia portofelului titularului pentru această cerere și lista de revocare publicată.",
    refused: "Certificatul prezentat nu a trecut verificarea. Nu vă bazați pe el.",
    refused_detail: "Motivul tehnic",
    declined: "Titularul nu a acceptat cererea.",
    expired: "Cererea a expirat sau nu există. Începeți una nouă.",
    another: "O cerere nouă",
};

const EN: WalletTexts = WalletTexts {
    add: "Add to digital wallet",
    add_title: "Add the certificate to your digital wallet",
    add_steps: [
        "Open your wallet app (EU Digital Identity Wallet) and scan the QR code below. On this phone, tap the link under the code instead.",
        "When the wallet asks for the transaction code, enter the code below.",
        "The codes work once, for 5 minutes. If they expire, go back to your certificates and ask again.",
    ],
    tx_code: "Transaction code",
    offer_qr: "QR code: the certificate offer for your wallet",
    same_phone: "Open in the wallet on this phone",
    add_not_valid: "Only a valid certificate can be added to a wallet.",
    verify_link: "Check from a wallet",
    verify_title: "Check from a digital wallet",
    verify_lead: "The holder shows you the certificate from their digital wallet (EU Digital Identity Wallet), with no PDF and no CNP. You see whether it is valid and whether it has entries.",
    asks_for: "Only this is asked for: whether it has entries, until when it is valid, and the holder's name. The holder sees the request and chooses whether to accept it.",
    organisation_hint: "The holder sees the name you write here in the list of who checked their certificate.",
    ask: "Ask for the certificate",
    scan_title: "Ask the holder to scan the code",
    scan_steps: [
        "The holder scans the QR code with their wallet and accepts the request. The request works for 10 minutes.",
        "Then press \u{201c}Show the result\u{201d}.",
    ],
    request_qr: "QR code: the request for the holder's wallet",
    show_result: "Show the result",
    pending: "The wallet has not answered yet. Wait for the holder to accept the request, then press again.",
    result_title: "The result",
    valid_no_entries: "Valid, no entries",
    valid_with_entries: "Valid, with entries",
    revoked: "Revoked: the certificate is no longer valid",
    not_disclosed: "not shown",
    how_checked: "Checked just now: the Ministry's signature on the certificate, the holder's wallet key for this request, and the published revocation list.",
    refused: "The certificate shown did not pass the check. Do not rely on it.",
    refused_detail: "The technical reason",
    declined: "The holder did not accept the request.",
    expired: "The request has expired or does not exist. Start a new one.",
    another: "A new request",
};
