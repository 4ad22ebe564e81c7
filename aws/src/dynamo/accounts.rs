//! The accounts table: each account (civil-status data and the second factor's secret sealed,
//! the CNP only as a keyed hash) and a guard item per unique value pointing at it: the e-mail
//! and counter code from creation, the CNP from validation (one validated account per CNP).
//! An unvalidated account and its guards carry `expires_at` and the TTL attribute: they go
//! away unless validated, and a guard of an expired account may be taken over.
//! (Over 400 lines: one table's adapter, its item mapping and its conditional transactions belong
//! together.)

use super::audit::audit_put;
use super::{
    blob, corrupt, epoch_ttl, from_json, get_b, get_item, get_s, get_time, json_attr, keys, n,
    opt_s, opt_time, s, sealing_adapter, time, transact_checked, version_of, Item,
};
use crate::domain::{
    Account, AccountId, AccountStatus, AuditEvent, Cnp, CounterCode, Cui, Email, IdDocument, Name,
    Person, Role, TotpSecret, Validation,
};
use crate::ports::{
    AccessChange, AccountStore, CreateOutcome, StoreError, StoreResult, ValidateOutcome,
};
use crate::privacy::Privacy;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone)]
pub struct DynamoAccounts {
    client: Client,
    table: String,
    /// Validations are recorded there in the same transaction.
    audit_table: String,
    privacy: Arc<Privacy>,
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

fn build_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// A guard write: free, or ours already, or (with `now`) left by an account that expired.
fn guard_put(
    table: &str,
    pk: String,
    account: &Account,
    now: Option<DateTime<Utc>>,
) -> StoreResult<TransactWriteItem> {
    let mut item: Item = HashMap::from([
        ("pk".into(), s(pk)),
        (keys::GUARD_ACCOUNT.into(), s(account.account_id.as_str())),
    ]);
    if let Some(at) = account.expires_at {
        item.insert("expires_at".into(), time(at));
        item.insert("ttl".into(), epoch_ttl(at));
    }
    let mut put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .expression_attribute_values(":me", s(account.account_id.as_str()));
    put = match now {
        Some(now) => put
            .condition_expression(
                "attribute_not_exists(pk) OR account_id = :me OR expires_at < :now",
            )
            .expression_attribute_values(":now", time(now)),
        None => put.condition_expression("attribute_not_exists(pk) OR account_id = :me"),
    };
    Ok(TransactWriteItem::builder()
        .put(put.build().map_err(build_err)?)
        .build())
}

impl DynamoAccounts {
    fn sealed_person(&self, p: &Person, pk: &str) -> StoreResult<AttributeValue> {
        let text = |n: &Option<Name>| n.as_ref().map(|n| n.as_str().to_owned());
        let sealed = SealedPerson {
            cnp: p.cnp.as_string(),
            last_name: p.last_name.as_str().to_owned(),
            first_name: p.first_name.as_str().to_owned(),
            father_first_name: text(&p.father_first_name),
            mother_first_name: text(&p.mother_first_name),
            birth_place: text(&p.birth_place),
            id_document: p.id_document.clone(),
        };
        Ok(blob(self.privacy.seal_json(&sealed, pk)?))
    }

