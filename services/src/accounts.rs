//! Sign-in (with operators' second factor), sessions, devices and the citizen's own account.
//! Registration is in `registration.rs`, the declared data in `declared.rs`.
//! (Over 400 lines: sign-in's three throttles, the second factor and the devices share one
//! set of rules; each function is short.)

// Registration's types, where the edges have always found them.
pub use super::registration::{
    ConfirmDto, ConfirmError, Confirmation, ConfirmationSent, IdDocumentDto, RegisterDto,
    RegisterError, Registered, Registration, CODE_TRIES, CONFIRMATION_FAILURES_PER_ADDRESS,
    REGISTRATIONS_PER_ADDRESS, REGISTRATIONS_PER_EMAIL, REGISTRATION_TTL,
};
use super::{as_rfc3339, retry_after, unavailable_from_ports, Unavailable};
use crate::crypto::{
    hash_password, new_token, sha256_hex, verify_password, verify_password_against_nothing,
};
use crate::domain::form::present;
use crate::domain::{
    bucharest_date, Account, AccountId, AccountStatus, Email, Name, Password, Principal, Role,
    SessionChannel, TotpSecret, ValidationMethod,
};
use crate::ports::{
    AccountStore, AccountTicket, AccountTickets, Clock, Mailer, Registrations, Session,
    SessionStore, Throttle,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
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
/// Failed logins for one e-mail within a day even from a device that signed in before: its
/// token, if stolen, is no licence to guess without end (a password change forgets it).
pub const LOGIN_FAILURE_LIMIT_PER_DAY_KNOWN_DEVICE: u32 = 1000;
/// Wrong second-factor codes per operator within [`LOGIN_WINDOW_SECS`], and within a day: with
/// the password known, a 6-digit code guessed 20 times a day falls about once in 140 years.
pub const TOTP_FAILURE_LIMIT: u32 = 5;
pub const TOTP_FAILURE_LIMIT_PER_DAY: u32 = 20;
/// How long a device that signed in is remembered (it then passes the e-mail-wide and
/// address-wide limits, so nobody else's guessing can lock its owner out).
pub const DEVICE_TTL: Duration = Duration::days(90);
pub const HOUR_SECS: u64 = 3600;
/// How long a sign-in waits for the operator's TOTP code after the right password.
pub const SECOND_FACTOR_TTL: Duration = Duration::minutes(5);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginDto {
    pub email: String,
    pub password: String,
    /// The `device_token` an earlier sign-in on this device gave (the portal keeps it in a
    /// cookie).
    #[serde(default, deserialize_with = "present")]
    pub device_token: Option<String>,
    /// Operators enrolled in a second factor: the current code of their authenticator app.
    #[serde(default, deserialize_with = "present")]
    pub totp: Option<String>,
}

/// How an account was validated, as its holder sees it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ValidationView {
    pub method: ValidationMethod,
    #[serde(with = "as_rfc3339")]
    pub validated_at: DateTime<Utc>,
}

/// A citizen's particulars as their certificates print them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedDetails {
    pub holder_name: String,
    pub cnp_masked: String,
    /// As declared at registration (the certificate says so).
    pub father_first_name: Option<String>,
    pub mother_first_name: Option<String>,
    pub birth_place: Option<String>,
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
    /// An unvalidated account is deleted after this day (Bucharest) unless validated.
    pub validate_before: Option<NaiveDate>,
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
            validate_before: a.expiry().map(last_day_before),
        }
    }
}

