//! DynamoDB adapters. Every table has a string partition key `pk` (the records table also a sort
//! key `sk`); item kinds are told apart by the prefix of `pk`.

use super::unavailable;
use crate::crypto::sha256_hex;
use crate::domain::{
    Account, AccountStatus, Certificate, CertificateNumber, CertificateRequest, Cnp, Company,
    CounterCode, Cui, Email, IdDocument, Name, Person, Purpose, RecordEntry, RecordSubject,
    RequestStatus, Role, Validation,
};
use crate::ports::{
    AccountStore, AuditEvent, AuditLog, CertificateStore, CompanyStore, CreateOutcome,
    IdentityNonces, RecordStore, RequestStore, RevokeOutcome, Session, SessionStore, StoreError,
    StoreResult, SubmitOutcome, Throttle,
};
use crate::privacy::Privacy;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValue, TransactWriteItem, Update, WriteRequest,
};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

type Item = HashMap<String, AttributeValue>;

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
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

/// Which of a cancelled transaction's items failed their condition, if DynamoDB said.
fn cancelled_items<R>(
    err: &aws_sdk_dynamodb::error::SdkError<
        aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError,
        R,
    >,
) -> Option<Vec<bool>> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError as E;
    match err.as_service_error()? {
        E::TransactionCanceledException(e) => Some(
            e.cancellation_reasons()
                .iter()
                .map(|r| r.code() == Some("ConditionalCheckFailed"))
                .collect(),
        ),
        _ => None,
    }
}

/// Adapter structs share one shape: an SDK client (built once, cheap to clone) and a table.
macro_rules! dynamo_adapter {
    ($name:ident) => {
        impl $name {
            pub fn new(config: &aws_config::SdkConfig, table: impl Into<String>) -> Self {
                Self {
                    client: Client::new(config),
                    table: table.into(),
                }
            }
        }
    };
}

/// Adapters that seal personal data and may record audit entries in the same transactions.
macro_rules! sealing_adapter {
    ($name:ident) => {
        impl $name {
            pub fn new(
                config: &aws_config::SdkConfig,
                table: impl Into<String>,
                privacy: Arc<Privacy>,
            ) -> Self {
                Self {
                    client: Client::new(config),
                    table: table.into(),
                    privacy,
                    audit_table: None,
                }
            }

            /// Records audit entries in `audit_table`, in the same transaction as the change.
            pub fn with_audit(mut self, audit_table: impl Into<String>) -> Self {
                self.audit_table = Some(audit_table.into());
                self
            }
        }
    };
}

/// Writes `items` atomically; `Conflict` when a condition failed (nothing was written).
async fn transact(client: &Client, items: Vec<TransactWriteItem>) -> StoreResult<()> {
    match client
        .transact_write_items()
        .set_transact_items(Some(items))
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if cancelled_items(&e).is_some() => Err(StoreError::Conflict),
        Err(e) => Err(unavailable(e)),
    }
}

// ---------------------------------------------------------------------------------------------
// Accounts: ACCOUNT#<id> (civil-status data sealed, CNP as a keyed hash), and the unique-value
// guards EMAIL#<email>, CNP#<keyed hash>, COUNTER#<code>.

#[derive(Clone)]
pub struct DynamoAccounts {
    client: Client,
    table: String,
    privacy: Arc<Privacy>,
    /// When set, validations are recorded there in the same transaction.
    audit_table: Option<String>,
}

/// A citizen's civil-status data as sealed in the account item.
#[derive(Serialize, Deserialize)]
struct SealedPerson {
    cnp: String,
    last_name: String,
    first_name: String,
    father_first_name: Option<String>,
    mother_first_name: Option<String>,
    birth_place: Option<String>,
    id_document: IdDocument,
}

sealing_adapter!(DynamoAccounts);

