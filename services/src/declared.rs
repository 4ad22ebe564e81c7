//! What a citizen declared at registration (CNP, names, parents' names, place of birth, the
//! identity document): shown back to them and changeable until the account is validated. After
//! validation the data are the evidence's; a renewed document is recorded by a clerk.

use super::accounts::{AccountService, AccountView, SessionError};
pub use super::person::DeclaredDto;
use super::{unavailable_from_ports, Unavailable};
use crate::domain::notice::Notice;
use crate::domain::{AccountStatus, AuditEvent, FieldError, Person};

/// The holder's declared data, and whether they may still change them.
/// Not `Debug`: personal data stay out of logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Declared {
    pub person: Person,
    pub changeable: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeDeclaredError {
    #[error("invalid data")]
    Invalid(Vec<FieldError>),
    /// Validated accounts hold the evidence's data; a clerk records a renewed document.
    #[error("the account is validated")]
    Validated,
    /// Another change (or a validation) came first: nothing was written.
    #[error("changed meanwhile")]
    Conflict,
    #[error("no such account")]
    NoAccount,
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(ChangeDeclaredError);

impl From<SessionError> for ChangeDeclaredError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::NoAccount => Self::NoAccount,
            SessionError::Unavailable(e) => Self::Unavailable(e),
        }
    }
}

impl AccountService {
    /// The caller's declared data (citizens only).
    pub async fn declared(
        &self,
        principal: &crate::domain::Principal,
    ) -> Result<Option<Declared>, SessionError> {
        let account = self.own(principal).await?;
        let changeable = account.status == AccountStatus::PendingValidation;
        Ok(account.person.map(|person| Declared { person, changeable }))
    }

    /// The account page's view: the account, its counter code while unvalidated, and the
    /// declared data, from one read.
    pub async fn account_page(
        &self,
        principal: &crate::domain::Principal,
    ) -> Result<(AccountView, Option<String>, Option<Declared>), SessionError> {
        let account = self.own(principal).await?;
        let pending = account.status == AccountStatus::PendingValidation;
        let code = pending
            .then(|| account.counter_code.as_ref().map(|c| c.as_str().to_owned()))
            .flatten();
        let view = AccountView::from(&account);
        let declared = account.person.map(|person| Declared {
            person,
            changeable: pending,
        });
        Ok((view, code, declared))
    }

    /// Replaces the caller's declared data, before validation only. The change makes any
    /// clerk's lookup and any proven identity of the old data useless for validation.
    pub async fn change_declared(
        &self,
        principal: &crate::domain::Principal,
        person: Person,
    ) -> Result<(), ChangeDeclaredError> {
        let mut account = self.own(principal).await?;
        if account.status != AccountStatus::PendingValidation {
            return Err(ChangeDeclaredError::Validated);
        }
        let Some(old) = account.person.as_ref() else {
            return Err(ChangeDeclaredError::NoAccount);
        };
        let fields = changed_fields(old, &person);
        if fields.is_empty() {
            return Ok(());
        }
        let audit = AuditEvent::details_changed(&account.account_id, &fields, self.clock.now());
        account.person = Some(person);
        if !self.accounts.change_declared(&account, &audit).await? {
            return Err(ChangeDeclaredError::Conflict);
        }
        tracing::info!(account_id = %account.account_id, fields = %fields, "declared data changed");
        // Told by e-mail: the change is made; a failed notice is logged, not the change undone.
        let notice = Notice::details_changed(&account.email, &self.portal_url);
        if let Err(e) = self.mailer.send(&notice).await {
            tracing::warn!(account_id = %account.account_id, error = %e, "details-changed notice not sent");
        }
        Ok(())
    }
}

/// The names of the fields that differ, for the audit trail (never their values).
fn changed_fields(old: &Person, new: &Person) -> String {
    [
        ("cnp", old.cnp != new.cnp),
        ("last_name", old.last_name != new.last_name),
        ("first_name", old.first_name != new.first_name),
        (
            "father_first_name",
            old.father_first_name != new.father_first_name,
        ),
        (
            "mother_first_name",
            old.mother_first_name != new.mother_first_name,
        ),
        ("birth_place", old.birth_place != new.birth_place),
        ("id_document", old.id_document != new.id_document),
    ]
    .into_iter()
    .filter(|(_, changed)| *changed)
    .map(|(name, _)| name)
    .collect::<Vec<_>>()
    .join(",")
}
