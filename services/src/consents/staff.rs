//! An organisation's staff in the portal (issue 27, item 7): the organisation's operations
//! (`ConsentRequests`: ask, read, pull an extract) done in its name by a staff account ops
//! made for it, instead of by a bearer token. Who acts is the account, never a field: its
//! organisation, active at this instant, and only the purposes it is registered for. Each
//! action is in the staff member's own history (`AuditEvent::staff_acted`), beside the
//! consent's, which the person reads.

use super::asking::{ConsentRequests, ConsentView, ExtractForm, Pulled};
use super::{AskConsent, ConsentRequestError};
use crate::client_auth::{extract_scope, Admitted};
use crate::domain::consent::{level_for, Consent};
use crate::domain::organisation::{Organisation, OrganisationKind};
use crate::domain::{
    AccountId, AuditEvent, AuditSubject, ConsentId, Principal, Purpose, Role, StaffAction,
};
use crate::ports::{AccountStore, AuditLog, Consents, Organisations};
use crate::Unavailable;
use std::sync::Arc;

/// How many of its consents the organisation's page lists (the newest).
pub const LISTED: usize = 100;

pub struct StaffConsents {
    pub asking: ConsentRequests,
    pub accounts: Arc<dyn AccountStore>,
    pub organisations: Arc<dyn Organisations>,
    pub consents: Arc<dyn Consents>,
    pub audit: Arc<dyn AuditLog>,
}

/// What the staff's operations refuse.
#[derive(Debug, thiserror::Error)]
pub enum StaffConsentError {
    /// Not a staff account any more (disabled or removed), or its organisation is gone.
    #[error("not the staff of a registered organisation")]
    NotStaff,
    /// Ops suspended the organisation: nothing in its name until it is reinstated.
    #[error("the organisation is suspended")]
    Suspended,
    #[error(transparent)]
    Request(ConsentRequestError),
    #[error(transparent)]
    Unavailable(Unavailable),
}

crate::unavailable_from_ports!(StaffConsentError);

impl From<ConsentRequestError> for StaffConsentError {
    fn from(e: ConsentRequestError) -> Self {
        match e {
            ConsentRequestError::Unavailable(e) => Self::Unavailable(e),
            other => Self::Request(other),
        }
    }
}

type E = StaffConsentError;

/// The staff member, admitted for their organisation.
#[derive(Debug, Clone)]
pub struct StaffMember {
    pub account_id: AccountId,
    admitted: Admitted,
}

impl StaffMember {
    pub fn organisation(&self) -> &Organisation {
        &self.admitted.organisation
    }

    /// The purposes it may ask consent for (registered, and allowed to its kind).
    pub fn purposes(&self) -> Vec<Purpose> {
        let organisation = self.organisation();
        organisation
            .purposes
            .iter()
            .copied()
            .filter(|p| level_for(organisation.kind, *p).is_some())
            .collect()
    }

    /// Only public institutions ask with the person at their desk.
    pub fn asks_at_desk(&self) -> bool {
        self.organisation().kind == OrganisationKind::PublicInstitution
    }
}

/// One of the organisation's consents as its staff see it: what its API shows, and what tells
/// them whose it is without the whole CNP (they typed it once; the page need not repeat it).
#[derive(Debug, Clone)]
pub struct StaffConsent {
    pub view: ConsentView,
    pub purpose: Purpose,
    /// The staff's own words, shown to the person.
    pub reason: String,
    /// The CNP's last four digits.
    pub cnp_ending: String,
    /// The person's validated name, once they accepted (every extract carries it).
    pub holder_name: Option<String>,
    pub asked_at: chrono::DateTime<chrono::Utc>,
    /// When an accepted consent stops working.
    pub ends_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl StaffConsent {
    fn of(consent: &Consent, now: chrono::DateTime<chrono::Utc>) -> Self {
        let cnp = consent.holder.as_string();
        Self {
            view: ConsentView::of(consent, now),
            purpose: consent.purpose,
            reason: consent.reason.as_str().to_owned(),
            cnp_ending: cnp[cnp.len().saturating_sub(4)..].to_owned(),
            holder_name: consent.holder_name.clone(),
            asked_at: consent.asked_at,
            ends_at: consent.ends_at(),
        }
    }
}

impl StaffConsents {
    /// The staff account behind the session, with its organisation as it is now.
    pub async fn member(&self, who: &Principal) -> Result<StaffMember, E> {
        let account = self
            .accounts
            .get(&who.account_id)
            .await?
            .filter(|a| a.role == Role::Staff && !a.disabled)
            .ok_or(E::NotStaff)?;
        let cui = account.organisation.ok_or(E::NotStaff)?;
        let organisation = self.organisations.get(&cui).await?.ok_or(E::NotStaff)?;
        if !organisation.is_active() {
            return Err(E::Suspended);
        }
        let mut member = StaffMember {
            account_id: account.account_id,
            admitted: Admitted {
                organisation,
                scopes: Vec::new(),
            },
        };
        member.admitted.scopes = member.purposes().into_iter().map(extract_scope).collect();
        Ok(member)
    }