impl DynamoAccounts {
    fn to_item(&self, a: &Account) -> StoreResult<Item> {
        let pk = format!("ACCOUNT#{}", a.account_id);
        let mut item: Item = HashMap::from([
            ("account_id".into(), s(&a.account_id)),
            ("email".into(), s(a.email.as_str())),
            ("role".into(), s(a.role.as_str())),
            ("status".into(), s(a.status.as_str())),
            ("password_hash".into(), s(&a.password_hash)),
            ("created_at".into(), time(a.created_at)),
        ]);
        if let Some(p) = &a.person {
            let sealed = SealedPerson {
                cnp: p.cnp.as_string(),
                last_name: p.last_name.as_str().to_owned(),
                first_name: p.first_name.as_str().to_owned(),
                father_first_name: p.father_first_name.as_ref().map(|n| n.as_str().to_owned()),
                mother_first_name: p.mother_first_name.as_ref().map(|n| n.as_str().to_owned()),
                birth_place: p.birth_place.as_ref().map(|n| n.as_str().to_owned()),
                id_document: p.id_document.clone(),
            };
            item.insert("person".into(), blob(self.privacy.seal_json(&sealed, &pk)?));
        }
        if let Some(c) = &a.counter_code {
            item.insert("counter_code".into(), s(c.as_str()));
        }
        if let Some(v) = &a.validation {
            item.insert("validation".into(), json_attr(v));
        }
        if let Some(u) = &a.unit {
            item.insert("unit".into(), s(u));
        }
        item.insert("pk".into(), s(pk));
        Ok(item)
    }

    async fn read_item(&self, item: &Item) -> StoreResult<Account> {
        let person = match item.get("person") {
            None => None,
            Some(_) => {
                let sealed: SealedPerson = self
                    .privacy
                    .open_json(get_b(item, "person")?, get_s(item, "pk")?)
                    .await?;
                let name = |v: &str| Name::parse(v).map_err(|_| corrupt("person"));
                let opt = |v: &Option<String>| v.as_deref().map(name).transpose();
                Some(Person {
                    cnp: Cnp::parse(&sealed.cnp).map_err(|_| corrupt("person"))?,
                    last_name: name(&sealed.last_name)?,
                    first_name: name(&sealed.first_name)?,
                    father_first_name: opt(&sealed.father_first_name)?,
                    mother_first_name: opt(&sealed.mother_first_name)?,
                    birth_place: opt(&sealed.birth_place)?,
                    id_document: sealed.id_document,
                })
            }
        };
        Ok(Account {
            account_id: get_s(item, "account_id")?.to_owned(),
            email: Email::parse(get_s(item, "email")?).map_err(|_| corrupt("email"))?,
            role: Role::parse(get_s(item, "role")?).ok_or_else(|| corrupt("role"))?,
            status: match get_s(item, "status")? {
                "VALIDATED" => AccountStatus::Validated,
                "PENDING_VALIDATION" => AccountStatus::PendingValidation,
                _ => return Err(corrupt("status")),
            },
            password_hash: get_s(item, "password_hash")?.to_owned(),
            created_at: get_time(item, "created_at")?,
            person,
            counter_code: opt_s(item, "counter_code").and_then(CounterCode::parse),
            validation: from_json(item, "validation")?,
            unit: opt_s(item, "unit").map(str::to_owned),
        })
    }

    async fn resolve_guard(&self, pk: &str) -> StoreResult<Option<Account>> {
        let Some(guard) = get_item(&self.client, &self.table, pk).await? else {
            return Ok(None);
        };
        self.get(get_s(&guard, "account_id")?).await
    }
}

