//! Operator (police counter clerk) accounts: created, disabled, enabled, given a new password
//! or a new second factor by ops with the admin tool, never through the public API. Every
//! change ends the operator's sessions at once and is in the account's audit trail.

use crate::crypto::hash_password;
use crate::domain::{
    Account, AccountId, AccountStatus, AuditEvent, Email, Password, Role, TotpSecret,
};
use crate::ports::{AccessChange, AccountStore, CreateOutcome, SessionStore, StoreError};
use chrono::{DateTime, Utc};

/// The issuer authenticator apps show beside the code.
pub const TOTP_ISSUER: &str = "cazier";

#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    #[error("invalid {field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("an account with this e-mail address exists already")]
    Exists,
    #[error("there is no operator with this e-mail address")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A new operator, and the secret of their second factor (shown once, to enrol their
/// authenticator app).
pub struct CreatedOperator {
    pub account_id: AccountId,
    pub totp: Option<TotpSecret>,
}

fn hashed(password: &str) -> Result<String, OperatorError> {
    let password = Password::parse(password).map_err(|e| OperatorError::Invalid {
        field: "password",
        message: e.to_string(),
    })?;
    hash_password(password.expose())
        .map_err(|e| OperatorError::Store(StoreError::Unavailable(e.to_string())))
}

/// Creates an operator account for `unit`, with a second factor unless `with_totp` is false
/// (the local stack's seeded clerk).
pub async fn create_operator(
    accounts: &dyn AccountStore,
    email: &str,
    password: &str,
    unit: &str,
    with_totp: bool,
    now: DateTime<Utc>,
) -> Result<CreatedOperator, OperatorError> {
    let invalid = |field, message: String| OperatorError::Invalid { field, message };
    let email = Email::parse(email).map_err(|e| invalid("e-mail", e.to_string()))?;
    let unit =
        crate::domain::Name::parse_label(unit).map_err(|e| invalid("unit", e.to_string()))?;
    let password_hash = hashed(password)?;
    let totp = with_totp.then(TotpSecret::random);
    let account = Account {
        account_id: AccountId::random(),
        email,
        role: Role::Operator,
        // Operators are vetted by ops; there is nothing further to validate.
        status: AccountStatus::Validated,
        password_hash,
        created_at: now,
        person: None,
        counter_code: None,
        validation: None,
        unit: Some(unit.as_str().to_owned()),
        expires_at: None,
        disabled: false,
        totp: totp.clone(),
        details_version: 0,
    };
    match accounts.create(&account, now).await? {
        CreateOutcome::Created => Ok(CreatedOperator {
            account_id: account.account_id,
            totp,
        }),
        CreateOutcome::Taken | CreateOutcome::CounterCodeTaken => Err(OperatorError::Exists),
    }
}

/// What ops do to an existing operator.
pub enum OperatorChange {
    Disable,
    Enable,
    /// A new password (as typed by ops).
    Password(String),
    /// A new second-factor secret (the old one stops working).
    NewTotp,
}

/// Changes an operator's access; every session of theirs ends at once. Returns the new
/// TOTP secret when one was made.
pub async fn change_operator(
    accounts: &dyn AccountStore,
    sessions: &dyn SessionStore,
    email: &str,
    change: OperatorChange,
    by: &str,
    now: DateTime<Utc>,
) -> Result<Option<TotpSecret>, OperatorError> {
    let email = Email::parse(email).map_err(|e| OperatorError::Invalid {
        field: "e-mail",
        message: e.to_string(),
    })?;
    let operator = accounts
        .find_by_email(&email)
        .await?
        .filter(|a| a.role == Role::Operator)
        .ok_or(OperatorError::NotFound)?;
    let id = &operator.account_id;
    let (access, audit, secret) = match change {
        OperatorChange::Disable => (
            AccessChange::Disabled(true),
            AuditEvent::access_changed(id, "DISABLED", by, now),
            None,
        ),
        OperatorChange::Enable => (
            AccessChange::Disabled(false),
            AuditEvent::access_changed(id, "ENABLED", by, now),
            None,
        ),
        OperatorChange::Password(password) => (
            AccessChange::Password(hashed(&password)?),
            AuditEvent::password_changed(id, "ops", now),
            None,
        ),
        OperatorChange::NewTotp => {
            let secret = TotpSecret::random();
            (
                AccessChange::Totp(Some(secret.clone())),
                AuditEvent::access_changed(id, "SECOND_FACTOR_ENROLLED", by, now),
                Some(secret),
            )
        }
    };
    if !accounts.change_access(id, &access, &audit).await? {
        return Err(OperatorError::NotFound);
    }
    sessions.revoke_all(id).await?;
    tracing::info!(operator = %id, "operator access changed; sessions ended");
    Ok(secret)
}
