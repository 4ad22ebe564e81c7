//! The e-mails the service sends: short, in Romanian and English, with a link to the portal.
//! Never a CNP, a name, a record entry or the certificate itself: an inbox is not a safe.

use super::{CertificateNumber, Email, RequestId};

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
