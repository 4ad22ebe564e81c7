//! Consents in memory, with the store's rules: one pending request per organisation and
//! holder, and updates only from the state the caller read.

use super::MemoryAudit;
use crate::domain::consent::{Consent, PENDING_FOR};
use crate::domain::{AuditEvent, AuditEventKind, Cnp, ConsentId, ConsentStatus, Cui, DeskCode};
use crate::ports::{AskOutcome, Consents, StoreResult};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

pub struct MemoryConsents {
    consents: Mutex<Vec<Consent>>,
    desk_codes: Mutex<Vec<(String, ConsentId, DateTime<Utc>)>>,
    audit: Arc<MemoryAudit>,
}

impl MemoryConsents {
    pub fn new(audit: Arc<MemoryAudit>) -> Self {
        Self {
            consents: Mutex::default(),
            desk_codes: Mutex::default(),
            audit,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Consent>> {
        self.consents.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl Consents for MemoryConsents {
    async fn ask(&self, consent: &Consent, now: DateTime<Utc>) -> StoreResult<AskOutcome> {
        let mut consents = self.lock();
        let waiting = consents.iter().find(|c| {
            c.organisation == consent.organisation
                && c.holder == consent.holder
                && c.state == ConsentStatus::Pending
                && now < c.asked_at + PENDING_FOR
        });
        if let Some(waiting) = waiting {
            return Ok(AskOutcome::AlreadyPending(waiting.id.clone()));
        }
        consents.push(consent.clone());
        let asked = AuditEvent::consent(AuditEventKind::ConsentAsked, consent, None, now);
        self.audit.append_all(&[asked]);
        Ok(AskOutcome::Asked)
    }

    async fn get(&self, id: &ConsentId) -> StoreResult<Option<Consent>> {
        Ok(self.lock().iter().find(|c| &c.id == id).cloned())
    }

    async fn for_holder(&self, cnp: &Cnp) -> StoreResult<Vec<Consent>> {
        let mut found: Vec<Consent> = self
            .lock()
            .iter()
            .filter(|c| &c.holder == cnp)
            .cloned()
            .collect();
        found.sort_by_key(|c| std::cmp::Reverse(c.asked_at));
        Ok(found)
    }

    async fn for_organisation(&self, cui: &Cui, limit: usize) -> StoreResult<Vec<Consent>> {
        let mut found: Vec<Consent> = self
            .lock()
            .iter()
            .filter(|c| &c.organisation == cui)
            .cloned()
            .collect();
        found.sort_by_key(|c| std::cmp::Reverse(c.asked_at));
        found.truncate(limit);
        Ok(found)
    }

    async fn put_desk_code(
        &self,
        code: &DeskCode,
        id: &ConsentId,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut codes = self.desk_codes.lock().unwrap_or_else(|e| e.into_inner());
        if codes.iter().any(|(c, ..)| c == code.as_str()) {
            return Err(crate::ports::StoreError::Conflict);
        }
        codes.push((code.as_str().to_owned(), id.clone(), expires_at));
        Ok(())
    }

    async fn find_desk_code(
        &self,
        code: &DeskCode,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<ConsentId>> {
        let codes = self.desk_codes.lock().unwrap_or_else(|e| e.into_inner());
        Ok(codes
            .iter()
            .find(|(c, _, until)| c == code.as_str() && now < *until)
            .map(|(_, id, _)| id.clone()))
    }

    async fn update(
        &self,
        changed: &Consent,
        from: ConsentStatus,
        from_extracts: u32,
        audit: &AuditEvent,
    ) -> StoreResult<bool> {
        let mut consents = self.lock();
        let Some(stored) = consents
            .iter_mut()
            .find(|c| c.id == changed.id && c.state == from && c.extracts == from_extracts)
        else {
            return Ok(false);
        };
        *stored = changed.clone();
        self.audit.append_all(std::slice::from_ref(audit));
        Ok(true)
    }
}
