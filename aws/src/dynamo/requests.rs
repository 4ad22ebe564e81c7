//! The requests table, whose stream drives generation: each request (kind REQUEST), and the
//! guards that honour idempotency keys (one request a day per purpose: the id is the day's).

use super::keys::{OPEN_MARK, PENDING_REQUESTS_INDEX};
use super::{
    conditional, dynamo_adapter, epoch_ttl, get_item, get_parsed, get_s, get_time, keys, n,
    opt_parsed, opt_s, opt_time, opt_u64, put, s, time, transact_checked, update, Item,
};
use crate::crypto::sha256_hex;
use crate::domain::{
    random_status_index, AccountId, CertificateNumber, CertificateRequest, Cui, Purpose,
    RejectionCode, RequestId, RequestStatus,
};
use crate::ports::{RequestStore, StoreError, StoreResult, SubmitOutcome};
use crate::unavailable;
use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;

#[derive(Clone)]
pub struct DynamoRequests {
    client: Client,
    table: String,
}

/// Idempotency keys are honoured for this long; daily guards outlive their day by this much.
const GUARD_TTL_DAYS: i64 = 7;

/// Tries at taking a number while other generators take theirs (each sees the counter move).
const BIND_ATTEMPTS: u32 = 50;

dynamo_adapter!(DynamoRequests);

impl DynamoRequests {
    fn to_item(r: &CertificateRequest) -> Item {
        let mut item: Item = HashMap::from([
            ("pk".into(), s(keys::request(&r.request_id))),
            ("kind".into(), s("REQUEST")),
            ("request_id".into(), s(r.request_id.as_str())),
            ("account_id".into(), s(r.account_id.as_str())),
            ("purpose".into(), s(r.purpose.code())),
            ("status".into(), s(r.status.as_str())),
            ("created_at".into(), time(r.created_at)),
        ]);
        if let Some(c) = &r.certificate_number {
            item.insert("certificate_number".into(), s(c.as_str()));
        }
        if r.status == RequestStatus::Pending || r.notice_due {
            // Puts the request in the sparse index the sweeper reads, while it is pending and
            // then while its notice is due (the same entry: ending a request writes no index).
            item.insert("pending".into(), s(OPEN_MARK));
        }
        if let Some(t) = r.issued_at {
            item.insert("issued_at".into(), time(t));
        }
        if let Some(i) = r.status_index {
            item.insert("status_index".into(), n(i));
        }
        if let Some(c) = &r.rejection_code {
            item.insert("rejection_code".into(), s(c.as_str()));
        }
        if let Some(cui) = &r.company {
            item.insert("company_cui".into(), s(cui.as_str()));
        }
        item
    }

    pub fn from_item(item: &Item) -> StoreResult<CertificateRequest> {
        Ok(CertificateRequest {
            request_id: RequestId::from(get_s(item, "request_id")?),
            account_id: AccountId::from(get_s(item, "account_id")?),
            status: get_parsed(item, "status", RequestStatus::parse)?,
            purpose: get_parsed(item, "purpose", Purpose::parse)?,
            company: opt_parsed(item, "company_cui", |c| Cui::parse(c).ok())?,
            created_at: get_time(item, "created_at")?,
            certificate_number: opt_parsed(item, "certificate_number", CertificateNumber::parse)?,
            issued_at: opt_time(item, "issued_at")?,
            status_index: opt_u64(item, "status_index")?,
            rejection_code: opt_parsed(item, "rejection_code", RejectionCode::parse)?,
            notice_due: opt_s(item, "pending").is_some()
                && get_s(item, "status")? != RequestStatus::Pending.as_str(),
        })
    }

    async fn guarded_request(&self, guard_pk: &str) -> StoreResult<Option<RequestId>> {
        Ok(get_item(&self.client, &self.table, guard_pk)
            .await?
            .and_then(|g| opt_s(&g, "request_id").map(RequestId::from)))
    }

