//! Accounts ops make with the admin tool, never through the public API: operators (police
//! counter clerks) and registered organisations' staff. Created, disabled, enabled, given a
//! new password or a new second factor; every change ends the account's sessions at once and
//! is in its audit trail.

use crate::crypto::hash_password;
use crate::domain::Cui;
use crate::domain::{
    Account, AccountId, AccountStatus, AuditEvent, Email, Password, Role, TotpSecret,
};
use crate::ports::{
    AccessChange, AccountStore, CreateOutcome, Organisations, SessionStore, StoreError,
};
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
    #[error("there is no such account with this e-mail address")]
    NotFound,
    #[error("no organisation with this CUI is registered")]
    NoOrganisation,
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

/// Where a staff account works.
pub enum Workplace {
    /// A police unit's counter (an operator).
    PoliceUnit(String),
    /// A registered organisation (its staff).
    Organisation(Cui),
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
    let unit = crate::domain::Name::parse_label(unit).map_err(|e| OperatorError::Invalid {
        field: "unit",
        message: e.to_string(),
    })?;
    let workplace = Workplace::PoliceUnit(unit.as_str().to_owned());
    create_account(accounts, email, password, workplace, with_totp, now).await
}

/// Creates a staff account of a registered organisation, with a second factor unless
/// `with_totp` is false (local stacks only). The organisation must be registered; whether it
/// is active is checked at every action, so suspending it stops its staff at once.
pub async fn create_staff(
    accounts: &dyn AccountStore,
    organisations: &dyn Organisations,
    email: &str,
    password: &str,
    cui: &str,
    with_totp: bool,
    now: DateTime<Utc>,
) -> Result<CreatedOperator, OperatorError> {
    let cui = Cui::parse(cui).map_err(|e| OperatorError::Invalid {
        field: "cui",
        message: e.to_string(),
    })?;
    if organisations.get(&cui).await?.is_none() {
        return Err(OperatorError::NoOrganisation);
    }
    let workplace = Workplace::Organisation(cui);
    create_account(accounts, email, password, workplace, with_totp, now).await
}

async fn create_account(
    accounts: &dyn AccountStore,
    email: &str,
    password: &str,
    workplace: Workplace,
    with_totp: bool,
    now: DateTime<Utc>,
) -> Result<CreatedOperator, OperatorError> {
    let email = Email::parse(email).map_err(|e| OperatorError::Invalid {
        field: "e-mail",
        message: e.to_string(),
    })?;
    let password_hash = hashed(password)?;
    let totp = with_totp.then(TotpSecret::random);
    let (role, unit, organisation) = match workplace {
        Workplace::PoliceUnit(unit) => (Role::Operator, Some(unit), None),
        Workplace::Organisation(cui) => (Role::Staff, None, Some(cui)),
    };
    let account = Account {
        account_id: AccountId::random(),
        email,
        role,
        // Vetted by ops; there is nothing further to validate.
        status: AccountStatus::Validated,
        password_hash,
        created_at: now,
        person: None,
        counter_code: None,
        validation: None,
        unit,
        organisation,
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

/// What ops do to an existing operator or staff member.
pub enum OperatorChange {
    Disable,
    Enable,
    /// A new password (as typed by ops).
    Password(String),
    /// A new second-factor secret (the old one stops working).
    NewTotp,
}

/// Changes the access of an account of `role` (an operator, or an organisation's staff);
/// every session of theirs ends at once. Returns the new TOTP secret when one was made.
pub async fn change_operator(
    accounts: &dyn AccountStore,
    sessions: &dyn SessionStore,
    role: Role,
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
        .filter(|a| a.role == role && role.is_staff_account())
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
    tracing::info!(account = %id, role = %role.as_str(), "access changed; sessions ended");
    Ok(secret)
}