    fn to_item(&self, a: &Account) -> StoreResult<Item> {
        let pk = keys::account(&a.account_id);
        let mut item: Item = HashMap::from([
            ("account_id".into(), s(a.account_id.as_str())),
            ("email".into(), s(a.email.as_str())),
            ("role".into(), s(a.role.as_str())),
            ("status".into(), s(a.status.as_str())),
            ("password_hash".into(), s(&a.password_hash)),
            ("created_at".into(), time(a.created_at)),
        ]);
        if let Some(p) = &a.person {
            item.insert("person".into(), self.sealed_person(p, &pk)?);
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
        if let Some(cui) = &a.organisation {
            item.insert("organisation".into(), s(cui.as_str()));
        }
        if let Some(at) = a.expires_at {
            item.insert("expires_at".into(), time(at));
            item.insert("ttl".into(), epoch_ttl(at));
        }
        if a.disabled {
            item.insert("disabled".into(), AttributeValue::Bool(true));
        }
        if a.details_version > 0 {
            item.insert("details_version".into(), n(a.details_version));
        }
        if let Some(secret) = &a.totp {
            let sealed = self
                .privacy
                .seal(secret.as_bytes(), &format!("{pk}#totp"))?;
            item.insert("totp".into(), blob(sealed));
        }
        item.insert("pk".into(), s(pk));
        Ok(item)
    }

    async fn read_item(&self, item: &Item) -> StoreResult<Account> {
        let pk = get_s(item, "pk")?;
        let person = match item.get("person") {
            None => None,
            Some(_) => {
                let sealed: SealedPerson =
                    self.privacy.open_json(get_b(item, "person")?, pk).await?;
                let name = |v: &str| Name::parse_label(v).map_err(|_| corrupt("person"));
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
        let totp = match item.get("totp") {
            None => None,
            Some(_) => {
                let bytes = self
                    .privacy
                    .open(get_b(item, "totp")?, &format!("{pk}#totp"))
                    .await?;
                Some(TotpSecret::from_bytes(&bytes).ok_or_else(|| corrupt("totp"))?)
            }
        };
        Ok(Account {
            account_id: AccountId::from(get_s(item, "account_id")?),
            email: Email::parse(get_s(item, "email")?).map_err(|_| corrupt("email"))?,
            role: Role::parse(get_s(item, "role")?).ok_or_else(|| corrupt("role"))?,
            status: AccountStatus::parse(get_s(item, "status")?)
                .ok_or_else(|| corrupt("status"))?,
            password_hash: get_s(item, "password_hash")?.to_owned(),
            created_at: get_time(item, "created_at")?,
            person,
            counter_code: opt_s(item, "counter_code").and_then(CounterCode::parse),
            validation: from_json(item, "validation")?,
            unit: opt_s(item, "unit").map(str::to_owned),
            organisation: match opt_s(item, "organisation") {
                Some(cui) => Some(Cui::parse(cui).map_err(|_| corrupt("organisation"))?),
                None => None,
            },
            expires_at: opt_time(item, "expires_at")?,
            disabled: item
                .get("disabled")
                .and_then(|v| v.as_bool().ok())
                .copied()
                .unwrap_or(false),
            totp,
            details_version: version_of(item),
        })
    }

    async fn resolve_guard(&self, pk: &str) -> StoreResult<Option<Account>> {
        let Some(guard) = get_item(&self.client, &self.table, pk).await? else {
            return Ok(None);
        };
        self.get(&AccountId::from(get_s(&guard, keys::GUARD_ACCOUNT)?))
            .await
    }

    /// Deletes a guard left by an account that can no longer hold it (`stale` says which),
    /// so that a write refused by it can be tried again. Whether it did.
    async fn clear_stale_guard(
        &self,
        pk: &str,
        stale: impl Fn(Option<&Account>) -> bool,
    ) -> StoreResult<bool> {
        let Some(guard) = get_item(&self.client, &self.table, pk).await? else {
            return Ok(true);
        };
        let holder = AccountId::from(get_s(&guard, keys::GUARD_ACCOUNT)?);
        if !stale(self.get(&holder).await?.as_ref()) {
            return Ok(false);
        }
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .condition_expression("account_id = :holder")
            .expression_attribute_values(":holder", s(holder.as_str()))
            .send()
            .await;
        super::conditional(result)?;
        tracing::info!("a stale guard was cleared");
        Ok(true)
    }

    fn validation_items(
        &self,
        account: &Account,
        validation: &Validation,
        audit: &[AuditEvent],
    ) -> StoreResult<Vec<TransactWriteItem>> {
        let pk = keys::account(&account.account_id);
        let person = account
            .person
            .as_ref()
            .ok_or_else(|| corrupt("a citizen without civil-status data"))?;
        let update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(&pk))
            .update_expression(
                "SET #status = :validated, validation = :v, person = :p REMOVE expires_at, #ttl",
            )
            .condition_expression(format!(
                "attribute_exists(pk) AND #status = :pending AND {}",
                version_is(account.details_version)
            ))
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":version", n(account.details_version))
            .expression_attribute_values(":validated", s(AccountStatus::Validated.as_str()))
            .expression_attribute_values(":pending", s(AccountStatus::PendingValidation.as_str()))
            .expression_attribute_values(":v", json_attr(validation))
            .expression_attribute_values(":p", self.sealed_person(person, &pk)?)
            .build()
            .map_err(build_err)?;
        // The guards lose their expiry with the account's.
        let kept = Account {
            expires_at: None,
            ..account.clone()
        };
        let cnp_guard = keys::cnp_guard(&self.privacy.lookup_hash(&person.cnp.as_string()));
        let mut items = vec![
            TransactWriteItem::builder().update(update).build(),
            guard_put(&self.table, cnp_guard, &kept, None)?,
            guard_put(&self.table, keys::email_guard(&account.email), &kept, None)?,
        ];
        if let Some(code) = &account.counter_code {
            items.push(guard_put(
                &self.table,
                keys::counter_guard(code.as_str()),
                &kept,
                None,
            )?);
        }
        for event in audit {
            items.push(audit_put(&self.audit_table, event)?);
        }
        Ok(items)
    }
}

/// The condition that the stored declared data are at `version` (absent is 0); the
/// expression's `:version` is that number.
fn version_is(version: u32) -> &'static str {
    if version == 0 {
        "(attribute_not_exists(details_version) OR details_version = :version)"
    } else {
        "details_version = :version"
    }
}

#[async_trait]
impl AccountStore for DynamoAccounts {
    async fn create(&self, account: &Account, now: DateTime<Utc>) -> StoreResult<CreateOutcome> {
        let email_guard = keys::email_guard(&account.email);
        // Two attempts: the second after clearing an e-mail guard that an account stored
        // before expiries existed left behind (it has no `expires_at` to be taken over by).
        for attempt in 0..2 {
            let mut items = vec![
                super::put(
                    &self.table,
                    self.to_item(account)?,
                    Some("attribute_not_exists(pk)"),
                )?,
                guard_put(&self.table, email_guard.clone(), account, Some(now))?,
            ];
            // The counter code goes last so a cancellation tells which guard failed.
            if let Some(c) = &account.counter_code {
                let pk = keys::counter_guard(c.as_str());
                items.push(guard_put(&self.table, pk, account, Some(now))?);
            }
            let failed = match transact_checked(&self.client, items).await? {
                Ok(()) => return Ok(CreateOutcome::Created),
                Err(failed) => failed,
            };
            if account.counter_code.is_some()
                && failed.last() == Some(&true)
                && failed.iter().filter(|f| **f).count() == 1
            {
                return Ok(CreateOutcome::CounterCodeTaken);
            }
            let expired = |holder: Option<&Account>| holder.is_none_or(|a| a.expired(now));
            if attempt > 0 || !self.clear_stale_guard(&email_guard, expired).await? {
                break;
            }
        }
        Ok(CreateOutcome::Taken)
    }

