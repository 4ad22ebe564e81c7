//! The sessions table: sessions (by token hash, and by account through a keys-only index so
//! that all of an account's can be ended), throttling windows, and the single-use values of
//! the identity-provider routes (the wallet protocols' items are in `wallet_items`, account
//! tickets in `tickets`, sealed pending items in `pending`). Everything here expires through
//! the TTL attribute `ttl`.

use super::{
    conditional, corrupt, dynamo_adapter, epoch_ttl, get_item, get_s, get_time, keys, n, opt_s,
    query_all, s, time,
};
use crate::crypto::sha256_hex;
use crate::domain::{AccountId, Role, SessionChannel};
use crate::ports::{
    IdentityNonces, Session, SessionStore, SignInChallenge, StartedValidation, StoreResult,
    Throttle,
};
use crate::unavailable;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};

#[derive(Clone)]
pub struct DynamoSessions {
    pub(super) client: Client,
    pub(super) table: String,
}

dynamo_adapter!(DynamoSessions);

impl DynamoSessions {
    /// An item that belongs to an account until it expires (a device, a validation state).
    async fn put_owned(
        &self,
        pk: String,
        account_id: &AccountId,
        expires_at: DateTime<Utc>,
        extra: &[(&str, &str)],
    ) -> StoreResult<()> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(pk))
            .item("account_id", s(account_id.as_str()))
            .item("expires_at", time(expires_at))
            .item("ttl", epoch_ttl(expires_at));
        for (name, value) in extra {
            put = put.item(*name, s(*value));
        }
        put.send().await.map_err(unavailable)?;
        Ok(())
    }

    /// Deletes an owned item if it is the account's and unexpired: its attributes, if it was.
    async fn take_owned(
        &self,
        pk: String,
        account_id: &AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<super::Item>> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .condition_expression("account_id = :a AND expires_at > :now")
            .expression_attribute_values(":a", s(account_id.as_str()))
            .expression_attribute_values(":now", time(now))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        Ok(conditional(result)?.map(|out| out.attributes.unwrap_or_default()))
    }

    fn window_pk(key: &str, window_secs: u64, now: DateTime<Utc>) -> (String, i64) {
        let window = window_secs.max(1) as i64;
        let start = now.timestamp().div_euclid(window) * window;
        (
            keys::throttle_window(&sha256_hex(key.as_bytes()), start),
            start + window,
        )
    }
}

#[async_trait]
impl SessionStore for DynamoSessions {
    async fn put(&self, session: &Session) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(keys::session(&session.token_hash)))
            .item("account_id", s(session.account_id.as_str()))
            // Only sessions carry this: the index of an account's sessions holds nothing else.
            .item(keys::SESSION_ACCOUNT, s(session.account_id.as_str()))
            .item("role", s(session.role.as_str()))
            .item("channel", s(session.channel.as_str()))
            .item("expires_at", time(session.expires_at))
            .item("ttl", epoch_ttl(session.expires_at))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get(&self, token_hash: &str) -> StoreResult<Option<Session>> {
        let Some(item) = get_item(&self.client, &self.table, &keys::session(token_hash)).await?
        else {
            return Ok(None);
        };
        Ok(Some(Session {
            token_hash: token_hash.to_owned(),
            account_id: AccountId::from(get_s(&item, "account_id")?),
            role: Role::parse(get_s(&item, "role")?).ok_or_else(|| corrupt("role"))?,
            expires_at: get_time(&item, "expires_at")?,
            // Sessions stored before channels existed were the API's (an hour at most).
            channel: opt_s(&item, "channel")
                .map_or(Some(SessionChannel::Api), SessionChannel::parse)
                .ok_or_else(|| corrupt("channel"))?,
        }))
    }

    async fn delete(&self, token_hash: &str) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::session(token_hash)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn revoke_all(&self, account_id: &AccountId) -> StoreResult<()> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::SESSIONS_BY_ACCOUNT_INDEX)
            .key_condition_expression("#a = :a")
            .expression_attribute_names("#a", keys::SESSION_ACCOUNT)
            .expression_attribute_values(":a", s(account_id.as_str()));
        for item in query_all(query).await? {
            let pk = get_s(&item, "pk")?;
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("pk", s(pk))
                .send()
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }

    async fn remember_device(
        &self,
        device_hash: &str,
        account_id: &AccountId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        // In the account's index: a password change forgets the devices that knew the old one.
        let indexed = [(keys::SESSION_ACCOUNT, account_id.as_str())];
        self.put_owned(keys::device(device_hash), account_id, expires_at, &indexed)
            .await
    }

    async fn device_account(
        &self,
        device_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<AccountId>> {
        let Some(item) = get_item(&self.client, &self.table, &keys::device(device_hash)).await?
        else {
            return Ok(None);
        };
        // TTL deletion lags; an expired device is not a device.
        if get_time(&item, "expires_at")? <= now {
            return Ok(None);
        }
        Ok(Some(AccountId::from(get_s(&item, "account_id")?)))
    }
}

