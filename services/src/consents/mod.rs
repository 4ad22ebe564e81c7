//! Consents (issue 27, docs/CONSENT.md): a registered organisation asks for a person's consent
//! by CNP and purpose (`asking`), the person decides and may revoke in the portal (`holder`),
//! and under an accepted consent the organisation pulls a sealed extract of what its kind and
//! purpose allow. Every step is in the consent's history, which its holder reads.

pub mod asking;
pub mod changes;
pub mod holder;
pub mod staff;
pub mod webhooks;

use crate::domain::consent::{ConsentReason, ConsentTerm};
use crate::domain::{Cnp, FieldCode, FieldError, Purpose};
use crate::Unavailable;
use chrono::NaiveDate;
use serde::Deserialize;

pub use asking::ConsentRequests;
pub use changes::{ChangeFeeds, ChangeNotices};
pub use holder::HolderConsents;
pub use staff::{StaffConsentError, StaffConsents};
pub use webhooks::WebhookDeliveries;

/// An organisation's request for consent, on the wire.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AskConsentDto {
    #[serde(default)]
    pub cnp: String,
    #[serde(default)]
    pub purpose: String,
    /// Why, shown to the person (one line).
    #[serde(default)]
    pub reason: String,
    /// Continuous until this day (`YYYY-MM-DD`, at most a year ahead); absent: one extract.
    #[serde(default)]
    pub until: Option<String>,
    /// Asked at the institution's desk, the person in front of the clerk: the answer carries
    /// a desk code to show them (public institutions only), and no e-mail is sent.
    #[serde(default)]
    pub at_desk: bool,
}

/// The request, parsed.
#[derive(Debug, Clone)]
pub struct AskConsent {
    pub cnp: Cnp,
    pub purpose: Purpose,
    pub reason: ConsentReason,
    pub term: ConsentTerm,
    pub at_desk: bool,
}

impl AskConsentDto {
    /// Parses every field, reporting all that are wrong; `today` is Bucharest's.
    pub fn try_into_domain(self, today: NaiveDate) -> Result<AskConsent, Vec<FieldError>> {
        let mut errors = Vec::new();
        let cnp = Cnp::parse(self.cnp.trim())
            .map_err(|e| errors.push(FieldError::new("cnp", FieldCode::InvalidCnp, e)))
            .ok();
        let purpose = Purpose::parse(self.purpose.trim());
        if purpose.is_none() {
            errors.push(FieldError::new(
                "purpose",
                FieldCode::UnknownPurpose,
                "not one of GET /v1/purposes",
            ));
        }
        let reason = ConsentReason::parse(&self.reason);
        if reason.is_none() {
            let code = match self.reason.trim() {
                "" => FieldCode::Required,
                long if long.chars().count() > crate::domain::consent::REASON_MAX_CHARS => {
                    FieldCode::ReasonTooLong
                }
                _ => FieldCode::InvalidCharacters,
            };
            errors.push(FieldError::new(
                "reason",
                code,
                "one line of at most 200 characters, shown to the person",
            ));
        }
        let term = match self.until.as_deref().map(str::trim) {
            None | Some("") => Some(ConsentTerm::OneOff),
            Some(text) => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                Ok(day) if day <= today => {
                    errors.push(FieldError::new(
                        "until",
                        FieldCode::InThePast,
                        "after today",
                    ));
                    None
                }
                Ok(day) if Some(day) > today.checked_add_months(chrono::Months::new(12)) => {
                    errors.push(FieldError::new(
                        "until",
                        FieldCode::MoreThanAYear,
                        "at most a year from today",
                    ));
                    None
                }
                Ok(day) => Some(ConsentTerm::Until(day)),
                Err(_) => {
                    errors.push(FieldError::new(
                        "until",
                        FieldCode::InvalidDate,
                        "YYYY-MM-DD",
                    ));
                    None
                }
            },
        };
        match (cnp, purpose, reason, term) {
            (Some(cnp), Some(purpose), Some(reason), Some(term)) if errors.is_empty() => {
                Ok(AskConsent {
                    cnp,
                    purpose,
                    reason,
                    term,
                    at_desk: self.at_desk,
                })
            }
            _ => Err(errors),
        }
    }
}

