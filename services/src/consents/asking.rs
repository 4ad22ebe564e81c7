//! The organisation's side: ask for a consent, read where it stands, and pull an extract under
//! it. Who asks is the bearer token's organisation (`client_auth::Admitted`), never a field.
//! (Over 400 lines: asking, reading and pulling share the one admission and consent checks that
//! the API and the staff pages both go through.)

use super::{AskConsent, ConsentRequestError as E};
use crate::client_auth::{extract_scope, Admitted};
use crate::domain::consent::{level_for, Consent, ConsentTerm, PENDING_FOR};
use crate::domain::organisation::OrganisationKind;
use crate::domain::DeskCode;
use crate::domain::{
    bucharest_date, AccountStatus, AuditEvent, AuditEventKind, ConsentId, ConsentLevel,
    ConsentStatus, Notice, RecordSubject,
};
use crate::ports::{AccountStore, AskOutcome, Clock, Consents, Mailer, RecordStore, Throttle};
use crate::rfc3339;
use crate::trust::ChainSource;
use cazier_formats::extract::{self, ExtractClaims, ExtractEntry, ExtractOrganisation};
use cazier_formats::pdf::extract::ExtractDocument;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;

/// Requests for consent an organisation may make a minute (each may e-mail someone).
const ASKS_PER_MINUTE: u32 = 60;
/// Extracts an organisation may pull a minute (each is a seal signature).
const EXTRACTS_PER_MINUTE: u32 = 60;
/// After the person declines, the organisation may not ask them again for this long.
pub const DECLINED_REST: chrono::Duration = chrono::Duration::days(30);
/// How long a desk code works: the person is in front of the clerk.
pub const DESK_CODE_LIFETIME: chrono::Duration = chrono::Duration::minutes(15);

pub struct ConsentRequests {
    pub consents: Arc<dyn Consents>,
    pub accounts: Arc<dyn AccountStore>,
    pub records: Arc<dyn RecordStore>,
    pub mailer: Arc<dyn Mailer>,
    pub throttle: Arc<dyn Throttle>,
    pub signer: Arc<dyn crate::ports::Signer>,
    pub chain: Arc<ChainSource>,
    /// Seals extracts asked for as PDF (PAdES-B-LT, with the TSA), as certificates are.
    pub sealer: Arc<crate::sealing::Sealer>,
    /// Who issues, as printed on the PDF.
    pub issuing_unit: String,
    pub clock: Arc<dyn Clock>,
    /// The portal's address (the e-mail's link) and the extracts' issuer.
    pub portal_url: String,
    /// How long asking takes at least (`MAIL_ANSWER_FLOOR`; tests of other rules set less).
    pub answer_floor: std::time::Duration,
}

/// A consent as the organisation that asked sees it: never the person's CNP or name.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentView {
    pub consent_id: ConsentId,
    pub purpose: &'static str,
    pub level: ConsentLevel,
    pub status: ConsentStatus,
    /// `null` for one extract; else the last day.
    pub until: Option<String>,
    pub asked_at: String,
    pub decided_at: Option<String>,
    /// Until when it waits for an answer (pending) or works (accepted).
    pub expires_at: Option<String>,
    pub extracts: u32,
    /// Asked at a desk: the code to show the person (`ABCD-EFGH`), and until when it works.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desk_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub desk_code_expires_at: Option<String>,
    /// Asked again while an earlier request for the person waited: this is that one (its
    /// purpose, reason and term, not the new ones). The portal says so; the API's answer is
    /// that request, as documented.
    #[serde(skip)]
    pub already_waiting: bool,
}

