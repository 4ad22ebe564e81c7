//! The audit table: the subject's history (`pk`), in time order (`sk` = time#event#id). Entries
//! are only ever put, never updated; the functions' IAM roles cannot do anything else.

use super::{
    conditional, corrupt, dynamo_adapter, get_s, get_time, keys, put, query_all, s, time, Item,
};
use crate::domain::{AuditEvent, AuditEventKind, AuditSubject};
use crate::ports::{AuditLog, StoreResult};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use std::collections::HashMap;

#[derive(Clone)]
pub struct DynamoAudit {
    client: Client,
    table: String,
}

dynamo_adapter!(DynamoAudit);

fn audit_item(e: &AuditEvent) -> Item {
    let mut item: Item = HashMap::from([
        ("pk".into(), s(keys::audit_subject(&e.subject))),
        ("sk".into(), s(e.sort_key())),
        ("event".into(), s(e.event.as_str())),
        ("at".into(), time(e.at)),
        ("id".into(), s(&e.id)),
    ]);
    if !e.details.is_empty() {
        item.insert(
            "details".into(),
            AttributeValue::M(e.details.iter().map(|(k, v)| (k.clone(), s(v))).collect()),
        );
    }
    item
}

/// The audit entry as one more item of another table's transaction (appended only if new).
pub(super) fn audit_put(table: &str, e: &AuditEvent) -> StoreResult<TransactWriteItem> {
    put(table, audit_item(e), Some("attribute_not_exists(pk)"))
}

#[async_trait]
impl AuditLog for DynamoAudit {
    async fn record(&self, event: &AuditEvent) -> StoreResult<()> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(audit_item(event)))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        // Not written when recorded already: the same entry is one entry.
        conditional(result).map(drop)
    }

    async fn history(&self, subject: &AuditSubject) -> StoreResult<Vec<AuditEvent>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :p")
            .expression_attribute_values(":p", s(keys::audit_subject(subject)));
        read_events(subject, &query_all(query).await?)
    }

    async fn history_after(
        &self,
        subject: &AuditSubject,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEvent>> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .expression_attribute_values(":p", s(keys::audit_subject(subject)))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX));
        query = match after {
            Some(after) => query
                .key_condition_expression("pk = :p AND sk > :after")
                .expression_attribute_values(":after", s(after)),
            None => query.key_condition_expression("pk = :p"),
        };
        let page = query.send().await.map_err(crate::unavailable)?;
        read_events(subject, page.items())
    }
}

/// The entries of `subject` as stored.
fn read_events(subject: &AuditSubject, items: &[Item]) -> StoreResult<Vec<AuditEvent>> {
    items
        .iter()
        .map(|item| {
            Ok(AuditEvent {
                subject: subject.clone(),
                at: get_time(item, "at")?,
                event: AuditEventKind::parse(get_s(item, "event")?)
                    .ok_or_else(|| corrupt("event"))?,
                id: get_s(item, "id")?.to_owned(),
                details: item
                    .get("details")
                    .and_then(|d| d.as_m().ok())
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, v)| Some((k.clone(), v.as_s().ok()?.clone())))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}
