//! The certificates table: each issued certificate (holder sealed; indexed by account, newest
//! first) and the yearly number sequences.

use super::audit::audit_put;
use super::conditional;
use super::keys::{CERTIFICATES_BY_ACCOUNT_INDEX, CERTIFICATES_BY_VALID_UNTIL_INDEX};
use super::{
    blob, corrupt, get_b, get_item, get_parsed, get_s, get_time, keys, n, opt_parsed, opt_time,
    opt_u64, query_all, s, sealing_adapter, time, transact, Item,
};
use crate::domain::{
    AccountId, AuditEvent, Certificate, CertificateNumber, Cnp, Cui, Purpose, RecordEntry,
    RequestId,
};
use crate::ports::{CertificateStore, RevokeOutcome, StoreError, StoreResult};
use crate::privacy::Privacy;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone)]
pub struct DynamoCertificates {
    client: Client,
    table: String,
    /// Issues and revocations are recorded there in the same transaction.
    audit_table: String,
    privacy: Arc<Privacy>,
}

/// The holder, as sealed in the certificate item.
#[derive(Serialize, Deserialize)]
struct SealedHolder {
    cnp: String,
    name: String,
    /// The entries as printed: personal data too, so sealed with the holder. Items written
    /// before they were kept have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    entries: Vec<RecordEntry>,
}

sealing_adapter!(DynamoCertificates);

impl DynamoCertificates {
    fn to_item(&self, c: &Certificate) -> StoreResult<Item> {
        let pk = keys::certificate(&c.number);
        let holder = SealedHolder {
            cnp: c.holder_cnp.as_string(),
            name: c.holder_name.clone(),
            entries: c.entries.clone(),
        };
        let mut item: Item = HashMap::from([
            ("holder".into(), blob(self.privacy.seal_json(&holder, &pk)?)),
            ("pk".into(), s(pk)),
            ("certificate_number".into(), s(c.number.as_str())),
            ("request_id".into(), s(c.request_id.as_str())),
            ("account_id".into(), s(c.account_id.as_str())),
            ("purpose".into(), s(c.purpose.code())),
            ("issued_at".into(), time(c.issued_at)),
            ("valid_until".into(), s(c.valid_until.to_string())),
            ("has_entries".into(), AttributeValue::Bool(c.has_entries)),
            ("document_key".into(), s(&c.document_key)),
            ("document_sha256".into(), s(&c.document_sha256)),
            ("signature".into(), blob(c.signature.clone())),
        ]);
        if let Some(cui) = &c.company {
            item.insert("company_cui".into(), s(cui.as_str()));
        }
        if let Some(t) = c.revoked_at {
            item.insert("revoked_at".into(), time(t));
        }
        if let Some(i) = c.status_index {
            item.insert("status_index".into(), n(i));
        }
        Ok(item)
    }

    async fn read_item(&self, item: &Item) -> StoreResult<Certificate> {
        let holder: SealedHolder = self
            .privacy
            .open_json(get_b(item, "holder")?, get_s(item, "pk")?)
            .await?;
        Ok(Certificate {
            number: get_parsed(item, "certificate_number", CertificateNumber::parse)?,
            issued_at: get_time(item, "issued_at")?,
            valid_until: get_parsed(item, "valid_until", |d| d.parse().ok())?,
            purpose: get_parsed(item, "purpose", Purpose::parse)?,
            company: opt_parsed(item, "company_cui", |c| Cui::parse(c).ok())?,
            request_id: RequestId::from(get_s(item, "request_id")?),
            account_id: AccountId::from(get_s(item, "account_id")?),
            holder_cnp: Cnp::parse(&holder.cnp).map_err(|_| corrupt("holder"))?,
            holder_name: holder.name,
            entries: holder.entries,
            has_entries: item
                .get("has_entries")
                .and_then(|v| v.as_bool().ok())
                .copied()
                .unwrap_or(false),
            document_key: get_s(item, "document_key")?.to_owned(),
            document_sha256: get_s(item, "document_sha256")?.to_owned(),
            signature: item
                .get("signature")
                .and_then(|v| v.as_b().ok())
                .map(|b| b.as_ref().to_vec())
                .unwrap_or_default(),
            revoked_at: opt_time(item, "revoked_at")?,
            status_index: opt_u64(item, "status_index")?,
        })
    }
}

