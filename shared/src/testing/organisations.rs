//! The organisations register in memory.

use crate::domain::organisation::{Organisation, OrganisationStatus};
use crate::domain::Cui;
use crate::ports::{Organisations, StoreError, StoreResult, WebhookTarget};
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Default)]
pub struct MemoryOrganisations(Mutex<BTreeMap<Cui, Organisation>>);

impl MemoryOrganisations {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<Cui, Organisation>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[async_trait]
impl Organisations for MemoryOrganisations {
    async fn add(&self, organisation: &Organisation) -> StoreResult<()> {
        let mut register = self.lock();
        if register.contains_key(&organisation.cui) {
            return Err(StoreError::Conflict);
        }
        register.insert(organisation.cui.clone(), organisation.clone());
        Ok(())
    }

    async fn get(&self, cui: &Cui) -> StoreResult<Option<Organisation>> {
        Ok(self.lock().get(cui).cloned())
    }

    async fn list(&self) -> StoreResult<Vec<Organisation>> {
        Ok(self.lock().values().cloned().collect())
    }

    async fn set_status(&self, cui: &Cui, status: OrganisationStatus) -> StoreResult<bool> {
        Ok(match self.lock().get_mut(cui) {
            Some(o) => {
                o.status = status;
                true
            }
            None => false,
        })
    }

    async fn set_webhook(&self, cui: &Cui, url: Option<&str>) -> StoreResult<bool> {
        Ok(match self.lock().get_mut(cui) {
            Some(o) => {
                o.webhook_url = url.map(str::to_owned);
                true
            }
            None => false,
        })
    }

    async fn webhook(&self, cui: &Cui) -> StoreResult<Option<WebhookTarget>> {
        Ok(self.lock().get(cui).map(|o| WebhookTarget {
            url: o.webhook_url.clone(),
            status: o.status,
        }))
    }
}

/// A registered organisation for tests that need one asking (its certificate is a
/// placeholder: only its hash, the client id, is used where it asks).
pub fn sample_organisation(name: &str) -> Organisation {
    use crate::domain::organisation::{AccessCredential, OrganisationKind};
    Organisation {
        cui: Cui::parse("14399840").unwrap_or_else(|_| unreachable!("a valid CUI")),
        name: name.to_owned(),
        kind: OrganisationKind::Employer,
        purposes: vec![crate::domain::Purpose::Angajare],
        jwks: r#"{"keys":[]}"#.into(),
        redirect_origins: vec!["https://angajari.example".into()],
        webhook_url: None,
        status: OrganisationStatus::Active,
        access: AccessCredential {
            certificate: name.as_bytes().to_vec(),
            signing_key: Vec::new(),
        },
        registered_at: chrono::DateTime::UNIX_EPOCH,
    }
}
