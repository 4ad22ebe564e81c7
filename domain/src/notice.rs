//! The e-mails the service sends: short, in Romanian and English, with a link to the portal.
//! Never a CNP, a name, a record entry or the certificate itself: an inbox is not a safe.

use super::{bucharest_date, CertificateNumber, CertificateRequest, ConfirmationCode, Email, Page};

/// The last lines of every account e-mail: how to tell it from a phishing one.
const NEVER_ASKED: &str = "Nu vă cerem niciodată parola sau datele cardului prin e-mail. \
     We never ask for your password or card details by e-mail.";

/// The name the messages come from, beside the sender's address.
pub const SENDER_NAME: &str = "Cazier judiciar online";

/// The `From` of every message: the service's name and its address.
pub fn sender(address: &str) -> String {
    format!("\"{SENDER_NAME}\" <{address}>")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub to: Email,
    pub subject: String,
    pub text: String,
}

/// How an e-mail names a request: its page, its purpose in both languages, its day.
struct Named {
    link: String,
    purpose_ro: &'static str,
    purpose_en: &'static str,
    day: String,
}

impl Named {
    fn of(portal: &str, request: &CertificateRequest) -> Self {
        Named {
            link: Page::Request(request.request_id.clone()).at(portal),
            purpose_ro: request.purpose.label_ro(),
            purpose_en: request.purpose.label_en(),
            day: bucharest_date(request.created_at)
                .format("%d.%m.%Y")
                .to_string(),
        }
    }
}

impl Notice {
    /// The holder's record changed and `told` organisations holding their continuous consent
    /// were told so (not what changed; nor are they named here).
    pub fn record_changed(to: &Email, portal: &str, told: usize) -> Self {
        let link = Page::Consents.at(portal);
        Self {
            to: to.clone(),
            subject: "Cazierul dumneavoastră a fost actualizat / Your criminal record was updated"
                .into(),
            text: format!(
                "Cazierul dumneavoastră judiciar a fost actualizat. Organizațiile cărora le-ați dat \
                 un consimțământ continuu ({told}) au fost anunțate că s-a schimbat ceva, fără \
                 să afle ce. Vedeți consimțămintele și retrageți-le oricând:\n{link}\n\n\
                 Your criminal record was updated. The organisations holding your continuous \
                 consent ({told}) were told that something changed, not what. See your consents \
                 and withdraw them at any time:\n{link}\n\n{NEVER_ASKED}\n"
            ),
        }
    }

    /// An organisation asks for the holder's consent: where to answer (not who asks, nor
    /// for what: an e-mail says nothing a stranger reading it should learn).
    pub fn consent_asked(to: &Email, portal: &str) -> Self {
        let link = Page::Consents.at(portal);
        Self {
            to: to.clone(),
            subject: "O organizație vă cere consimțământul / An organisation asks for your consent"
                .into(),
            text: format!(
                "O instituție sau un angajator înregistrat vă cere consimțământul pentru a \
                 obține un extras din cazierul dumneavoastră judiciar. Autentificați-vă pentru a \
                 vedea cine îl cere și de ce, și pentru a accepta sau refuza:\n{link}\n\n\
                 A registered organisation asks for your consent to obtain an extract of your \
                 criminal record. Sign in to see who asks and why, and to accept or decline:\n\
                 {link}\n\nDacă nu răspundeți, cererea expiră în 14 zile. If you do not \
                 answer, the request expires in 14 days.\n\n{NEVER_ASKED}\n"
            ),
        }
    }

