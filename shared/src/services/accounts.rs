//! Registration, sessions and the citizen's own account.

use super::{as_rfc3339, retry_after, unavailable_from_ports, Unavailable};
use crate::crypto::{
    hash_password, new_token, sha256_hex, verify_password, verify_password_against_nothing,
};
use crate::domain::form::present;
use crate::domain::{
    Account, AccountId, AccountStatus, Cnp, CounterCode, Email, FieldError, Form, IdDocument, Name,
    Password, Person, Principal, Role, ValidationMethod,
};
use crate::ports::{AccountStore, Clock, CreateOutcome, Session, SessionStore, Throttle};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Sessions last this long; a new login is needed afterwards.
pub const SESSION_TTL: Duration = Duration::hours(1);
/// Failed logins for one e-mail from one source address within [`LOGIN_WINDOW_SECS`]; past
/// it, that address may not try that e-mail until the window ends.
pub const LOGIN_FAILURE_LIMIT: u32 = 5;
pub const LOGIN_WINDOW_SECS: u64 = 15 * 60;
/// Failed logins from one source address within the window, whatever the e-mail (several
/// people may share one address).
pub const LOGIN_FAILURE_LIMIT_PER_ADDRESS: u32 = 50;
/// Failed logins for one e-mail from all addresses together within a day: the bound on
/// distributed guessing. Past it, only a device that signed in to the account before may try.
pub const LOGIN_FAILURE_LIMIT_PER_DAY: u32 = 100;
pub const LOGIN_DAY_SECS: u64 = 24 * 3600;
/// How long a device that signed in is remembered (it then passes the e-mail-wide and
/// address-wide limits, so nobody else's guessing can lock its owner out).
pub const DEVICE_TTL: Duration = Duration::days(90);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdDocumentDto {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, deserialize_with = "present")]
    pub series: Option<String>,
    pub number: String,
}

impl IdDocumentDto {
    pub fn parse(&self, field: &str) -> Result<IdDocument, FieldError> {
        IdDocument::parse(&self.kind, self.series.as_deref(), &self.number)
            .map_err(|e| FieldError::new(field, "INVALID_ID_DOCUMENT", e))
    }
}

/// What a citizen registers with, as typed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterDto {
    pub email: String,
    pub password: String,
    pub cnp: String,
    pub last_name: String,
    pub first_name: String,
    #[serde(default, deserialize_with = "present")]
    pub father_first_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub mother_first_name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub birth_place: Option<String>,
    pub id_document: IdDocumentDto,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginDto {
    pub email: String,
    pub password: String,
    /// The `device_token` an earlier sign-in on this device gave (the portal keeps it in a
    /// cookie).
    #[serde(default, deserialize_with = "present")]
    pub device_token: Option<String>,
}

fn parse_person(dto: &RegisterDto, form: &mut Form) -> Option<Person> {
    let cnp = form.take("cnp", "INVALID_CNP", Cnp::parse(&dto.cnp));
    let mut name = |field: &str, v: &str| form.take(field, "INVALID_NAME", Name::parse(v));
    let last_name = name("last_name", &dto.last_name);
    let first_name = name("first_name", &dto.first_name);
    let father = dto
        .father_first_name
        .as_deref()
        .map(|v| name("father_first_name", v));
    let mother = dto
        .mother_first_name
        .as_deref()
        .map(|v| name("mother_first_name", v));
    let place = dto.birth_place.as_deref().map(|v| name("birth_place", v));
    let id_document = dto
        .id_document
        .parse("id_document")
        .map_err(|e| form.push(e))
        .ok();
    Some(Person {
        cnp: cnp?,
        last_name: last_name?,
        first_name: first_name?,
        father_first_name: father.map(|f| f.ok_or(())).transpose().ok()?,
        mother_first_name: mother.map(|f| f.ok_or(())).transpose().ok()?,
        birth_place: place.map(|f| f.ok_or(())).transpose().ok()?,
        id_document: id_document?,
    })
}

/// How an account was validated, as its holder sees it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ValidationView {
    pub method: ValidationMethod,
    #[serde(with = "as_rfc3339")]
    pub validated_at: DateTime<Utc>,
}

/// An account as its holder (and the validation routes) see it. The CNP only masked.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AccountView {
    pub account_id: AccountId,
    pub email: String,
    pub status: AccountStatus,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub cnp_masked: Option<String>,
    pub validation: Option<ValidationView>,
}