#[async_trait]
impl AccountStore for DynamoAccounts {
    async fn create(&self, account: &Account) -> StoreResult<CreateOutcome> {
        let guard = |pk: String| -> Item {
            HashMap::from([
                ("pk".into(), s(pk)),
                ("account_id".into(), s(&account.account_id)),
            ])
        };
        let absent = Some("attribute_not_exists(pk)");
        // The counter code goes last so a cancellation tells which guard failed.
        let mut items = vec![
            put(&self.table, self.to_item(account)?, absent)?,
            put(
                &self.table,
                guard(format!("EMAIL#{}", account.email.as_str())),
                absent,
            )?,
        ];
        if let Some(p) = &account.person {
            items.push(put(
                &self.table,
                guard(format!(
                    "CNP#{}",
                    self.privacy.lookup_hash(&p.cnp.as_string())
                )),
                absent,
            )?);
        }
        if let Some(c) = &account.counter_code {
            items.push(put(
                &self.table,
                guard(format!("COUNTER#{}", c.as_str())),
                absent,
            )?);
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => Ok(CreateOutcome::Created),
            Err(e) => match cancelled_items(&e) {
                Some(failed) => {
                    let counter_only = account.counter_code.is_some()
                        && failed.last() == Some(&true)
                        && failed.iter().filter(|f| **f).count() == 1;
                    Ok(if counter_only {
                        CreateOutcome::CounterCodeTaken
                    } else {
                        CreateOutcome::Taken
                    })
                }
                None => Err(unavailable(e)),
            },
        }
    }

    async fn get(&self, account_id: &str) -> StoreResult<Option<Account>> {
        match get_item(&self.client, &self.table, &format!("ACCOUNT#{account_id}")).await? {
            Some(item) => Ok(Some(self.read_item(&item).await?)),
            None => Ok(None),
        }
    }

    async fn find_by_email(&self, email: &Email) -> StoreResult<Option<Account>> {
        self.resolve_guard(&format!("EMAIL#{}", email.as_str()))
            .await
    }

    async fn find_by_counter_code(&self, code: &CounterCode) -> StoreResult<Option<Account>> {
        self.resolve_guard(&format!("COUNTER#{}", code.as_str()))
            .await
    }

    async fn mark_validated(&self, account_id: &str, validation: &Validation) -> StoreResult<()> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(format!("ACCOUNT#{account_id}")))
            .update_expression("SET #status = :validated, validation = :v")
            .condition_expression("attribute_exists(pk) AND #status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":validated", s(AccountStatus::Validated.as_str()))
            .expression_attribute_values(":pending", s(AccountStatus::PendingValidation.as_str()))
            .expression_attribute_values(":v", json_attr(validation))
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        if let Some(audit) = &self.audit_table {
            let mut details = std::collections::BTreeMap::from([(
                "method".to_owned(),
                serde_json::to_value(validation.method)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
            )]);
            if let Some(op) = &validation.operator_id {
                details.insert("operator_id".into(), op.clone());
            }
            if let Some(unit) = &validation.operator_unit {
                details.insert("unit".into(), unit.clone());
            }
            items.push(audit_put(
                audit,
                &AuditEvent {
                    subject: AuditEvent::account(account_id),
                    at: validation.validated_at,
                    event: "VALIDATED".into(),
                    id: "1".into(),
                    details,
                },
            )?);
        }
        transact(&self.client, items).await
    }
}

// ---------------------------------------------------------------------------------------------
// Sessions table: SESSION#<token hash>, and THROTTLE#<hash of key>#<window> counters. Both expire
// through the table's TTL attribute `ttl`.

#[derive(Clone)]
pub struct DynamoSessions {
    client: Client,
    table: String,
}

dynamo_adapter!(DynamoSessions);

