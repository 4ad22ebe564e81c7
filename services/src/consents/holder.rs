//! The person's side: their consents (asked, given, refused, revoked), each one's history, and
//! their answers. Only a validated account's CNP finds consents: nobody sees requests made
//! for a CNP they have not proven.

use super::HolderConsentError as E;
use crate::domain::consent::{Consent, ConsentDecision};
use crate::domain::{
    Account, AccountStatus, AuditEvent, AuditEventKind, AuditSubject, ConsentId, ConsentStatus,
    Principal,
};
use crate::ports::{AccountStore, AuditLog, Clock, Consents, Organisations, Throttle};
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub struct HolderConsents {
    pub consents: Arc<dyn Consents>,
    pub accounts: Arc<dyn AccountStore>,
    pub audit: Arc<dyn AuditLog>,
    pub throttle: Arc<dyn Throttle>,
    /// Whether the organisation that asks is active: a suspended one's request is not accepted.
    pub organisations: Arc<dyn Organisations>,
    pub clock: Arc<dyn Clock>,
}

/// Desk codes an account may try a minute (40-bit codes, and only its own requests open).
const DESK_CODES_PER_MINUTE: u32 = 10;

/// A consent as its holder sees it, with its state now.
#[derive(Debug, Clone)]
pub struct HeldConsent {
    pub consent: Consent,
    pub status: ConsentStatus,
    /// The organisation that asked is suspended by the Ministry (read for one consent's page;
    /// `false` in lists).
    pub organisation_suspended: bool,
}

impl HeldConsent {
    fn of(consent: Consent, now: DateTime<Utc>) -> Self {
        Self {
            status: consent.status(now),
            consent,
            organisation_suspended: false,
        }
    }
}

impl HolderConsents {
    async fn validated(&self, holder: &Principal) -> Result<Account, E> {
        self.accounts
            .get(&holder.account_id)
            .await?
            .filter(|a| a.status == AccountStatus::Validated && a.person.is_some())
            .ok_or(E::NotValidated)
    }

    async fn own(&self, account: &Account, id: &ConsentId) -> Result<Consent, E> {
        let cnp = account.person.as_ref().map(|p| &p.cnp);
        self.consents
            .get(id)
            .await?
            .filter(|c| Some(&c.holder) == cnp)
            .ok_or(E::NotFound)
    }

    /// The holder's consents, newest first.
    pub async fn list(&self, holder: &Principal) -> Result<Vec<HeldConsent>, E> {
        let account = self.validated(holder).await?;
        let Some(person) = account.person.as_ref() else {
            return Err(E::NotValidated);
        };
        let now = self.clock.now();
        let consents = self.consents.for_holder(&person.cnp).await?;
        Ok(consents
            .into_iter()
            .map(|c| HeldConsent::of(c, now))
            .collect())
    }

