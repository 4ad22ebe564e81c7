//! The records table:
//! - entries: by person (keyed hash of the CNP) or company, one item per entry, sealed;
//! - companies: a profile (public trade-register data, and the keyed hashes of the
//!   representatives' CNPs);
//! - representation: one item per (representative, company), for the request-time check.

use super::keys::{COMPANY_PROFILE, ENTRY};
use super::{blob, conditional, get_b, get_s, keys, private_adapter, query_all, s, Item};
use crate::domain::{Cnp, Company, Cui, RecordEntry, RecordSubject};
use crate::ports::{CompanyStore, RecordStore, StoreError, StoreResult};
use crate::privacy::Privacy;
use crate::unavailable;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, WriteRequest};
use aws_sdk_dynamodb::Client;
use std::sync::Arc;

#[derive(Clone)]
pub struct DynamoRecords {
    client: Client,
    table: String,
    privacy: Arc<Privacy>,
}

/// BatchWriteItem takes at most 25 writes.
const BATCH_WRITE_MAX: usize = 25;

private_adapter!(DynamoRecords);

impl DynamoRecords {
    fn subject_pk(&self, subject: &RecordSubject) -> String {
        match subject {
            RecordSubject::Person(cnp) => {
                keys::person_record(&self.privacy.lookup_hash(&cnp.as_string()))
            }
            RecordSubject::Company(cui) => keys::company(cui),
        }
    }

    fn representative_pk(&self, cnp: &Cnp) -> String {
        keys::representative(&self.privacy.lookup_hash(&cnp.as_string()))
    }

    /// Writes requests in batches of 25, retrying what DynamoDB leaves unprocessed.
    async fn batch_write(&self, requests: Vec<WriteRequest>) -> StoreResult<()> {
        for chunk in requests.chunks(BATCH_WRITE_MAX) {
            let mut pending = chunk.to_vec();
            let mut attempt = 0u32;
            while !pending.is_empty() {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, pending)
                    .send()
                    .await
                    .map_err(unavailable)?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut m| m.remove(&self.table))
                    .unwrap_or_default();
                if !pending.is_empty() {
                    attempt += 1;
                    if attempt > 8 {
                        return Err(StoreError::Unavailable(
                            "DynamoDB kept items unprocessed".into(),
                        ));
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50 << attempt.min(5)))
                        .await;
                }
            }
        }
        Ok(())
    }
}

fn put_request(item: Item) -> StoreResult<WriteRequest> {
    Ok(WriteRequest::builder()
        .put_request(
            aws_sdk_dynamodb::types::PutRequest::builder()
                .set_item(Some(item))
                .build()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?,
        )
        .build())
}

fn delete_request(pk: String, sk: String) -> StoreResult<WriteRequest> {
    Ok(WriteRequest::builder()
        .delete_request(
            aws_sdk_dynamodb::types::DeleteRequest::builder()
                .key("pk", s(pk))
                .key("sk", s(sk))
                .build()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?,
        )
        .build())
}

#[async_trait]
impl RecordStore for DynamoRecords {
    async fn put_entries(&self, entries: &[(RecordSubject, RecordEntry)]) -> StoreResult<()> {
        let mut requests = Vec::with_capacity(entries.len());
        for (subject, entry) in entries {
            let (pk, sk) = (self.subject_pk(subject), keys::entry(&entry.entry_id));
            let sealed = self.privacy.seal_json(entry, &format!("{pk}/{sk}"))?;
            requests.push(put_request(Item::from([
                ("pk".to_owned(), s(pk)),
                ("sk".to_owned(), s(sk)),
                ("entry".to_owned(), blob(sealed)),
            ]))?);
        }
        self.batch_write(requests).await
    }

    async fn list(&self, subject: &RecordSubject) -> StoreResult<Vec<RecordEntry>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :p AND begins_with(sk, :e)")
            .expression_attribute_values(":p", s(self.subject_pk(subject)))
            .expression_attribute_values(":e", s(ENTRY))
            .consistent_read(true);
        let mut entries = Vec::new();
        for item in query_all(query).await? {
            let context = format!("{}/{}", get_s(&item, "pk")?, get_s(&item, "sk")?);
            entries.push(
                self.privacy
                    .open_json(get_b(&item, "entry")?, &context)
                    .await?,
            );
        }
        entries.sort_by_key(|e: &RecordEntry| e.decision_date);
        Ok(entries)
    }

    async fn remove(&self, subject: &RecordSubject, entry_id: &str) -> StoreResult<bool> {
        let removed = conditional(
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("pk", s(self.subject_pk(subject)))
                .key("sk", s(keys::entry(entry_id)))
                .condition_expression("attribute_exists(pk)")
                .send()
                .await,
        )?;
        Ok(removed.is_some())
    }
}

#[async_trait]
impl CompanyStore for DynamoRecords {
    async fn put_company(&self, company: &Company) -> StoreResult<()> {
        let pk = self.subject_pk(&RecordSubject::Company(company.cui.clone()));
        let hashes: Vec<String> = company
            .representatives
            .iter()
            .map(|cnp| self.representative_pk(cnp))
            .collect();
        let previous: Vec<String> = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(&pk))
            .key("sk", s(COMPANY_PROFILE))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?
            .item
            .and_then(|item| item.get("representatives").cloned())
            .and_then(|v| v.as_ss().ok().cloned())
            .unwrap_or_default();
        let mut requests = Vec::new();
        let mut profile = Item::from([
            ("pk".to_owned(), s(&pk)),
            ("sk".to_owned(), s(COMPANY_PROFILE)),
            ("cui".to_owned(), s(company.cui.as_str())),
            ("name".to_owned(), s(&company.name)),
            (
                "trade_register_number".to_owned(),
                s(&company.trade_register_number),
            ),
        ]);
        if !hashes.is_empty() {
            profile.insert(
                "representatives".to_owned(),
                AttributeValue::Ss(hashes.clone()),
            );
        }
        requests.push(put_request(profile)?);
        for hash in &hashes {
            requests.push(put_request(Item::from([
                ("pk".to_owned(), s(hash)),
                ("sk".to_owned(), s(&pk)),
            ]))?);
        }
        for gone in previous.iter().filter(|h| !hashes.contains(h)) {
            requests.push(delete_request(gone.clone(), pk.clone())?);
        }
        self.batch_write(requests).await
    }

    async fn get_company(&self, cui: &Cui) -> StoreResult<Option<Company>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(keys::company(cui)))
            .key("sk", s(COMPANY_PROFILE))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        Ok(Some(Company {
            cui: cui.clone(),
            name: get_s(&item, "name")?.to_owned(),
            trade_register_number: get_s(&item, "trade_register_number")?.to_owned(),
            // Only their keyed hashes are stored; membership is checked with is_representative.
            representatives: Vec::new(),
        }))
    }

    async fn is_representative(&self, cnp: &Cnp, cui: &Cui) -> StoreResult<bool> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(self.representative_pk(cnp)))
            .key("sk", s(keys::company(cui)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item.is_some())
    }
}
