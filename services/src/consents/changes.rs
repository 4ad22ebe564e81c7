//! Continuous status (issue 27, item 5): when a person's record changes, each organisation
//! holding a continuous consent of theirs is told, without content, through its change feed
//! (`GET /v1/consent-changes`, which it polls with a cursor); the person sees it in the
//! consent's history and gets an e-mail. What changed is never said: the organisation pulls a
//! fresh extract if it wants to know, which the person sees too. An organisation with a
//! webhook is also pushed each change (`webhooks.rs`).

use super::ConsentRequestError as E;
use crate::client_auth::{Admitted, EXTRACT_SCOPE_PREFIX};
use crate::domain::webhook::Delivery;
use crate::domain::{
    AccountStatus, AuditEvent, AuditSubject, Cnp, ConsentId, ConsentStatus, Notice,
};
use crate::domain::{FieldCode, FieldError};
use crate::ports::{AccountStore, AuditLog, Clock, Consents, Mailer, Organisations, WebhookOutbox};
use crate::{rfc3339, Unavailable};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;
use std::sync::Arc;

/// Changes a feed page holds at most.
pub const FEED_PAGE: usize = 100;

pub struct ChangeNotices {
    pub consents: Arc<dyn Consents>,
    pub accounts: Arc<dyn AccountStore>,
    pub audit: Arc<dyn AuditLog>,
    pub mailer: Arc<dyn Mailer>,
    pub organisations: Arc<dyn Organisations>,
    pub outbox: Arc<dyn WebhookOutbox>,
    pub clock: Arc<dyn Clock>,
    pub portal_url: String,
}

/// One change an organisation is told of: which consent, when; never what.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub consent_id: ConsentId,
    pub changed_at: String,
    /// Where the next poll starts if this is the last change read (opaque).
    pub cursor: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChangeFeed {
    pub changes: Vec<Change>,
    /// The cursor to poll with next (the last change's, or the one sent if none is new).
    pub next: Option<String>,
}

impl ChangeNotices {
    /// The person's record changed (an entry recorded, removed or rehabilitated): every
    /// organisation with an accepted continuous consent of theirs is told, the person too.
    /// The number of organisations told.
    pub async fn record_changed(&self, cnp: &Cnp) -> Result<usize, Unavailable> {
        let now = self.clock.now();
        let live: Vec<_> = self
            .consents
            .for_holder(cnp)
            .await?
            .into_iter()
            .filter(|c| c.is_continuous() && c.status(now) == ConsentStatus::Accepted)
            .collect();
        for consent in &live {
            let [feed, history] = AuditEvent::record_changed(consent, now);
            self.audit.record(&feed).await?;
            self.audit.record(&history).await?;
            let pushed = self
                .organisations
                .webhook(&consent.organisation)
                .await?
                .is_some_and(|w| w.url.is_some());
            if pushed {
                let delivery = Delivery::new(
                    consent.organisation.clone(),
                    consent.id.clone(),
                    now,
                    URL_SAFE_NO_PAD.encode(feed.sort_key()),
                    now,
                );
                self.outbox.enqueue(&delivery).await?;
            }
        }
        if !live.is_empty() {
            let holder = self.accounts.find_by_cnp(cnp).await?;
            if let Some(account) = holder.filter(|a| a.status == AccountStatus::Validated) {
                let notice = Notice::record_changed(&account.email, &self.portal_url, live.len());
                if let Err(e) = self.mailer.send(&notice).await {
                    tracing::warn!(error = %e, "record changed: no e-mail sent to the holder");
                }
            }
        }
        Ok(live.len())
    }
}

/// Organisations' change feeds (the consents function reads them; it pushes nothing).
pub struct ChangeFeeds {
    pub audit: Arc<dyn AuditLog>,
}

impl ChangeFeeds {
    /// The organisation's changes after `after` (a cursor from an earlier page), oldest first.
    pub async fn feed(&self, who: &Admitted, after: Option<&str>) -> Result<ChangeFeed, E> {
        if !who
            .scopes
            .iter()
            .any(|s| s.starts_with(EXTRACT_SCOPE_PREFIX))
        {
            return Err(E::PurposeNotAllowed);
        }
        let after = match after.filter(|a| !a.is_empty()) {
            None => None,
            Some(cursor) => Some(opened(cursor).ok_or_else(|| {
                E::Invalid(vec![FieldError::new(
                    "after",
                    FieldCode::InvalidCode,
                    "a cursor from an earlier answer",
                )])
            })?),
        };
        let subject = AuditSubject::ChangeFeed(who.organisation.cui.clone());
        let events = self
            .audit
            .history_after(&subject, after.as_deref(), FEED_PAGE)
            .await?;
        let changes: Vec<Change> = events
            .iter()
            .filter_map(|e| {
                Some(Change {
                    consent_id: ConsentId::from(e.details.get("consent")?.as_str()),
                    changed_at: rfc3339(e.at),
                    cursor: URL_SAFE_NO_PAD.encode(e.sort_key()),
                })
            })
            .collect();
        let next = changes
            .last()
            .map(|c| c.cursor.clone())
            .or(after.map(|a| URL_SAFE_NO_PAD.encode(a)));
        Ok(ChangeFeed { changes, next })
    }
}

/// What a cursor stands for (an entry's sort key), if it is one of ours.
fn opened(cursor: &str) -> Option<String> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim()).ok()?;
    let key = String::from_utf8(bytes).ok()?;
    (key.len() <= 200 && key.split('#').count() == 3).then_some(key)
}
