//! Changing a password (signed in) and resetting a forgotten one (an e-mailed single-use
//! link). Both end every session of the account and tell its holder by e-mail.

use super::accounts::{hash_off_thread, password_matches, HOUR_SECS};
use super::{answer_no_sooner, throttled, unavailable_from_ports, Unavailable, MAIL_ANSWER_FLOOR};
use crate::crypto::{new_token, sha256_hex};
use crate::domain::{
    Account, AccountId, AuditEvent, Email, FieldCode, FieldError, Notice, Password, Principal, Role,
};
use crate::ports::{
    AccessChange, AccountStore, AccountTicket, AccountTickets, Clock, Mailer, SessionStore,
    Throttle,
};
use chrono::Duration;
use serde::Deserialize;
use std::sync::Arc;

/// How long a reset link works (once).
pub const RESET_TTL: Duration = Duration::minutes(30);
/// Reset e-mails to one mailbox from one source address per hour.
pub const RESETS_PER_EMAIL: u32 = 3;
/// Reset requests from one source address per hour.
pub const RESETS_PER_ADDRESS: u32 = 100;
/// Wrong current passwords per account per hour when changing it (a stolen session cannot
/// guess its way to the password).
pub const CHANGE_FAILURES: u32 = 5;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordDto {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetRequestDto {
    pub email: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResetDto {
    /// The secret of the e-mailed link.
    pub token: String,
    pub new_password: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ChangePasswordError {
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    #[error("wrong current password")]
    WrongPassword,
    #[error("throttled")]
    Throttled { retry_after_secs: u64 },
    #[error("no such account")]
    NoAccount,
    #[error(transparent)]
    Unavailable(Unavailable),
}

#[derive(Debug, thiserror::Error)]
pub enum ResetError {
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// Unknown, used or expired link: one answer for all.
    #[error("invalid link")]
    InvalidLink,
    #[error("throttled")]
    Throttled { retry_after_secs: u64 },
    #[error(transparent)]
    Unavailable(Unavailable),
}

unavailable_from_ports!(ChangePasswordError, ResetError);

/// A change of password as the domain reads it: the current one as typed (only compared),
/// and a new one that differs from it and follows the rules.
pub struct PasswordChange {
    current: String,
    new: Password,
}

impl ChangePasswordDto {
    pub fn try_into_domain(self) -> Result<PasswordChange, ChangePasswordError> {
        // Nothing typed is not a wrong password: said as such, and not counted as a try.
        let mut errors = Vec::new();
        if self.current_password.is_empty() {
            errors.push(FieldError::new(
                "current_password",
                FieldCode::Required,
                "the current password",
            ));
        }
        let new = new_password(&self.new_password).map_err(|mut e| errors.append(&mut e));
        let new = match new {
            Ok(new) if errors.is_empty() => new,
            _ => return Err(ChangePasswordError::Invalid(errors)),
        };
        if self.new_password == self.current_password {
            return Err(ChangePasswordError::Invalid(vec![FieldError::new(
                "new_password",
                FieldCode::SamePassword,
                "the new password must differ from the current one",
            )]));
        }
        Ok(PasswordChange {
            current: self.current_password,
            new,
        })
    }
}

impl ResetRequestDto {
    /// The address a reset link is asked for.
    pub fn try_into_domain(self) -> Result<Email, ResetError> {
        Email::parse(&self.email).map_err(|e| {
            ResetError::Invalid(vec![FieldError::new("email", FieldCode::InvalidEmail, e)])
        })
    }
}

/// A reset as the domain reads it: the link's secret (of a sane length) and a new password
/// that follows the rules.
pub struct PasswordReset {
    token: String,
    new: Password,
}

impl ResetDto {
    pub fn try_into_domain(self) -> Result<PasswordReset, ResetError> {
        let new = new_password(&self.new_password).map_err(ResetError::Invalid)?;
        if self.token.is_empty() || self.token.len() > 128 {
            return Err(ResetError::InvalidLink);
        }
        Ok(PasswordReset {
            token: self.token,
            new,
        })
    }
}

pub struct PasswordService {
    pub accounts: Arc<dyn AccountStore>,
    pub sessions: Arc<dyn SessionStore>,
    pub tickets: Arc<dyn AccountTickets>,
    pub throttle: Arc<dyn Throttle>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    pub portal_url: String,
}

/// Whether a reset link for the password stamped `stamp` may still reset the account: the
/// password is the one it was sent for (a later reset or change ends every older link).
fn usable(account: &Account, stamp: &str, now: chrono::DateTime<chrono::Utc>) -> bool {
    !account.disabled
        && !account.expired(now)
        && crate::crypto::constant_time_eq(account.password_stamp().as_bytes(), stamp.as_bytes())
}

fn new_password(typed: &str) -> Result<Password, Vec<FieldError>> {
    Password::parse(typed).map_err(|e| {
        vec![FieldError::new(
            "new_password",
            FieldCode::InvalidPassword,
            e,
        )]
    })
}

impl PasswordService {
    /// Changes the caller's password after checking the current one; every session ends
    /// (the portal opens a new one for the browser that asked).
    pub async fn change(
        &self,
        principal: &Principal,
        change: PasswordChange,
    ) -> Result<(), ChangePasswordError> {
        let now = self.clock.now();
        let account = self
            .accounts
            .get(&principal.account_id)
            .await?
            .filter(|a| !a.disabled && !a.expired(now))
            .ok_or(ChangePasswordError::NoAccount)?;
        let key = format!("password-change:{}", account.account_id);
        if let Err(retry_after_secs) =
            throttled(&*self.throttle, &key, CHANGE_FAILURES, HOUR_SECS, now).await?
        {
            return Err(ChangePasswordError::Throttled { retry_after_secs });
        }
        if !password_matches(change.current, Some(&account)).await {
            return Err(ChangePasswordError::WrongPassword);
        }
        self.throttle.refund(&key, HOUR_SECS, now).await?;
        self.replace(&account, change.new, "holder").await?;
        Ok(())
    }

    /// E-mails a reset link if the address has a citizen account. The answer is the same
    /// either way (operators' passwords are reset by ops, `cazier-admin operator`).
    pub async fn request_reset(&self, email: Email, source: &str) -> Result<(), ResetError> {
        let started = tokio::time::Instant::now();
        let now = self.clock.now();
        for (key, limit) in [
            (format!("reset-from:{source}"), RESETS_PER_ADDRESS),
            (
                format!("reset-to:{}|{source}", email.as_str()),
                RESETS_PER_EMAIL,
            ),
        ] {
            if let Err(retry_after_secs) =
                throttled(&*self.throttle, &key, limit, HOUR_SECS, now).await?
            {
                return Err(ResetError::Throttled { retry_after_secs });
            }
        }
        let account = self
            .accounts
            .find_by_email(&email)
            .await?
            .filter(|a| a.role == Role::Citizen && !a.disabled && !a.expired(now));
        let Some(account) = account else {
            tracing::info!("password reset asked for an address without an account");
            answer_no_sooner(started, MAIL_ANSWER_FLOOR).await;
            return Ok(());
        };
        let token = new_token();
        let ticket = AccountTicket::PasswordReset {
            account_id: account.account_id.clone(),
            password_stamp: account.password_stamp(),
        };
        self.tickets
            .put_ticket(&sha256_hex(token.as_bytes()), &ticket, now + RESET_TTL)
            .await?;
        let link = format!(
            "{}/parola/noua?cod={token}",
            self.portal_url.trim_end_matches('/')
        );
        let notice = Notice::password_reset(&account.email, &link, RESET_TTL.num_minutes());
        self.mailer
            .send(&notice)
            .await
            .map_err(|e| Unavailable::Internal(e.to_string()))?;
        tracing::info!(account_id = %account.account_id, "password reset link sent");
        answer_no_sooner(started, MAIL_ANSWER_FLOOR).await;
        Ok(())
    }

    /// Whether a reset link still works (the page shows the form, or says it expired).
    pub async fn reset_link_works(&self, token: &str) -> Result<bool, Unavailable> {
        let now = self.clock.now();
        let Some(AccountTicket::PasswordReset {
            account_id,
            password_stamp,
        }) = self
            .tickets
            .peek_ticket(&sha256_hex(token.as_bytes()), now)
            .await?
        else {
            return Ok(false);
        };
        Ok(self
            .accounts
            .get(&account_id)
            .await?
            .is_some_and(|a| usable(&a, &password_stamp, now)))
    }

    /// Sets the new password of the link's account; the link is spent. A new password that
    /// is refused leaves the link working.
    pub async fn reset(&self, reset: PasswordReset) -> Result<AccountId, ResetError> {
        let now = self.clock.now();
        let Some(AccountTicket::PasswordReset {
            account_id,
            password_stamp,
        }) = self
            .tickets
            .take_ticket(&sha256_hex(reset.token.as_bytes()), now)
            .await?
        else {
            return Err(ResetError::InvalidLink);
        };
        let account = self
            .accounts
            .get(&account_id)
            .await?
            .filter(|a| usable(a, &password_stamp, now))
            .ok_or(ResetError::InvalidLink)?;
        self.replace(&account, reset.new, "reset link").await?;
        Ok(account_id)
    }

    /// Stores the new password, ends every session and tells the holder.
    async fn replace(
        &self,
        account: &Account,
        password: Password,
        how: &str,
    ) -> Result<(), Unavailable> {
        let hash = hash_off_thread(password).await?;
        let audit = AuditEvent::password_changed(&account.account_id, how, self.clock.now());
        self.accounts
            .change_access(&account.account_id, &AccessChange::Password(hash), &audit)
            .await?;
        self.sessions.revoke_all(&account.account_id).await?;
        let notice = Notice::password_changed(&account.email, &self.portal_url);
        // The password is changed either way; a lost notice is logged, not an error.
        if let Err(e) = self.mailer.send(&notice).await {
            tracing::warn!(error = %e, "password-change notice not sent");
        }
        tracing::info!(account_id = %account.account_id, how, "password changed");
        Ok(())
    }
}