impl From<&Account> for AccountView {
    fn from(a: &Account) -> Self {
        Self {
            account_id: a.account_id.clone(),
            email: a.email.as_str().to_owned(),
            status: a.status,
            last_name: a.person.as_ref().map(|p| p.last_name.as_str().to_owned()),
            first_name: a.person.as_ref().map(|p| p.first_name.as_str().to_owned()),
            cnp_masked: a.person.as_ref().map(|p| p.cnp.masked()),
            validation: a.validation.as_ref().map(|v| ValidationView {
                method: v.method,
                validated_at: v.validated_at,
            }),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Registered {
    pub account_id: AccountId,
    pub status: AccountStatus,
    pub counter_code: String,
}

#[derive(Debug, Serialize)]
pub struct SessionCreated {
    pub token: String,
    #[serde(with = "as_rfc3339")]
    pub expires_at: DateTime<Utc>,
    pub role: Role,
    /// Proves, at the next sign-in, that this device signed in before (kept 90 days).
    pub device_token: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// The e-mail or the CNP is registered already (one answer for both).
    #[error("an account with this e-mail address or CNP exists")]
    AccountExists,
    #[error(transparent)]
    Unavailable(Unavailable),
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Too many failures for this e-mail or from this address in the window.
    #[error("throttled")]
    Throttled { retry_after_secs: u64 },
    /// Unknown e-mail or wrong password (one answer for both).
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error(transparent)]
    Unavailable(Unavailable),
}

/// An operation on the caller's own account.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The session outlived its account.
    #[error("no such account")]
    NoAccount,
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(RegisterError, LoginError, SessionError);

pub struct AccountService {
    pub accounts: Arc<dyn AccountStore>,
    pub sessions: Arc<dyn SessionStore>,
    pub throttle: Arc<dyn Throttle>,
    pub clock: Arc<dyn Clock>,
}

/// Argon2 takes tens of milliseconds of CPU: off the async workers.
async fn hash_off_thread(password: Password) -> Result<String, Unavailable> {
    tokio::task::spawn_blocking(move || hash_password(password.expose()))
        .await
        .map_err(|e| Unavailable::Internal(e.to_string()))?
        .map_err(|e| Unavailable::Internal(e.to_string()))
}

impl AccountService {
    pub async fn register(&self, dto: RegisterDto) -> Result<Registered, RegisterError> {
        let mut form = Form::default();
        let email = form.take("email", "INVALID_EMAIL", Email::parse(&dto.email));
        let password = form.take(
            "password",
            "INVALID_PASSWORD",
            Password::parse(&dto.password),
        );
        let person = parse_person(&dto, &mut form);
        form.finish().map_err(RegisterError::Invalid)?;
        let (Some(email), Some(password), Some(person)) = (email, password, person) else {
            return Err(Unavailable::Internal("a form without errors lacks a field".into()).into());
        };
        let password_hash = hash_off_thread(password).await?;
        // A fresh counter code collides with an existing one about once in 10^12 draws; a
        // conflict is retried with a new code, a duplicate e-mail or CNP is not.
        for _ in 0..3 {
            let account = Account {
                account_id: AccountId::random(),
                email: email.clone(),
                role: Role::Citizen,
                status: AccountStatus::PendingValidation,
                password_hash: password_hash.clone(),
                created_at: self.clock.now(),
                person: Some(person.clone()),
                counter_code: Some(CounterCode::random()),
                validation: None,
                unit: None,
            };
            match self.accounts.create(&account).await? {
                CreateOutcome::Created => {
                    crate::telemetry::count(crate::telemetry::metrics::ACCOUNTS_CREATED, None);
                    tracing::info!(account_id = %account.account_id, "account created");
                    return Ok(Registered {
                        account_id: account.account_id,
                        status: AccountStatus::PendingValidation,
                        counter_code: account
                            .counter_code
                            .map(|c| c.as_str().to_owned())
                            .unwrap_or_default(),
                    });
                }
                CreateOutcome::Taken => return Err(RegisterError::AccountExists),
                CreateOutcome::CounterCodeTaken => continue,
            }
        }
        Err(Unavailable::Internal("no free counter code after 3 draws".into()).into())
    }

    /// Logs in. Failures are counted per e-mail and address together, per address, and per
    /// e-mail over a day. A device that signed in to the account before is held only to the
    /// first: guessing from elsewhere cannot lock its owner out.
    pub async fn login(&self, dto: LoginDto, source: &str) -> Result<SessionCreated, LoginError> {
        let now = self.clock.now();
        let email_key = dto.email.trim().to_lowercase();
        let by_pair = format!("login-pair:{email_key}|{source}");
        let by_address = format!("login-from:{source}");
        let by_email = format!("login-day:{email_key}");
        let account = match Email::parse(&dto.email) {
            Ok(email) => self.accounts.find_by_email(&email).await?,
            Err(_) => None,
        };
        let known_device = match (&dto.device_token, &account) {
            (Some(device), Some(account)) => {
                let hash = sha256_hex(device.as_bytes());
                self.sessions.device_account(&hash, now).await? == Some(account.account_id.clone())
            }
            _ => false,
        };
        let (pair, address, day) = tokio::try_join!(
            self.throttle.count(&by_pair, LOGIN_WINDOW_SECS, now),
            self.throttle.count(&by_address, LOGIN_WINDOW_SECS, now),
            self.throttle.count(&by_email, LOGIN_DAY_SECS, now),
        )?;
        let throttled = if pair >= LOGIN_FAILURE_LIMIT {
            Some(retry_after(now, LOGIN_WINDOW_SECS))
        } else if known_device {
            None
        } else if address >= LOGIN_FAILURE_LIMIT_PER_ADDRESS {
            Some(retry_after(now, LOGIN_WINDOW_SECS))
        } else if day >= LOGIN_FAILURE_LIMIT_PER_DAY {
            Some(retry_after(now, LOGIN_DAY_SECS))
        } else {
            None
        };
        if let Some(retry_after_secs) = throttled {
            return Err(LoginError::Throttled { retry_after_secs });
        }
        let password = dto.password;
        let verified = match account {
            Some(account) => {
                let stored = account.password_hash.clone();
                let ok = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
                    .await
                    .unwrap_or(false);
                ok.then_some(account)
            }
            None => {
                // Same work for an unknown e-mail: the answer time tells nothing.
                let _ =
                    tokio::task::spawn_blocking(move || verify_password_against_nothing(&password))
                        .await;
                None
            }
        };
        let Some(account) = verified else {
            tokio::try_join!(
                self.throttle.hit(&by_pair, LOGIN_WINDOW_SECS, now),
                self.throttle.hit(&by_address, LOGIN_WINDOW_SECS, now),
                self.throttle.hit(&by_email, LOGIN_DAY_SECS, now),
            )?;
            return Err(LoginError::InvalidCredentials);
        };
        let token = new_token();
        let expires_at = now + SESSION_TTL;
        // The device keeps its token (its 90 days start again); a new device gets one.
        let device_token = match dto.device_token.filter(|_| known_device) {
            Some(device) => device,
            None => new_token(),
        };
        let session = Session {
            token_hash: sha256_hex(token.as_bytes()),
            account_id: account.account_id.clone(),
            role: account.role,
            expires_at,
        };
        let device_hash = sha256_hex(device_token.as_bytes());
        tokio::try_join!(
            self.sessions.put(&session),
            self.sessions
                .remember_device(&device_hash, &account.account_id, now + DEVICE_TTL),
        )?;
        Ok(SessionCreated {
            token,
            expires_at,
            role: account.role,
            device_token,
        })
    }

    pub async fn logout(&self, principal: &Principal) -> Result<(), SessionError> {
        self.sessions.delete(&principal.token_hash).await?;
        Ok(())
    }

    /// The account as the portal shows it: the view, and the counter code while the account
    /// waits for validation (the citizen says it at the counter).
    pub async fn portal_account(
        &self,
        principal: &Principal,
    ) -> Result<(AccountView, Option<String>), SessionError> {
        let account = self
            .accounts
            .get(&principal.account_id)
            .await?
            .ok_or(SessionError::NoAccount)?;
        let code = (account.status == AccountStatus::PendingValidation)
            .then(|| account.counter_code.as_ref().map(|c| c.as_str().to_owned()))
            .flatten();
        Ok((AccountView::from(&account), code))
    }

    pub async fn me(&self, principal: &Principal) -> Result<AccountView, SessionError> {
        let account = self
            .accounts
            .get(&principal.account_id)
            .await?
            .ok_or(SessionError::NoAccount)?;
        Ok(AccountView::from(&account))
    }
}