    /// The request ended with a certificate: which request (its purpose and day; not the
    /// certificate's number, which with a CNP checks it), and where to download it.
    pub fn issued(to: &Email, portal: &str, request: &CertificateRequest) -> Self {
        let Named {
            link,
            purpose_ro,
            purpose_en,
            day,
        } = Named::of(portal, request);
        Self {
            to: to.clone(),
            subject: "Certificatul de cazier este gata / Your certificate is ready".into(),
            text: format!(
                "Certificatul de cazier judiciar cerut pe {day}, scopul „{purpose_ro}”, este \
                 gata. Autentificați-vă pentru a-l descărca:\n{link}\n\n\
                 The criminal record certificate you asked for on {day}, purpose \
                 \"{purpose_en}\", is ready. Sign in to download it:\n{link}\n\n{NEVER_ASKED}\n"
            ),
        }
    }

    /// The request ended without a certificate; the reason is on the portal.
    pub fn rejected(to: &Email, portal: &str, request: &CertificateRequest) -> Self {
        let Named {
            link,
            purpose_ro,
            purpose_en,
            day,
        } = Named::of(portal, request);
        Self {
            to: to.clone(),
            subject: "Cererea de cazier nu a fost soluționată online / Your request was not completed online".into(),
            text: format!(
                "Cererea de certificat de cazier judiciar din {day}, scopul „{purpose_ro}”, nu a \
                 putut fi soluționată online. Motivul și ce puteți face sunt aici:\n{link}\n\n\
                 Your criminal record certificate request of {day}, purpose \"{purpose_en}\", \
                 could not be completed online. The reason and what you can do are here:\n\
                 {link}\n\n{NEVER_ASKED}\n"
            ),
        }
    }

    /// The code that proves a new account's address (the account exists once it is typed).
    /// The only line with the code is fixed: `Cod de confirmare / Confirmation code: …`.
    pub fn confirmation_code(to: &Email, code: &ConfirmationCode, minutes: i64) -> Self {
        Self {
            to: to.clone(),
            subject: "Codul de confirmare a adresei / Your confirmation code".into(),
            text: format!(
                "Cineva (probabil dumneavoastră) a cerut un cont de cazier judiciar pentru \
                 această adresă. Introduceți codul pe pagina deschisă, în {minutes} de minute.\n\
                 Someone (probably you) asked for a criminal record account for this address. \
                 Type the code on the page you left open, within {minutes} minutes.\n\n\
                 Cod de confirmare / Confirmation code: {}\n\n\
                 Dacă nu ați cerut un cont, ignorați acest mesaj: nu se creează nimic.\n\
                 If you did not ask for one, ignore this message: nothing is created.\n\n\
                 {NEVER_ASKED}\n",
                code.grouped()
            ),
        }
    }

    /// Someone registered again with an address that has an account: nothing changed.
    pub fn already_registered(to: &Email, portal: &str) -> Self {
        let portal = portal.trim_end_matches('/');
        Self {
            to: to.clone(),
            subject: "Aveți deja un cont / You already have an account".into(),
            text: format!(
                "Cineva a încercat să creeze un cont de cazier judiciar cu această adresă, dar \
                 ea are deja un cont. Nu s-a schimbat nimic. Dacă ați uitat parola, o puteți \
                 schimba aici:\n{portal}/parola/uitata\n\n\
                 Someone tried to create a criminal record account with this address, which \
                 already has one. Nothing changed. If you forgot your password, reset it \
                 here:\n{portal}/parola/uitata\n\n{NEVER_ASKED}\n"
            ),
        }
    }

    /// A single-use link to choose a new password.
    pub fn password_reset(to: &Email, link: &str, minutes: i64) -> Self {
        Self {
            to: to.clone(),
            subject: "Schimbarea parolei / Reset your password".into(),
            text: format!(
                "Pentru a alege o parolă nouă, deschideți legătura de mai jos în {minutes} de \
                 minute (o singură dată):\n{link}\n\
                 Dacă nu ați cerut schimbarea, ignorați mesajul: parola rămâne aceeași.\n\n\
                 To choose a new password, open the link below within {minutes} minutes \
                 (it works once):\n{link}\n\
                 If you did not ask for it, ignore this message: your password stays.\n\n\
                 {NEVER_ASKED}\n"
            ),
        }
    }