    /// How many requests wait for the holder's answer (none before validation): what the
    /// account page points to.
    pub async fn waiting(&self, holder: &Principal) -> Result<usize, E> {
        match self.list(holder).await {
            Ok(all) => Ok(all
                .iter()
                .filter(|c| c.status == ConsentStatus::Pending)
                .count()),
            Err(E::NotValidated) => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// One consent and its history (asked, answered, each extract), oldest first.
    pub async fn get(
        &self,
        holder: &Principal,
        id: &ConsentId,
    ) -> Result<(HeldConsent, Vec<AuditEvent>), E> {
        let account = self.validated(holder).await?;
        let consent = self.own(&account, id).await?;
        let history = self
            .audit
            .history(&AuditSubject::Consent(id.clone()))
            .await?;
        let suspended = !self.organisation_active(&consent).await?;
        let mut held = HeldConsent::of(consent, self.clock.now());
        held.organisation_suspended = suspended;
        Ok((held, history))
    }

    /// The request a desk code opens, if it is one made for this holder's CNP: what the
    /// person types on their phone at an institution's desk. Tries counted first.
    pub async fn open_desk_code(&self, holder: &Principal, typed: &str) -> Result<ConsentId, E> {
        let now = self.clock.now();
        let key = format!("desk-code:{}", holder.account_id);
        if let Err(retry_after) =
            crate::throttled(&*self.throttle, &key, DESK_CODES_PER_MINUTE, 60, now).await?
        {
            return Err(E::Throttled { retry_after });
        }
        let account = self.validated(holder).await?;
        let code = crate::domain::DeskCode::parse(typed).ok_or(E::WrongCode)?;
        let id = self
            .consents
            .find_desk_code(&code, now)
            .await?
            .ok_or(E::WrongCode)?;
        match self.own(&account, &id).await {
            Ok(_) => Ok(id),
            Err(E::NotFound) => Err(E::WrongCode),
            Err(other) => Err(other),
        }
    }

    async fn organisation_active(&self, consent: &Consent) -> Result<bool, E> {
        let found = self.organisations.get(&consent.organisation).await?;
        Ok(found.is_some_and(|o| o.is_active()))
    }

    /// Accepts or declines a pending request. A suspended organisation's request may be
    /// declined, not accepted (found by the attack of stop 40: accepted while suspended, it
    /// would have worked the moment the organisation was reinstated).
    pub async fn decide(
        &self,
        holder: &Principal,
        id: &ConsentId,
        decision: ConsentDecision,
    ) -> Result<ConsentStatus, E> {
        let account = self.validated(holder).await?;
        let consent = self.own(&account, id).await?;
        let now = self.clock.now();
        match consent.status(now) {
            ConsentStatus::Pending => {}
            other => return Err(E::Settled(other)),
        }
        if decision == ConsentDecision::Accept && !self.organisation_active(&consent).await? {
            return Err(E::OrganisationSuspended);
        }
        let mut decided = consent.clone();
        decided.decided_at = Some(now);
        let event = match decision {
            ConsentDecision::Accept => {
                decided.state = ConsentStatus::Accepted;
                // The name extracts will carry: as validated, never as the organisation typed.
                decided.holder_name = account.person.as_ref().map(|p| p.full_name());
                AuditEventKind::ConsentAccepted
            }
            ConsentDecision::Decline => {
                decided.state = ConsentStatus::Declined;
                AuditEventKind::ConsentDeclined
            }
        };
        let audit = AuditEvent::consent(event, &consent, None, now);
        self.write(&decided, &consent, &audit).await?;
        Ok(decided.state)
    }

    /// Takes an accepted consent back: no extract from this instant on (an extract being made
    /// meanwhile is refused when it is counted). Tried again if an extract was counted between
    /// the read and the write.
    pub async fn revoke(&self, holder: &Principal, id: &ConsentId) -> Result<(), E> {
        let account = self.validated(holder).await?;
        for _ in 0..3 {
            let consent = self.own(&account, id).await?;
            let now = self.clock.now();
            match consent.status(now) {
                ConsentStatus::Accepted => {}
                other => return Err(E::Settled(other)),
            }
            let mut revoked = consent.clone();
            revoked.state = ConsentStatus::Revoked;
            revoked.ended_at = Some(now);
            let audit = AuditEvent::consent(AuditEventKind::ConsentRevoked, &consent, None, now);
            if self
                .consents
                .update(&revoked, consent.state, consent.extracts, &audit)
                .await?
            {
                return Ok(());
            }
        }
        Err(E::Unavailable(crate::Unavailable::Internal(
            "the consent kept changing while it was revoked".into(),
        )))
    }

    /// The change, if nothing changed it meanwhile (an extract counted, another answer).
    async fn write(&self, changed: &Consent, read: &Consent, audit: &AuditEvent) -> Result<(), E> {
        if self
            .consents
            .update(changed, read.state, read.extracts, audit)
            .await?
        {
            return Ok(());
        }
        let now = self.clock.now();
        let current = self.consents.get(&read.id).await?.ok_or(E::NotFound)?;
        Err(E::Settled(current.status(now)))
    }
}
