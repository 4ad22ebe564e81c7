//! Registration: a citizen's address, password and declared data, confirmed by an e-mailed
//! code; the account exists only once the code comes back. Registration never says whether
//! an address or a CNP is known: it always answers that a code was sent.

use super::accounts::{hash_off_thread, last_day_before, AccountService, HOUR_SECS};
use super::person::{parse_person, DeclaredDto};
use super::{throttled, unavailable_from_ports, Unavailable};
use crate::crypto::{constant_time_eq, new_token, sha256_hex};
use crate::domain::form::present;
use crate::domain::{
    Account, AccountId, AccountStatus, ConfirmationCode, CounterCode, Email, FieldCode, FieldError,
    Form, Notice, Password, Person, Role, UNVALIDATED_ACCOUNT_TTL,
};
use crate::ports::{CreateOutcome, PendingRegistration};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use super::person::IdDocumentDto;

/// How long the e-mailed code of a registration works.
pub const REGISTRATION_TTL: Duration = Duration::minutes(30);
/// Codes that may be tried against one registration; the fifth wrong one spends it.
pub const CODE_TRIES: u32 = 5;
/// Registrations from one source address per hour. Generous: mobile networks put thousands
/// of phones behind one address, and a registration reveals nothing (the e-mail limit below
/// is what stops a mailbox being flooded).
pub const REGISTRATIONS_PER_ADDRESS: u32 = 200;
/// Registrations (so e-mails) for one mailbox from one source address per hour: nobody can
/// flood a mailbox from one place, and nobody elsewhere can use up its owner's tries.
pub const REGISTRATIONS_PER_EMAIL: u32 = 5;
/// Wrong confirmation codes from one source address per hour.
pub const CONFIRMATION_FAILURES_PER_ADDRESS: u32 = 100;

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

/// The e-mailed code, as typed, for the registration whose id the registering client got.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmDto {
    pub registration_id: String,
    pub code: String,
}

impl RegisterDto {
    /// A registration from its address, password and civil-status part (the fields are
    /// flat on the wire: serde's `flatten` does not go with `deny_unknown_fields`).
    pub fn new(email: String, password: String, d: DeclaredDto) -> Self {
        Self {
            email,
            password,
            cnp: d.cnp,
            last_name: d.last_name,
            first_name: d.first_name,
            father_first_name: d.father_first_name,
            mother_first_name: d.mother_first_name,
            birth_place: d.birth_place,
            id_document: d.id_document,
        }
    }

    /// The registration as the domain reads it, or every wrong field: what an edge parses
    /// before it calls [`AccountService::register`].
    pub fn try_into_domain(self) -> Result<Registration, RegisterError> {
        let mut form = Form::default();
        let email = form.take("email", FieldCode::InvalidEmail, Email::parse(&self.email));
        let password = form.take(
            "password",
            FieldCode::InvalidPassword,
            Password::parse(&self.password),
        );
        let person = parse_person(&self.declared(), &mut form);
        form.finish().map_err(RegisterError::Invalid)?;
        match (email, password, person) {
            (Some(email), Some(password), Some(person)) => Ok(Registration {
                email,
                password,
                person,
            }),
            _ => Err(RegisterError::Invalid(Vec::new())),
        }
    }

    /// The civil-status part of the registration.
    fn declared(&self) -> DeclaredDto {
        DeclaredDto {
            cnp: self.cnp.clone(),
            last_name: self.last_name.clone(),
            first_name: self.first_name.clone(),
            father_first_name: self.father_first_name.clone(),
            mother_first_name: self.mother_first_name.clone(),
            birth_place: self.birth_place.clone(),
            id_document: self.id_document.clone(),
        }
    }
}

/// A registration as the domain reads it. Not `Debug`: personal data stay out of logs.
pub struct Registration {
    pub email: Email,
    pub password: Password,
    pub person: Person,
}

