//! The consents table: each consent under its id, listed for its holder through
//! `consents_by_holder` (a keyed hash of the CNP, newest first) and for its organisation's
//! staff through `consents_by_organisation` (the CUI, newest first). The CNP, the organisation's
//! reason and the holder's name are sealed, bound to the item. Beside them, one guard item per
//! organisation and holder while a request waits: an organisation has one pending request per
//! person, however often it asks. Items go (TTL) a year after the consent ended.

use super::keys::{self, CONSENTS_BY_HOLDER_INDEX, CONSENTS_BY_ORGANISATION_INDEX};
use super::{
    audit::audit_put, blob, corrupt, epoch_ttl, get_b, get_item, get_parsed, get_s, get_time, n,
    opt_time, query_all, s, sealing_adapter, time, transact_checked, Item,
};
use crate::domain::consent::{Consent, ConsentReason, ConsentTerm, PENDING_FOR};
use crate::domain::{
    AuditEvent, Cnp, ConsentId, ConsentLevel, ConsentStatus, Cui, DeskCode, Purpose,
};
use crate::ports::{AskOutcome, Consents, StoreError, StoreResult};
use crate::privacy::Privacy;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// How long an ended consent stays listed for its holder (and its history with it).
const KEPT_AFTER_END: Duration = Duration::days(365);
const ONE_OFF: &str = "ONE_OFF";

#[derive(Clone)]
pub struct DynamoConsents {
    client: Client,
    table: String,
    audit_table: String,
    privacy: Arc<Privacy>,
}

sealing_adapter!(DynamoConsents);

/// What is sealed.
#[derive(Serialize, Deserialize)]
struct Sealed {
    cnp: String,
    reason: String,
    #[serde(default)]
    holder_name: Option<String>,
}

fn built<T, E: std::fmt::Display>(r: Result<T, E>) -> StoreResult<T> {
    r.map_err(|e| StoreError::Unavailable(e.to_string()))
}

impl DynamoConsents {
    fn holder_hash(&self, cnp: &Cnp) -> String {
        self.privacy.lookup_hash(&cnp.as_string())
    }

    fn to_item(&self, c: &Consent) -> StoreResult<Item> {
        let pk = keys::consent(&c.id);
        let sealed = Sealed {
            cnp: c.holder.as_string(),
            reason: c.reason.as_str().to_owned(),
            holder_name: c.holder_name.clone(),
        };
        let term = match c.term {
            ConsentTerm::OneOff => ONE_OFF.to_owned(),
            ConsentTerm::Until(day) => day.to_string(),
        };
        let ends = c
            .ended_at
            .or(c.ends_at())
            .unwrap_or(c.asked_at + PENDING_FOR);
        let mut item: Item = HashMap::from([
            ("pk".into(), s(&pk)),
            ("holder_hash".into(), s(self.holder_hash(&c.holder))),
            ("organisation".into(), s(c.organisation.as_str())),
            ("organisation_name".into(), s(&c.organisation_name)),
            ("purpose".into(), s(c.purpose.code())),
            ("level".into(), s(c.level.as_str())),
            ("term".into(), s(term)),
            ("state".into(), s(c.state.as_str())),
            ("asked_at".into(), time(c.asked_at)),
            ("extracts".into(), n(c.extracts)),
            ("sealed".into(), blob(self.privacy.seal_json(&sealed, &pk)?)),
            (
                "ttl".into(),
                epoch_ttl(ends.max(c.asked_at + PENDING_FOR) + KEPT_AFTER_END),
            ),
        ]);
        if let Some(at) = c.decided_at {
            item.insert("decided_at".into(), time(at));
        }
        if let Some(at) = c.ended_at {
            item.insert("ended_at".into(), time(at));
        }
        Ok(item)
    }

    async fn read_item(&self, item: &Item) -> StoreResult<Consent> {
        let pk = get_s(item, "pk")?;
        let id = pk
            .strip_prefix("CONSENT#")
            .map(ConsentId::from)
            .ok_or_else(|| corrupt("a consent's id"))?;
        let sealed: Sealed = self.privacy.open_json(get_b(item, "sealed")?, pk).await?;
        let term = match get_s(item, "term")? {
            ONE_OFF => ConsentTerm::OneOff,
            day => ConsentTerm::Until(
                day.parse::<NaiveDate>()
                    .map_err(|_| corrupt("a consent's term"))?,
            ),
        };
        Ok(Consent {
            id,
            organisation: get_parsed(item, "organisation", |c| Cui::parse(c).ok())?,
            organisation_name: get_s(item, "organisation_name")?.to_owned(),
            purpose: get_parsed(item, "purpose", Purpose::parse)?,
            level: get_parsed(item, "level", ConsentLevel::parse)?,
            reason: ConsentReason::parse(&sealed.reason)
                .ok_or_else(|| corrupt("a consent's reason"))?,
            term,
            holder: Cnp::parse(&sealed.cnp).map_err(|_| corrupt("a consent's holder"))?,
            state: get_parsed(item, "state", ConsentStatus::parse)?,
            asked_at: get_time(item, "asked_at")?,
            decided_at: opt_time(item, "decided_at")?,
            ended_at: opt_time(item, "ended_at")?,
            holder_name: sealed.holder_name,
            extracts: item
                .get("extracts")
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| corrupt("a consent's extracts"))?,
        })
    }

    fn guard_key(&self, c: &Consent) -> String {
        keys::consent_pending(&c.organisation, &self.holder_hash(&c.holder))
    }
}

