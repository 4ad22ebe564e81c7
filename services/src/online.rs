//! The last step of an online validation on the portal: ghiseul.ro or ROeID proved who the
//! person is; the holder, signed in, in the browser that started, sees which account is about
//! to be validated and under which name, and confirms. Nothing changes before.

use super::accounts::AccountView;
use super::validation::{validate_online, ValidateError};
use super::{unavailable_from_ports, Unavailable};
use crate::crypto::sha256_hex;
use crate::domain::{Account, AccountId, AccountStatus, Principal, ValidationMethod};
use crate::ports::{AccountStore, Clock, ProvenIdentities, ProvenIdentity};
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

/// How long a proven identity waits for its holder's confirmation.
pub const PROVEN_TTL: Duration = Duration::minutes(10);

/// The stored form of a browser's binding secret (a cookie's value).
pub fn binding_hash(binding: &str) -> String {
    sha256_hex(format!("validation-binding\n{binding}").as_bytes())
}

/// What binds a validation an API client started to its session: another token of the same
/// account (or any browser) cannot complete it.
pub fn api_binding_hash(principal: &crate::domain::Principal) -> String {
    sha256_hex(format!("validation-api\n{}", principal.token_hash).as_bytes())
}

/// Why an account cannot start or finish an online validation (ghiseul.ro, ROeID).
#[derive(Debug)]
pub(crate) enum NotPending {
    /// The session outlived its account.
    NoAccount,
    AlreadyValidated,
    Unavailable(Unavailable),
}

/// The account an online validation is for: live and not yet validated.
pub(crate) async fn pending_account(
    accounts: &dyn AccountStore,
    id: &AccountId,
    now: DateTime<Utc>,
) -> Result<Account, NotPending> {
    let account = accounts
        .get(id)
        .await
        .map_err(|e| NotPending::Unavailable(e.into()))?
        .filter(|a| !a.expired(now))
        .ok_or(NotPending::NoAccount)?;
    if account.status == AccountStatus::Validated {
        return Err(NotPending::AlreadyValidated);
    }
    Ok(account)
}