#[async_trait]
impl CertificateStore for DynamoCertificates {
    async fn put(&self, certificate: &Certificate) -> StoreResult<()> {
        // A plain conditional put, not a transaction: half the write units (docs/COST.md); the
        // audit events follow it, idempotently (the port says why nothing is lost).
        let written = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.to_item(certificate)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match conditional(written)? {
            Some(_) => Ok(()),
            None => Err(StoreError::Conflict),
        }
    }

    async fn get(&self, number: &CertificateNumber) -> StoreResult<Option<Certificate>> {
        let pk = keys::certificate(number);
        match get_item(&self.client, &self.table, &pk).await? {
            Some(item) => Ok(Some(self.read_item(&item).await?)),
            None => Ok(None),
        }
    }

    async fn revoke(
        &self,
        number: &CertificateNumber,
        reason: &str,
        audit: &AuditEvent,
    ) -> StoreResult<RevokeOutcome> {
        let pk = keys::certificate(number);
        // Its bit in the status list: the index drawn at issue (the sequence for older ones).
        let Some(item) = get_item(&self.client, &self.table, &pk).await? else {
            return Ok(RevokeOutcome::NotFound);
        };
        let (year, sequence) = number.year_and_sequence();
        let index: u64 = opt_u64(&item, "status_index")?.unwrap_or(sequence);
        let update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(&pk))
            .update_expression("SET revoked_at = :at, revocation_reason = :reason")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(revoked_at)")
            .expression_attribute_values(":at", time(audit.at))
            .expression_attribute_values(":reason", s(reason))
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        // The year's revoked indexes (the attribute kept its first name, `numbers`: the
        // sequences of older certificates are their indexes).
        let listed = Update::builder()
            .table_name(&self.table)
            .key("pk", s(keys::revoked_numbers(year)))
            .update_expression("ADD numbers :n")
            .expression_attribute_values(":n", AttributeValue::Ns(vec![index.to_string()]))
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let items = vec![
            TransactWriteItem::builder().update(update).build(),
            TransactWriteItem::builder().update(listed).build(),
            audit_put(&self.audit_table, audit)?,
        ];
        match transact(&self.client, items).await {
            Ok(()) => Ok(RevokeOutcome::Revoked),
            Err(StoreError::Conflict) => match get_item(&self.client, &self.table, &pk).await? {
                Some(_) => Ok(RevokeOutcome::AlreadyRevoked),
                None => Ok(RevokeOutcome::NotFound),
            },
            Err(e) => Err(e),
        }
    }

    async fn revoked_in(&self, year: i32) -> StoreResult<Vec<u64>> {
        let item = get_item(&self.client, &self.table, &keys::revoked_numbers(year)).await?;
        let mut revoked: Vec<u64> = item
            .as_ref()
            .and_then(|i| i.get("numbers"))
            .and_then(|v| v.as_ns().ok())
            .map(|numbers| numbers.iter().filter_map(|n| n.parse().ok()).collect())
            .unwrap_or_default();
        revoked.sort_unstable();
        Ok(revoked)
    }

    async fn expiring_on(&self, day: NaiveDate) -> StoreResult<Vec<Certificate>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(CERTIFICATES_BY_VALID_UNTIL_INDEX)
            .key_condition_expression("valid_until = :d")
            .expression_attribute_values(":d", s(day.to_string()));
        // The index holds keys only: each certificate is read whole (a daily job).
        let mut certificates = Vec::new();
        for key in query_all(query).await? {
            let Some(pk) = key.get("pk").and_then(|v| v.as_s().ok()) else {
                continue;
            };
            if let Some(item) = get_item(&self.client, &self.table, pk).await? {
                certificates.push(self.read_item(&item).await?);
            }
        }
        Ok(certificates)
    }

    async fn mark_expiry_notice(
        &self,
        number: &CertificateNumber,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(keys::certificate(number)))
            .update_expression("SET expiry_notice_at = :at")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(expiry_notice_at)")
            .expression_attribute_values(":at", time(at))
            .send()
            .await;
        Ok(conditional(result)?.is_some())
    }

    async fn list_for_account(&self, account_id: &AccountId) -> StoreResult<Vec<Certificate>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(CERTIFICATES_BY_ACCOUNT_INDEX)
            .key_condition_expression("account_id = :a")
            .expression_attribute_values(":a", s(account_id.as_str()))
            .scan_index_forward(false);
        let mut certificates = Vec::new();
        for item in query_all(query).await? {
            certificates.push(self.read_item(&item).await?);
        }
        Ok(certificates)
    }
}
