//! DynamoDB adapters, one module per table, and what they share: item encoding, conditional
//! writes, transactions and pagination. Key prefixes and index names live in [`keys`] only.

mod accounts;
mod audit;
mod certificates;
mod consents;
pub mod keys;
mod organisations;
mod pending;
mod records;
mod requests;
mod sessions;
mod shares;
mod tickets;
mod wallet_items;
mod webhooks;

pub use accounts::DynamoAccounts;
pub use audit::DynamoAudit;
pub use certificates::DynamoCertificates;
pub use consents::DynamoConsents;
pub use organisations::DynamoOrganisations;
pub use pending::DynamoPending;
pub use records::DynamoRecords;
pub use requests::DynamoRequests;
pub use sessions::DynamoSessions;
pub use shares::DynamoShares;
pub use wallet_items::DynamoPresentations;
pub use webhooks::{DynamoWebhooks, DELIVERIES_BY_STATE_INDEX};

use super::unavailable;
use crate::ports::{StoreError, StoreResult};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

pub(crate) type Item = HashMap<String, AttributeValue>;

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// An item's `details_version` (see [`crate::domain::Account::details_version`]); 0 if absent.
fn version_of(item: &Item) -> u32 {
    item.get("details_version")
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

fn get_s<'a>(item: &'a Item, name: &str) -> StoreResult<&'a str> {
    opt_s(item, name).ok_or_else(|| corrupt(name))
}

fn opt_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

/// A required attribute, parsed; `Corrupt` when missing or unparsable.
fn get_parsed<T>(item: &Item, name: &str, parse: impl FnOnce(&str) -> Option<T>) -> StoreResult<T> {
    parse(get_s(item, name)?).ok_or_else(|| corrupt(name))
}

/// An optional attribute, parsed; `Corrupt` when present but unparsable.
fn opt_parsed<T>(
    item: &Item,
    name: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> StoreResult<Option<T>> {
    opt_s(item, name)
        .map(|v| parse(v).ok_or_else(|| corrupt(name)))
        .transpose()
}

/// An optional number attribute; `Corrupt` when present but not a `u64`.
fn opt_u64(item: &Item, name: &str) -> StoreResult<Option<u64>> {
    item.get(name)
        .map(|v| {
            v.as_n()
                .ok()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| corrupt(name))
        })
        .transpose()
}

fn get_time(item: &Item, name: &str) -> StoreResult<DateTime<Utc>> {
    opt_time(item, name)?.ok_or_else(|| corrupt(name))
}

fn opt_time(item: &Item, name: &str) -> StoreResult<Option<DateTime<Utc>>> {
    opt_s(item, name)
        .map(|t| {
            DateTime::parse_from_rfc3339(t)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| corrupt(name))
        })
        .transpose()
}

fn time(t: DateTime<Utc>) -> AttributeValue {
    s(t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
}

fn json_attr<T: serde::Serialize>(v: &T) -> AttributeValue {
    s(serde_json::to_string(v).unwrap_or_default())
}

fn from_json<T: serde::de::DeserializeOwned>(item: &Item, attr: &str) -> StoreResult<Option<T>> {
    opt_s(item, attr)
        .map(|v| serde_json::from_str(v).map_err(|_| corrupt(attr)))
        .transpose()
}

fn blob(bytes: Vec<u8>) -> AttributeValue {
    AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(bytes))
}

fn get_b<'a>(item: &'a Item, name: &str) -> StoreResult<&'a [u8]> {
    item.get(name)
        .and_then(|v| v.as_b().ok())
        .map(|b| b.as_ref())
        .ok_or_else(|| corrupt(name))
}

fn epoch_ttl(at: DateTime<Utc>) -> AttributeValue {
    n(at.timestamp())
}

fn put(table: &str, item: Item, condition: Option<&str>) -> StoreResult<TransactWriteItem> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .set_condition_expression(condition.map(str::to_owned))
        .build()
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// One conditional update of a transaction.
fn update<'a>(
    table: &str,
    pk: &str,
    expression: &str,
    condition: &str,
    name: Option<(&str, &str)>,
    values: impl Iterator<Item = (&'a str, AttributeValue)>,
) -> StoreResult<TransactWriteItem> {
    let mut update = Update::builder()
        .table_name(table)
        .key("pk", s(pk))
        .update_expression(expression)
        .condition_expression(condition);
    if let Some((placeholder, attribute)) = name {
        update = update.expression_attribute_names(placeholder, attribute);
    }
    for (placeholder, value) in values {
        update = update.expression_attribute_values(placeholder, value);
    }
    let update = update
        .build()
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    Ok(TransactWriteItem::builder().update(update).build())
}

async fn get_item(client: &Client, table: &str, pk: &str) -> StoreResult<Option<Item>> {
    let out = client
        .get_item()
        .table_name(table)
        .key("pk", s(pk))
        .consistent_read(true)
        .send()
        .await
        .map_err(unavailable)?;
    Ok(out.item)
}

/// DynamoDB errors that can say "a condition of the write did not hold".
trait ConditionFailed {
    fn condition_failed(&self) -> bool;
}

macro_rules! condition_failed {
    ($($error:ty),*) => {$(
        impl ConditionFailed for $error {
            fn condition_failed(&self) -> bool {
                self.is_conditional_check_failed_exception()
            }
        }
    )*};
}

