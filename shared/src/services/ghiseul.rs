//! Identity validation through ghiseul.ro: the citizen starts (a single-use `state` bound to the
//! account), proves identity on ghiseul.ro (3-D Secure card), and completes with the signed
//! assertion ghiseul.ro hands back.

use super::accounts::AccountView;
use super::{unavailable_from_ports, Unavailable};
use crate::crypto::{constant_time_eq, new_token, sha256_hex};
use crate::domain::{Account, AccountStatus, Principal, ValidationMethod};
use crate::identity::{query_value, verify, Issuer, CLOCK_SKEW_SECS};
use crate::ports::{AccountStore, Clock, IdentityNonces, StoreError};
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
}

pub struct GhiseulService {
    pub accounts: Arc<dyn AccountStore>,
    pub nonces: Arc<dyn IdentityNonces>,
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

impl GhiseulService {
    async fn pending_account(&self, principal: &Principal) -> Result<Account, GhiseulError> {
        let account = self
            .accounts
            .get(&principal.account_id)
            .await?
            .ok_or(GhiseulError::NoAccount)?;
        if account.status == AccountStatus::Validated {
            return Err(GhiseulError::AlreadyValidated);
        }
        Ok(account)
    }

    /// Starts a validation. `return_to`: where ghiseul.ro posts the assertion back (the
    /// portal's return page); API clients that complete it themselves give none.
    pub async fn start(
        &self,
        principal: &Principal,
        return_to: Option<&str>,
    ) -> Result<Started, GhiseulError> {
        let account = self.pending_account(principal).await?;
        let issuer = self
            .issuers
            .iter()
            .find(|i| i.provider == PROVIDER)
            .ok_or(GhiseulError::NotConfigured)?;
        let state = new_token();
        self.nonces
            .put_state(
                &sha256_hex(state.as_bytes()),
                &account.account_id,
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
        })
    }

    pub async fn complete(
        &self,
        principal: &Principal,
        dto: CompleteDto,
    ) -> Result<AccountView, GhiseulError> {
        let account = self.pending_account(principal).await?;
        let now = self.clock.now();
        let claims = self.signed_claims(dto.assertion.trim(), now)?;
        Self::same_person(&claims, &account)?;
        let state_hash = sha256_hex(claims.nonce.as_bytes());
        if !self
            .nonces
            .take_state(&state_hash, &account.account_id, now)
            .await?
        {
            tracing::warn!(account_id = %account.account_id, reason = "unknown, used or expired state", "identity assertion refused");
            return Err(GhiseulError::InvalidAssertion);
        }
        self.finish(account, &claims, now).await
    }

    /// The browser's return from ghiseul.ro (a form post from another site, so without the
    /// session cookie): the assertion's `nonce` is the state, which names the account.
    pub async fn complete_returned(&self, assertion: &str) -> Result<AccountView, GhiseulError> {
        let now = self.clock.now();
        // The signature first: an unsigned nonce must not consume anyone's state.
        let claims = self.signed_claims(assertion.trim(), now)?;
        let state_hash = sha256_hex(claims.nonce.as_bytes());
        let Some(account_id) = self.nonces.take_any_state(&state_hash, now).await? else {
            tracing::warn!(
                reason = "unknown, used or expired state",
                "identity assertion refused"
            );
            return Err(GhiseulError::InvalidAssertion);
        };
        let account = self
            .accounts
            .get(&account_id)
            .await?
            .ok_or(GhiseulError::NoAccount)?;
        if account.status == AccountStatus::Validated {
            return Err(GhiseulError::AlreadyValidated);
        }
        Self::same_person(&claims, &account)?;
        self.finish(account, &claims, now).await
    }

    /// The assertion's signature, issuer, audience, time window and method.
    fn signed_claims(
        &self,
        assertion: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::identity::Claims, GhiseulError> {
        verify(assertion, &self.issuers, now).map_err(|reason| {
            tracing::warn!(%reason, "identity assertion refused");
            GhiseulError::InvalidAssertion
        })
    }

    /// The assertion is about this account's holder.
    fn same_person(
        claims: &crate::identity::Claims,
        account: &Account,
    ) -> Result<(), GhiseulError> {
        let person = account.person.as_ref().ok_or(GhiseulError::NoAccount)?;
        if !constant_time_eq(claims.cnp.as_bytes(), person.cnp.as_string().as_bytes()) {
            tracing::warn!(account_id = %account.account_id, reason = "another person's CNP", "identity assertion refused");
            return Err(GhiseulError::InvalidAssertion);
        }
        Ok(())
    }

    /// Refuses a replayed assertion, then validates the account.
    async fn finish(
        &self,
        account: Account,
        claims: &crate::identity::Claims,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<AccountView, GhiseulError> {
        let until = chrono::DateTime::from_timestamp(claims.exp + CLOCK_SKEW_SECS, 0)
            .unwrap_or(now + STATE_TTL);
        if !self
            .nonces
            .remember_assertion(&claims.iss, &claims.jti, until)
            .await?
        {
            tracing::warn!(account_id = %account.account_id, reason = "replayed assertion", "identity assertion refused");
            return Err(GhiseulError::InvalidAssertion);
        }
        match super::validation::validate_online(
            &*self.accounts,
            account,
            ValidationMethod::Ghiseul,
            now,
        )
        .await
        {
            Err(StoreError::Conflict) => Err(GhiseulError::AlreadyValidated),
            other => Ok(other?),
        }
    }
}
