//! Identity validation through ghiseul.ro: the citizen starts (a single-use `state` bound to
//! the account and, from the portal, to the browser), proves identity on ghiseul.ro (3-D
//! Secure card), and comes back with the signed assertion ghiseul.ro hands over. The
//! assertion must name the account's CNP and names; it completes only with the token (API)
//! or in the browser (portal) that started it.

use super::accounts::AccountView;
use super::online::{self, api_binding_hash, binding_hash, NotPending, PROVEN_TTL};
use super::validation::{validate_online, with_evidence_names, ValidateError};
use super::{unavailable_from_ports, Unavailable};
use crate::crypto::{constant_time_eq, new_token, sha256_hex};
use crate::domain::{Account, Principal, ValidationMethod};
use crate::identity::{query_value, verify, Claims, Issuer, CLOCK_SKEW_SECS};
use crate::ports::{
    AccountStore, Clock, IdentityNonces, ProvenIdentities, ProvenIdentity, StartedValidation,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// How long a started validation may take to complete.
pub const STATE_TTL: chrono::Duration = chrono::Duration::minutes(15);
pub const PROVIDER: &str = "ghiseul";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartDto {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompleteDto {
    pub assertion: String,
}

#[derive(Debug, Serialize)]
pub struct Started {
    pub state: String,
    pub authorize_url: String,
    /// From the portal: the secret the browser keeps in a cookie; the return completes only
    /// where it comes back.
    #[serde(skip)]
    pub browser_binding: Option<String>,
}

pub struct GhiseulService {
    pub accounts: Arc<dyn AccountStore>,
    pub nonces: Arc<dyn IdentityNonces>,
    pub proven: Arc<dyn ProvenIdentities>,
    pub issuers: Vec<Issuer>,
    pub clock: Arc<dyn Clock>,
}

#[derive(Debug, thiserror::Error)]
pub enum GhiseulError {
    #[error("validated already")]
    AlreadyValidated,
    /// Forged, expired, replayed, for another person or another state: one answer for all.
    #[error("invalid assertion")]
    InvalidAssertion,
    /// The validation was started by another browser, token or account: nothing changes.
    #[error("started elsewhere")]
    StartedElsewhere,
    /// The evidence is another person's (the card holder is not the account holder).
    #[error("another person's identity")]
    OtherPerson,
    /// The CNP is the account's, the names on the evidence are not the typed ones.
    #[error("the names are not the account's")]
    NameMismatch,
    /// Another validated account holds this CNP.
    #[error("the CNP has a validated account")]
    CnpAlreadyValidated,
    /// The session outlived its account.
    #[error("no such account")]
    NoAccount,
    /// No ghiseul.ro issuer is configured for this deployment.
    #[error("no ghiseul.ro issuer is configured")]
    NotConfigured,
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(GhiseulError);

impl From<ValidateError> for GhiseulError {
    fn from(e: ValidateError) -> Self {
        match e {
            ValidateError::AlreadyValidated => Self::AlreadyValidated,
            ValidateError::CnpTaken => Self::CnpAlreadyValidated,
            // Changed between the comparison and the write: the evidence proves nothing of the
            // new data.
            ValidateError::DetailsChanged => Self::InvalidAssertion,
            ValidateError::Unavailable(e) => Self::Unavailable(e),
        }
    }
}

impl GhiseulService {
    fn issuer(&self) -> Result<&Issuer, GhiseulError> {
        self.issuers
            .iter()
            .find(|i| i.provider == PROVIDER)
            .ok_or(GhiseulError::NotConfigured)
    }

    /// The origin of ghiseul.ro's sign-in page (the portal's pages must allow it as a form
    /// target: the start form is answered by a redirect there).
    pub fn origin(&self) -> Option<String> {
        crate::identity::origin_of(&self.issuer().ok()?.authorize_url)
    }

    async fn pending_account(
        &self,
        account_id: &crate::domain::AccountId,
    ) -> Result<Account, GhiseulError> {
        let now = self.clock.now();
        online::pending_account(&*self.accounts, account_id, now)
            .await
            .map_err(|e| match e {
                NotPending::NoAccount => GhiseulError::NoAccount,
                NotPending::AlreadyValidated => GhiseulError::AlreadyValidated,
                NotPending::Unavailable(e) => GhiseulError::Unavailable(e),
            })
    }

    /// Starts a validation. `return_to`: where ghiseul.ro posts the assertion back (the
    /// portal's return page), which binds the validation to the browser; API clients give
    /// none and must complete it with the same token.
    pub async fn start(
        &self,
        principal: &Principal,
        return_to: Option<&str>,
    ) -> Result<Started, GhiseulError> {
        let account = self.pending_account(&principal.account_id).await?;
        let issuer = self.issuer()?;
        let state = new_token();
        let browser_binding = return_to.map(|_| new_token());
        let started = StartedValidation {
            account_id: account.account_id.clone(),
            binding_hash: Some(match browser_binding.as_deref() {
                Some(binding) => binding_hash(binding),
                None => api_binding_hash(principal),
            }),
        };
        self.nonces
            .put_state(
                &sha256_hex(state.as_bytes()),
                &started,
                self.clock.now() + STATE_TTL,
            )
            .await?;
        let separator = if issuer.authorize_url.contains('?') {
            '&'
        } else {
            '?'
        };
        let mut authorize_url = format!(
            "{}{separator}client_id={}&state={}",
            issuer.authorize_url,
            query_value(&issuer.audience),
            query_value(&state)
        );
        if let Some(back) = return_to {
            authorize_url.push_str(&format!("&redirect_uri={}", query_value(back)));
        }
        Ok(Started {
            authorize_url,
            state,
            browser_binding,
        })
    }

    /// The API's completion: the assertion of a validation this token's account started
    /// through the API (one a browser started completes only in that browser).
    pub async fn complete(
        &self,
        principal: &Principal,
        assertion: &str,
    ) -> Result<AccountView, GhiseulError> {
        let account = self.pending_account(&principal.account_id).await?;
        let now = self.clock.now();
        // Everything that needs no state first: a refused assertion spends nothing.
        let claims = self.signed_claims(assertion.trim(), now)?;
        let spelled = Self::same_person(&claims, &account)?;
        let started = self
            .take_state(&claims, Some(&account.account_id), now)
            .await?;
        // Validations stored before API bindings existed carry none (15 minutes at most).
        let bound = started.binding_hash.as_deref().is_none_or(|expected| {
            constant_time_eq(expected.as_bytes(), api_binding_hash(principal).as_bytes())
        });
        if !bound {
            tracing::warn!(account_id = %account.account_id, reason = "started by another session", "identity assertion refused");
            return Err(GhiseulError::StartedElsewhere);
        }
        self.not_replayed(&claims, now).await?;
        Ok(validate_online(&*self.accounts, spelled, ValidationMethod::Ghiseul, now).await?)
    }

    /// The browser's return from ghiseul.ro: a form post from another site, so without the
    /// session cookie but with the `SameSite=None` binding cookie (`binding`). Completes only
    /// in the browser that started; nothing is validated yet: the holder confirms, signed
    /// in, on the portal ([`super::online::ProvenService`]).
    pub async fn returned(
        &self,
        assertion: &str,
        binding: Option<&str>,
    ) -> Result<(), GhiseulError> {
        let now = self.clock.now();
        // The signature first: an unsigned nonce must not consume anyone's state.
        let claims = self.signed_claims(assertion.trim(), now)?;
        let started = self.take_state(&claims, None, now).await?;
        let bound = match (&started.binding_hash, binding) {
            (Some(expected), Some(binding)) => {
                constant_time_eq(expected.as_bytes(), binding_hash(binding).as_bytes())
            }
            _ => false,
        };
        if !bound {
            tracing::warn!(account_id = %started.account_id, reason = "returned to another browser", "identity assertion refused");
            return Err(GhiseulError::StartedElsewhere);
        }
        let account = self.pending_account(&started.account_id).await?;
        let spelled = Self::same_person(&claims, &account)?;
        self.not_replayed(&claims, now).await?;
        let person = spelled.person.as_ref().ok_or(GhiseulError::NoAccount)?;
        let proven = ProvenIdentity {
            account_id: account.account_id.clone(),
            method: ValidationMethod::Ghiseul,
            last_name: person.last_name.clone(),
            first_name: person.first_name.clone(),
            details_version: account.details_version,
            expires_at: now + PROVEN_TTL,
        };
        let key = started.binding_hash.unwrap_or_default();
        self.proven.put_proven(&key, &proven).await?;
        Ok(())
    }

    /// The assertion's signature, issuer, audience, time window and method.
    fn signed_claims(&self, assertion: &str, now: DateTime<Utc>) -> Result<Claims, GhiseulError> {
        verify(assertion, &self.issuers, now).map_err(|reason| {
            tracing::warn!(%reason, "identity assertion refused");
            GhiseulError::InvalidAssertion
        })
    }

    /// Consumes the state the assertion's nonce names (`owner`'s only, when given).
    async fn take_state(
        &self,
        claims: &Claims,
        owner: Option<&crate::domain::AccountId>,
        now: DateTime<Utc>,
    ) -> Result<StartedValidation, GhiseulError> {
        let state_hash = sha256_hex(claims.nonce.as_bytes());
        self.nonces
            .take_state(&state_hash, owner, now)
            .await?
            .ok_or_else(|| {
                tracing::warn!(
                    reason = "unknown, used or expired state",
                    "identity assertion refused"
                );
                GhiseulError::InvalidAssertion
            })
    }

    /// The assertion is about this account's holder: the CNP, and the names as the evidence
    /// spells them (which the account then takes).
    fn same_person(claims: &Claims, account: &Account) -> Result<Account, GhiseulError> {
        let person = account.person.as_ref().ok_or(GhiseulError::NoAccount)?;
        if !constant_time_eq(claims.cnp.as_bytes(), person.cnp.as_string().as_bytes()) {
            tracing::warn!(account_id = %account.account_id, reason = "another person's CNP", "identity assertion refused");
            return Err(GhiseulError::OtherPerson);
        }
        with_evidence_names(account, &claims.family_name, &claims.given_name)
            .ok_or(GhiseulError::NameMismatch)
    }

    /// Refuses an assertion seen before.
    async fn not_replayed(&self, claims: &Claims, now: DateTime<Utc>) -> Result<(), GhiseulError> {
        let until =
            DateTime::from_timestamp(claims.exp + CLOCK_SKEW_SECS, 0).unwrap_or(now + STATE_TTL);
        if !self
            .nonces
            .remember_assertion(&claims.iss, &claims.jti, until)
            .await?
        {
            tracing::warn!(reason = "replayed assertion", "identity assertion refused");
            return Err(GhiseulError::InvalidAssertion);
        }
        Ok(())
    }
}