impl DynamoSessions {
    fn window_pk(key: &str, window_secs: u64, now: DateTime<Utc>) -> (String, i64) {
        let window = window_secs.max(1) as i64;
        let start = now.timestamp().div_euclid(window) * window;
        (
            format!("THROTTLE#{}#{start}", sha256_hex(key.as_bytes())),
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
            .item("pk", s(format!("SESSION#{}", session.token_hash)))
            .item("account_id", s(&session.account_id))
            .item("role", s(session.role.as_str()))
            .item("expires_at", time(session.expires_at))
            .item("ttl", epoch_ttl(session.expires_at))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get(&self, token_hash: &str) -> StoreResult<Option<Session>> {
        let Some(item) =
            get_item(&self.client, &self.table, &format!("SESSION#{token_hash}")).await?
        else {
            return Ok(None);
        };
        Ok(Some(Session {
            token_hash: token_hash.to_owned(),
            account_id: get_s(&item, "account_id")?.to_owned(),
            role: Role::parse(get_s(&item, "role")?).ok_or_else(|| corrupt("role"))?,
            expires_at: get_time(&item, "expires_at")?,
        }))
    }

    async fn delete(&self, token_hash: &str) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(format!("SESSION#{token_hash}")))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

#[async_trait]
impl IdentityNonces for DynamoSessions {
    async fn put_state(
        &self,
        state_hash: &str,
        account_id: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(format!("STATE#{state_hash}")))
            .item("account_id", s(account_id))
            .item("expires_at", time(expires_at))
            .item("ttl", epoch_ttl(expires_at))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn take_state(
        &self,
        state_hash: &str,
        account_id: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(format!("STATE#{state_hash}")))
            .condition_expression("account_id = :a AND expires_at > :now")
            .expression_attribute_values(":a", s(account_id))
            .expression_attribute_values(":now", time(now))
            .send()
            .await;
        Ok(conditional(result)?.is_some())
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
            .item("pk", s(format!("ASSERTION#{id}")))
            .item("ttl", epoch_ttl(until))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        Ok(conditional(result)?.is_some())
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

    async fn count(&self, key: &str, window_secs: u64, now: DateTime<Utc>) -> StoreResult<u32> {
        let (pk, _) = Self::window_pk(key, window_secs, now);
        Ok(get_item(&self.client, &self.table, &pk)
            .await?
            .and_then(|i| i.get("hits").and_then(|v| v.as_n().ok()).cloned())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }
}

// ---------------------------------------------------------------------------------------------
// Requests table (with the stream that drives generation): REQUEST#<id> (kind REQUEST), and the
// guards DAILY#<account>[#COMPANY#<cui>]#<purpose>#<day> and IDEMPOTENCY#<account>#<hash of key>.

#[derive(Clone)]
pub struct DynamoRequests {
    client: Client,
    table: String,
}

pub const PENDING_REQUESTS_INDEX: &str = "pending_by_age";
const PENDING_MARK: &str = "PENDING";

/// Idempotency keys are honoured for this long; daily guards outlive their day by this much.
const GUARD_TTL_DAYS: i64 = 7;

dynamo_adapter!(DynamoRequests);

impl DynamoRequests {
    fn to_item(r: &CertificateRequest) -> Item {
        let mut item: Item = HashMap::from([
            ("pk".into(), s(format!("REQUEST#{}", r.request_id))),
            ("kind".into(), s("REQUEST")),
            ("request_id".into(), s(&r.request_id)),
            ("account_id".into(), s(&r.account_id)),
            ("purpose".into(), s(r.purpose.code())),
            ("status".into(), s(r.status.as_str())),
            ("created_at".into(), time(r.created_at)),
        ]);
        if let Some(c) = &r.certificate_number {
            item.insert("certificate_number".into(), s(c.as_str()));
        }
        if r.status == RequestStatus::Pending {
            // Puts the request in the sparse index the sweeper reads; removed when final.
            item.insert("pending".into(), s(PENDING_MARK));
        }
        if let Some(t) = r.issued_at {
            item.insert("issued_at".into(), time(t));
        }
        if let Some(c) = &r.rejection_code {
            item.insert("rejection_code".into(), s(c));
        }
        if let Some(cui) = &r.company {
            item.insert("company_cui".into(), s(cui.as_str()));
        }
        item
    }

    pub fn from_item(item: &Item) -> StoreResult<CertificateRequest> {
        Ok(CertificateRequest {
            request_id: get_s(item, "request_id")?.to_owned(),
            account_id: get_s(item, "account_id")?.to_owned(),
            company: opt_s(item, "company_cui")
                .map(|c| Cui::parse(c).map_err(|_| corrupt("company_cui")))
                .transpose()?,
            purpose: Purpose::parse(get_s(item, "purpose")?).ok_or_else(|| corrupt("purpose"))?,
            status: RequestStatus::parse(get_s(item, "status")?)
                .ok_or_else(|| corrupt("status"))?,
            created_at: get_time(item, "created_at")?,
            certificate_number: opt_s(item, "certificate_number")
                .map(|c| CertificateNumber::parse(c).ok_or_else(|| corrupt("certificate_number")))
                .transpose()?,
            issued_at: opt_time(item, "issued_at")?,
            rejection_code: opt_s(item, "rejection_code").map(str::to_owned),
        })
    }

    async fn guarded_request(&self, guard_pk: &str) -> StoreResult<Option<String>> {
        Ok(get_item(&self.client, &self.table, guard_pk)
            .await?
            .and_then(|g| opt_s(&g, "request_id").map(str::to_owned)))
    }

    async fn set_final_status(
        &self,
        request_id: &str,
        status: RequestStatus,
        rejection: Option<&str>,
    ) -> StoreResult<()> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(format!("REQUEST#{request_id}")))
            .condition_expression("#status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pending", s(RequestStatus::Pending.as_str()))
            .expression_attribute_values(":final", s(status.as_str()));
        update = match rejection {
            Some(code) => update
                .update_expression("SET #status = :final, rejection_code = :code REMOVE pending")
                .expression_attribute_values(":code", s(code)),
            None => update.update_expression("SET #status = :final REMOVE pending"),
        };
        // Not written when already final (a redelivered stream record): nothing to do.
        conditional(update.send().await).map(drop)
    }
}

#[async_trait]
impl RequestStore for DynamoRequests {
    async fn submit(
        &self,
        request: &CertificateRequest,
        day: NaiveDate,
        idempotency_key: Option<&str>,
    ) -> StoreResult<SubmitOutcome> {
        let expires = epoch_ttl(request.created_at + chrono::Duration::days(GUARD_TTL_DAYS));
        let guard = |pk: &str| -> Item {
            HashMap::from([
                ("pk".into(), s(pk)),
                ("request_id".into(), s(&request.request_id)),
                ("ttl".into(), expires.clone()),
            ])
        };
        // One a day per purpose and per subject (the citizen, or each company they represent).
        let daily_pk = match &request.company {
            None => format!(
                "DAILY#{}#{}#{day}",
                request.account_id,
                request.purpose.code()
            ),
            Some(cui) => format!(
                "DAILY#{}#COMPANY#{cui}#{}#{day}",
                request.account_id,
                request.purpose.code()
            ),
        };
        let idem_pk = idempotency_key.map(|k| {
            format!(
                "IDEMPOTENCY#{}#{}",
                request.account_id,
                sha256_hex(k.as_bytes())
            )
        });
        let absent = Some("attribute_not_exists(pk)");
        let mut items = vec![
            put(&self.table, Self::to_item(request), absent)?,
            put(&self.table, guard(&daily_pk), absent)?,
        ];
        if let Some(pk) = &idem_pk {
            items.push(put(&self.table, guard(pk), absent)?);
        }
        let err = match self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
        {
            Ok(_) => return Ok(SubmitOutcome::Created),
            Err(e) if cancelled_items(&e).is_some() => e,
            Err(e) => return Err(unavailable(e)),
        };
        drop(err);
        // A replay of the same key answers with the original request, whatever else happened.
        if let Some(pk) = &idem_pk {
            if let Some(id) = self.guarded_request(pk).await? {
                let original = self.get(&id).await?.ok_or(StoreError::Conflict)?;
                return Ok(SubmitOutcome::Replayed(original));
            }
        }
        match self.guarded_request(&daily_pk).await? {
            Some(request_id) => Ok(SubmitOutcome::DailyLimit { request_id }),
            None => Err(StoreError::Conflict),
        }
    }

