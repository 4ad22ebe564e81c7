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

#[derive(Default)]
struct SessionsState {
    sessions: HashMap<String, Session>,
    devices: HashMap<String, (AccountId, DateTime<Utc>)>,
    counters: HashMap<(String, i64), u32>,
    states: HashMap<String, (StartedValidation, DateTime<Utc>)>,
    challenges: HashMap<String, (AccountId, DateTime<Utc>, SignInChallenge)>,
    assertions: HashSet<String>,
    wallet_grants: HashMap<String, (crate::ports::WalletGrant, DateTime<Utc>)>,
    presentations: HashMap<String, (crate::domain::PresentationOutcome, DateTime<Utc>)>,
    tickets: HashMap<String, (AccountTicket, DateTime<Utc>)>,
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
        s.devices.retain(|_, (owner, _)| owner != account_id);
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
        lock(&self.0)
            .states
            .insert(state_hash.to_owned(), (started.clone(), expires_at));
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
            .get(state_hash)
            .is_some_and(|(started, _)| owner.is_none_or(|o| *o == started.account_id));
        if !theirs {
            return Ok(None);
        }
        match s.states.remove(state_hash) {
            Some((started, expires)) if expires > now => Ok(Some(started)),
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

#[async_trait]
impl AccountTickets for MemorySessions {
    async fn put_ticket(
        &self,
        secret_hash: &str,
        ticket: &AccountTicket,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        lock(&self.0)
            .tickets
            .insert(secret_hash.to_owned(), (ticket.clone(), expires_at));
        Ok(())
    }

    async fn take_ticket(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountTicket>> {
        Ok(lock(&self.0)
            .tickets
            .remove(secret_hash)
            .filter(|(_, expires)| *expires > now)
            .map(|(ticket, _)| ticket))
    }

    async fn peek_ticket(
        &self,
        secret_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountTicket>> {
        Ok(lock(&self.0)
            .tickets
            .get(secret_hash)
            .filter(|(_, expires)| *expires > now)
            .map(|(ticket, _)| ticket.clone()))
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
