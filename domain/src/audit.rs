//! The append-only audit trail's entries. What each event records is decided here, by the
//! domain; the storage adapter only writes what it is given. Never a CNP, a name or an entry.

use super::{
    AccountId, AuditEventKind, Certificate, CertificateNumber, CheckResult, DocumentResult,
    PresentationStatus, Validation, VerificationResult,
};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Whose history an entry belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditSubject {
    Account(AccountId),
    Certificate(CertificateNumber),
    /// What a staff account did: a police clerk's validations and views, an organisation's
    /// staff member's requests, views and extracts.
    Operator(AccountId),
    /// A consent's life: asked, decided, each extract pulled under it.
    Consent(crate::ConsentId),
    /// What an organisation is told, in order: the records that changed under its continuous
    /// consents (the change feed it polls).
    ChangeFeed(crate::Cui),
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub subject: AuditSubject,
    pub at: DateTime<Utc>,
    pub event: AuditEventKind,
    /// Makes the entry unique within its subject and instant; the same id twice is one entry.
    pub id: String,
    pub details: BTreeMap<String, String>,
}

fn details<const N: usize>(pairs: [(&str, &str); N]) -> BTreeMap<String, String> {
    pairs
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

impl AuditEvent {
    /// Where the entry sorts within its subject: its time (to the millisecond), its event and
    /// id. The store's sort key, and the change feed's cursor.
    pub fn sort_key(&self) -> String {
        format!(
            "{}#{}#{}",
            self.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            self.event,
            self.id
        )
    }

    /// A person's record changed under a continuous consent: in the organisation's feed (which
    /// consent, never what changed), and in the consent's history (the person sees it was told).
    pub fn record_changed(consent: &crate::consent::Consent, at: DateTime<Utc>) -> [Self; 2] {
        let id = uuid::Uuid::new_v4().to_string();
        [
            Self {
                subject: AuditSubject::ChangeFeed(consent.organisation.clone()),
                at,
                event: AuditEventKind::RecordChanged,
                id: id.clone(),
                details: details([("consent", consent.id.as_str())]),
            },
            Self {
                subject: AuditSubject::Consent(consent.id.clone()),
                at,
                event: AuditEventKind::RecordChanged,
                id,
                details: details([
                    ("organisation", consent.organisation_name.as_str()),
                    ("purpose", consent.purpose.code()),
                ]),
            },
        ]
    }

    /// An account was validated: recorded in the account's history and, at a counter, in the
    /// clerk's (with the account's id), so a clerk can see what they did today.
    pub fn validated(account_id: &AccountId, validation: &Validation) -> Vec<Self> {
        let event = Self::validation(account_id, validation);
        let mut events = vec![event.clone()];
        if let Some(operator) = &validation.operator_id {
            let mut details = event.details;
            details.insert("account_id".into(), account_id.to_string());
            events.push(Self {
                subject: AuditSubject::Operator(operator.clone()),
                id: account_id.to_string(),
                details,
                ..event
            });
        }
        events
    }

    /// The account's entry: how, and by which clerk and unit at a counter. An account is
    /// validated once, so its id is fixed.
    fn validation(account_id: &AccountId, validation: &Validation) -> Self {
        let mut details = details([("method", validation.method.as_str())]);
        if let Some(op) = &validation.operator_id {
            details.insert("operator_id".into(), op.to_string());
        }
        if let Some(unit) = &validation.operator_unit {
            details.insert("unit".into(), unit.clone());
        }
        Self {
            subject: AuditSubject::Account(account_id.clone()),
            at: validation.validated_at,
            event: AuditEventKind::Validated,
            id: "1".into(),
            details,
        }
    }

    /// A certificate was issued: recorded in the certificate's and in the account's history,
    /// identified by the number so a retried issue is one entry.
    pub fn issued(c: &Certificate) -> [Self; 2] {
        let details = details([
            ("request_id", c.request_id.as_str()),
            ("account_id", c.account_id.as_str()),
            ("certificate_number", c.number.as_str()),
            ("purpose", c.purpose.code()),
        ]);
        [
            AuditSubject::Certificate(c.number.clone()),
            AuditSubject::Account(c.account_id.clone()),
        ]
        .map(|subject| Self {
            subject,
            at: c.issued_at,
            event: AuditEventKind::Issued,
            id: c.number.as_str().to_owned(),
            details: details.clone(),
        })
    }

    /// A clerk saw a citizen's registered data: in the citizen's history (which clerk, which
    /// unit, how they got there) and in the clerk's (which account).
    pub fn viewed(
        account_id: &AccountId,
        operator_id: &AccountId,
        unit: Option<&str>,
        how: &str,
        at: DateTime<Utc>,
    ) -> [Self; 2] {
        let id = uuid::Uuid::new_v4().to_string();
        let mut seen = details([("operator_id", operator_id.as_str()), ("how", how)]);
        if let Some(unit) = unit {
            seen.insert("unit".into(), unit.into());
        }
        let mut by = seen.clone();
        by.insert("account_id".into(), account_id.to_string());
        [
            Self {
                subject: AuditSubject::Account(account_id.clone()),
                at,
                event: AuditEventKind::Viewed,
                id: id.clone(),
                details: seen,
            },
            Self {
                subject: AuditSubject::Operator(operator_id.clone()),
                at,
                event: AuditEventKind::Viewed,
                id,
                details: by,
            },
        ]
    }

    /// An organisation's staff member acted on one of its consents (with the extract's number
    /// when one was pulled): in the staff member's history.
    pub fn staff_acted(
        staff: &AccountId,
        action: crate::StaffAction,
        consent: &crate::ConsentId,
        organisation: &crate::Cui,
        extract: Option<&str>,
        at: DateTime<Utc>,
    ) -> Self {
        let mut details = details([
            ("action", action.as_str()),
            ("consent", consent.as_str()),
            ("organisation", organisation.as_str()),
        ]);
        if let Some(number) = extract {
            details.insert("extract".into(), number.into());
        }
        Self {
            subject: AuditSubject::Operator(staff.clone()),
            at,
            event: AuditEventKind::StaffActed,
            id: uuid::Uuid::new_v4().to_string(),
            details,
        }
    }

    /// The password was changed (`how`: by its holder, by a reset link, by ops).
    pub fn password_changed(account_id: &AccountId, how: &str, at: DateTime<Utc>) -> Self {
        Self {
            subject: AuditSubject::Account(account_id.clone()),
            at,
            event: AuditEventKind::PasswordChanged,
            id: uuid::Uuid::new_v4().to_string(),
            details: details([("how", how)]),
        }
    }

    /// The holder changed their declared data (which fields, never their values).
    pub fn details_changed(account_id: &AccountId, fields: &str, at: DateTime<Utc>) -> Self {
        Self {
            subject: AuditSubject::Account(account_id.clone()),
            at,
            event: AuditEventKind::DetailsChanged,
            id: uuid::Uuid::new_v4().to_string(),
            details: details([("fields", fields)]),
        }
    }

    /// Ops changed the account's access (`what`: disabled, enabled, second factor enrolled).
    pub fn access_changed(account_id: &AccountId, what: &str, by: &str, at: DateTime<Utc>) -> Self {
        Self {
            subject: AuditSubject::Account(account_id.clone()),
            at,
            event: AuditEventKind::AccessChanged,
            id: uuid::Uuid::new_v4().to_string(),
            details: details([("what", what), ("by", by)]),
        }
    }

    pub fn revoked(number: &CertificateNumber, reason: &str, by: &str, at: DateTime<Utc>) -> Self {
        Self {
            subject: AuditSubject::Certificate(number.clone()),
            at,
            event: AuditEventKind::Revoked,
            id: uuid::Uuid::new_v4().to_string(),
            details: details([("reason", reason), ("by", by)]),
        }
    }

    /// A verification by number and CNP: the result only, never the CNP.
    pub fn verified(
        number: &CertificateNumber,
        result: VerificationResult,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            subject: AuditSubject::Certificate(number.clone()),
            at,
            event: AuditEventKind::Verified,
            id: uuid::Uuid::new_v4().to_string(),
            details: details([("result", CheckResult::from(result).as_str())]),
        }
    }

    pub fn document_verified(
        number: &CertificateNumber,
        result: DocumentResult,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            subject: AuditSubject::Certificate(number.clone()),
            at,
            event: AuditEventKind::DocumentVerified,
            id: uuid::Uuid::new_v4().to_string(),
            details: details([("result", CheckResult::from(result).as_str())]),
        }
    }

    /// A certificate opened with a share code: what the third party saw, and who they said
    /// they were (never their address).
    pub fn shared_accessed(
        number: &CertificateNumber,
        status: crate::CertificateStatus,
        organisation: Option<&str>,
        at: DateTime<Utc>,
    ) -> Self {
        let kind = AuditEventKind::SharedAccessed;
        Self::checked_by(kind, number, status.into(), organisation, at)
    }

    /// A presentation from a wallet: its status as the verifier saw it.
    pub fn wallet_presented(
        number: &CertificateNumber,
        result: PresentationStatus,
        organisation: Option<&str>,
        at: DateTime<Utc>,
    ) -> Self {
        let kind = AuditEventKind::WalletPresented;
        Self::checked_by(kind, number, result.into(), organisation, at)
    }

    /// A check by a third party who may have said who they are.
    fn checked_by(
        event: AuditEventKind,
        number: &CertificateNumber,
        result: CheckResult,
        organisation: Option<&str>,
        at: DateTime<Utc>,
    ) -> Self {
        let mut details = details([("result", result.as_str())]);
        if let Some(organisation) = organisation {
            details.insert("organisation".into(), organisation.into());
        }
        Self {
            subject: AuditSubject::Certificate(number.clone()),
            at,
            event,
            id: uuid::Uuid::new_v4().to_string(),
            details,
        }
    }

    /// A consent asked, accepted, declined or revoked, or an extract pulled under it: who asked
    /// (the registered name) and for what; for an extract, its number.
    pub fn consent(
        event: AuditEventKind,
        consent: &crate::consent::Consent,
        extract: Option<&str>,
        at: DateTime<Utc>,
    ) -> Self {
        let mut details = details([
            ("organisation", consent.organisation_name.as_str()),
            ("purpose", consent.purpose.code()),
        ]);
        if let Some(number) = extract {
            details.insert("extract".into(), number.into());
        }
        Self {
            subject: AuditSubject::Consent(consent.id.clone()),
            at,
            event,
            id: uuid::Uuid::new_v4().to_string(),
            details,
        }
    }
}
