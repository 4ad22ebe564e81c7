//! In-memory implementations of the storage ports, with the same observable rules as the
//! DynamoDB adapters: unique guards, conditional writes, atomic audit appends, idempotent
//! replays. One mutex per store keeps each operation atomic, as a transaction is. This file:
//! the audit trail and accounts; `sessions.rs`: the sessions table; `issuing.rs`: the rest.

use crate::domain::{
    Account, AccountId, AccountStatus, AuditEvent, AuditSubject, Cnp, CounterCode, Email,
    Validation,
};
use crate::ports::{
    AccessChange, AccountStore, AuditLog, CreateOutcome, StoreResult, ValidateOutcome,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// A poisoned lock means a test already panicked; carrying on with its data is fine.
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Default)]
pub struct MemoryAudit(Mutex<Vec<AuditEvent>>);

impl MemoryAudit {
    /// Appends unless the same entry (subject, time, event, id) is there: as the table does.
    fn append(events: &mut Vec<AuditEvent>, e: &AuditEvent) {
        let same = |x: &AuditEvent| {
            x.subject == e.subject && x.at == e.at && x.event == e.event && x.id == e.id
        };
        if !events.iter().any(same) {
            events.push(e.clone());
        }
    }

    pub(super) fn append_all(&self, events: &[AuditEvent]) {
        let mut all = lock(&self.0);
        for e in events {
            Self::append(&mut all, e);
        }
    }

    /// Every entry, in the order written.
    pub fn all(&self) -> Vec<AuditEvent> {
        lock(&self.0).clone()
    }
}

#[async_trait]
impl AuditLog for MemoryAudit {
    async fn record(&self, event: &AuditEvent) -> StoreResult<()> {
        self.append_all(std::slice::from_ref(event));
        Ok(())
    }

    async fn history_after(
        &self,
        subject: &AuditSubject,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEvent>> {
        let mut events: Vec<_> = lock(&self.0)
            .iter()
            .filter(|e| &e.subject == subject)
            .filter(|e| after.is_none_or(|after| e.sort_key().as_str() > after))
            .cloned()
            .collect();
        events.sort_by_key(AuditEvent::sort_key);
        events.truncate(limit);
        Ok(events)
    }

    async fn history(&self, subject: &AuditSubject) -> StoreResult<Vec<AuditEvent>> {
        let mut events: Vec<_> = lock(&self.0)
            .iter()
            .filter(|e| &e.subject == subject)
            .cloned()
            .collect();
        events.sort_by_key(|e| e.at);
        Ok(events)
    }
}

#[derive(Default)]
struct AccountsState {
    accounts: HashMap<AccountId, Account>,
    emails: HashMap<Email, AccountId>,
    /// The CNPs of validated accounts, and whose.
    cnps: HashMap<Cnp, AccountId>,
    counter_codes: HashMap<String, AccountId>,
    totp_steps: HashMap<AccountId, i64>,
}

impl AccountsState {
    /// Whether the account a guard points at is gone or expired unvalidated (its guards are
    /// free again).
    fn lapsed(&self, id: &AccountId, now: DateTime<Utc>) -> bool {
        self.accounts.get(id).is_none_or(|a| a.expired(now))
    }
}

pub struct MemoryAccounts {
    state: Mutex<AccountsState>,
    audit: Arc<MemoryAudit>,
}

impl MemoryAccounts {
    pub fn new(audit: Arc<MemoryAudit>) -> Self {
        Self {
            state: Mutex::default(),
            audit,
        }
    }
}

#[async_trait]
impl AccountStore for MemoryAccounts {
    async fn create(&self, account: &Account, now: DateTime<Utc>) -> StoreResult<CreateOutcome> {
        let mut s = lock(&self.state);
        if let Some(id) = s.emails.get(&account.email) {
            if !s.lapsed(id, now) {
                return Ok(CreateOutcome::Taken);
            }
        }
        let code = account.counter_code.as_ref().map(|c| c.as_str().to_owned());
        let code_taken = code
            .as_ref()
            .and_then(|c| s.counter_codes.get(c))
            .is_some_and(|id| !s.lapsed(id, now));
        if code_taken {
            return Ok(CreateOutcome::CounterCodeTaken);
        }
        let id = account.account_id.clone();
        s.emails.insert(account.email.clone(), id.clone());
        if let Some(code) = code {
            s.counter_codes.insert(code, id.clone());
        }
        s.accounts.insert(id, account.clone());
        Ok(CreateOutcome::Created)
    }