#[async_trait]
impl Consents for DynamoConsents {
    async fn ask(&self, consent: &Consent, now: DateTime<Utc>) -> StoreResult<AskOutcome> {
        let guard_pk = self.guard_key(consent);
        let expires = consent.asked_at + PENDING_FOR;
        let guard: Item = HashMap::from([
            ("pk".into(), s(&guard_pk)),
            ("consent_id".into(), s(consent.id.as_str())),
            ("expires_at".into(), time(expires)),
            ("ttl".into(), epoch_ttl(expires)),
        ]);
        // A guard left by a request that expired unanswered does not hold the next one back.
        let guard = built(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(guard))
                .condition_expression("attribute_not_exists(pk) OR expires_at <= :now")
                .expression_attribute_values(":now", time(now))
                .build(),
        )?;
        let item = built(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(self.to_item(consent)?))
                .condition_expression("attribute_not_exists(pk)")
                .build(),
        )?;
        let audit = AuditEvent::consent(
            crate::domain::AuditEventKind::ConsentAsked,
            consent,
            None,
            consent.asked_at,
        );
        let items = vec![
            TransactWriteItem::builder().put(guard).build(),
            TransactWriteItem::builder().put(item).build(),
            audit_put(&self.audit_table, &audit)?,
        ];
        match transact_checked(&self.client, items).await? {
            Ok(()) => Ok(AskOutcome::Asked),
            Err(failed) if failed.first() == Some(&true) => {
                let waiting = get_item(&self.client, &self.table, &guard_pk)
                    .await?
                    .ok_or(StoreError::Conflict)?;
                Ok(AskOutcome::AlreadyPending(ConsentId::from(get_s(
                    &waiting,
                    "consent_id",
                )?)))
            }
            Err(_) => Err(StoreError::Conflict),
        }
    }

    async fn get(&self, id: &ConsentId) -> StoreResult<Option<Consent>> {
        match get_item(&self.client, &self.table, &keys::consent(id)).await? {
            Some(item) if item.contains_key("sealed") => Ok(Some(self.read_item(&item).await?)),
            _ => Ok(None),
        }
    }

    async fn for_holder(&self, cnp: &Cnp) -> StoreResult<Vec<Consent>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(CONSENTS_BY_HOLDER_INDEX)
            .key_condition_expression("holder_hash = :h")
            .expression_attribute_values(":h", s(self.holder_hash(cnp)))
            .scan_index_forward(false);
        let mut found = Vec::new();
        for item in query_all(query).await? {
            found.push(self.read_item(&item).await?);
        }
        Ok(found)
    }

    async fn for_organisation(&self, cui: &Cui, limit: usize) -> StoreResult<Vec<Consent>> {
        let limit = i32::try_from(limit).unwrap_or(i32::MAX);
        let answer = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(CONSENTS_BY_ORGANISATION_INDEX)
            .key_condition_expression("organisation = :o")
            .expression_attribute_values(":o", s(cui.as_str()))
            .scan_index_forward(false)
            .limit(limit)
            .send()
            .await
            .map_err(super::unavailable)?;
        let mut found = Vec::new();
        for item in answer.items() {
            found.push(self.read_item(item).await?);
        }
        Ok(found)
    }

    async fn put_desk_code(
        &self,
        code: &DeskCode,
        id: &ConsentId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let pk = keys::desk_code(&self.privacy.lookup_hash(code.as_str()));
        let item: Item = HashMap::from([
            ("pk".into(), s(pk)),
            ("consent_id".into(), s(id.as_str())),
            ("expires_at".into(), time(expires_at)),
            ("ttl".into(), epoch_ttl(expires_at)),
        ]);
        // A new code never overwrites another's (40 random bits: a collision is a retry).
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        super::conditional(result)?.ok_or(StoreError::Conflict)?;
        Ok(())
    }

    async fn find_desk_code(
        &self,
        code: &DeskCode,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ConsentId>> {
        let pk = keys::desk_code(&self.privacy.lookup_hash(code.as_str()));
        let Some(item) = get_item(&self.client, &self.table, &pk).await? else {
            return Ok(None);
        };
        if get_time(&item, "expires_at")? <= now {
            return Ok(None);
        }
        Ok(Some(ConsentId::from(get_s(&item, "consent_id")?)))
    }

    async fn update(
        &self,
        changed: &Consent,
        from: ConsentStatus,
        from_extracts: u32,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let put = built(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(self.to_item(changed)?))
                .condition_expression("#state = :from AND extracts = :n")
                .expression_attribute_names("#state", "state")
                .expression_attribute_values(":from", s(from.as_str()))
                .expression_attribute_values(":n", n(from_extracts))
                .build(),
        )?;
        let mut items = vec![
            TransactWriteItem::builder().put(put).build(),
            audit_put(&self.audit_table, audit)?,
        ];
        if from == ConsentStatus::Pending && changed.state != ConsentStatus::Pending {
            // Answered: the organisation may ask again (once at a time).
            let delete = built(
                Delete::builder()
                    .table_name(&self.table)
                    .key("pk", s(self.guard_key(changed)))
                    .condition_expression("attribute_not_exists(pk) OR consent_id = :id")
                    .expression_attribute_values(":id", s(changed.id.as_str()))
                    .build(),
            )?;
            items.push(TransactWriteItem::builder().delete(delete).build());
        }
        Ok(transact_checked(&self.client, items).await?.is_ok())
    }
}
