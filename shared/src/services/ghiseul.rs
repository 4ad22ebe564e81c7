//! Identity validation through ghiseul.ro: the citizen starts (a single-use `state` bound to the
//! account), proves identity on ghiseul.ro (3-D Secure card), and completes with the signed
//! assertion ghiseul.ro hands back.

use super::accounts::account_view;
use crate::crypto::{constant_time_eq, new_token, sha256_hex};
use crate::domain::{AccountStatus, Validation, ValidationMethod};
use crate::http::{ApiError, Principal};
use crate::identity::{verify, Issuer, CLOCK_SKEW_SECS};
use crate::ports::{AccountStore, Clock, IdentityNonces, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
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

#[derive(Serialize)]
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

fn invalid_assertion() -> ApiError {
    ApiError::Unprocessable {
        code: "INVALID_ASSERTION",
        detail: "The identity assertion is not valid for this account; start the validation again."
            .into(),
    }
}

fn already_validated() -> ApiError {
    ApiError::Conflict {
        code: "ALREADY_VALIDATED",
        detail: "This account is validated already.".into(),
        extra: None,
    }
}

/// Percent-encodes a query value (unreserved characters kept).
fn query_value(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

impl GhiseulService {
    async fn pending_account(
        &self,
        principal: &Principal,
    ) -> Result<crate::domain::Account, ApiError> {
        let account = self
            .accounts
            .get(&principal.account_id)
            .await?
            .ok_or(ApiError::Unauthenticated)?;
        if account.status == AccountStatus::Validated {
            return Err(already_validated());
        }
        Ok(account)
    }

    pub async fn start(&self, principal: &Principal) -> Result<Started, ApiError> {
        let account = self.pending_account(principal).await?;
        let issuer = self
            .issuers
            .iter()
            .find(|i| i.provider == PROVIDER)
            .ok_or_else(|| {
                ApiError::Dependency(StoreError::Unavailable(
                    "no ghiseul.ro issuer is configured".into(),
                ))
            })?;
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
        Ok(Started {
            authorize_url: format!(
                "{}{separator}client_id={}&state={}",
                issuer.authorize_url,
                query_value(&issuer.audience),
                query_value(&state)
            ),
            state,
        })
    }

    pub async fn complete(
        &self,
        principal: &Principal,
        dto: CompleteDto,
    ) -> Result<Value, ApiError> {
        let account = self.pending_account(principal).await?;
        let person = account.person.as_ref().ok_or(ApiError::Unauthenticated)?;
        let now = self.clock.now();
        let claims = verify(dto.assertion.trim(), &self.issuers, now).map_err(|reason| {
            tracing::warn!(account_id = %account.account_id, %reason, "identity assertion refused");
            invalid_assertion()
        })?;
        if !constant_time_eq(claims.cnp.as_bytes(), person.cnp.as_string().as_bytes()) {
            tracing::warn!(account_id = %account.account_id, reason = "another person's CNP", "identity assertion refused");
            return Err(invalid_assertion());
        }
        let state_hash = sha256_hex(claims.nonce.as_bytes());
        if !self
            .nonces
            .take_state(&state_hash, &account.account_id, now)
            .await?
        {
            tracing::warn!(account_id = %account.account_id, reason = "unknown, used or expired state", "identity assertion refused");
            return Err(invalid_assertion());
        }
        let until = chrono::DateTime::from_timestamp(claims.exp + CLOCK_SKEW_SECS, 0)
            .unwrap_or(now + STATE_TTL);
        if !self
            .nonces
            .remember_assertion(&claims.iss, &claims.jti, until)
            .await?
        {
            tracing::warn!(account_id = %account.account_id, reason = "replayed assertion", "identity assertion refused");
            return Err(invalid_assertion());
        }
        let validation = Validation {
            method: ValidationMethod::Ghiseul,
            validated_at: now,
            operator_id: None,
            operator_unit: None,
        };
        match self
            .accounts
            .mark_validated(&account.account_id, &validation)
            .await
        {
            Ok(()) => {}
            Err(StoreError::Conflict) => return Err(already_validated()),
            Err(e) => return Err(e.into()),
        }
        crate::telemetry::count(
            crate::telemetry::metrics::ACCOUNTS_VALIDATED,
            Some(("Method", "GHISEUL")),
        );
        tracing::info!(account_id = %account.account_id, method = "GHISEUL", "account validated");
        let mut validated = account;
        validated.status = AccountStatus::Validated;
        validated.validation = Some(validation);
        Ok(account_view(&validated))
    }
}
