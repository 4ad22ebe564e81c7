//! In-memory implementations of the storage ports, with the same observable rules as the
//! DynamoDB adapters: unique guards, conditional writes, atomic audit appends, idempotent
//! replays. One mutex per store keeps each operation atomic, as a transaction is. This file:
//! the audit trail, accounts and the sessions table; `issuing.rs`: the rest.

use crate::domain::{
    Account, AccountId, AccountStatus, AuditEvent, AuditSubject, Cnp, CounterCode, Email,
    Validation,
};
use crate::ports::{
    AccountStore, AuditLog, CreateOutcome, IdentityNonces, Session, SessionStore, SignInChallenge,
    StoreError, StoreResult, Throttle,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
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
    cnps: HashSet<Cnp>,
    counter_codes: HashMap<String, AccountId>,
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
    async fn create(&self, account: &Account) -> StoreResult<CreateOutcome> {
        let mut s = lock(&self.state);
        let cnp = account.person.as_ref().map(|p| p.cnp.clone());
        if s.emails.contains_key(&account.email) || cnp.as_ref().is_some_and(|c| s.cnps.contains(c))
        {
            return Ok(CreateOutcome::Taken);
        }
        let code = account.counter_code.as_ref().map(|c| c.as_str().to_owned());
        if code
            .as_ref()
            .is_some_and(|c| s.counter_codes.contains_key(c))
        {
            return Ok(CreateOutcome::CounterCodeTaken);
        }
        let id = account.account_id.clone();
        s.emails.insert(account.email.clone(), id.clone());
        s.cnps.extend(cnp);
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

    async fn find_by_counter_code(&self, code: &CounterCode) -> StoreResult<Option<Account>> {
        let s = lock(&self.state);
        Ok(s.counter_codes
            .get(code.as_str())
            .and_then(|id| s.accounts.get(id))
            .cloned())
    }

    async fn mark_validated(
        &self,
        account_id: &AccountId,
        validation: &Validation,
        audit: &[AuditEvent],
    ) -> StoreResult<()> {
        let mut s = lock(&self.state);
        let account = s
            .accounts
            .get_mut(account_id)
            .filter(|a| a.status == AccountStatus::PendingValidation)
            .ok_or(StoreError::Conflict)?;
        account.status = AccountStatus::Validated;
        account.validation = Some(validation.clone());
        self.audit.append_all(audit);
        Ok(())
    }
}

#[derive(Default)]
struct SessionsState {
    sessions: HashMap<String, Session>,
    devices: HashMap<String, (AccountId, DateTime<Utc>)>,
    counters: HashMap<(String, i64), u32>,
    states: HashMap<String, (AccountId, DateTime<Utc>)>,
    challenges: HashMap<String, (AccountId, DateTime<Utc>, SignInChallenge)>,
    assertions: HashSet<String>,
    wallet_grants: HashMap<String, (crate::ports::WalletGrant, DateTime<Utc>)>,
    presentations: HashMap<String, (crate::domain::PresentationOutcome, DateTime<Utc>)>,
}

#[derive(Default)]
pub struct MemorySessions(Mutex<SessionsState>);

fn window_start(window_secs: u64, now: DateTime<Utc>) -> i64 {
    let window = window_secs.max(1) as i64;
    now.timestamp().div_euclid(window) * window
}

#[async_trait]
impl SessionStore for MemorySessions {
    async fn put(&self, session: &Session) -> StoreResult<()> {
        lock(&self.0)
            .sessions
            .insert(session.token_hash.clone(), session.clone());
        Ok(())
    }

    async fn get(&self, token_hash: &str) -> StoreResult<Option<Session>> {
        Ok(lock(&self.0).sessions.get(token_hash).cloned())
    }

    async fn delete(&self, token_hash: &str) -> StoreResult<()> {
        lock(&self.0).sessions.remove(token_hash);
        Ok(())
    }

    async fn remember_device(
        &self,
        device_hash: &str,
        account_id: &AccountId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        lock(&self.0)
            .devices
            .insert(device_hash.to_owned(), (account_id.clone(), expires_at));
        Ok(())
    }

    async fn device_account(
        &self,
        device_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountId>> {
        Ok(lock(&self.0)
            .devices
            .get(device_hash)
            .filter(|(_, expires)| *expires > now)
            .map(|(id, _)| id.clone()))
    }
}

#[async_trait]
impl Throttle for MemorySessions {
    async fn hit(&self, key: &str, window_secs: u64, now: DateTime<Utc>) -> StoreResult<u32> {
        let mut s = lock(&self.0);
        let count = s
            .counters
            .entry((key.to_owned(), window_start(window_secs, now)))
            .or_default();
        *count += 1;
        Ok(*count)
    }

    async fn count(&self, key: &str, window_secs: u64, now: DateTime<Utc>) -> StoreResult<u32> {
        let s = lock(&self.0);
        let window = (key.to_owned(), window_start(window_secs, now));
        Ok(s.counters.get(&window).copied().unwrap_or(0))
    }
}

#[async_trait]
impl IdentityNonces for MemorySessions {
    async fn put_state(
        &self,
        state_hash: &str,
        account_id: &AccountId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        lock(&self.0)
            .states
            .insert(state_hash.to_owned(), (account_id.clone(), expires_at));
        Ok(())
    }

    async fn take_state(
        &self,
        state_hash: &str,
        account_id: &AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut s = lock(&self.0);
        let valid = s
            .states
            .get(state_hash)
            .is_some_and(|(owner, expires)| owner == account_id && *expires > now);
        if valid {
            s.states.remove(state_hash);
        }
        Ok(valid)
    }

    async fn take_any_state(
        &self,
        state_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountId>> {
        let mut s = lock(&self.0);
        match s.states.remove(state_hash) {
            Some((owner, expires)) if expires > now => Ok(Some(owner)),
            _ => Ok(None),
        }
    }

    async fn remember_assertion(
        &self,
        issuer: &str,
        jti: &str,
        _until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        Ok(lock(&self.0).assertions.insert(format!("{issuer}\n{jti}")))
    }

    async fn put_challenge(
        &self,
        state_hash: &str,
        account_id: &AccountId,
        challenge: &SignInChallenge,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        lock(&self.0).challenges.insert(
            state_hash.to_owned(),
            (account_id.clone(), expires_at, challenge.clone()),
        );
        Ok(())
    }

    async fn take_challenge(
        &self,
        state_hash: &str,
        account_id: &AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SignInChallenge>> {
        let mut s = lock(&self.0);
        let valid = s
            .challenges
            .get(state_hash)
            .is_some_and(|(owner, expires, _)| owner == account_id && *expires > now);
        Ok(if valid {
            s.challenges.remove(state_hash).map(|(_, _, c)| c)
        } else {
            None
        })
    }
}

#[async_trait]
impl crate::ports::WalletGrants for MemorySessions {
    async fn put_grant(
        &self,
        secret_hash: &str,
        grant: &crate::ports::WalletGrant,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        lock(&self.0)
            .wallet_grants
            .insert(secret_hash.to_owned(), (grant.clone(), expires_at));
        Ok(())
    }

    async fn take_grant(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<crate::ports::WalletGrant>> {
        Ok(lock(&self.0)
            .wallet_grants
            .remove(secret_hash)
            .filter(|(_, expires)| *expires > now)
            .map(|(grant, _)| grant))
    }

    async fn peek_grant(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<crate::ports::WalletGrant>> {
        Ok(lock(&self.0)
            .wallet_grants
            .get(secret_hash)
            .filter(|(_, expires)| *expires > now)
            .map(|(grant, _)| grant.clone()))
    }
}

#[async_trait]
impl crate::ports::PresentationResults for MemorySessions {
    async fn put_presentation(
        &self,
        transaction_hash: &str,
        outcome: &crate::domain::PresentationOutcome,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        lock(&self.0)
            .presentations
            .insert(transaction_hash.to_owned(), (outcome.clone(), expires_at));
        Ok(())
    }

    async fn get_presentation(
        &self,
        transaction_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<crate::domain::PresentationOutcome>> {
        Ok(lock(&self.0)
            .presentations
            .get(transaction_hash)
            .filter(|(_, expires)| *expires > now)
            .map(|(state, _)| state.clone()))
    }
}
