//! In-memory requests, certificates, record entries and companies, and documents: the
//! issuing side's stores, with the same rules as their DynamoDB and S3 adapters.

use super::stores::{lock, MemoryAudit};
use crate::domain::{
    AccountId, AuditEvent, Certificate, CertificateNumber, CertificateRequest, Cnp, Company, Cui,
    RecordEntry, RecordSubject, RejectionCode, RequestId, RequestStatus,
};
use crate::ports::{
    BlobStore, CertificateStore, CompanyStore, RecordStore, RequestStore, RevokeOutcome,
    StoreError, StoreResult, SubmitOutcome,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct RequestsState {
    requests: HashMap<RequestId, CertificateRequest>,
    /// Daily-limit and idempotency guards, each naming the request that holds it.
    guards: HashMap<String, RequestId>,
    /// Each year's last certificate number taken.
    sequences: HashMap<i32, u64>,
    /// Each year's status-list indexes drawn, and the number holding each.
    status_indexes: HashMap<(i32, u64), CertificateNumber>,
}

#[derive(Default)]
pub struct MemoryRequests(Mutex<RequestsState>);

impl MemoryRequests {
    /// Changes a stored request directly (to set up a test case).
    pub fn edit(&self, id: &RequestId, change: impl FnOnce(&mut CertificateRequest)) {
        if let Some(r) = lock(&self.0).requests.get_mut(id) {
            change(r);
        }
    }
}

#[async_trait]
impl RequestStore for MemoryRequests {
    async fn submit(
        &self,
        request: &CertificateRequest,
        day: NaiveDate,
        idempotency_key: Option<&str>,
    ) -> StoreResult<SubmitOutcome> {
        let mut s = lock(&self.0);
        let account = &request.account_id;
        let idem = idempotency_key.map(|k| format!("{account}/{k}"));
        if let Some(original) = idem.as_ref().and_then(|k| s.guards.get(k)) {
            let original = s
                .requests
                .get(original)
                .cloned()
                .ok_or(StoreError::Conflict)?;
            return Ok(SubmitOutcome::Replayed(original));
        }
        let of_the_day =
            RequestId::of_the_day(account, request.company.as_ref(), request.purpose, day);
        if request.request_id != of_the_day {
            return Err(StoreError::Corrupt(
                "a request whose id is not its day's".into(),
            ));
        }
        if s.requests.contains_key(&of_the_day) {
            return Ok(SubmitOutcome::DailyLimit {
                request_id: of_the_day,
            });
        }
        let id = request.request_id.clone();
        if let Some(k) = idem {
            s.guards.insert(k, id.clone());
        }
        s.requests.insert(id, request.clone());
        Ok(SubmitOutcome::Created)
    }

    async fn get(&self, request_id: &RequestId) -> StoreResult<Option<CertificateRequest>> {
        Ok(lock(&self.0).requests.get(request_id).cloned())
    }

    async fn bind_next_number(
        &self,
        request: &CertificateRequest,
        year: i32,
        issued_at: DateTime<Utc>,
    ) -> StoreResult<CertificateRequest> {
        let request_id = &request.request_id;
        let mut s = lock(&self.0);
        let bound = s
            .requests
            .get(request_id)
            .ok_or(StoreError::Conflict)?
            .certificate_number
            .is_some();
        if !bound {
            let taken = s.sequences.entry(year).or_default();
            *taken += 1;
            let number = CertificateNumber::new(year, *taken);
            let index = loop {
                let index = crate::domain::random_status_index();
                if !s.status_indexes.contains_key(&(year, index)) {
                    break index;
                }
            };
            s.status_indexes.insert((year, index), number.clone());
            if let Some(r) = s.requests.get_mut(request_id) {
                r.certificate_number = Some(number);
                r.issued_at = Some(issued_at);
                r.status_index = Some(index);
            }
        }
        s.requests
            .get(request_id)
            .cloned()
            .ok_or(StoreError::Conflict)
    }

    async fn number_at_status_index(
        &self,
        year: i32,
        index: u64,
    ) -> StoreResult<Option<CertificateNumber>> {
        Ok(lock(&self.0).status_indexes.get(&(year, index)).cloned())
    }

    async fn mark_issued(&self, request_id: &RequestId) -> StoreResult<bool> {
        let mut s = lock(&self.0);
        Ok(match s.requests.get_mut(request_id) {
            Some(r) if r.status == RequestStatus::Pending => {
                r.status = RequestStatus::Issued;
                r.notice_due = true;
                true
            }
            _ => false,
        })
    }

    async fn mark_rejected(
        &self,
        request_id: &RequestId,
        code: RejectionCode,
    ) -> StoreResult<bool> {
        let mut s = lock(&self.0);
        Ok(match s.requests.get_mut(request_id) {
            Some(r) if r.status == RequestStatus::Pending => {
                r.status = RequestStatus::Rejected;
                r.rejection_code = Some(code);
                r.notice_due = true;
                true
            }
            _ => false,
        })
    }

    async fn open_before(&self, cutoff: DateTime<Utc>, limit: i32) -> StoreResult<Vec<RequestId>> {
        let s = lock(&self.0);
        let mut open: Vec<_> = s
            .requests
            .values()
            .filter(|r| r.status == RequestStatus::Pending || r.notice_due)
            .filter(|r| r.created_at < cutoff)
            .collect();
        open.sort_by_key(|r| r.created_at);
        let limit = usize::try_from(limit).unwrap_or(0);
        Ok(open
            .into_iter()
            .take(limit)
            .map(|r| r.request_id.clone())
            .collect())
    }

    async fn clear_notice(&self, request_id: &RequestId) -> StoreResult<bool> {
        let mut s = lock(&self.0);
        Ok(match s.requests.get_mut(request_id) {
            Some(r) if r.notice_due => {
                r.notice_due = false;
                true
            }
            _ => false,
        })
    }
}

#[derive(Default)]
struct CertificatesState {
    certificates: BTreeMap<String, Certificate>,
    expiry_noticed: HashSet<String>,
}

pub struct MemoryCertificates {
    state: Mutex<CertificatesState>,
    audit: Arc<MemoryAudit>,
}

impl MemoryCertificates {
    pub fn new(audit: Arc<MemoryAudit>) -> Self {
        Self {
            state: Mutex::default(),
            audit,
        }
    }

    /// Every certificate recorded, in number order.
    pub fn all(&self) -> Vec<Certificate> {
        lock(&self.state).certificates.values().cloned().collect()
    }
}

#[async_trait]
impl CertificateStore for MemoryCertificates {
    async fn put(&self, certificate: &Certificate) -> StoreResult<()> {
        let mut s = lock(&self.state);
        let key = certificate.number.as_str().to_owned();
        if s.certificates.contains_key(&key) {
            return Err(StoreError::Conflict);
        }
        s.certificates.insert(key, certificate.clone());
        Ok(())
    }

    async fn get(&self, number: &CertificateNumber) -> StoreResult<Option<Certificate>> {
        Ok(lock(&self.state).certificates.get(number.as_str()).cloned())
    }

    async fn expiring_on(&self, day: NaiveDate) -> StoreResult<Vec<Certificate>> {
        Ok(lock(&self.state)
            .certificates
            .values()
            .filter(|c| c.valid_until == day)
            .cloned()
            .collect())
    }

    async fn mark_expiry_notice(
        &self,
        number: &CertificateNumber,
        _at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        Ok(lock(&self.state)
            .expiry_noticed
            .insert(number.as_str().to_owned()))
    }

    async fn list_for_account(&self, account_id: &AccountId) -> StoreResult<Vec<Certificate>> {
        let s = lock(&self.state);
        let mut mine: Vec<_> = s
            .certificates
            .values()
            .filter(|c| &c.account_id == account_id)
            .cloned()
            .collect();
        mine.sort_by_key(|c| std::cmp::Reverse(c.issued_at));
        Ok(mine)
    }

    async fn revoke(
        &self,
        number: &CertificateNumber,
        _reason: &str,
        audit: &AuditEvent,
    ) -> StoreResult<RevokeOutcome> {
        let mut s = lock(&self.state);
        let Some(c) = s.certificates.get_mut(number.as_str()) else {
            return Ok(RevokeOutcome::NotFound);
        };
        if c.revoked_at.is_some() {
            return Ok(RevokeOutcome::AlreadyRevoked);
        }
        c.revoked_at = Some(audit.at);
        self.audit.append_all(std::slice::from_ref(audit));
        Ok(RevokeOutcome::Revoked)
    }

    async fn revoked_in(&self, year: i32) -> StoreResult<Vec<u64>> {
        let s = lock(&self.state);
        let mut revoked: Vec<u64> = s
            .certificates
            .values()
            .filter(|c| c.revoked_at.is_some() && c.number.year_and_sequence().0 == year)
            .map(|c| c.status_index())
            .collect();
        revoked.sort_unstable();
        Ok(revoked)
    }
}

#[derive(Default)]
struct RecordsState {
    entries: HashMap<RecordSubject, Vec<RecordEntry>>,
    companies: HashMap<Cui, Company>,
}

#[derive(Default)]
pub struct MemoryRecords(Mutex<RecordsState>);

#[async_trait]
impl RecordStore for MemoryRecords {
    async fn put_entries(&self, entries: &[(RecordSubject, RecordEntry)]) -> StoreResult<()> {
        let mut s = lock(&self.0);
        for (subject, entry) in entries {
            let list = s.entries.entry(subject.clone()).or_default();
            list.retain(|e| e.entry_id != entry.entry_id);
            list.push(entry.clone());
        }
        Ok(())
    }

    async fn list(&self, subject: &RecordSubject) -> StoreResult<Vec<RecordEntry>> {
        let mut entries = lock(&self.0)
            .entries
            .get(subject)
            .cloned()
            .unwrap_or_default();
        entries.sort_by_key(|e| e.decision_date);
        Ok(entries)
    }

    async fn remove(&self, subject: &RecordSubject, entry_id: &str) -> StoreResult<bool> {
        let mut s = lock(&self.0);
        let Some(list) = s.entries.get_mut(subject) else {
            return Ok(false);
        };
        let before = list.len();
        list.retain(|e| e.entry_id != entry_id);
        Ok(list.len() < before)
    }
}

#[async_trait]
impl CompanyStore for MemoryRecords {
    async fn put_company(&self, company: &Company) -> StoreResult<()> {
        lock(&self.0)
            .companies
            .insert(company.cui.clone(), company.clone());
        Ok(())
    }

    async fn get_company(&self, cui: &Cui) -> StoreResult<Option<Company>> {
        Ok(lock(&self.0).companies.get(cui).cloned())
    }

    async fn is_representative(&self, cnp: &Cnp, cui: &Cui) -> StoreResult<bool> {
        Ok(lock(&self.0)
            .companies
            .get(cui)
            .is_some_and(|c| c.representatives.contains(cnp)))
    }
}

#[derive(Default)]
pub struct MemoryBlobs(Mutex<HashMap<String, Vec<u8>>>);

impl MemoryBlobs {
    pub fn keys(&self) -> Vec<String> {
        lock(&self.0).keys().cloned().collect()
    }
}

#[async_trait]
impl BlobStore for MemoryBlobs {
    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &str) -> StoreResult<()> {
        lock(&self.0).insert(key.to_owned(), bytes);
        Ok(())
    }

    async fn get(&self, key: &str) -> StoreResult<Option<Vec<u8>>> {
        Ok(lock(&self.0).get(key).cloned())
    }
}