/// A registration's id (as its client got it) and the code typed for it.
pub struct Confirmation {
    registration_id: String,
    code: ConfirmationCode,
}

impl ConfirmDto {
    /// The confirmation as the domain reads it: a code of the right shape, for an id of a
    /// sane length (anything else cannot match, and is answered as a wrong code).
    pub fn try_into_domain(self) -> Result<Confirmation, ConfirmError> {
        let code = ConfirmationCode::parse(&self.code).ok_or(ConfirmError::InvalidCode)?;
        if self.registration_id.is_empty() || self.registration_id.len() > 128 {
            return Err(ConfirmError::InvalidCode);
        }
        Ok(Confirmation {
            registration_id: self.registration_id,
            code,
        })
    }
}

/// Registration's answer: the same whatever was known before. The id binds the code to the
/// client that registered: only it can confirm, so someone else registering the same address
/// (a code the owner might type) confirms nothing of theirs, and cannot spend their tries.
#[derive(Debug, Serialize)]
pub struct ConfirmationSent {
    pub status: &'static str,
    pub registration_id: String,
}

impl ConfirmationSent {
    fn new(registration_id: String) -> Self {
        Self {
            status: "CONFIRMATION_SENT",
            registration_id,
        }
    }
}

/// The account a confirmed registration became.
#[derive(Debug, Serialize)]
pub struct Registered {
    pub account_id: AccountId,
    pub status: AccountStatus,
    pub counter_code: String,
    pub validate_before: NaiveDate,
}

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("throttled")]
    Throttled { retry_after_secs: u64 },
    #[error(transparent)]
    Unavailable(Unavailable),
}

#[derive(Debug, thiserror::Error)]
pub enum ConfirmError {
    /// Wrong, expired, used or another registration's: one answer for all.
    #[error("invalid code")]
    InvalidCode,
    /// Wrong, and the registration's last try (or later): the code is dead, say so (the
    /// registration id shows it is the registering client asking).
    #[error("no tries left")]
    TriesSpent,
    /// The address got an account meanwhile (the code proved it is the caller's).
    #[error("an account with this e-mail address exists")]
    AccountExists,
    #[error("throttled")]
    Throttled { retry_after_secs: u64 },
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(RegisterError, ConfirmError);

impl AccountService {
    /// Starts a registration: e-mails a code to a new address, or tells an address that has an
    /// account so. The answer is the same either way, and so is the work done.
    pub async fn register(
        &self,
        registration: Registration,
        source: &str,
    ) -> Result<ConfirmationSent, RegisterError> {
        let Registration {
            email,
            password,
            person,
        } = registration;
        let now = self.clock.now();
        for (key, limit) in [
            (format!("register-from:{source}"), REGISTRATIONS_PER_ADDRESS),
            (
                format!("register-to:{}|{source}", email.as_str()),
                REGISTRATIONS_PER_EMAIL,
            ),
        ] {
            if let Err(retry_after_secs) =
                throttled(&*self.throttle, &key, limit, HOUR_SECS, now).await?
            {
                return Err(RegisterError::Throttled { retry_after_secs });
            }
        }
        let password_hash = hash_off_thread(password).await?;
        let existing = self
            .accounts
            .find_by_email(&email)
            .await?
            .filter(|a| !a.expired(now));
        // A known address gets a registration too, whose code is sent nowhere: it counts its
        // tries and runs out like any other, so neither the answers nor the work tell the
        // two apart (found by the attack on issue 24's build: five wrong codes told).
        let registration_id = new_token();
        let code = ConfirmationCode::random();
        self.registrations
            .put_registration(
                &sha256_hex(registration_id.as_bytes()),
                &PendingRegistration {
                    email: email.clone(),
                    password_hash,
                    person,
                    code_hash: sha256_hex(code.as_str().as_bytes()),
                    tries: 0,
                    expires_at: now + REGISTRATION_TTL,
                },
            )
            .await?;
        let notice = if existing.is_some() {
            Notice::already_registered(&email, &self.portal_url)
        } else {
            Notice::confirmation_code(&email, &code, REGISTRATION_TTL.num_minutes())
        };
        self.mailer
            .send(&notice)
            .await
            .map_err(|e| Unavailable::Internal(e.to_string()))?;
        tracing::info!(known = existing.is_some(), "registration e-mail sent");
        Ok(ConfirmationSent::new(registration_id))
    }