impl ConsentView {
    pub(crate) fn of(c: &Consent, now: DateTime<Utc>) -> Self {
        let status = c.status(now);
        let expires_at = match status {
            ConsentStatus::Pending => Some(c.asked_at + PENDING_FOR),
            ConsentStatus::Accepted => c.ends_at(),
            _ => None,
        };
        Self {
            consent_id: c.id.clone(),
            purpose: c.purpose.code(),
            level: c.level,
            status,
            until: match c.term {
                ConsentTerm::OneOff => None,
                ConsentTerm::Until(day) => Some(day.to_string()),
            },
            asked_at: rfc3339(c.asked_at),
            decided_at: c.decided_at.map(rfc3339),
            expires_at: expires_at.map(rfc3339),
            extracts: c.extracts,
            desk_code: None,
            desk_code_expires_at: None,
            already_waiting: false,
        }
    }
}

/// An extract: the sealed JWS, and what it says (the same claims, for convenience).
#[derive(Debug, Clone, Serialize)]
pub struct IssuedExtract {
    pub number: String,
    pub extract: String,
    pub content: ExtractClaims,
}

/// An extract as a sealed PDF (PAdES-B-LT): the same claims laid out.
#[derive(Debug, Clone)]
pub struct ExtractPdf {
    pub number: String,
    pub pdf: Vec<u8>,
}

/// Which form an extract is pulled in: each pull is one extract, in one form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtractForm {
    /// The JWS (`application/json`).
    Json,
    /// The PDF (`application/pdf`).
    Pdf,
}

/// A pulled extract, in the form asked for.
#[derive(Debug, Clone)]
pub enum Pulled {
    Json(Box<IssuedExtract>),
    Pdf(ExtractPdf),
}

impl ConsentRequests {
    async fn throttled(&self, what: &str, who: &Admitted, limit: u32) -> Result<(), E> {
        let key = format!("{what}:{}", who.organisation.cui);
        let now = self.clock.now();
        match crate::throttled(&*self.throttle, &key, limit, 60, now).await? {
            Ok(()) => Ok(()),
            Err(retry_after) => Err(E::Throttled { retry_after }),
        }
    }

    /// Asks the person for consent. The same answer whether or not they have an account (the
    /// organisation learns nothing of who uses the service); one request waits per person.
    pub async fn ask(&self, who: &Admitted, asked: AskConsent) -> Result<ConsentView, E> {
        // Counted first: a flood of requests stops here, before any write or e-mail.
        self.throttled("consent-ask", who, ASKS_PER_MINUTE).await?;
        let organisation = &who.organisation;
        let level = level_for(organisation.kind, asked.purpose)
            .filter(|_| organisation.purposes.contains(&asked.purpose))
            .filter(|_| who.allows(&extract_scope(asked.purpose)))
            .ok_or(E::PurposeNotAllowed)?;
        if asked.at_desk && organisation.kind != OrganisationKind::PublicInstitution {
            return Err(E::DeskNotAllowed);
        }
        // From here the work depends on the person (whether they have an account, how many
        // consents they hold with anyone): every answer comes no sooner than the slowest, an
        // e-mail sent, so its time tells nothing of that (found by two attacks).
        let started = tokio::time::Instant::now();
        let answer = self.ask_for(who, asked, level).await;
        crate::answer_no_sooner(started, self.answer_floor).await;
        answer
    }

