//! The portal's pages, as the places its links, form actions and redirects, and the e-mails'
//! links point to: each path is written here once (the route tables name it once more, and a
//! test in the portal keeps the two equal), so a renamed page leaves no dead link behind.

use crate::{AccountId, CertificateNumber, ConsentId, RequestId, ShareId};
use std::fmt;

/// A page of the portal (or a form's target), with what its path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    Home,
    Help,
    Privacy,
    Cookies,
    Accessibility,
    Register,
    Confirm,
    SignIn,
    SecondFactor,
    ForgotPassword,
    NewPassword,
    SignOut,
    Account,
    Declared,
    ChangePassword,
    /// What ghiseul.ro or ROeID proved, for the holder to confirm.
    Proven,
    GhiseulStart,
    GhiseulReturn,
    RoeidStart,
    RoeidReturn,
    NewRequest,
    Request(RequestId),
    Certificates,
    CertificatePdf(CertificateNumber),
    Checks(CertificateNumber),
    Contents(CertificateNumber),
    ShareCodes(CertificateNumber),
    RevokeShare(CertificateNumber, ShareId),
    WalletOffer(CertificateNumber),
    Verify,
    VerifyDocument,
    VerifyStatement,
    UseShare,
    ShareResult,
    SharedPdf,
    AskWallet,
    /// The holder's consents: organisations' requests, and what they were given.
    Consents,
    /// Where the person types the code an institution's desk shows them.
    ConsentCode,
    Consent(ConsentId),
    /// The counter clerks' console.
    Console,
    /// A registered citizen, as a clerk opened them by their counter code.
    Registered(AccountId),
    /// An organisation's staff: its consents, newest first.
    Organisation,
    /// Where its staff ask a person for consent.
    OrganisationAsk,
    /// One of its consents, as its staff see it.
    OrganisationConsent(ConsentId),
    /// The form that pulls an extract (a PDF) under it.
    OrganisationExtract(ConsentId),
    /// The form that makes a new desk code for a request waiting at the desk.
    OrganisationDeskCode(ConsentId),
}

impl Page {
    /// The page's path, as its route's template writes it (`/cereri/{request_id}`).
    pub fn template(&self) -> &'static str {
        match self {
            Page::Home => "/",
            Page::Help => "/ajutor",
            Page::Privacy => "/confidentialitate",
            Page::Cookies => "/cookie-uri",
            Page::Accessibility => "/accesibilitate",
            Page::Register => "/cont/nou",
            Page::Confirm => "/cont/confirmare",
            Page::SignIn => "/autentificare",
            Page::SecondFactor => "/autentificare/cod",
            Page::ForgotPassword => "/parola/uitata",
            Page::NewPassword => "/parola/noua",
            Page::SignOut => "/iesire",
            Page::Account => "/cont",
            Page::Declared => "/cont/date",
            Page::ChangePassword => "/cont/parola",
            Page::Proven => "/cont/validare",
            Page::GhiseulStart => "/cont/ghiseul",
            Page::GhiseulReturn => "/cont/ghiseul/raspuns",
            Page::RoeidStart => "/cont/roeid",
            Page::RoeidReturn => "/cont/roeid/raspuns",
            Page::NewRequest => "/cereri/noua",
            Page::Request(_) => "/cereri/{request_id}",
            Page::Certificates => "/certificate",
            Page::CertificatePdf(_) => "/certificate/{certificate_number}/pdf",
            Page::Checks(_) => "/certificate/{certificate_number}/verificari",
            Page::Contents(_) => "/certificate/{certificate_number}/mentiuni",
            Page::ShareCodes(_) => "/certificate/{certificate_number}/coduri",
            Page::RevokeShare(..) => "/certificate/{certificate_number}/coduri/{share_id}/revocare",
            Page::WalletOffer(_) => "/certificate/{certificate_number}/portofel",
            Page::Verify => "/verificare",
            Page::VerifyDocument => "/verificare/document",
            Page::VerifyStatement => "/verificare/declaratie",
            Page::UseShare => "/cod",
            Page::ShareResult => "/cod/rezultat",
            Page::SharedPdf => "/cod/pdf",
            Page::AskWallet => "/verificare/portofel",
            Page::Consents => "/consimtaminte",
            Page::ConsentCode => "/consimtaminte/cod",
            Page::Consent(_) => "/consimtaminte/{consent_id}",
            Page::Console => "/ghiseu",
            Page::Registered(_) => "/ghiseu/cont/{account_id}",
            Page::Organisation => "/organizatie",
            Page::OrganisationAsk => "/organizatie/cerere",
            Page::OrganisationConsent(_) => "/organizatie/consimtaminte/{consent_id}",
            Page::OrganisationExtract(_) => "/organizatie/consimtaminte/{consent_id}/extras",
            Page::OrganisationDeskCode(_) => "/organizatie/consimtaminte/{consent_id}/cod",
        }
    }

    /// The page's absolute address on the portal at `origin` (`https://host`), for e-mails and
    /// the identity providers' way back.
    pub fn at(&self, origin: &str) -> String {
        format!("{}{self}", origin.trim_end_matches('/'))
    }

    /// What the path's `{…}` segments are, in order.
    fn parameters(&self) -> Vec<&str> {
        match self {
            Page::Request(id) => vec![id.as_str()],
            Page::CertificatePdf(n)
            | Page::Checks(n)
            | Page::Contents(n)
            | Page::ShareCodes(n)
            | Page::WalletOffer(n) => vec![n.as_str()],
            Page::RevokeShare(n, share) => vec![n.as_str(), share.as_str()],
            Page::Registered(account) => vec![account.as_str()],
            Page::Consent(id)
            | Page::OrganisationConsent(id)
            | Page::OrganisationExtract(id)
            | Page::OrganisationDeskCode(id) => vec![id.as_str()],
            _ => Vec::new(),
        }
    }
}

/// The path (`/cereri/3f2a…`): the template with its parameters put in, percent-encoded.
impl fmt::Display for Page {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut values = self.parameters().into_iter();
        let mut first = true;
        for segment in self.template().split('/').skip(1) {
            f.write_str("/")?;
            if segment.starts_with('{') {
                let value = values.next().unwrap_or_default();
                f.write_str(&crate::url::query_value(value))?;
            } else {
                f.write_str(segment)?;
            }
            first = false;
        }
        if first {
            f.write_str("/")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_its_template_with_its_parameters_put_in() {
        assert_eq!(Page::Home.to_string(), "/");
        assert_eq!(Page::Account.to_string(), "/cont");
        assert_eq!(Page::Request("r-1".into()).to_string(), "/cereri/r-1");
        let number = CertificateNumber::new(2026, 7);
        let share = Page::RevokeShare(number.clone(), "s 1/2".into());
        assert_eq!(
            share.to_string(),
            format!("/certificate/{}/coduri/s%201%2F2/revocare", number.as_str())
        );
        assert_eq!(
            Page::Declared.at("https://cazier.test/"),
            "https://cazier.test/cont/date"
        );
    }
}