    /// Confirms a registration with its e-mailed code: the account now exists. Each try is
    /// counted before the code is compared, so parallel guesses get five tries in all.
    pub async fn confirm(
        &self,
        confirmation: Confirmation,
        source: &str,
    ) -> Result<Registered, ConfirmError> {
        let now = self.clock.now();
        let failures = format!("confirm-from:{source}");
        if let Err(retry_after_secs) = throttled(
            &*self.throttle,
            &failures,
            CONFIRMATION_FAILURES_PER_ADDRESS,
            HOUR_SECS,
            now,
        )
        .await?
        {
            self.throttle.refund(&failures, HOUR_SECS, now).await?;
            return Err(ConfirmError::Throttled { retry_after_secs });
        }
        let Confirmation {
            registration_id,
            code,
        } = confirmation;
        let registration = sha256_hex(registration_id.as_bytes());
        let Some(pending) = self
            .registrations
            .try_registration(&registration, now)
            .await?
        else {
            return Err(ConfirmError::InvalidCode);
        };
        let code_hash = sha256_hex(code.as_str().as_bytes());
        if pending.tries > CODE_TRIES
            || !constant_time_eq(pending.code_hash.as_bytes(), code_hash.as_bytes())
        {
            tracing::warn!(tries = pending.tries, "wrong confirmation code");
            return Err(if pending.tries >= CODE_TRIES {
                ConfirmError::TriesSpent
            } else {
                ConfirmError::InvalidCode
            });
        }
        if !self
            .registrations
            .take_registration(&registration, &code_hash)
            .await?
        {
            return Err(ConfirmError::InvalidCode);
        }
        self.throttle.refund(&failures, HOUR_SECS, now).await?;
        let account = self.create_account(pending, now).await?;
        crate::telemetry::count(crate::telemetry::metrics::ACCOUNTS_CREATED, None);
        tracing::info!(account_id = %account.account_id, "account created");
        Ok(Registered {
            account_id: account.account_id.clone(),
            status: AccountStatus::PendingValidation,
            counter_code: account
                .counter_code
                .map(|c| c.as_str().to_owned())
                .unwrap_or_default(),
            validate_before: last_day_before(now + UNVALIDATED_ACCOUNT_TTL),
        })
    }

    /// Stores the confirmed registration as an account. A fresh counter code collides with an
    /// existing one about once in 10^12 draws; a conflict is retried with a new code.
    async fn create_account(
        &self,
        pending: PendingRegistration,
        now: DateTime<Utc>,
    ) -> Result<Account, ConfirmError> {
        for _ in 0..3 {
            let account = Account {
                account_id: AccountId::random(),
                email: pending.email.clone(),
                role: Role::Citizen,
                status: AccountStatus::PendingValidation,
                password_hash: pending.password_hash.clone(),
                created_at: now,
                person: Some(pending.person.clone()),
                counter_code: Some(CounterCode::random()),
                validation: None,
                unit: None,
                organisation: None,
                expires_at: Some(now + UNVALIDATED_ACCOUNT_TTL),
                disabled: false,
                totp: None,
                details_version: 0,
            };
            match self.accounts.create(&account, now).await? {
                CreateOutcome::Created => return Ok(account),
                CreateOutcome::Taken => return Err(ConfirmError::AccountExists),
                CreateOutcome::CounterCodeTaken => continue,
            }
        }
        Err(Unavailable::Internal("no free counter code after 3 draws".into()).into())
    }
}