    async fn ask_for(
        &self,
        who: &Admitted,
        asked: AskConsent,
        level: crate::domain::ConsentLevel,
    ) -> Result<ConsentView, E> {
        let organisation = &who.organisation;
        let now = self.clock.now();
        let consent = Consent {
            id: ConsentId::random(),
            organisation: organisation.cui.clone(),
            organisation_name: organisation.name.clone(),
            purpose: asked.purpose,
            level,
            reason: asked.reason,
            term: asked.term,
            holder: asked.cnp,
            state: ConsentStatus::Pending,
            asked_at: now,
            decided_at: None,
            ended_at: None,
            holder_name: None,
            extracts: 0,
        };
        // A refusal or a withdrawal within the month stands: no new request, no new e-mail (a
        // person who said no, or took their yes back, is not asked again and again; found by
        // the attack of stop 40 for withdrawals).
        let declined = self
            .consents
            .for_holder(&consent.holder)
            .await?
            .into_iter()
            .any(|c| {
                let said_no_at = match c.state {
                    ConsentStatus::Declined => c.decided_at,
                    ConsentStatus::Revoked => c.ended_at,
                    _ => None,
                };
                c.organisation == consent.organisation
                    && said_no_at.is_some_and(|at| now < at + DECLINED_REST)
            });
        if declined {
            return Err(E::RecentlyDeclined);
        }
        let (asked_now, new) = match self.consents.ask(&consent, now).await? {
            AskOutcome::Asked => (consent, true),
            AskOutcome::AlreadyPending(id) => {
                (self.consents.get(&id).await?.ok_or(E::Changed)?, false)
            }
        };
        let mut view = ConsentView::of(&asked_now, now);
        view.already_waiting = !new;
        if asked.at_desk {
            // The person is at the desk: a code for their phone, and no e-mail.
            let code = DeskCode::random();
            let until = now + DESK_CODE_LIFETIME;
            self.consents
                .put_desk_code(&code, &asked_now.id, until)
                .await?;
            view.desk_code = Some(code.grouped());
            view.desk_code_expires_at = Some(rfc3339(until));
        } else if new {
            self.tell_holder(&asked_now).await;
        }
        Ok(view)
    }