/// The last Bucharest day an account expiring at `at` still exists.
pub(super) fn last_day_before(at: DateTime<Utc>) -> NaiveDate {
    bucharest_date(at - Duration::seconds(1))
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
pub enum LoginError {
    /// Too many failures for this e-mail or from this address in the window.
    #[error("throttled")]
    Throttled { retry_after_secs: u64 },
    /// Unknown e-mail or wrong password (one answer for both), or a wrong second factor.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// The password was right; an operator must also give their TOTP code. The ticket lets
    /// the portal ask for it on a second page without keeping the password.
    #[error("second factor required")]
    SecondFactorRequired { ticket: String },
    /// An operator without a second factor where the deployment requires one.
    #[error("second factor not enrolled")]
    SecondFactorNotEnrolled,
    /// Ops disabled the account (said only to whoever knows its password).
    #[error("account disabled")]
    Disabled,
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

unavailable_from_ports!(LoginError, SessionError);

/// Cheap to clone: its ports are shared (the portal's features share one).
#[derive(Clone)]
pub struct AccountService {
    pub accounts: Arc<dyn AccountStore>,
    pub sessions: Arc<dyn SessionStore>,
    pub tickets: Arc<dyn AccountTickets>,
    pub registrations: Arc<dyn Registrations>,
    pub throttle: Arc<dyn Throttle>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    /// Linked from e-mails (the password-reset page).
    pub portal_url: String,
    /// Operators without a second factor may not sign in (true deployed).
    pub require_operator_totp: bool,
}

/// Argon2 takes tens of milliseconds of CPU: off the async workers.
pub(super) async fn hash_off_thread(password: Password) -> Result<String, Unavailable> {
    tokio::task::spawn_blocking(move || hash_password(password.expose()))
        .await
        .map_err(|e| Unavailable::Internal(e.to_string()))?
        .map_err(|e| Unavailable::Internal(e.to_string()))
}

/// Checks a password against an account's hash (or wastes the same time for none).
pub(super) async fn password_matches(password: String, account: Option<&Account>) -> bool {
    match account.map(|a| a.password_hash.clone()) {
        Some(stored) => tokio::task::spawn_blocking(move || verify_password(&password, &stored))
            .await
            .unwrap_or(false),
        None => {
            // Same work for an unknown e-mail: the answer time tells nothing.
            let _ = tokio::task::spawn_blocking(move || verify_password_against_nothing(&password))
                .await;
            false
        }
    }
}

impl AccountService {
    /// Logs in. Failures are counted per e-mail and address together, per address, and per
    /// e-mail over a day. A device that signed in to the account before is held only to the
    /// first: guessing from elsewhere cannot lock its owner out.
    pub async fn login(
        &self,
        dto: LoginDto,
        source: &str,
        channel: SessionChannel,
    ) -> Result<SessionCreated, LoginError> {
        let now = self.clock.now();
        let email_key = dto.email.trim().to_lowercase();
        let by_pair = format!("login-pair:{email_key}|{source}");
        let by_address = format!("login-from:{source}");
        let by_email = format!("login-day:{email_key}");
        let account = match Email::parse(&dto.email) {
            Ok(email) => self.accounts.find_by_email(&email).await?,
            Err(_) => None,
        }
        .filter(|a| !a.expired(now));
        let known_device = match (&dto.device_token, &account) {
            (Some(device), Some(account)) => {
                let hash = sha256_hex(device.as_bytes());
                self.sessions.device_account(&hash, now).await? == Some(account.account_id.clone())
            }
            _ => false,
        };
        // Counted before the password is checked, atomically: parallel guesses cannot all
        // pass a limit that was read before any of them was counted. An attempt that is
        // refused, or that succeeds, is taken back.
        let windows = [
            (by_pair.as_str(), LOGIN_WINDOW_SECS),
            (by_address.as_str(), LOGIN_WINDOW_SECS),
            (by_email.as_str(), LOGIN_DAY_SECS),
        ];
        let (pair, address, day) = tokio::try_join!(
            self.throttle.hit(windows[0].0, windows[0].1, now),
            self.throttle.hit(windows[1].0, windows[1].1, now),
            self.throttle.hit(windows[2].0, windows[2].1, now),
        )?;
        let throttled = if pair > LOGIN_FAILURE_LIMIT {
            Some(retry_after(now, LOGIN_WINDOW_SECS))
        } else if known_device {
            (day > LOGIN_FAILURE_LIMIT_PER_DAY_KNOWN_DEVICE)
                .then(|| retry_after(now, LOGIN_DAY_SECS))
        } else if address > LOGIN_FAILURE_LIMIT_PER_ADDRESS {
            Some(retry_after(now, LOGIN_WINDOW_SECS))
        } else if day > LOGIN_FAILURE_LIMIT_PER_DAY {
            Some(retry_after(now, LOGIN_DAY_SECS))
        } else {
            None
        };
        if let Some(retry_after_secs) = throttled {
            self.refund(&windows, now).await?;
            return Err(LoginError::Throttled { retry_after_secs });
        }
        if !password_matches(dto.password, account.as_ref()).await {
            return Err(LoginError::InvalidCredentials);
        }
        let Some(account) = account else {
            return Err(LoginError::InvalidCredentials);
        };
        if account.disabled {
            self.refund(&windows, now).await?;
            return Err(LoginError::Disabled);
        }
        if account.role.is_staff_account() {
            match (&account.totp, dto.totp) {
                (Some(secret), Some(code)) => {
                    // A wrong code counts as a failed sign-in too (it is not refunded).
                    if let Err(e) = self.second_factor(&account, secret, &code, now).await {
                        if matches!(e, LoginError::Throttled { .. }) {
                            self.refund(&windows, now).await?;
                        }
                        return Err(e);
                    }
                }
                (Some(_), None) => {
                    // The password was right; the code is counted on the second page.
                    self.refund(&windows, now).await?;
                    let ticket = new_token();
                    let pending = AccountTicket::SecondFactor {
                        account_id: account.account_id.clone(),
                        channel,
                    };
                    self.tickets
                        .put_ticket(
                            &sha256_hex(ticket.as_bytes()),
                            &pending,
                            now + SECOND_FACTOR_TTL,
                        )
                        .await?;
                    return Err(LoginError::SecondFactorRequired { ticket });
                }
                (None, _) if self.require_operator_totp => {
                    self.refund(&windows, now).await?;
                    return Err(LoginError::SecondFactorNotEnrolled);
                }
                (None, _) => {}
            }
        }
        self.refund(&windows, now).await?;
        let device_token = dto.device_token.filter(|_| known_device);
        self.open_session(&account, channel, device_token, now)
            .await
    }

    /// The second page of an operator's sign-in: the TOTP code for the ticket the first page
    /// gave. The ticket works once, whatever the code.
    pub async fn login_second_factor(
        &self,
        ticket: &str,
        code: &str,
        device_token: Option<String>,
    ) -> Result<SessionCreated, LoginError> {
        let now = self.clock.now();
        let Some(AccountTicket::SecondFactor {
            account_id,
            channel,
        }) = self
            .tickets
            .take_ticket(&sha256_hex(ticket.as_bytes()), now)
            .await?
        else {
            return Err(LoginError::InvalidCredentials);
        };
        let account = self
            .accounts
            .get(&account_id)
            .await?
            .filter(|a| !a.disabled)
            .ok_or(LoginError::InvalidCredentials)?;
        let secret = account.totp.clone().ok_or(LoginError::InvalidCredentials)?;
        self.second_factor(&account, &secret, code, now).await?;
        let known = match &device_token {
            Some(device) => {
                let hash = sha256_hex(device.as_bytes());
                self.sessions.device_account(&hash, now).await? == Some(account_id.clone())
            }
            None => false,
        };
        self.open_session(&account, channel, device_token.filter(|_| known), now)
            .await
    }

    /// Checks the operator's code, counted first against the operator's own limits (whoever
    /// has the password may not guess codes without end) and taken back when right.
    async fn second_factor(
        &self,
        account: &Account,
        secret: &TotpSecret,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<(), LoginError> {
        let short = format!("totp:{}", account.account_id);
        let day = format!("totp-day:{}", account.account_id);
        let (in_window, in_day) = tokio::try_join!(
            self.throttle.hit(&short, LOGIN_WINDOW_SECS, now),
            self.throttle.hit(&day, LOGIN_DAY_SECS, now),
        )?;
        let refund = || async {
            tokio::try_join!(
                self.throttle.refund(&short, LOGIN_WINDOW_SECS, now),
                self.throttle.refund(&day, LOGIN_DAY_SECS, now),
            )
        };
        let throttled = if in_day > TOTP_FAILURE_LIMIT_PER_DAY {
            Some(retry_after(now, LOGIN_DAY_SECS))
        } else if in_window > TOTP_FAILURE_LIMIT {
            Some(retry_after(now, LOGIN_WINDOW_SECS))
        } else {
            None
        };
        if let Some(retry_after_secs) = throttled {
            refund().await?;
            tracing::warn!(account_id = %account.account_id, "second-factor codes throttled");
            return Err(LoginError::Throttled { retry_after_secs });
        }
        if !self.second_factor_ok(account, secret, code, now).await? {
            return Err(LoginError::InvalidCredentials);
        }
        refund().await?;
        Ok(())
    }

    /// Whether `code` is the operator's current TOTP code, not used before.
    async fn second_factor_ok(
        &self,
        account: &Account,
        secret: &TotpSecret,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, Unavailable> {
        let Some(step) = secret.matching_step(code, now.timestamp()) else {
            tracing::warn!(account_id = %account.account_id, "wrong second-factor code");
            return Ok(false);
        };
        let fresh = self
            .accounts
            .use_totp_step(&account.account_id, step)
            .await?;
        if !fresh {
            tracing::warn!(account_id = %account.account_id, "second-factor code used again");
        }
        Ok(fresh)
    }

    /// A new session for the account, and the device remembered (a known device keeps its
    /// token and its 90 days start again; a new device gets one).
    pub(super) async fn open_session(
        &self,
        account: &Account,
        channel: SessionChannel,
        known_device: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<SessionCreated, LoginError> {
        let token = new_token();
        let expires_at = now + SESSION_TTL;
        let device_token = known_device.unwrap_or_else(new_token);
        let session = Session {
            token_hash: sha256_hex(token.as_bytes()),
            account_id: account.account_id.clone(),
            role: account.role,
            expires_at,
            channel,
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

    /// Takes back one attempt from each window.
    async fn refund(
        &self,
        windows: &[(&str, u64); 3],
        now: DateTime<Utc>,
    ) -> Result<(), Unavailable> {
        let [a, b, c] = windows;
        tokio::try_join!(
            self.throttle.refund(a.0, a.1, now),
            self.throttle.refund(b.0, b.1, now),
            self.throttle.refund(c.0, c.1, now),
        )?;
        Ok(())
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
        let account = self.own(principal).await?;
        let code = (account.status == AccountStatus::PendingValidation)
            .then(|| account.counter_code.as_ref().map(|c| c.as_str().to_owned()))
            .flatten();
        Ok((AccountView::from(&account), code))
    }

    pub async fn me(&self, principal: &Principal) -> Result<AccountView, SessionError> {
        Ok(AccountView::from(&self.own(principal).await?))
    }

    /// What a certificate for the caller prints of them (shown before the first request).
    pub async fn printed_details(
        &self,
        principal: &Principal,
    ) -> Result<Option<PrintedDetails>, SessionError> {
        let account = self.own(principal).await?;
        let text = |n: &Option<Name>| n.as_ref().map(|n| n.as_str().to_owned());
        Ok(account.person.map(|p| PrintedDetails {
            holder_name: format!("{} {}", p.last_name.as_str(), p.first_name.as_str()),
            cnp_masked: p.cnp.masked(),
            father_first_name: text(&p.father_first_name),
            mother_first_name: text(&p.mother_first_name),
            birth_place: text(&p.birth_place),
        }))
    }

    pub(super) async fn own(&self, principal: &Principal) -> Result<Account, SessionError> {
        let now = self.clock.now();
        self.accounts
            .get(&principal.account_id)
            .await?
            .filter(|a| !a.expired(now) && !a.disabled)
            .ok_or(SessionError::NoAccount)
    }
}
