//! The sessions table's sealed pending items: registrations awaiting their e-mailed code
//! (`REGISTRATION#<hash of the registration id>`: the account-to-be, its civil-status data sealed)
//! and identities proven online awaiting their holder's confirmation (`PROVEN#<hash of the
//! browser's binding>`: the names sealed). Both expire through `ttl` and are refused past
//! `expires_at`.

use super::{
    blob, conditional, corrupt, epoch_ttl, get_b, get_item, get_s, get_time, keys, n,
    private_adapter, s, time, version_of, Item,
};
use crate::domain::{AccountId, Cnp, Email, IdDocument, Name, Person, ValidationMethod};
use crate::ports::{
    PendingRegistration, ProvenIdentities, ProvenIdentity, Registrations, StoreResult,
};
use crate::privacy::Privacy;
use crate::unavailable;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValue;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Clone)]
pub struct DynamoPending {
    client: Client,
    table: String,
    privacy: Arc<Privacy>,
}

private_adapter!(DynamoPending);

/// What a registration seals: everything but its code's hash and counters.
#[derive(Serialize, Deserialize)]
struct SealedRegistration {
    email: String,
    password_hash: String,
    cnp: String,
    last_name: String,
    first_name: String,
    father_first_name: Option<String>,
    mother_first_name: Option<String>,
    birth_place: Option<String>,
    id_document: IdDocument,
}

#[derive(Serialize, Deserialize)]
struct SealedNames {
    last_name: String,
    first_name: String,
}

fn name(v: &str) -> StoreResult<Name> {
    Name::parse_label(v).map_err(|_| corrupt("a sealed name"))
}

impl DynamoPending {
    async fn registration_of(&self, item: &Item) -> StoreResult<PendingRegistration> {
        let pk = get_s(item, "pk")?;
        let sealed: SealedRegistration = self.privacy.open_json(get_b(item, "sealed")?, pk).await?;
        let opt = |v: &Option<String>| v.as_deref().map(name).transpose();
        Ok(PendingRegistration {
            email: Email::parse(&sealed.email).map_err(|_| corrupt("a registration's email"))?,
            password_hash: sealed.password_hash,
            person: Person {
                cnp: Cnp::parse(&sealed.cnp).map_err(|_| corrupt("a registration's CNP"))?,
                last_name: name(&sealed.last_name)?,
                first_name: name(&sealed.first_name)?,
                father_first_name: opt(&sealed.father_first_name)?,
                mother_first_name: opt(&sealed.mother_first_name)?,
                birth_place: opt(&sealed.birth_place)?,
                id_document: sealed.id_document,
            },
            code_hash: get_s(item, "code_hash")?.to_owned(),
            tries: item
                .get("tries")
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            expires_at: get_time(item, "expires_at")?,
        })
    }

    async fn proven_of(&self, item: &Item) -> StoreResult<ProvenIdentity> {
        let pk = get_s(item, "pk")?;
        let sealed: SealedNames = self.privacy.open_json(get_b(item, "sealed")?, pk).await?;
        Ok(ProvenIdentity {
            account_id: AccountId::from(get_s(item, "account_id")?),
            method: ValidationMethod::parse(get_s(item, "method")?)
                .ok_or_else(|| corrupt("a proven identity's method"))?,
            last_name: name(&sealed.last_name)?,
            first_name: name(&sealed.first_name)?,
            details_version: version_of(item),
            expires_at: get_time(item, "expires_at")?,
        })
    }
}

#[async_trait]
impl Registrations for DynamoPending {
    async fn put_registration(
        &self,
        registration_hash: &str,
        pending: &PendingRegistration,
    ) -> StoreResult<()> {
        let pk = keys::registration(registration_hash);
        let p = &pending.person;
        let text = |n: &Option<Name>| n.as_ref().map(|n| n.as_str().to_owned());
        let sealed = SealedRegistration {
            email: pending.email.as_str().to_owned(),
            password_hash: pending.password_hash.clone(),
            cnp: p.cnp.as_string(),
            last_name: p.last_name.as_str().to_owned(),
            first_name: p.first_name.as_str().to_owned(),
            father_first_name: text(&p.father_first_name),
            mother_first_name: text(&p.mother_first_name),
            birth_place: text(&p.birth_place),
            id_document: p.id_document.clone(),
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .item("sealed", blob(self.privacy.seal_json(&sealed, &pk)?))
            .item("pk", s(pk))
            .item("code_hash", s(&pending.code_hash))
            .item("tries", n(pending.tries))
            .item("expires_at", time(pending.expires_at))
            .item("ttl", epoch_ttl(pending.expires_at))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn try_registration(
        &self,
        registration_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<PendingRegistration>> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(keys::registration(registration_hash)))
            .update_expression("ADD tries :one")
            .condition_expression("attribute_exists(pk) AND expires_at > :now")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", time(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match conditional(result)?.and_then(|out| out.attributes) {
            Some(item) => self.registration_of(&item).await.map(Some),
            None => Ok(None),
        }
    }

    async fn take_registration(
        &self,
        registration_hash: &str,
        code_hash: &str,
    ) -> StoreResult<bool> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::registration(registration_hash)))
            .condition_expression("code_hash = :h")
            .expression_attribute_values(":h", s(code_hash))
            .send()
            .await;
        Ok(conditional(result)?.is_some())
    }
}

#[async_trait]
impl ProvenIdentities for DynamoPending {
    async fn put_proven(&self, binding_hash: &str, proven: &ProvenIdentity) -> StoreResult<()> {
        let pk = keys::proven(binding_hash);
        let sealed = SealedNames {
            last_name: proven.last_name.as_str().to_owned(),
            first_name: proven.first_name.as_str().to_owned(),
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .item("sealed", blob(self.privacy.seal_json(&sealed, &pk)?))
            .item("pk", s(pk))
            .item("account_id", s(proven.account_id.as_str()))
            .item("method", s(proven.method.as_str()))
            .item("details_version", n(proven.details_version))
            .item("expires_at", time(proven.expires_at))
            .item("ttl", epoch_ttl(proven.expires_at))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn peek_proven(
        &self,
        binding_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ProvenIdentity>> {
        let pk = keys::proven(binding_hash);
        let Some(item) = get_item(&self.client, &self.table, &pk).await? else {
            return Ok(None);
        };
        if get_time(&item, "expires_at")? <= now {
            return Ok(None);
        }
        self.proven_of(&item).await.map(Some)
    }

    async fn take_proven(
        &self,
        binding_hash: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ProvenIdentity>> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::proven(binding_hash)))
            .condition_expression("expires_at > :now")
            .expression_attribute_values(":now", time(now))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match conditional(result)?.and_then(|out| out.attributes) {
            Some(item) => self.proven_of(&item).await.map(Some),
            None => Ok(None),
        }
    }
}