/// What the holder is asked to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwaitingConfirmation {
    pub method: ValidationMethod,
    /// The account's address, masked (`a***@example.ro`): whose account this is.
    pub email_masked: String,
    pub cnp_masked: String,
    /// The names as the evidence spells them: what certificates will carry.
    pub last_name: String,
    pub first_name: String,
    /// The names the holder gave when registering (last, first), when the evidence spells
    /// them otherwise (diacritics lost, another order): said, never silently replaced.
    pub declared: Option<(String, String)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfirmValidationError {
    /// Nothing waits for this browser and account (expired, confirmed, or never).
    #[error("nothing to confirm")]
    NothingPending,
    #[error("validated already")]
    AlreadyValidated,
    #[error("the CNP has a validated account")]
    CnpAlreadyValidated,
    /// The holder changed their declared data after the evidence was compared with them.
    #[error("the declared data changed since the identity was proven")]
    DetailsChanged,
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(ConfirmValidationError);

#[derive(Clone)]
pub struct ProvenService {
    pub accounts: Arc<dyn AccountStore>,
    pub proven: Arc<dyn ProvenIdentities>,
    pub clock: Arc<dyn Clock>,
}

impl ProvenService {
    /// What waits for confirmation in this browser for the signed-in account, if anything.
    pub async fn awaiting(
        &self,
        principal: &Principal,
        binding: Option<&str>,
    ) -> Result<Option<AwaitingConfirmation>, Unavailable> {
        let Some(binding) = binding else {
            return Ok(None);
        };
        let now = self.clock.now();
        let proven = self.proven.peek_proven(&binding_hash(binding), now).await?;
        let Some(proven) = proven.filter(|p| p.account_id == principal.account_id) else {
            return Ok(None);
        };
        let account = self
            .accounts
            .get(&proven.account_id)
            .await?
            .filter(|a| a.status == AccountStatus::PendingValidation && !a.expired(now));
        Ok(account.and_then(|a| {
            let person = a.person.as_ref()?;
            let declared = (
                person.last_name.as_str().to_owned(),
                person.first_name.as_str().to_owned(),
            );
            let last_name = proven.last_name.as_str().to_owned();
            let first_name = proven.first_name.as_str().to_owned();
            // Capitals, hyphens and spacing are how registers write names (ROeID's are in
            // capitals): only other letters (lost diacritics, another name) are said.
            let differs =
                !same_letters(&declared.0, &last_name) || !same_letters(&declared.1, &first_name);
            Some(AwaitingConfirmation {
                method: proven.method,
                email_masked: a.email.masked(),
                cnp_masked: person.cnp.masked(),
                last_name,
                first_name,
                declared: differs.then_some(declared),
            })
        }))
    }

    /// Validates the signed-in account with what was proven in this browser.
    pub async fn confirm(
        &self,
        principal: &Principal,
        binding: Option<&str>,
    ) -> Result<AccountView, ConfirmValidationError> {
        let proven = self.take(principal, binding).await?;
        let now = self.clock.now();
        let mut account = self
            .accounts
            .get(&proven.account_id)
            .await?
            .filter(|a| !a.expired(now))
            .ok_or(ConfirmValidationError::NothingPending)?;
        if account.status == AccountStatus::Validated {
            return Err(ConfirmValidationError::AlreadyValidated);
        }
        if account.details_version != proven.details_version {
            // The evidence was compared with other data (another CNP, say) than the account
            // holds now: it proves nothing about these.
            tracing::warn!(account_id = %account.account_id, "declared data changed since the identity was proven");
            return Err(ConfirmValidationError::DetailsChanged);
        }
        if let Some(person) = account.person.as_mut() {
            person.last_name = proven.last_name;
            person.first_name = proven.first_name;
        }
        validate_online(&*self.accounts, account, proven.method, now)
            .await
            .map_err(|e| match e {
                ValidateError::AlreadyValidated => ConfirmValidationError::AlreadyValidated,
                ValidateError::CnpTaken => ConfirmValidationError::CnpAlreadyValidated,
                ValidateError::DetailsChanged => ConfirmValidationError::DetailsChanged,
                ValidateError::Unavailable(e) => ConfirmValidationError::Unavailable(e),
            })
    }

    /// The holder said no: the proven identity is dropped, the account stays as it was.
    pub async fn cancel(
        &self,
        principal: &Principal,
        binding: Option<&str>,
    ) -> Result<(), ConfirmValidationError> {
        self.take(principal, binding).await.map(|_| ())
    }

    async fn take(
        &self,
        principal: &Principal,
        binding: Option<&str>,
    ) -> Result<ProvenIdentity, ConfirmValidationError> {
        let binding = binding.ok_or(ConfirmValidationError::NothingPending)?;
        let key = binding_hash(binding);
        let now = self.clock.now();
        // Only the account that started may take it: peek first, so a stranger's session
        // cannot spend another account's proof.
        let peeked = self.proven.peek_proven(&key, now).await?;
        if peeked.is_none_or(|p| p.account_id != principal.account_id) {
            return Err(ConfirmValidationError::NothingPending);
        }
        self.proven
            .take_proven(&key, now)
            .await?
            .filter(|p| p.account_id == principal.account_id)
            .ok_or(ConfirmValidationError::NothingPending)
    }
}

/// Whether two spellings of a name have the same letters, whatever their case, hyphens and
/// spacing ("Ana-Maria" and "ANA MARIA" do; "Ștefănescu" and "Stefanescu" do not).
fn same_letters(a: &str, b: &str) -> bool {
    let letters = |s: &str| -> Vec<String> {
        s.to_uppercase()
            .split(|c: char| c == '-' || c.is_whitespace())
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect()
    };
    letters(a) == letters(b)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_differ_by_their_letters_not_by_case_or_hyphens() {
        assert!(super::same_letters("Ana-Maria", "ANA MARIA"));
        assert!(super::same_letters("Popa", "POPA"));
        assert!(!super::same_letters("Ștefănescu", "STEFANESCU"));
        assert!(!super::same_letters("Ion", "IOANA"));
    }
}
