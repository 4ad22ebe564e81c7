//! The e-mails the service sends: short, in Romanian and English, with a link to the portal.
//! Never a CNP, a name, a record entry or the certificate itself: an inbox is not a safe.

use super::{CertificateNumber, ConfirmationCode, Email, RequestId};

/// The last lines of every account e-mail: how to tell it from a phishing one.
const NEVER_ASKED: &str = "Nu vă cerem niciodată parola sau datele cardului prin e-mail. \
     We never ask for your password or card details by e-mail.";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub to: Email,
    pub subject: String,
    pub text: String,
}

impl Notice {
    /// The request ended with a certificate.
    pub fn issued(to: &Email, portal: &str, request: &RequestId) -> Self {
        let link = format!("{}/cereri/{request}", portal.trim_end_matches('/'));
        Self {
            to: to.clone(),
            subject: "Certificatul de cazier este gata / Your certificate is ready".into(),
            text: format!(
                "Certificatul de cazier judiciar cerut este gata. Autentificați-vă pentru a-l descărca:\n\
                 {link}\n\n\
                 The criminal record certificate you asked for is ready. Sign in to download it:\n\
                 {link}\n"
            ),
        }
    }

    /// The request ended without a certificate; the reason is on the portal.
    pub fn rejected(to: &Email, portal: &str, request: &RequestId) -> Self {
        let link = format!("{}/cereri/{request}", portal.trim_end_matches('/'));
        Self {
            to: to.clone(),
            subject: "Cererea de cazier nu a fost soluționată online / Your request was not completed online".into(),
            text: format!(
                "Cererea de certificat de cazier judiciar nu a putut fi soluționată online. \
                 Motivul și ce puteți face sunt aici:\n{link}\n\n\
                 Your criminal record certificate request could not be completed online. \
                 The reason and what you can do are here:\n{link}\n"
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

    /// A certificate stops being valid in 14 days.
    pub fn expiring(to: &Email, portal: &str, number: &CertificateNumber, days: i64) -> Self {
        let link = format!("{}/certificate", portal.trim_end_matches('/'));
        Self {
            to: to.clone(),
            subject: format!(
                "Certificatul {number} expiră în {days} zile / expires in {days} days"
            ),
            text: format!(
                "Certificatul de cazier judiciar {number} expiră în {days} zile. Dacă aveți nevoie \
                 în continuare de el, puteți cere unul nou:\n{link}\n\n\
                 Criminal record certificate {number} expires in {days} days. If you still need \
                 one, you can ask for a new one:\n{link}\n"
            ),
        }
    }
}