    async fn get(&self, account_id: &AccountId) -> StoreResult<Option<Account>> {
        match get_item(&self.client, &self.table, &keys::account(account_id)).await? {
            Some(item) => Ok(Some(self.read_item(&item).await?)),
            None => Ok(None),
        }
    }

    async fn find_by_email(&self, email: &Email) -> StoreResult<Option<Account>> {
        self.resolve_guard(&keys::email_guard(email)).await
    }

    async fn find_by_counter_code(&self, code: &CounterCode) -> StoreResult<Option<Account>> {
        self.resolve_guard(&keys::counter_guard(code.as_str()))
            .await
    }

    async fn find_by_cnp(&self, cnp: &crate::domain::Cnp) -> StoreResult<Option<Account>> {
        let hash = self.privacy.lookup_hash(&cnp.as_string());
        self.resolve_guard(&keys::cnp_guard(&hash)).await
    }

    async fn mark_validated(
        &self,
        account: &Account,
        validation: &Validation,
        audit: &[AuditEvent],
    ) -> StoreResult<ValidateOutcome> {
        // Two attempts: the second after clearing a CNP guard that an unvalidated account left
        // (registration reserved CNPs before validation did).
        for attempt in 0..2 {
            let items = self.validation_items(account, validation, audit)?;
            let failed = match transact_checked(&self.client, items).await? {
                Ok(()) => return Ok(ValidateOutcome::Validated),
                Err(failed) => failed,
            };
            if failed.first() == Some(&true) {
                let stored = self.get(&account.account_id).await?;
                return Ok(match stored {
                    Some(a) if a.status == AccountStatus::PendingValidation => {
                        ValidateOutcome::DetailsChanged
                    }
                    _ => ValidateOutcome::AlreadyValidated,
                });
            }
            if failed.get(1) != Some(&true) {
                // A guard of the e-mail or the code points elsewhere: not this account's to
                // fix; nothing was written.
                return Err(StoreError::Conflict);
            }
            let person = account.person.as_ref().ok_or_else(|| corrupt("person"))?;
            let pk = keys::cnp_guard(&self.privacy.lookup_hash(&person.cnp.as_string()));
            let unvalidated = |holder: Option<&Account>| {
                holder.is_none_or(|a| a.status != AccountStatus::Validated)
            };
            if attempt > 0 || !self.clear_stale_guard(&pk, unvalidated).await? {
                break;
            }
        }
        Ok(ValidateOutcome::CnpTaken)
    }