    async fn set_final_status(
        &self,
        request_id: &RequestId,
        status: RequestStatus,
        rejection: Option<RejectionCode>,
    ) -> StoreResult<bool> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(keys::request(request_id)))
            .condition_expression("#status = :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pending", s(RequestStatus::Pending.as_str()))
            .expression_attribute_values(":final", s(status.as_str()));
        // The request keeps its index entry (`pending`), now meaning its notice is due: the
        // index is not written (docs/COST.md).
        update = match rejection {
            Some(code) => update
                .update_expression("SET #status = :final, rejection_code = :code")
                .expression_attribute_values(":code", s(code.as_str())),
            None => update.update_expression("SET #status = :final"),
        };
        // Not written when already final (a redelivered stream record): nothing to do.
        Ok(conditional(update.send().await)?.is_some())
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
        // One a day per purpose and per subject (the citizen, or each company they represent):
        // the request's id is the day's, so its key is the limit.
        let of_the_day = RequestId::of_the_day(
            &request.account_id,
            request.company.as_ref(),
            request.purpose,
            day,
        );
        if request.request_id != of_the_day {
            return Err(StoreError::Corrupt(
                "a request whose id is not its day's".into(),
            ));
        }
        let absent = Some("attribute_not_exists(pk)");
        let idem_pk = idempotency_key
            .map(|k| keys::idempotency_guard(&request.account_id, &sha256_hex(k.as_bytes())));
        let created = match &idem_pk {
            // One plain conditional put: half the write units of a transaction (docs/COST.md).
            None => {
                let written = self
                    .client
                    .put_item()
                    .table_name(&self.table)
                    .set_item(Some(Self::to_item(request)))
                    .condition_expression("attribute_not_exists(pk)")
                    .send()
                    .await;
                conditional(written)?.is_some()
            }
            Some(pk) => {
                let expires =
                    epoch_ttl(request.created_at + chrono::Duration::days(GUARD_TTL_DAYS));
                let guard = HashMap::from([
                    ("pk".into(), s(pk)),
                    ("request_id".into(), s(request.request_id.as_str())),
                    ("ttl".into(), expires),
                ]);
                let items = vec![
                    put(&self.table, Self::to_item(request), absent)?,
                    put(&self.table, guard, absent)?,
                ];
                transact_checked(&self.client, items).await?.is_ok()
            }
        };
        if created {
            return Ok(SubmitOutcome::Created);
        }
        // A replay of the same key answers with the original request, whatever else happened.
        if let Some(pk) = &idem_pk {
            if let Some(id) = self.guarded_request(pk).await? {
                let original = self.get(&id).await?.ok_or(StoreError::Conflict)?;
                return Ok(SubmitOutcome::Replayed(original));
            }
        }
        match self.get(&request.request_id).await? {
            Some(_) => Ok(SubmitOutcome::DailyLimit {
                request_id: request.request_id.clone(),
            }),
            None => Err(StoreError::Conflict),
        }
    }

    async fn get(&self, request_id: &RequestId) -> StoreResult<Option<CertificateRequest>> {
        get_item(&self.client, &self.table, &keys::request(request_id))
            .await?
            .map(|i| Self::from_item(&i))
            .transpose()
    }

    async fn bind_next_number(
        &self,
        request: &CertificateRequest,
        year: i32,
        issued_at: DateTime<Utc>,
    ) -> StoreResult<CertificateRequest> {
        let request_id = &request.request_id;
        let counter_pk = keys::sequence(year);
        // The caller's copy first (no read); after a cancelled try, the stored request.
        let mut request = request.clone();
        for attempt in 0..BIND_ATTEMPTS {
            if request.certificate_number.is_some() {
                return Ok(request);
            }
            let taken = match get_item(&self.client, &self.table, &counter_pk).await? {
                Some(item) => item
                    .get("sequence")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or_else(|| StoreError::Corrupt("sequence".into()))?,
                None => 0,
            };
            let number = CertificateNumber::new(year, taken + 1);
            let index = random_status_index();
            // The counter moves from the value read to the next one, and the request takes that
            // number, or neither happens.
            let counter = update(
                &self.table,
                &counter_pk,
                "SET #seq = :next",
                if taken == 0 {
                    "attribute_not_exists(pk)"
                } else {
                    "#seq = :taken"
                },
                Some(("#seq", "sequence")),
                [(":next", n(taken + 1)), (":taken", n(taken))]
                    .into_iter()
                    .filter(|(k, _)| taken > 0 || *k != ":taken"),
            )?;
            let binding = update(
                &self.table,
                &keys::request(request_id),
                "SET certificate_number = :n, issued_at = :t, status_index = :i",
                "attribute_exists(pk) AND attribute_not_exists(certificate_number)",
                None,
                [
                    (":n", s(number.as_str())),
                    (":t", time(issued_at)),
                    (":i", n(index)),
                ]
                .into_iter(),
            )?;
            // The index is the year's once: a guard names the number that holds it (and is
            // how a verifier given only the index finds the certificate).
            let guard = put(
                &self.table,
                Item::from([
                    ("pk".into(), s(keys::status_index(year, index))),
                    ("certificate_number".into(), s(number.as_str())),
                ]),
                Some("attribute_not_exists(pk)"),
            )?;
            match transact_checked(&self.client, vec![counter, binding, guard]).await? {
                Ok(()) => {
                    return Ok(CertificateRequest {
                        certificate_number: Some(number),
                        issued_at: Some(issued_at),
                        status_index: Some(index),
                        ..request
                    })
                }
                // Bound meanwhile by another attempt, or the counter moved: read again.
                Err(failed) => {
                    if failed.get(1) == Some(&true) {
                        request = self.get(request_id).await?.ok_or(StoreError::Conflict)?;
                        continue;
                    }
                    // The drawn index was another certificate's: draw again at once.
                    if failed.get(2) == Some(&true) && failed.first() != Some(&true) {
                        continue;
                    }
                    let pause = 5 * (attempt + 1) as u64 + rand::random::<u64>() % 10;
                    tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
                }
            }
        }
        Err(StoreError::Unavailable(
            "the year's number sequence stayed contended".into(),
        ))
    }

    async fn number_at_status_index(
        &self,
        year: i32,
        index: u64,
    ) -> StoreResult<Option<CertificateNumber>> {
        let Some(item) =
            get_item(&self.client, &self.table, &keys::status_index(year, index)).await?
        else {
            return Ok(None);
        };
        opt_parsed(&item, "certificate_number", CertificateNumber::parse)
    }

    async fn mark_issued(&self, request_id: &RequestId) -> StoreResult<bool> {
        self.set_final_status(request_id, RequestStatus::Issued, None)
            .await
    }

    async fn mark_rejected(
        &self,
        request_id: &RequestId,
        code: RejectionCode,
    ) -> StoreResult<bool> {
        self.set_final_status(request_id, RequestStatus::Rejected, Some(code))
            .await
    }

    async fn open_before(&self, cutoff: DateTime<Utc>, limit: i32) -> StoreResult<Vec<RequestId>> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(PENDING_REQUESTS_INDEX)
            .key_condition_expression("pending = :p AND created_at < :cutoff")
            .expression_attribute_values(":p", s(OPEN_MARK))
            .expression_attribute_values(":cutoff", time(cutoff))
            .limit(limit)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out
            .items()
            .iter()
            .filter_map(|i| keys::request_id_of(opt_s(i, "pk")?))
            .collect())
    }

    async fn clear_notice(&self, request_id: &RequestId) -> StoreResult<bool> {
        let cleared = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(keys::request(request_id)))
            .update_expression("REMOVE pending")
            .condition_expression("attribute_exists(pending) AND #status <> :pending")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pending", s(RequestStatus::Pending.as_str()))
            .send()
            .await;
        Ok(conditional(cleared)?.is_some())
    }
}