    /// Records what the member did. Opening a consent is recorded before it is shown; an
    /// action the consent's own history holds already (asked, an extract) is recorded after it,
    /// and a failure then is logged rather than losing what was done.
    async fn acted(
        &self,
        member: &StaffMember,
        action: StaffAction,
        id: &ConsentId,
        extract: Option<&str>,
    ) -> Result<(), E> {
        let now = self.asking.clock.now();
        let cui = &member.organisation().cui;
        let event = AuditEvent::staff_acted(&member.account_id, action, id, cui, extract, now);
        Ok(self.audit.record(&event).await?)
    }

    async fn acted_after(
        &self,
        member: &StaffMember,
        action: StaffAction,
        id: &ConsentId,
        extract: Option<&str>,
    ) {
        if let Err(e) = self.acted(member, action, id, extract).await {
            tracing::warn!(error = %e, consent = %id, action = %action.as_str(), "staff action not audited");
        }
    }

    /// The organisation's consents, newest first (at most [`LISTED`]).
    pub async fn list(&self, who: &Principal) -> Result<(StaffMember, Vec<StaffConsent>), E> {
        let member = self.member(who).await?;
        let now = self.asking.clock.now();
        let consents = self
            .consents
            .for_organisation(&member.organisation().cui, LISTED)
            .await?;
        let shown = consents.iter().map(|c| StaffConsent::of(c, now)).collect();
        Ok((member, shown))
    }

    /// Asks the person, as the organisation's API does (the same limits and answers).
    pub async fn ask(&self, who: &Principal, asked: AskConsent) -> Result<ConsentView, E> {
        let member = self.member(who).await?;
        let view = self.asking.ask(&member.admitted, asked).await?;
        self.acted_after(&member, StaffAction::Asked, &view.consent_id, None)
            .await;
        Ok(view)
    }

    /// One consent of the organisation and its history (audited: it shows the person's name).
    pub async fn get(
        &self,
        who: &Principal,
        id: &ConsentId,
    ) -> Result<(StaffMember, StaffConsent, Vec<AuditEvent>), E> {
        let member = self.member(who).await?;
        let consent = self
            .consents
            .get(id)
            .await?
            .filter(|c| c.organisation == member.organisation().cui)
            .ok_or(E::Request(ConsentRequestError::NotFound))?;
        self.acted(&member, StaffAction::Opened, id, None).await?;
        let history = self
            .audit
            .history(&AuditSubject::Consent(id.clone()))
            .await?;
        let shown = StaffConsent::of(&consent, self.asking.clock.now());
        Ok((member, shown, history))
    }

    /// A fresh extract under an accepted consent, as its API pulls it.
    pub async fn pull(
        &self,
        who: &Principal,
        id: &ConsentId,
        form: ExtractForm,
    ) -> Result<Pulled, E> {
        let member = self.member(who).await?;
        let pulled = self.asking.pull(&member.admitted, id, form).await?;
        let number = match &pulled {
            Pulled::Json(extract) => extract.number.clone(),
            Pulled::Pdf(pdf) => pdf.number.clone(),
        };
        self.acted_after(&member, StaffAction::ExtractPulled, id, Some(&number))
            .await;
        Ok(pulled)
    }

    /// A new desk code for a request waiting at the desk.
    pub async fn new_desk_code(&self, who: &Principal, id: &ConsentId) -> Result<ConsentView, E> {
        let member = self.member(who).await?;
        let view = self.asking.new_desk_code(&member.admitted, id).await?;
        self.acted_after(&member, StaffAction::DeskCode, id, None)
            .await;
        Ok(view)
    }
}
