//! Operator (police counter clerk) accounts: created by ops with the admin tool, never through
//! the public API.

use crate::crypto::hash_password;
use crate::domain::{Account, AccountId, AccountStatus, Email, Password, Role};
use crate::ports::{AccountStore, CreateOutcome, StoreError};
use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    #[error("invalid {field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("an account with this e-mail address exists already")]
    Exists,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Creates an operator account for `unit`; returns its id.
pub async fn create_operator(
    accounts: &dyn AccountStore,
    email: &str,
    password: &str,
    unit: &str,
    now: DateTime<Utc>,
) -> Result<AccountId, OperatorError> {
    let invalid = |field, message: String| OperatorError::Invalid { field, message };
    let email = Email::parse(email).map_err(|e| invalid("e-mail", e.to_string()))?;
    let password = Password::parse(password).map_err(|e| invalid("password", e.to_string()))?;
    let unit = crate::domain::Name::parse(unit).map_err(|e| invalid("unit", e.to_string()))?;
    let password_hash = hash_password(password.expose())
        .map_err(|e| OperatorError::Store(StoreError::Unavailable(e.to_string())))?;
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
    };
    match accounts.create(&account).await? {
        CreateOutcome::Created => Ok(account.account_id),
        CreateOutcome::Taken | CreateOutcome::CounterCodeTaken => Err(OperatorError::Exists),
    }
}