    async fn get(&self, request_id: &str) -> StoreResult<Option<CertificateRequest>> {
        get_item(&self.client, &self.table, &format!("REQUEST#{request_id}"))
            .await?
            .map(|i| Self::from_item(&i))
            .transpose()
    }

    async fn reserve_number(
        &self,
        request_id: &str,
        number: &CertificateNumber,
        issued_at: DateTime<Utc>,
    ) -> StoreResult<CertificateRequest> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(format!("REQUEST#{request_id}")))
            .update_expression("SET certificate_number = :n, issued_at = :t")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(certificate_number)",
            )
            .expression_attribute_values(":n", s(number.as_str()))
            .expression_attribute_values(":t", time(issued_at))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match conditional(result)? {
            Some(out) => Self::from_item(&out.attributes.unwrap_or_default()),
            // Bound already (by an earlier or concurrent delivery): that number stands.
            None => self.get(request_id).await?.ok_or(StoreError::Conflict),
        }
    }

    async fn mark_issued(&self, request_id: &str) -> StoreResult<()> {
        self.set_final_status(request_id, RequestStatus::Issued, None)
            .await
    }

    async fn mark_rejected(&self, request_id: &str, code: &str) -> StoreResult<()> {
        self.set_final_status(request_id, RequestStatus::Rejected, Some(code))
            .await
    }

    async fn pending_before(&self, cutoff: DateTime<Utc>, limit: i32) -> StoreResult<Vec<String>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(PENDING_REQUESTS_INDEX)
            .key_condition_expression("pending = :p AND created_at < :cutoff")
            .expression_attribute_values(":p", s(PENDING_MARK))
            .expression_attribute_values(":cutoff", time(cutoff))
            .limit(limit)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out
            .items()
            .iter()
            .filter_map(|i| opt_s(i, "pk")?.strip_prefix("REQUEST#").map(str::to_owned))
            .collect())
    }
}