    /// The password was changed or reset; every session of the account was ended.
    pub fn password_changed(to: &Email, portal: &str) -> Self {
        let portal = portal.trim_end_matches('/');
        Self {
            to: to.clone(),
            subject: "Parola a fost schimbată / Your password was changed".into(),
            text: format!(
                "Parola contului de cazier judiciar a fost schimbată și toate sesiunile au fost \
                 închise. Dacă nu ați fost dumneavoastră, schimbați parola imediat:\n\
                 {portal}/parola/uitata\n\n\
                 The password of your criminal record account was changed and every session \
                 was signed out. If it was not you, reset it now:\n{portal}/parola/uitata\n\n\
                 {NEVER_ASKED}\n"
            ),
        }
    }

    /// The holder's declared data were corrected (which, never their values): someone with the
    /// session could otherwise change them unseen.
    pub fn details_changed(to: &Email, portal: &str) -> Self {
        let link = Page::Declared.at(portal);
        Self {
            to: to.clone(),
            subject: "Datele contului au fost modificate / Your details were changed".into(),
            text: format!(
                "Datele declarate în contul de cazier judiciar (cele care apar pe certificat) au \
                 fost modificate. Le puteți vedea aici:\n{link}\n\
                 Dacă nu ați fost dumneavoastră, schimbați parola și verificați datele.\n\n\
                 The details declared in your criminal record account (those your certificate \
                 prints) were changed. See them here:\n{link}\n\
                 If it was not you, change your password and check them.\n\n{NEVER_ASKED}\n"
            ),
        }
    }

    /// A certificate stops being valid in 14 days.
    pub fn expiring(to: &Email, portal: &str, number: &CertificateNumber, days: i64) -> Self {
        let link = Page::Certificates.at(portal);
        Self {
            to: to.clone(),
            subject: format!(
                "Certificatul {number} expiră în {days} zile / expires in {days} days"
            ),
            text: format!(
                "Certificatul de cazier judiciar {number} expiră în {days} zile. Dacă aveți nevoie \
                 în continuare de el, puteți cere unul nou:\n{link}\n\n\
                 Criminal record certificate {number} expires in {days} days. If you still need \
                 one, you can ask for a new one:\n{link}\n\n{NEVER_ASKED}\n"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AccountId, Purpose, RequestId, RequestStatus};
    use chrono::TimeZone;

    #[test]
    fn the_issue_notice_names_the_request_and_how_to_tell_it_from_phishing() {
        let request = CertificateRequest {
            request_id: RequestId::from("r-7"),
            account_id: AccountId::from("a-1"),
            company: None,
            purpose: Purpose::Viza,
            status: RequestStatus::Issued,
            // 22:30 UTC is the next day in Bucharest.
            created_at: chrono::Utc
                .with_ymd_and_hms(2026, 12, 5, 22, 30, 0)
                .unwrap(),
            certificate_number: CertificateNumber::parse("CJ-2026-00000042"),
            issued_at: None,
            status_index: None,
            rejection_code: None,
            notice_due: true,
        };
        let to = Email::parse("a@example.ro").unwrap();
        let n = Notice::issued(&to, "https://cazier.test/", &request);
        assert!(n
            .text
            .contains("cerut pe 06.12.2026, scopul „Obținere viză”"));
        assert!(!n.text.contains("CJ-2026"), "no number in an inbox");
        assert!(n.text.contains("purpose \"Visa\""), "{}", n.text);
        assert!(n.text.contains("https://cazier.test/cereri/r-7"));
        assert!(n.text.contains("Nu vă cerem niciodată parola"));
        let n = Notice::rejected(&to, "https://cazier.test", &request);
        assert!(n.text.contains("din 06.12.2026") && n.text.contains(NEVER_ASKED));
        assert_eq!(sender("x@y.ro"), "\"Cazier judiciar online\" <x@y.ro>");
    }
}