condition_failed!(
    aws_sdk_dynamodb::operation::put_item::PutItemError,
    aws_sdk_dynamodb::operation::update_item::UpdateItemError,
    aws_sdk_dynamodb::operation::delete_item::DeleteItemError
);

/// The outcome of a conditional write: `Some` when written, `None` when its condition failed.
fn conditional<T, E, R>(
    result: Result<T, aws_sdk_dynamodb::error::SdkError<E, R>>,
) -> StoreResult<Option<T>>
where
    E: ConditionFailed + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(out) => Ok(Some(out)),
        Err(e)
            if e.as_service_error()
                .is_some_and(ConditionFailed::condition_failed) =>
        {
            Ok(None)
        }
        Err(e) => Err(unavailable(e)),
    }
}

/// Why DynamoDB cancelled a transaction.
enum Cancelled {
    /// Conditions failed: `failed[i]` says whether item `i`'s did.
    Conditions(Vec<bool>),
    /// Another transaction held an item (`TransactionConflict`), or DynamoDB throttled one:
    /// nothing is wrong with the write, it may be tried again.
    Transient,
}

/// Which of a cancelled transaction's items failed their condition, if DynamoDB said.
fn cancelled_items<R>(
    err: &aws_sdk_dynamodb::error::SdkError<
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
        R,
    >,
) -> Option<Cancelled> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError as E;
    match err.as_service_error()? {
        E::TransactionCanceledException(e) => {
            let reasons = e.cancellation_reasons();
            let transient = reasons.iter().any(|r| {
                !matches!(
                    r.code(),
                    None | Some("None") | Some("ConditionalCheckFailed")
                )
            });
            Some(if transient {
                Cancelled::Transient
            } else {
                Cancelled::Conditions(
                    reasons
                        .iter()
                        .map(|r| r.code() == Some("ConditionalCheckFailed"))
                        .collect(),
                )
            })
        }
        _ => None,
    }
}

/// Adapter structs share one shape: an SDK client (built once per cold start,
/// [`crate::clients::Clients`]; a clone shares it) and a table.
macro_rules! dynamo_adapter {
    ($name:ident) => {
        impl $name {
            pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
                Self {
                    client,
                    table: table.into(),
                }
            }
        }
    };
}
use dynamo_adapter;

/// Adapters that seal personal data (but append no audit entries).
macro_rules! private_adapter {
    ($name:ident) => {
        impl $name {
            pub fn new(
                client: aws_sdk_dynamodb::Client,
                table: impl Into<String>,
                privacy: std::sync::Arc<$crate::privacy::Privacy>,
            ) -> Self {
                Self {
                    client,
                    table: table.into(),
                    privacy,
                }
            }
        }
    };
}
use private_adapter;

/// Adapters that seal personal data and append audit entries in the same transactions.
macro_rules! sealing_adapter {
    ($name:ident) => {
        impl $name {
            pub fn new(
                client: aws_sdk_dynamodb::Client,
                table: impl Into<String>,
                audit_table: impl Into<String>,
                privacy: std::sync::Arc<$crate::privacy::Privacy>,
            ) -> Self {
                Self {
                    client,
                    table: table.into(),
                    audit_table: audit_table.into(),
                    privacy,
                }
            }
        }
    };
}
use sealing_adapter;

/// Writes `items` atomically. `Ok(Err(failed))` when the transaction was cancelled because
/// conditions failed (nothing written): `failed[i]` says whether item `i`'s condition failed.
/// A transaction cancelled by a conflict with another one is tried again twice, after 25 and
/// 50 ms (the SDK does not retry cancellations); then the store is unavailable for now.
async fn transact_checked(
    client: &Client,
    items: Vec<TransactWriteItem>,
) -> StoreResult<Result<(), Vec<bool>>> {
    let mut attempt = 0u64;
    loop {
        match client
            .transact_write_items()
            .set_transact_items(Some(items.clone()))
            .send()
            .await
        {
            Ok(_) => return Ok(Ok(())),
            Err(e) => match cancelled_items(&e) {
                Some(Cancelled::Conditions(failed)) => return Ok(Err(failed)),
                Some(Cancelled::Transient) if attempt < 2 => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(25 * attempt)).await;
                }
                _ => return Err(unavailable(e)),
            },
        }
    }
}

/// Writes `items` atomically; `Conflict` when a condition failed (nothing was written).
async fn transact(client: &Client, items: Vec<TransactWriteItem>) -> StoreResult<()> {
    transact_checked(client, items)
        .await?
        .map_err(|_| StoreError::Conflict)
}

/// Every item of a paginated read: `fetch` gets the start key (none for the first page) and
/// returns a page's items and the key to go on from.
pub(crate) async fn all_pages<F, Fut>(mut fetch: F) -> StoreResult<Vec<Item>>
where
    F: FnMut(Option<Item>) -> Fut,
    Fut: std::future::Future<Output = StoreResult<(Vec<Item>, Option<Item>)>>,
{
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let (page, next) = fetch(start.take()).await?;
        items.extend(page);
        match next {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return Ok(items),
        }
    }
}

/// Every item a query matches, across pages.
async fn query_all(query: QueryFluentBuilder) -> StoreResult<Vec<Item>> {
    all_pages(|start| {
        let page = query.clone().set_exclusive_start_key(start);
        async move {
            let out = page.send().await.map_err(unavailable)?;
            Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
        }
    })
    .await
}