// ---------------------------------------------------------------------------------------------
// Certificates table: CERTIFICATE#<number> (indexed by account, newest first) and SEQUENCE#<year>.

pub const CERTIFICATES_BY_ACCOUNT_INDEX: &str = "by_account";

#[derive(Clone)]
pub struct DynamoCertificates {
    client: Client,
    table: String,
    privacy: Arc<Privacy>,
    /// When set, issues are recorded there in the same transaction.
    audit_table: Option<String>,
}

/// The holder, as sealed in the certificate item.
#[derive(Serialize, Deserialize)]
struct SealedHolder {
    cnp: String,
    name: String,
}

sealing_adapter!(DynamoCertificates);

impl DynamoCertificates {
    fn to_item(&self, c: &Certificate) -> StoreResult<Item> {
        let pk = format!("CERTIFICATE#{}", c.number.as_str());
        let holder = SealedHolder {
            cnp: c.holder_cnp.as_string(),
            name: c.holder_name.clone(),
        };
        let mut item: Item = HashMap::from([
            ("holder".into(), blob(self.privacy.seal_json(&holder, &pk)?)),
            ("pk".into(), s(pk)),
            ("certificate_number".into(), s(c.number.as_str())),
            ("request_id".into(), s(&c.request_id)),
            ("account_id".into(), s(&c.account_id)),
            ("purpose".into(), s(c.purpose.code())),
            ("issued_at".into(), time(c.issued_at)),
            ("valid_until".into(), s(c.valid_until.to_string())),
            ("has_entries".into(), AttributeValue::Bool(c.has_entries)),
            ("document_key".into(), s(&c.document_key)),
            ("document_sha256".into(), s(&c.document_sha256)),
            (
                "signature".into(),
                AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(c.signature.clone())),
            ),
        ]);
        if let Some(cui) = &c.company {
            item.insert("company_cui".into(), s(cui.as_str()));
        }
        if let Some(t) = c.revoked_at {
            item.insert("revoked_at".into(), time(t));
        }
        Ok(item)
    }

    async fn read_item(&self, item: &Item) -> StoreResult<Certificate> {
        let holder: SealedHolder = self
            .privacy
            .open_json(get_b(item, "holder")?, get_s(item, "pk")?)
            .await?;
        Ok(Certificate {
            number: CertificateNumber::parse(get_s(item, "certificate_number")?)
                .ok_or_else(|| corrupt("certificate_number"))?,
            request_id: get_s(item, "request_id")?.to_owned(),
            account_id: get_s(item, "account_id")?.to_owned(),
            company: opt_s(item, "company_cui")
                .map(|c| Cui::parse(c).map_err(|_| corrupt("company_cui")))
                .transpose()?,
            purpose: Purpose::parse(get_s(item, "purpose")?).ok_or_else(|| corrupt("purpose"))?,
            issued_at: get_time(item, "issued_at")?,
            valid_until: get_s(item, "valid_until")?
                .parse()
                .map_err(|_| corrupt("valid_until"))?,
            holder_cnp: Cnp::parse(&holder.cnp).map_err(|_| corrupt("holder"))?,
            holder_name: holder.name,
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
        })
    }
}