    async fn get(&self, account_id: &AccountId) -> StoreResult<Option<Account>> {
        Ok(lock(&self.state).accounts.get(account_id).cloned())
    }

    async fn find_by_email(&self, email: &Email) -> StoreResult<Option<Account>> {
        let s = lock(&self.state);
        Ok(s.emails
            .get(email)
            .and_then(|id| s.accounts.get(id))
            .cloned())
    }

    async fn find_by_cnp(&self, cnp: &crate::domain::Cnp) -> StoreResult<Option<Account>> {
        let s = lock(&self.state);
        let holds = |a: &&Account| a.person.as_ref().is_some_and(|p| &p.cnp == cnp);
        let mut holders: Vec<&Account> = s.accounts.values().filter(holds).collect();
        // The validated holder first, as the store's CNP guard names it.
        holders.sort_by_key(|a| a.status != crate::domain::AccountStatus::Validated);
        Ok(holders.first().map(|a| (*a).clone()))
    }

    async fn find_by_counter_code(&self, code: &CounterCode) -> StoreResult<Option<Account>> {
        let s = lock(&self.state);
        Ok(s.counter_codes
            .get(code.as_str())
            .and_then(|id| s.accounts.get(id))
            .cloned())
    }

    async fn mark_validated(
        &self,
        account: &Account,
        validation: &Validation,
        audit: &[AuditEvent],
    ) -> StoreResult<ValidateOutcome> {
        let mut s = lock(&self.state);
        let id = account.account_id.clone();
        let Some(stored) = s
            .accounts
            .get(&id)
            .filter(|a| a.status == AccountStatus::PendingValidation)
        else {
            return Ok(ValidateOutcome::AlreadyValidated);
        };
        if stored.details_version != account.details_version {
            return Ok(ValidateOutcome::DetailsChanged);
        }
        let cnp = account.person.as_ref().map(|p| p.cnp.clone());
        if let Some(cnp) = &cnp {
            let holder = s.cnps.get(cnp).cloned();
            let taken = holder.is_some_and(|holder| {
                holder != id
                    && s.accounts
                        .get(&holder)
                        .is_some_and(|h| h.status == AccountStatus::Validated)
            });
            if taken {
                return Ok(ValidateOutcome::CnpTaken);
            }
            s.cnps.insert(cnp.clone(), id.clone());
        }
        let mut validated = account.clone();
        validated.status = AccountStatus::Validated;
        validated.validation = Some(validation.clone());
        validated.expires_at = None;
        s.accounts.insert(id, validated);
        self.audit.append_all(audit);
        Ok(ValidateOutcome::Validated)
    }

    async fn change_access(
        &self,
        account_id: &AccountId,
        change: &AccessChange,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut s = lock(&self.state);
        let Some(account) = s.accounts.get_mut(account_id) else {
            return Ok(false);
        };
        match change {
            AccessChange::Password(hash) => account.password_hash = hash.clone(),
            AccessChange::Disabled(disabled) => account.disabled = *disabled,
            AccessChange::Totp(secret) => account.totp = secret.clone(),
        }
        if matches!(change, AccessChange::Totp(_)) {
            s.totp_steps.remove(account_id);
        }
        self.audit.append_all(std::slice::from_ref(audit));
        Ok(true)
    }

    async fn change_declared(&self, account: &Account, audit: &AuditEvent) -> StoreResult<bool> {
        let mut s = lock(&self.state);
        let Some(stored) = s.accounts.get_mut(&account.account_id).filter(|a| {
            a.status == AccountStatus::PendingValidation
                && a.details_version == account.details_version
        }) else {
            return Ok(false);
        };
        stored.person = account.person.clone();
        stored.details_version += 1;
        self.audit.append_all(std::slice::from_ref(audit));
        Ok(true)
    }

    async fn use_totp_step(&self, account_id: &AccountId, step: i64) -> StoreResult<bool> {
        let mut s = lock(&self.state);
        let last = s.totp_steps.entry(account_id.clone()).or_insert(i64::MIN);
        if step <= *last {
            return Ok(false);
        }
        *last = step;
        Ok(true)
    }
}
