//! The shares table: each share code under the keyed hash of the code (the code itself is
//! never stored), listed by account through `shares_by_account`, newest first. Items expire
//! (TTL) a month after their share does.

use super::keys::{self, SHARES_BY_ACCOUNT_INDEX};
use super::{
    conditional, epoch_ttl, get_item, get_parsed, get_s, get_time, opt_time, private_adapter,
    query_all, s, time, Item,
};
use crate::domain::{AccountId, CertificateNumber, Share, ShareCode, ShareId};
use crate::ports::{ShareStore, StoreError, StoreResult};
use crate::privacy::Privacy;
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;

/// How long an ended share stays listed for its holder.
const KEPT_AFTER_EXPIRY_DAYS: i64 = 30;

#[derive(Clone)]
pub struct DynamoShares {
    client: Client,
    table: String,
    privacy: Arc<Privacy>,
}

private_adapter!(DynamoShares);

impl DynamoShares {
    fn pk(&self, code: &ShareCode) -> String {
        keys::share(&self.privacy.lookup_hash(code.as_str()))
    }

    fn to_item(&self, code: &ShareCode, share: &Share) -> Item {
        let mut item: Item = HashMap::from([
            ("pk".into(), s(self.pk(code))),
            ("share_id".into(), s(share.share_id.as_str())),
            ("account_id".into(), s(share.account_id.as_str())),
            (
                "certificate_number".into(),
                s(share.certificate_number.as_str()),
            ),
            ("created_at".into(), time(share.created_at)),
            ("expires_at".into(), time(share.expires_at)),
            (
                "ttl".into(),
                epoch_ttl(share.expires_at + chrono::Duration::days(KEPT_AFTER_EXPIRY_DAYS)),
            ),
        ]);
        if let Some(at) = share.revoked_at {
            item.insert("revoked_at".into(), time(at));
        }
        item
    }

    fn from_item(item: &Item) -> StoreResult<Share> {
        Ok(Share {
            share_id: ShareId::from(get_s(item, "share_id")?),
            account_id: AccountId::from(get_s(item, "account_id")?),
            certificate_number: get_parsed(item, "certificate_number", CertificateNumber::parse)?,
            created_at: get_time(item, "created_at")?,
            expires_at: get_time(item, "expires_at")?,
            revoked_at: opt_time(item, "revoked_at")?,
        })
    }

    /// The account's share items, newest first.
    async fn items_of(&self, account_id: &AccountId) -> StoreResult<Vec<Item>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(SHARES_BY_ACCOUNT_INDEX)
            .key_condition_expression("account_id = :a")
            .expression_attribute_values(":a", s(account_id.as_str()))
            .scan_index_forward(false);
        query_all(query).await
    }
}

#[async_trait]
impl ShareStore for DynamoShares {
    async fn create(&self, code: &ShareCode, share: &Share) -> StoreResult<()> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.to_item(code, share)))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        conditional(put)?.map(drop).ok_or(StoreError::Conflict)
    }

    async fn find(&self, code: &ShareCode) -> StoreResult<Option<Share>> {
        get_item(&self.client, &self.table, &self.pk(code))
            .await?
            .map(|item| Self::from_item(&item))
            .transpose()
    }

    async fn list_for_account(&self, account_id: &AccountId) -> StoreResult<Vec<Share>> {
        self.items_of(account_id)
            .await?
            .iter()
            .map(Self::from_item)
            .collect()
    }

    async fn revoke(
        &self,
        account_id: &AccountId,
        share_id: &ShareId,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let items = self.items_of(account_id).await?;
        let Some(item) = items
            .iter()
            .find(|i| get_s(i, "share_id").ok() == Some(share_id.as_str()))
        else {
            return Ok(false);
        };
        let revoked = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(get_s(item, "pk")?))
            .update_expression("SET revoked_at = :at")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(revoked_at)")
            .expression_attribute_values(":at", time(at))
            .send()
            .await;
        Ok(conditional(revoked)?.is_some())
    }
}