#[async_trait]
impl CertificateStore for DynamoCertificates {
    async fn next_sequence(&self, year: i32) -> StoreResult<u64> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(format!("SEQUENCE#{year}")))
            .update_expression("ADD #seq :one")
            .expression_attribute_names("#seq", "sequence")
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(unavailable)?;
        out.attributes
            .as_ref()
            .and_then(|a| a.get("sequence"))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| corrupt("sequence"))
    }

    async fn put(&self, certificate: &Certificate) -> StoreResult<()> {
        let mut items = vec![put(
            &self.table,
            self.to_item(certificate)?,
            Some("attribute_not_exists(pk)"),
        )?];
        if let Some(audit) = &self.audit_table {
            let details = std::collections::BTreeMap::from([
                ("request_id".to_owned(), certificate.request_id.clone()),
                ("account_id".to_owned(), certificate.account_id.clone()),
                (
                    "certificate_number".to_owned(),
                    certificate.number.as_str().to_owned(),
                ),
                ("purpose".to_owned(), certificate.purpose.code().to_owned()),
            ]);
            for subject in [
                AuditEvent::certificate(&certificate.number),
                AuditEvent::account(&certificate.account_id),
            ] {
                items.push(audit_put(
                    audit,
                    &AuditEvent {
                        subject,
                        at: certificate.issued_at,
                        event: "ISSUED".into(),
                        id: certificate.number.as_str().to_owned(),
                        details: details.clone(),
                    },
                )?);
            }
        }
        transact(&self.client, items).await
    }

    async fn get(&self, number: &CertificateNumber) -> StoreResult<Option<Certificate>> {
        let pk = format!("CERTIFICATE#{}", number.as_str());
        match get_item(&self.client, &self.table, &pk).await? {
            Some(item) => Ok(Some(self.read_item(&item).await?)),
            None => Ok(None),
        }
    }

    async fn revoke(
        &self,
        number: &CertificateNumber,
        reason: &str,
        by: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<RevokeOutcome> {
        let pk = format!("CERTIFICATE#{}", number.as_str());
        let update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(&pk))
            .update_expression("SET revoked_at = :at, revocation_reason = :reason")
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(revoked_at)")
            .expression_attribute_values(":at", time(at))
            .expression_attribute_values(":reason", s(reason))
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        if let Some(audit) = &self.audit_table {
            items.push(audit_put(
                audit,
                &AuditEvent {
                    subject: AuditEvent::certificate(number),
                    at,
                    event: "REVOKED".into(),
                    id: uuid::Uuid::new_v4().to_string(),
                    details: std::collections::BTreeMap::from([
                        ("reason".to_owned(), reason.to_owned()),
                        ("by".to_owned(), by.to_owned()),
                    ]),
                },
            )?);
        }
        match transact(&self.client, items).await {
            Ok(()) => Ok(RevokeOutcome::Revoked),
            Err(StoreError::Conflict) => match get_item(&self.client, &self.table, &pk).await? {
                Some(_) => Ok(RevokeOutcome::AlreadyRevoked),
                None => Ok(RevokeOutcome::NotFound),
            },
            Err(e) => Err(e),
        }
    }

    async fn list_for_account(&self, account_id: &str) -> StoreResult<Vec<Certificate>> {
        let mut certificates = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(CERTIFICATES_BY_ACCOUNT_INDEX)
                .key_condition_expression("account_id = :a")
                .expression_attribute_values(":a", s(account_id))
                .scan_index_forward(false)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items() {
                certificates.push(self.read_item(item).await?);
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        Ok(certificates)
    }
}