    async fn change_access(
        &self,
        account_id: &AccountId,
        change: &AccessChange,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let pk = keys::account(account_id);
        let update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(&pk))
            .condition_expression("attribute_exists(pk)");
        let update = match change {
            AccessChange::Password(hash) => update
                .update_expression("SET password_hash = :v")
                .expression_attribute_values(":v", s(hash)),
            AccessChange::Disabled(disabled) => update
                .update_expression("SET disabled = :v")
                .expression_attribute_values(":v", AttributeValue::Bool(*disabled)),
            AccessChange::Totp(Some(secret)) => {
                let sealed = self
                    .privacy
                    .seal(secret.as_bytes(), &format!("{pk}#totp"))?;
                update
                    .update_expression("SET totp = :v REMOVE totp_last_step")
                    .expression_attribute_values(":v", blob(sealed))
            }
            AccessChange::Totp(None) => update.update_expression("REMOVE totp, totp_last_step"),
        };
        let items = vec![
            TransactWriteItem::builder()
                .update(update.build().map_err(build_err)?)
                .build(),
            audit_put(&self.audit_table, audit)?,
        ];
        Ok(transact_checked(&self.client, items).await?.is_ok())
    }

    async fn change_declared(&self, account: &Account, audit: &AuditEvent) -> StoreResult<bool> {
        let pk = keys::account(&account.account_id);
        let person = account
            .person
            .as_ref()
            .ok_or_else(|| corrupt("a citizen without civil-status data"))?;
        let update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(&pk))
            .update_expression("SET person = :p, details_version = :next")
            .condition_expression(format!(
                "attribute_exists(pk) AND #status = :pending AND {}",
                version_is(account.details_version)
            ))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pending", s(AccountStatus::PendingValidation.as_str()))
            .expression_attribute_values(":version", n(account.details_version))
            .expression_attribute_values(":next", n(account.details_version + 1))
            .expression_attribute_values(":p", self.sealed_person(person, &pk)?)
            .build()
            .map_err(build_err)?;
        let items = vec![
            TransactWriteItem::builder().update(update).build(),
            audit_put(&self.audit_table, audit)?,
        ];
        Ok(transact_checked(&self.client, items).await?.is_ok())
    }

    async fn use_totp_step(&self, account_id: &AccountId, step: i64) -> StoreResult<bool> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(keys::account(account_id)))
            .update_expression("SET totp_last_step = :step")
            .condition_expression(
                "attribute_exists(pk) AND (attribute_not_exists(totp_last_step) OR totp_last_step < :step)",
            )
            .expression_attribute_values(":step", n(step))
            .send()
            .await;
        Ok(super::conditional(result)?.is_some())
    }
}
