//! The sessions table in memory: sessions, throttling counters, the identity routes' and the
//! wallet protocols' single-use values, account tickets, pending registrations and proven
//! identities. Expiry is checked on every read, as the DynamoDB adapter does (TTL lags).

use super::stores::lock;
use crate::domain::AccountId;
use crate::ports::{
    AccountTicket, AccountTickets, IdentityNonces, PendingRegistration, ProvenIdentities,
    ProvenIdentity, Registrations, Session, SessionStore, SignInChallenge, StartedValidation,
    StoreResult, Throttle,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// Single-use or short-lived values by key, each with its expiry: a value read at or after it
/// is not there (as with DynamoDB, whose TTL deletes late).
struct Expiring<T>(HashMap<String, (T, DateTime<Utc>)>);

impl<T> Default for Expiring<T> {
    fn default() -> Self {
        Self(HashMap::new())
    }
}

impl<T: Clone> Expiring<T> {
    fn put(&mut self, key: &str, value: &T, expires_at: DateTime<Utc>) {
        self.0.insert(key.to_owned(), (value.clone(), expires_at));
    }

    /// The live value, left in place.
    fn peek(&self, key: &str, now: DateTime<Utc>) -> Option<T> {
        self.0
            .get(key)
            .filter(|(_, expires)| *expires > now)
            .map(|(value, _)| value.clone())
    }

    /// The live value, removed (an expired one is removed too, and not returned).
    fn take(&mut self, key: &str, now: DateTime<Utc>) -> Option<T> {
        self.0
            .remove(key)
            .filter(|(_, expires)| *expires > now)
            .map(|(value, _)| value)
    }
}

#[derive(Default)]
struct SessionsState {
    sessions: HashMap<String, Session>,
    devices: Expiring<AccountId>,
    counters: HashMap<(String, i64), u32>,
    states: Expiring<StartedValidation>,
    challenges: HashMap<String, (AccountId, DateTime<Utc>, SignInChallenge)>,
    assertions: HashSet<String>,
    wallet_grants: Expiring<crate::ports::WalletGrant>,
    presentations: Expiring<crate::ports::StoredPresentation>,
    tickets: Expiring<AccountTicket>,
    registrations: HashMap<String, PendingRegistration>,
    proven: HashMap<String, ProvenIdentity>,
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

    async fn revoke_all(&self, account_id: &AccountId) -> StoreResult<()> {
        let mut s = lock(&self.0);
        s.sessions
            .retain(|_, session| session.account_id != *account_id);
        s.devices.0.retain(|_, (owner, _)| owner != account_id);
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
            .put(device_hash, account_id, expires_at);
        Ok(())
    }

    async fn device_account(
        &self,
        device_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountId>> {
        Ok(lock(&self.0).devices.peek(device_hash, now))
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

    async fn refund(&self, key: &str, window_secs: u64, now: DateTime<Utc>) -> StoreResult<()> {
        let mut s = lock(&self.0);
        let window = (key.to_owned(), window_start(window_secs, now));
        if let Some(count) = s.counters.get_mut(&window) {
            *count = count.saturating_sub(1);
        }
        Ok(())
    }
}

#[async_trait]
impl IdentityNonces for MemorySessions {
    async fn put_state(
        &self,
        state_hash: &str,
        started: &StartedValidation,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        lock(&self.0).states.put(state_hash, started, expires_at);
        Ok(())
    }

    async fn take_state(
        &self,
        state_hash: &str,
        owner: Option<&AccountId>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<StartedValidation>> {
        let mut s = lock(&self.0);
        let theirs = s
            .states
            .0
            .get(state_hash)
            .is_some_and(|(started, _)| owner.is_none_or(|o| *o == started.account_id));
        Ok(if theirs {
            s.states.take(state_hash, now)
        } else {
            None
        })
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
            .put(secret_hash, grant, expires_at);
        Ok(())
    }

    async fn take_grant(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<crate::ports::WalletGrant>> {
        Ok(lock(&self.0).wallet_grants.take(secret_hash, now))
    }

    async fn peek_grant(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<crate::ports::WalletGrant>> {
        Ok(lock(&self.0).wallet_grants.peek(secret_hash, now))
    }

    async fn put_new_grant(
        &self,
        secret_hash: &str,
        grant: &crate::ports::WalletGrant,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut state = lock(&self.0);
        if state.wallet_grants.peek(secret_hash, now).is_some() {
            return Ok(false);
        }
        state.wallet_grants.put(secret_hash, grant, expires_at);
        Ok(true)
    }
}

#[async_trait]
impl crate::ports::PresentationResults for MemorySessions {
    async fn put_presentation(
        &self,
        transaction_hash: &str,
        stored: &crate::ports::StoredPresentation,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        lock(&self.0)
            .presentations
            .put(transaction_hash, stored, expires_at);
        Ok(())
    }

    async fn get_presentation(
        &self,
        transaction_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<crate::ports::StoredPresentation>> {
        Ok(lock(&self.0).presentations.peek(transaction_hash, now))
    }
}

#[async_trait]
impl AccountTickets for MemorySessions {
    async fn put_ticket(
        &self,
        secret_hash: &str,
        ticket: &AccountTicket,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        lock(&self.0).tickets.put(secret_hash, ticket, expires_at);
        Ok(())
    }

    async fn take_ticket(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountTicket>> {
        Ok(lock(&self.0).tickets.take(secret_hash, now))
    }

    async fn peek_ticket(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountTicket>> {
        Ok(lock(&self.0).tickets.peek(secret_hash, now))
    }
}

#[async_trait]
impl Registrations for MemorySessions {
    async fn put_registration(
        &self,
        registration_hash: &str,
        pending: &PendingRegistration,
    ) -> StoreResult<()> {
        lock(&self.0)
            .registrations
            .insert(registration_hash.to_owned(), pending.clone());
        Ok(())
    }

    async fn try_registration(
        &self,
        registration_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PendingRegistration>> {
        let mut s = lock(&self.0);
        Ok(s.registrations
            .get_mut(registration_hash)
            .filter(|p| p.expires_at > now)
            .map(|p| {
                p.tries += 1;
                p.clone()
            }))
    }

    async fn take_registration(
        &self,
        registration_hash: &str,
        code_hash: &str,
    ) -> StoreResult<bool> {
        let mut s = lock(&self.0);
        let same = s
            .registrations
            .get(registration_hash)
            .is_some_and(|p| p.code_hash == code_hash);
        if same {
            s.registrations.remove(registration_hash);
        }
        Ok(same)
    }
}

#[async_trait]
impl ProvenIdentities for MemorySessions {
    async fn put_proven(&self, binding_hash: &str, proven: &ProvenIdentity) -> StoreResult<()> {
        lock(&self.0)
            .proven
            .insert(binding_hash.to_owned(), proven.clone());
        Ok(())
    }

    async fn peek_proven(
        &self,
        binding_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ProvenIdentity>> {
        Ok(lock(&self.0)
            .proven
            .get(binding_hash)
            .filter(|p| p.expires_at > now)
            .cloned())
    }

    async fn take_proven(
        &self,
        binding_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ProvenIdentity>> {
        Ok(lock(&self.0)
            .proven
            .remove(binding_hash)
            .filter(|p| p.expires_at > now))
    }
}
