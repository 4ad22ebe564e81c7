//! The accounts table: each account (civil-status data sealed, the CNP only as a keyed hash) and
//! a guard item per unique value (e-mail, CNP, counter code) pointing at it.

use super::audit::audit_put;
use super::{
    blob, corrupt, from_json, get_b, get_item, get_s, get_time, json_attr, keys, opt_s, put, s,
    sealing_adapter, time, transact, transact_checked, Item,
};
use crate::domain::{
    Account, AccountId, AccountStatus, AuditEvent, Cnp, CounterCode, Email, IdDocument, Name,
    Person, Role, Validation,
};
use crate::ports::{AccountStore, CreateOutcome, StoreError, StoreResult};
use crate::privacy::Privacy;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;
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

impl DynamoAccounts {
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
        })
    }

    async fn resolve_guard(&self, pk: &str) -> StoreResult<Option<Account>> {
        let Some(guard) = get_item(&self.client, &self.table, pk).await? else {
            return Ok(None);
        };
        self.get(&AccountId::from(get_s(&guard, "account_id")?))
            .await
    }
}

#[async_trait]
impl AccountStore for DynamoAccounts {
    async fn create(&self, account: &Account) -> StoreResult<CreateOutcome> {
        let guard = |pk: String| -> Item {
            HashMap::from([
                ("pk".into(), s(pk)),
                ("account_id".into(), s(account.account_id.as_str())),
            ])
        };
        let absent = Some("attribute_not_exists(pk)");
        // The counter code goes last so a cancellation tells which guard failed.
        let mut items = vec![
            put(&self.table, self.to_item(account)?, absent)?,
            put(
                &self.table,
                guard(keys::email_guard(&account.email)),
                absent,
            )?,
        ];
        if let Some(p) = &account.person {
            items.push(put(
                &self.table,
                guard(keys::cnp_guard(
                    &self.privacy.lookup_hash(&p.cnp.as_string()),
                )),
                absent,
            )?);
        }
        if let Some(c) = &account.counter_code {
            items.push(put(
                &self.table,
                guard(keys::counter_guard(c.as_str())),
                absent,
            )?);
        }
        Ok(match transact_checked(&self.client, items).await? {
            Ok(()) => CreateOutcome::Created,
            Err(failed) => {
                let counter_only = account.counter_code.is_some()
                    && failed.last() == Some(&true)
                    && failed.iter().filter(|f| **f).count() == 1;
                if counter_only {
                    CreateOutcome::CounterCodeTaken
                } else {
                    CreateOutcome::Taken
                }
            }
        })
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

    async fn mark_validated(
        &self,
        account_id: &AccountId,
        validation: &Validation,
        audit: &[AuditEvent],
    ) -> StoreResult<()> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("pk", s(keys::account(account_id)))
            .update_expression("SET #status = :validated, validation = :v")
            .condition_expression("attribute_exists(pk) AND #status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":validated", s(AccountStatus::Validated.as_str()))
            .expression_attribute_values(":pending", s(AccountStatus::PendingValidation.as_str()))
            .expression_attribute_values(":v", json_attr(validation))
            .build()
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        for event in audit {
            items.push(audit_put(&self.audit_table, event)?);
        }
        transact(&self.client, items).await
    }
}