// ---------------------------------------------------------------------------------------------
// Records table:
// - entries: pk PERSON#<keyed hash of the CNP> or COMPANY#<CUI>, sk ENTRY#<id>, the entry sealed;
// - companies: pk COMPANY#<CUI>, sk PROFILE (public trade-register data, and the keyed hashes
//   of the representatives' CNPs);
// - representation: pk REPRESENTATIVE#<keyed hash of the CNP>, sk COMPANY#<CUI>.

#[derive(Clone)]
pub struct DynamoRecords {
    client: Client,
    table: String,
    privacy: Arc<Privacy>,
}

/// BatchWriteItem takes at most 25 writes.
const BATCH_WRITE_MAX: usize = 25;

impl DynamoRecords {
    pub fn new(
        config: &aws_config::SdkConfig,
        table: impl Into<String>,
        privacy: Arc<Privacy>,
    ) -> Self {
        Self {
            client: Client::new(config),
            table: table.into(),
            privacy,
        }
    }

    fn subject_pk(&self, subject: &RecordSubject) -> String {
        match subject {
            RecordSubject::Person(cnp) => {
                format!("PERSON#{}", self.privacy.lookup_hash(&cnp.as_string()))
            }
            RecordSubject::Company(cui) => format!("COMPANY#{cui}"),
        }
    }

    fn representative_pk(&self, cnp: &Cnp) -> String {
        format!(
            "REPRESENTATIVE#{}",
            self.privacy.lookup_hash(&cnp.as_string())
        )
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
            let (pk, sk) = (
                self.subject_pk(subject),
                format!("ENTRY#{}", entry.entry_id),
            );
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
        let mut entries = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :p AND begins_with(sk, :e)")
                .expression_attribute_values(":p", s(self.subject_pk(subject)))
                .expression_attribute_values(":e", s("ENTRY#"))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items() {
                let context = format!("{}/{}", get_s(item, "pk")?, get_s(item, "sk")?);
                entries.push(
                    self.privacy
                        .open_json(get_b(item, "entry")?, &context)
                        .await?,
                );
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
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
                .key("sk", s(format!("ENTRY#{entry_id}")))
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
            .key("sk", s("PROFILE"))
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
            ("sk".to_owned(), s("PROFILE")),
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
            .key("pk", s(format!("COMPANY#{cui}")))
            .key("sk", s("PROFILE"))
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
            .key("sk", s(format!("COMPANY#{cui}")))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item.is_some())
    }
}

// ---------------------------------------------------------------------------------------------
// Audit table: pk <subject>, sk <time>#<event>#<id>. Entries are only ever put, never updated.

#[derive(Clone)]
pub struct DynamoAudit {
    client: Client,
    table: String,
}

dynamo_adapter!(DynamoAudit);

fn audit_item(e: &AuditEvent) -> Item {
    let mut item: Item = HashMap::from([
        ("pk".into(), s(&e.subject)),
        (
            "sk".into(),
            s(format!(
                "{}#{}#{}",
                e.at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                e.event,
                e.id
            )),
        ),
        ("event".into(), s(&e.event)),
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

/// The audit entry as one more item of a transaction (appended only if new).
pub(crate) fn audit_put(table: &str, e: &AuditEvent) -> StoreResult<TransactWriteItem> {
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

    async fn history(&self, subject: &str) -> StoreResult<Vec<AuditEvent>> {
        let mut events = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :p")
                .expression_attribute_values(":p", s(subject))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items() {
                events.push(AuditEvent {
                    subject: subject.to_owned(),
                    at: get_time(item, "at")?,
                    event: get_s(item, "event")?.to_owned(),
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
                });
            }
            match out.last_evaluated_key {
                Some(k) if !k.is_empty() => start = Some(k),
                _ => break,
            }
        }
        Ok(events)
    }
}
