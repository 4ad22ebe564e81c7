//! Share codes in memory, found by the SHA-256 of the code (the table keys them by a keyed
//! hash): the code as typed is never kept here either.

use super::stores::lock;
use crate::crypto::sha256_hex;
use crate::domain::{AccountId, Share, ShareCode, ShareId};
use crate::ports::{ShareStore, StoreError, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryShares(Mutex<HashMap<String, Share>>);

#[async_trait]
impl ShareStore for MemoryShares {
    async fn create(&self, code: &ShareCode, share: &Share) -> StoreResult<()> {
        let mut shares = lock(&self.0);
        let key = sha256_hex(code.as_str().as_bytes());
        if shares.contains_key(&key) {
            return Err(StoreError::Conflict);
        }
        shares.insert(key, share.clone());
        Ok(())
    }

    async fn find(&self, code: &ShareCode) -> StoreResult<Option<Share>> {
        let key = sha256_hex(code.as_str().as_bytes());
        Ok(lock(&self.0).get(&key).cloned())
    }

    async fn list_for_account(&self, account_id: &AccountId) -> StoreResult<Vec<Share>> {
        let mut mine: Vec<Share> = lock(&self.0)
            .values()
            .filter(|s| &s.account_id == account_id)
            .cloned()
            .collect();
        mine.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        Ok(mine)
    }

    async fn revoke(
        &self,
        account_id: &AccountId,
        share_id: &ShareId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut shares = lock(&self.0);
        let share = shares
            .values_mut()
            .find(|s| &s.account_id == account_id && &s.share_id == share_id);
        Ok(match share {
            Some(s) if s.revoked_at.is_none() => {
                s.revoked_at = Some(at);
                true
            }
            _ => false,
        })
    }
}