/// What an organisation's consent operations refuse.
#[derive(Debug, thiserror::Error)]
pub enum ConsentRequestError {
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// Its registration, kind or token does not cover the purpose.
    #[error("this organisation may not ask for consent for this purpose")]
    PurposeNotAllowed,
    /// Only public institutions ask at a desk (their public servants, the person present).
    #[error("only public institutions ask at a desk")]
    DeskNotAllowed,
    /// The person declined this organisation's request less than a month ago.
    #[error("the person declined a request of this organisation recently")]
    /// (Or withdrew a consent given to it.)
    RecentlyDeclined,
    #[error("no such consent of this organisation")]
    NotFound,
    /// Not accepted (still pending, declined, revoked, used or expired).
    #[error("the consent is {0}: no extract")]
    NotGiven(crate::domain::ConsentStatus),
    /// The consent changed while the extract was made (revoked, or a one-off used): ask again.
    #[error("the consent changed meanwhile")]
    Changed,
    #[error("too many requests; retry in {retry_after}s")]
    Throttled { retry_after: u64 },
    #[error(transparent)]
    Unavailable(Unavailable),
}

/// What the holder's consent operations refuse.
#[derive(Debug, thiserror::Error)]
pub enum HolderConsentError {
    /// Consents are for validated accounts (whose CNP is proven).
    #[error("the account is not validated")]
    NotValidated,
    #[error("no such consent of this holder")]
    NotFound,
    /// Already answered, revoked, or expired: nothing to do.
    #[error("the consent is {0}")]
    Settled(crate::domain::ConsentStatus),
    /// A desk code that is malformed, unknown, expired, or opens someone else's request: one
    /// answer for all.
    #[error("wrong or expired desk code")]
    WrongCode,
    /// The organisation that asks is suspended: its request may be declined, not accepted.
    #[error("the organisation is suspended")]
    OrganisationSuspended,
    #[error("too many codes tried; retry in {retry_after}s")]
    Throttled { retry_after: u64 },
    #[error(transparent)]
    Unavailable(Unavailable),
}

crate::unavailable_from_ports!(ConsentRequestError, HolderConsentError);

#[cfg(test)]
mod tests {
    use super::*;

    fn dto(until: Option<&str>) -> AskConsentDto {
        AskConsentDto {
            cnp: "1900101400012".into(),
            purpose: "ANGAJARE".into(),
            reason: "Angajare șofer".into(),
            until: until.map(str::to_owned),
            at_desk: false,
        }
    }

    #[test]
    fn a_continuous_consent_lasts_at_most_a_year() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        assert!(matches!(
            dto(None).try_into_domain(today).unwrap().term,
            ConsentTerm::OneOff
        ));
        assert!(dto(Some("2027-12-07")).try_into_domain(today).is_ok());
        let errors = dto(Some("2027-12-08")).try_into_domain(today).unwrap_err();
        assert_eq!(errors[0].field, "until");
        let errors = dto(Some("2026-12-07")).try_into_domain(today).unwrap_err();
        assert_eq!(errors[0].code, FieldCode::InThePast);
        assert!(dto(Some("7.12.2027")).try_into_domain(today).is_err());
    }

    #[test]
    fn every_wrong_field_is_named() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let bad = AskConsentDto {
            cnp: "123".into(),
            purpose: "SPYING".into(),
            reason: "a\nb".into(),
            until: Some("tomorrow".into()),
            at_desk: false,
        };
        let fields: Vec<String> = bad
            .try_into_domain(today)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["cnp", "purpose", "reason", "until"]);
    }
}