    /// An e-mail to the person, if they have a validated account: the request waits in the
    /// portal either way, so a mail that fails is logged, not the request's failure.
    async fn tell_holder(&self, consent: &Consent) {
        let holder = match self.accounts.find_by_cnp(&consent.holder).await {
            Ok(Some(account)) if account.status == AccountStatus::Validated => account,
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(error = %e, "consent asked: the holder could not be looked up");
                return;
            }
        };
        let notice = Notice::consent_asked(&holder.email, &self.portal_url);
        if let Err(e) = self.mailer.send(&notice).await {
            tracing::warn!(error = %e, consent = %consent.id, "consent asked: no e-mail sent");
        }
    }

    /// A new desk code for a request still waiting at a public institution's desk (the first
    /// expired, or the page that showed it was closed); the codes made before still work
    /// until their own time.
    pub async fn new_desk_code(&self, who: &Admitted, id: &ConsentId) -> Result<ConsentView, E> {
        if who.organisation.kind != OrganisationKind::PublicInstitution {
            return Err(E::DeskNotAllowed);
        }
        let consent = self.own(who, id).await?;
        if !who.allows(&extract_scope(consent.purpose)) {
            return Err(E::PurposeNotAllowed);
        }
        // Counted as a request: each code is a way in for whoever reads it.
        self.throttled("consent-ask", who, ASKS_PER_MINUTE).await?;
        let now = self.clock.now();
        match consent.status(now) {
            ConsentStatus::Pending => {}
            other => return Err(E::NotGiven(other)),
        }
        let code = DeskCode::random();
        let until = (now + DESK_CODE_LIFETIME).min(consent.asked_at + PENDING_FOR);
        self.consents
            .put_desk_code(&code, &consent.id, until)
            .await?;
        let mut view = ConsentView::of(&consent, now);
        view.desk_code = Some(code.grouped());
        view.desk_code_expires_at = Some(rfc3339(until));
        Ok(view)
    }

    async fn own(&self, who: &Admitted, id: &ConsentId) -> Result<Consent, E> {
        self.consents
            .get(id)
            .await?
            .filter(|c| c.organisation == who.organisation.cui)
            .ok_or(E::NotFound)
    }

    /// Where one of its consents stands.
    pub async fn status(&self, who: &Admitted, id: &ConsentId) -> Result<ConsentView, E> {
        let consent = self.own(who, id).await?;
        if !who.allows(&extract_scope(consent.purpose)) {
            return Err(E::PurposeNotAllowed);
        }
        Ok(ConsentView::of(&consent, self.clock.now()))
    }

    /// A fresh, numbered, sealed extract under an accepted consent, of what its level shows;
    /// a one-off consent is used by it. Made first, counted then: an extract the count
    /// refuses (the consent revoked or used meanwhile) is never handed out.
    pub async fn extract(&self, who: &Admitted, id: &ConsentId) -> Result<IssuedExtract, E> {
        match self.pull(who, id, ExtractForm::Json).await? {
            Pulled::Json(extract) => Ok(*extract),
            Pulled::Pdf(_) => Err(E::Unavailable(crate::Unavailable::Internal(
                "a PDF where JSON was asked".into(),
            ))),
        }
    }

    /// A fresh extract, as [`Self::extract`], in the form asked for.
    pub async fn pull(
        &self,
        who: &Admitted,
        id: &ConsentId,
        form: ExtractForm,
    ) -> Result<Pulled, E> {
        let consent = self.own(who, id).await?;
        if !who.allows(&extract_scope(consent.purpose)) {
            return Err(E::PurposeNotAllowed);
        }
        self.throttled("extract", who, EXTRACTS_PER_MINUTE).await?;
        let now = self.clock.now();
        match consent.status(now) {
            ConsentStatus::Accepted => {}
            other => return Err(E::NotGiven(other)),
        }
        let entries: Vec<ExtractEntry> = self
            .records
            .list(&RecordSubject::Person(consent.holder.clone()))
            .await?
            .into_iter()
            .filter(|e| !e.rehabilitated)
            .map(|e| ExtractEntry {
                court: e.court,
                decision: e.decision,
                decision_date: e.decision_date.to_string(),
                offence: e.offence,
                penalty: e.penalty,
            })
            .collect();
        let number = format!(
            "EX-{}-{}",
            bucharest_date(now).format("%Y"),
            &crate::crypto::sha256_hex(uuid::Uuid::new_v4().as_bytes())[..12].to_uppercase()
        );
        let claims = ExtractClaims {
            number: number.clone(),
            issued_at: rfc3339(now),
            organisation: ExtractOrganisation {
                cui: consent.organisation.to_string(),
                name: consent.organisation_name.clone(),
            },
            purpose: consent.purpose.code().to_owned(),
            level: consent.level.as_str().to_owned(),
            consent: consent.id.to_string(),
            holder_name: consent.holder_name.clone().unwrap_or_default(),
            holder_birth_date: consent.holder.birth_date().to_string(),
            valid_until: crate::domain::valid_until(now).to_string(),
            has_entries: !entries.is_empty(),
            entries: match consent.level {
                ConsentLevel::Certificate => entries,
                ConsentLevel::Status => Vec::new(),
            },
        };
        let chain = self.chain.get().await.map_err(crate::Unavailable::from)?;
        // Sealed once as a JWS; the PDF carries that JWS inside its own seal.
        let jws = extract::seal(&claims, &self.portal_url, chain.x5c_ders(), &*self.signer)
            .await
            .map_err(crate::Unavailable::from)?;
        let pulled = match form {
            ExtractForm::Json => Pulled::Json(Box::new(IssuedExtract {
                number: number.clone(),
                extract: jws,
                content: claims,
            })),
            ExtractForm::Pdf => {
                let document = ExtractDocument {
                    claims: &claims,
                    sealed: &jws,
                    purpose: consent.purpose,
                    issued_at: now,
                    issuing_unit: &self.issuing_unit,
                    portal: &self.portal_url,
                };
                let pdf = self
                    .sealer
                    .seal_extract(&document, &chain)
                    .await
                    .map_err(crate::Unavailable::from)?;
                Pulled::Pdf(ExtractPdf {
                    number: number.clone(),
                    pdf,
                })
            }
        };
        let mut counted = consent.clone();
        counted.extracts += 1;
        if !consent.is_continuous() {
            counted.state = ConsentStatus::Used;
            counted.ended_at = Some(now);
        }
        let audit =
            AuditEvent::consent(AuditEventKind::ExtractIssued, &consent, Some(&number), now);
        if !self
            .consents
            .update(&counted, consent.state, consent.extracts, &audit)
            .await?
        {
            return Err(E::Changed);
        }
        Ok(pulled)
    }
}
