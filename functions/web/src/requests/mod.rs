//! The citizen's requests: the request form, its submission, and the request's status (the
//! page that follows it until the certificate is made).

pub(crate) mod text;
pub(crate) mod view;

use crate::context::{Ctx, FormData};
use crate::notices;
use crate::{query_value, Answer, Refusal};
use cazier_edge::http::{path_param, Citizen};
use cazier_shared::domain::Page;
use cazier_shared::domain::Principal;
use cazier_shared::domain::{FieldCode, FieldError, RequestId};
use cazier_shared::services::accounts::AccountService;
use cazier_shared::services::accounts::SessionError;
use cazier_shared::services::requests::RequestService;
use cazier_shared::services::requests::{SubjectDto, SubmitDto, SubmitError};
use lambda_http::http::StatusCode;
use lambda_http::Request;

/// What the request pages use.
pub(crate) struct Requests {
    pub(crate) accounts: AccountService,
    pub(crate) requests: RequestService,
}

impl Requests {
    pub(crate) async fn request_page(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        _req: &Request,
    ) -> Answer {
        self.request_form(ctx, &principal, &Default::default(), &[])
            .await
    }

    /// The request page, with what the certificate will print of the citizen.
    async fn request_form(
        &self,
        ctx: &mut Ctx,
        principal: &Principal,
        chosen: &view::Chosen,
        errors: &[FieldError],
    ) -> Answer {
        let (me, _) = self
            .accounts
            .portal_account(principal)
            .await
            .map_err(|_| Refusal::SignInFirst)?;
        if me.status != cazier_shared::domain::AccountStatus::Validated {
            // No form that cannot be sent: the way to validate first.
            let t = ctx.t();
            let html = notices::notice(
                ctx,
                t.not_validated_title,
                t.not_validated,
                Some((Page::Account, t.nav_account)),
            );
            // Shown for a form sent anyway too: refused, whatever it held.
            let status = if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            return Ok(ctx.page(status, html));
        }
        let printed = match self.accounts.printed_details(principal).await {
            Ok(printed) => printed,
            Err(SessionError::Unavailable(e)) => return Err(e.into()),
            Err(_) => return Err(Refusal::SignInFirst),
        };
        let html = view::new_request(ctx, chosen, errors, printed.as_ref());
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        Ok(ctx.page(status, html))
    }

    pub(crate) async fn submit(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        _req: &Request,
        form: &FormData,
    ) -> Answer {
        let mut chosen: view::Chosen = form.read()?;
        chosen.cui = chosen.cui.trim().to_owned();
        // For a company: its CUI (an empty one is said as missing).
        let subject = (chosen.subject == "LEGAL_PERSON").then(|| SubjectDto {
            kind: chosen.subject.clone(),
            cui: (!chosen.cui.is_empty()).then(|| chosen.cui.clone()),
        });
        let dto = SubmitDto {
            purpose: chosen.purpose.clone(),
            subject,
        };
        let t = ctx.t();
        let submitted = match dto.try_into_domain() {
            Ok(submission) => self.requests.submit(&principal, submission, None).await,
            Err(refused) => Err(refused),
        };
        match submitted {
            Ok(submitted) => Ok(ctx.redirect(Page::Request(submitted.request_id))),
            Err(SubmitError::Invalid(errors)) => {
                self.request_form(ctx, &principal, &chosen, &errors).await
            }
            Err(SubmitError::NotLegalRepresentative) => {
                let errors = [FieldError::new(
                    "subject.cui",
                    FieldCode::NotLegalRepresentative,
                    "",
                )];
                self.request_form(ctx, &principal, &chosen, &errors).await
            }
            Err(SubmitError::DailyLimit { earlier }) => {
                let html = notices::notice(
                    ctx,
                    t.daily_limit_title,
                    t.daily_limit,
                    Some((Page::Request(earlier), t.see_earlier)),
                );
                Ok(ctx.page(StatusCode::CONFLICT, html))
            }
            Err(SubmitError::NotValidated) => {
                let html = notices::notice(
                    ctx,
                    t.not_validated_title,
                    t.not_validated,
                    Some((Page::Account, t.nav_account)),
                );
                Ok(ctx.page(StatusCode::FORBIDDEN, html))
            }
            Err(SubmitError::NoAccount) => Err(Refusal::SignInFirst),
            Err(SubmitError::BadIdempotencyKey) => Err(Refusal::BadForm),
            // A form sent again after its choice was changed (the browser's back button).
            Err(SubmitError::IdempotencyKeyReused) => Err(Refusal::ExpiredForm),
            Err(SubmitError::Unavailable(e)) => Err(e.into()),
        }
    }

    /// One of the citizen's requests, where it stands.
    pub(crate) async fn request_status(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        req: &Request,
    ) -> Answer {
        let id = path_param(req, "request_id")
            .map(RequestId::from)
            .ok_or(Refusal::NotFound)?;
        let request = self.requests.get(&principal, &id).await?;
        let refreshed = query_value(req, "reincarcat")
            .and_then(|n| n.parse::<u32>().ok())
            .unwrap_or(0);
        let html = view::status(ctx, &request, refreshed);
        Ok(ctx.page(StatusCode::OK, html))
    }
}
