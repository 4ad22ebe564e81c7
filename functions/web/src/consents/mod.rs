//! The holder's consents (issue 27): the organisations' requests, answered here (accept,
//! decline) and withdrawn here, each with its history. Only a validated account sees the
//! requests made for its CNP.

pub(crate) mod text;
pub(crate) mod view;

use crate::context::{Ctx, Flash, FormData};
use crate::{Answer, Refusal};
use cazier_edge::http::{path_param, Citizen};
use cazier_shared::domain::consent::ConsentDecision;
use cazier_shared::domain::{ConsentId, FieldCode, FieldError, Page};
use cazier_shared::services::consents::{HolderConsentError, HolderConsents};
use lambda_http::http::StatusCode;
use lambda_http::Request;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct AnswerForm {
    answer: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct CodeForm {
    code: String,
}

pub(crate) struct Consents {
    pub(crate) consents: HolderConsents,
}

fn consent_id(req: &Request) -> Result<ConsentId, Refusal> {
    path_param(req, "consent_id")
        .and_then(|id| ConsentId::parse(&id))
        .ok_or(Refusal::NotFound)
}

impl From<HolderConsentError> for Refusal {
    fn from(e: HolderConsentError) -> Self {
        match e {
            HolderConsentError::Unavailable(e) => e.into(),
            HolderConsentError::NotValidated => Refusal::Forbidden,
            HolderConsentError::NotFound
            | HolderConsentError::Settled(_)
            | HolderConsentError::WrongCode => Refusal::NotFound,
            HolderConsentError::OrganisationSuspended => Refusal::Forbidden,
            HolderConsentError::Throttled { .. } => Refusal::NotFound,
        }
    }
}

impl Consents {
    pub(crate) async fn list(&self, ctx: &mut Ctx, who: Citizen, _req: &Request) -> Answer {
        let html = match self.consents.list(&who).await {
            Ok(consents) => view::list(ctx, Some(&consents)),
            Err(HolderConsentError::NotValidated) => view::list(ctx, None),
            Err(e) => return Err(e.into()),
        };
        Ok(ctx.page(StatusCode::OK, html))
    }

    async fn show(
        &self,
        ctx: &mut Ctx,
        who: &Citizen,
        id: &ConsentId,
        status: StatusCode,
    ) -> Answer {
        let (held, history) = self.consents.get(who, id).await?;
        let html = view::one(ctx, &held, &history, status == StatusCode::CONFLICT);
        Ok(ctx.page(status, html))
    }

    pub(crate) async fn consent(&self, ctx: &mut Ctx, who: Citizen, req: &Request) -> Answer {
        let id = consent_id(req)?;
        self.show(ctx, &who, &id, StatusCode::OK).await
    }

    /// Accept, decline or withdraw; then the consent's page (post/redirect/get).
    pub(crate) async fn answer(
        &self,
        ctx: &mut Ctx,
        who: Citizen,
        req: &Request,
        form: &FormData,
    ) -> Answer {
        let id = consent_id(req)?;
        let AnswerForm { answer } = form.read()?;
        let (done, said) = match answer.as_str() {
            "accept" => (
                self.consents
                    .decide(&who, &id, ConsentDecision::Accept)
                    .await
                    .map(drop),
                Flash::ConsentAccepted,
            ),
            "decline" => (
                self.consents
                    .decide(&who, &id, ConsentDecision::Decline)
                    .await
                    .map(drop),
                Flash::ConsentDeclined,
            ),
            "revoke" => (self.consents.revoke(&who, &id).await, Flash::ConsentRevoked),
            _ => return Err(Refusal::BadForm),
        };
        match done {
            Ok(()) => {
                ctx.flash_next(said);
                Ok(ctx.redirect(Page::Consent(id)))
            }
            // Answered in another tab, or expired meanwhile: the page as it is now; and a
            // suspended organisation's page says so (nothing to accept there).
            Err(HolderConsentError::Settled(_) | HolderConsentError::OrganisationSuspended) => {
                self.show(ctx, &who, &id, StatusCode::CONFLICT).await
            }
            Err(e) => Err(e.into()),
        }
    }
}

impl Consents {
    pub(crate) async fn desk_code_form(
        &self,
        ctx: &mut Ctx,
        _who: Citizen,
        _req: &Request,
    ) -> Answer {
        let html = view::desk_code(ctx, "", &[], None);
        Ok(ctx.page(StatusCode::OK, html))
    }

    /// The code typed: the request it opens, if it is this person's; else the form again.
    pub(crate) async fn open_desk_code(
        &self,
        ctx: &mut Ctx,
        who: Citizen,
        _req: &Request,
        form: &FormData,
    ) -> Answer {
        let CodeForm { code } = form.read()?;
        let c = ctx.lang.c();
        let (errors, problem, status) = match self.consents.open_desk_code(&who, &code).await {
            Ok(id) => return Ok(ctx.redirect(Page::Consent(id))),
            Err(HolderConsentError::WrongCode) => (
                vec![FieldError::new(
                    "code",
                    FieldCode::WrongDeskCode,
                    c.code_wrong,
                )],
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            // Not the code's fault: said above the form, the code kept.
            Err(HolderConsentError::Throttled { .. }) => (
                Vec::new(),
                Some(c.code_throttled),
                StatusCode::TOO_MANY_REQUESTS,
            ),
            Err(HolderConsentError::NotValidated) => {
                let html = view::list(ctx, None);
                return Ok(ctx.page(StatusCode::FORBIDDEN, html));
            }
            Err(e) => return Err(e.into()),
        };
        let html = view::desk_code(ctx, &code, &errors, problem);
        Ok(ctx.page(status, html))
    }
}