#[async_trait]
impl IdentityNonces for DynamoSessions {
    async fn put_state(
        &self,
        state_hash: &str,
        started: &StartedValidation,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let binding = started.binding_hash.as_deref().map(|b| ("binding_hash", b));
        self.put_owned(
            keys::identity_state(state_hash),
            &started.account_id,
            expires_at,
            binding.as_slice(),
        )
        .await
    }

    async fn take_state(
        &self,
        state_hash: &str,
        owner: Option<&AccountId>,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<StartedValidation>> {
        let mut delete = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::identity_state(state_hash)))
            .condition_expression("expires_at > :now")
            .expression_attribute_values(":now", time(now))
            .return_values(ReturnValue::AllOld);
        if let Some(owner) = owner {
            delete = delete
                .condition_expression("expires_at > :now AND account_id = :a")
                .expression_attribute_values(":a", s(owner.as_str()));
        }
        let result = delete.send().await;
        let Some(item) = conditional(result)?.and_then(|out| out.attributes) else {
            return Ok(None);
        };
        // A ROeID sign-in's state is no ghiseul.ro validation: consumed, not valid.
        if item.contains_key("code_verifier") {
            return Ok(None);
        }
        Ok(Some(StartedValidation {
            account_id: AccountId::from(get_s(&item, "account_id")?),
            binding_hash: opt_s(&item, "binding_hash").map(str::to_owned),
        }))
    }

    async fn remember_assertion(
        &self,
        issuer: &str,
        jti: &str,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let id = sha256_hex(format!("{issuer}\n{jti}").as_bytes());
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(keys::assertion(&id)))
            .item("ttl", epoch_ttl(until))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        Ok(conditional(result)?.is_some())
    }

    async fn put_challenge(
        &self,
        state_hash: &str,
        account_id: &AccountId,
        challenge: &SignInChallenge,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let extra = [
            ("nonce", challenge.nonce.as_str()),
            ("code_verifier", challenge.code_verifier.as_str()),
            ("binding_hash", challenge.binding_hash.as_str()),
        ];
        self.put_owned(
            keys::identity_state(state_hash),
            account_id,
            expires_at,
            &extra,
        )
        .await
    }

    async fn take_challenge(
        &self,
        state_hash: &str,
        account_id: &AccountId,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<SignInChallenge>> {
        let Some(item) = self
            .take_owned(keys::identity_state(state_hash), account_id, now)
            .await?
        else {
            return Ok(None);
        };
        // A state started for another route (ghiseul.ro) has no challenge: consumed, not valid.
        match (
            get_s(&item, "nonce"),
            get_s(&item, "code_verifier"),
            get_s(&item, "binding_hash"),
        ) {
            (Ok(nonce), Ok(verifier), Ok(binding)) => Ok(Some(SignInChallenge {
                nonce: nonce.to_owned(),
                code_verifier: verifier.to_owned(),
                binding_hash: binding.to_owned(),
            })),
            _ => Ok(None),
        }
    }
}

#[async_trait]
impl Throttle for DynamoSessions {
    async fn hit(&self, key: &str, window_secs: u64, now: DateTime<Utc>) -> StoreResult<u32> {
        let (pk, window_end) = Self::window_pk(key, window_secs, now);
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .update_expression("ADD hits :one SET #ttl = :ttl")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":ttl", n(window_end))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out
            .attributes
            .as_ref()
            .and_then(|a| a.get("hits"))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(1))
    }

    async fn refund(&self, key: &str, window_secs: u64, now: DateTime<Utc>) -> StoreResult<()> {
        let (pk, _) = Self::window_pk(key, window_secs, now);
        // Only a counter that exists and is above zero: a refund never makes credit.
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .update_expression("ADD hits :minus_one")
            .condition_expression("hits > :zero")
            .expression_attribute_values(":minus_one", n(-1))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await;
        conditional(result)?;
        Ok(())
    }
}
