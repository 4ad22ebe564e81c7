//! The portal's handlers for who someone is: confirming a registration's e-mailed code, the
//! operators' second factor, changing and resetting passwords, and the holder's confirmation
//! of an identity proven online.

pub(crate) mod online;
pub(crate) mod passwords;
pub(crate) mod registration;
pub(crate) mod text;
pub(crate) mod view;

use crate::context::{Ctx, Flash, FormData, REGISTRATION_COOKIE, SECOND_FACTOR_COOKIE};
use crate::notices;
use crate::{Answer, Refusal};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cazier_edge::http::{source_ip, Citizen};
use cazier_shared::domain::Page;
use cazier_shared::domain::{FieldCode, FieldError};
use cazier_shared::services::accounts::AccountService;
use cazier_shared::services::accounts::{
    ConfirmDto, ConfirmError, LoginError, REGISTRATION_TTL, SECOND_FACTOR_TTL,
};
use cazier_shared::services::ghiseul::GhiseulService;
use cazier_shared::services::online::ConfirmValidationError;
use cazier_shared::services::online::ProvenService;
use cazier_shared::services::passwords::PasswordService;
use cazier_shared::services::roeid::RoeidService;
use lambda_http::http::StatusCode;
use lambda_http::Request;
use std::sync::Arc;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
/// The e-mailed code that confirms a registration.
struct CodeForm {
    confirmation_code: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
/// An operator's second factor: the code their authenticator app shows.
struct SecondFactorForm {
    totp: String,
}

/// What the holder decides about an identity proven online.
#[derive(Debug, serde::Deserialize)]
struct DecisionForm {
    decision: Decision,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
enum Decision {
    Confirm,
    Cancel,
}

/// The registration cookie: `<address, encoded>` once confirmed (to fill in the sign-in
/// form), `<address>.<registration id>` while the code is awaited: only this browser can
/// confirm what it registered.
pub(crate) fn remember_registration(ctx: &mut Ctx, email: &str, registration_id: Option<&str>) {
    let mut value = URL_SAFE_NO_PAD.encode(email.trim().to_lowercase());
    if let Some(id) = registration_id {
        value.push('.');
        value.push_str(id);
    }
    ctx.set_cookie(
        REGISTRATION_COOKIE,
        &value,
        REGISTRATION_TTL.num_seconds(),
        false,
    );
}

/// The address the last registration in this browser went to, and its id while awaited.
fn registration(ctx: &Ctx) -> (String, Option<String>) {
    let value = ctx.registration.as_deref().unwrap_or_default();
    let (email, id) = match value.split_once('.') {
        Some((email, id)) => (email, Some(id.to_owned())),
        None => (value, None),
    };
    let email = URL_SAFE_NO_PAD
        .decode(email)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_default();
    (email, id.filter(|id| !id.is_empty()))
}

/// The address the last registration in this browser went to.
pub(crate) fn registered_email(ctx: &Ctx) -> String {
    registration(ctx).0
}

/// What the identity pages use: registration, sign-in, passwords, and validation through ghiseul.ro or ROeID.
pub(crate) struct Identity {
    pub(crate) accounts: AccountService,
    pub(crate) passwords: PasswordService,
    pub(crate) proven: ProvenService,
    pub(crate) ghiseul: GhiseulService,
    pub(crate) roeid: RoeidService,
    pub(crate) portal: Arc<str>,
}

impl Identity {
    pub(crate) async fn confirm_form(&self, ctx: &mut Ctx, _req: &Request) -> Answer {
        let (email, awaited) = registration(ctx);
        if awaited.is_none() {
            return Ok(self.no_registration_here(ctx));
        }
        let html = view::confirm(ctx, &email, "", &[], None);
        Ok(ctx.page(StatusCode::OK, html))
    }

    /// The code page opened in a browser that did not register (or too late).
    fn no_registration_here(&self, ctx: &mut Ctx) -> lambda_http::Response<lambda_http::Body> {
        let i = ctx.lang.i();
        let html = notices::notice(
            ctx,
            i.confirm_elsewhere_title,
            i.confirm_elsewhere,
            Some((Page::Register, i.confirm_again_here)),
        );
        ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html)
    }

    pub(crate) async fn confirm(&self, ctx: &mut Ctx, req: &Request, form: &FormData) -> Answer {
        let (email, awaited) = registration(ctx);
        let Some(registration_id) = awaited else {
            return Ok(self.no_registration_here(ctx));
        };
        let CodeForm { confirmation_code } = form.read()?;
        let dto = ConfirmDto {
            registration_id,
            code: confirmation_code.clone(),
        };
        let i = ctx.lang.i();
        let confirmed = match dto.try_into_domain() {
            Ok(confirmation) => self.accounts.confirm(confirmation, &source_ip(req)).await,
            Err(refused) => Err(refused),
        };
        let (status, errors, problem) = match confirmed {
            Ok(_) => {
                remember_registration(ctx, &email, None);
                ctx.flash_next(Flash::AccountCreated);
                return Ok(ctx.redirect(Page::SignIn));
            }
            Err(ConfirmError::InvalidCode) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![FieldError::new(
                    "confirmation_code",
                    FieldCode::InvalidCode,
                    "",
                )],
                None,
            ),
            Err(ConfirmError::TriesSpent) => {
                // The code is dead: no form to retype it into.
                ctx.set_cookie(REGISTRATION_COOKIE, "", 0, false);
                let html = notices::notice(
                    ctx,
                    i.tries_spent_title,
                    i.tries_spent,
                    Some((Page::Register, i.confirm_again_here)),
                );
                return Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html));
            }
            Err(ConfirmError::AccountExists) => {
                (StatusCode::CONFLICT, Vec::new(), Some(i.account_exists))
            }
            Err(ConfirmError::Throttled { .. }) => return Ok(self.throttled(ctx)),
            Err(ConfirmError::Unavailable(e)) => return Err(e.into()),
        };
        let html = view::confirm(ctx, &email, &confirmation_code, &errors, problem);
        Ok(ctx.page(status, html))
    }

    /// "Too many attempts, try later".
    pub(crate) fn throttled(&self, ctx: &mut Ctx) -> lambda_http::Response<lambda_http::Body> {
        let (t, i) = (ctx.t(), ctx.lang.i());
        // Someone else's guessing may be what stopped this sign-in: the way back is a reset.
        let html = notices::notice(
            ctx,
            t.throttled_title,
            t.throttled,
            Some((Page::ForgotPassword, i.forgot_link)),
        );
        ctx.page(StatusCode::TOO_MANY_REQUESTS, html)
    }

    /// A sign-in's outcome that is not a session: the second-factor page, or why not.
    pub(crate) fn sign_in_refused(&self, ctx: &mut Ctx, error: LoginError) -> Answer {
        let i = ctx.lang.i();
        let (title, text) = match error {
            LoginError::SecondFactorRequired { ticket } => {
                ctx.set_cookie(
                    SECOND_FACTOR_COOKIE,
                    &ticket,
                    SECOND_FACTOR_TTL.num_seconds(),
                    false,
                );
                return Ok(ctx.redirect(Page::SecondFactor));
            }
            LoginError::Throttled { .. } => return Ok(self.throttled(ctx)),
            LoginError::Disabled => (i.disabled_title, i.disabled),
            LoginError::SecondFactorNotEnrolled => (i.not_enrolled_title, i.not_enrolled),
            LoginError::Unavailable(e) => return Err(e.into()),
            LoginError::InvalidCredentials => return Err(Refusal::BadForm),
        };
        let html = notices::notice(ctx, title, text, None);
        Ok(ctx.page(StatusCode::FORBIDDEN, html))
    }

    pub(crate) async fn second_factor_form(&self, ctx: &mut Ctx, _req: &Request) -> Answer {
        if ctx.second_factor.is_none() {
            return Ok(ctx.redirect(Page::SignIn));
        }
        let html = view::second_factor(ctx, &[]);
        Ok(ctx.page(StatusCode::OK, html))
    }

    pub(crate) async fn second_factor(
        &self,
        ctx: &mut Ctx,
        _req: &Request,
        form: &FormData,
    ) -> Answer {
        let Some(ticket) = ctx.second_factor.clone() else {
            return Ok(ctx.redirect(Page::SignIn));
        };
        // The ticket works once, whatever the code.
        ctx.set_cookie(SECOND_FACTOR_COOKIE, "", 0, false);
        let SecondFactorForm { totp } = form.read()?;
        let outcome = self
            .accounts
            .login_second_factor(&ticket, &totp, ctx.device.clone())
            .await;
        match outcome {
            Ok(session) => {
                ctx.sign_in(&session.token, &session.device_token);
                Ok(ctx.redirect(crate::home_of(session.role)))
            }
            Err(LoginError::InvalidCredentials) => {
                let problem = ctx.lang.i().second_factor_wrong;
                let html = crate::forms::sign_in(ctx, "", &[], Some(problem));
                Ok(ctx.page(StatusCode::UNAUTHORIZED, html))
            }
            Err(other) => self.sign_in_refused(ctx, other),
        }
    }

    /// What ghiseul.ro or ROeID proved, shown for confirmation in the browser that started.
    pub(crate) async fn proven_page(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        _req: &Request,
    ) -> Answer {
        match self
            .proven
            .awaiting(&principal, ctx.flow.as_deref())
            .await?
        {
            Some(awaiting) => {
                let html = view::proven(ctx, &awaiting);
                Ok(ctx.page(StatusCode::OK, html))
            }
            None => self.nothing_pending(ctx, StatusCode::OK),
        }
    }

    fn nothing_pending(&self, ctx: &mut Ctx, status: StatusCode) -> Answer {
        let (i, t) = (ctx.lang.i(), ctx.t());
        let html = notices::notice(
            ctx,
            i.nothing_pending_title,
            i.nothing_pending,
            Some((Page::Account, t.nav_account)),
        );
        Ok(ctx.page(status, html))
    }

    pub(crate) async fn proven_decision(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        _req: &Request,
        form: &FormData,
    ) -> Answer {
        let binding = ctx.flow.clone();
        let DecisionForm { decision } = form.read()?;
        let outcome = match decision {
            Decision::Confirm => self
                .proven
                .confirm(&principal, binding.as_deref())
                .await
                .map(|_| Flash::Validated),
            Decision::Cancel => self
                .proven
                .cancel(&principal, binding.as_deref())
                .await
                .map(|_| Flash::ValidationCancelled),
        };
        let i = ctx.lang.i();
        match outcome {
            Ok(flash) => {
                ctx.set_cookie(crate::context::FLOW_COOKIE, "", 0, true);
                ctx.flash_next(flash);
                Ok(ctx.redirect(Page::Account))
            }
            Err(ConfirmValidationError::NothingPending) => {
                self.nothing_pending(ctx, StatusCode::UNPROCESSABLE_ENTITY)
            }
            Err(ConfirmValidationError::AlreadyValidated) => Ok(ctx.redirect(Page::Account)),
            Err(ConfirmValidationError::CnpAlreadyValidated) => {
                let t = ctx.t();
                let html = notices::notice(
                    ctx,
                    i.cnp_taken_title,
                    i.cnp_taken,
                    Some((Page::Account, t.nav_account)),
                );
                Ok(ctx.page(StatusCode::CONFLICT, html))
            }
            Err(ConfirmValidationError::DetailsChanged) => {
                let (d, t) = (ctx.lang.d(), ctx.t());
                let html = notices::notice(
                    ctx,
                    d.changed_title,
                    d.changed_citizen,
                    Some((Page::Account, t.nav_account)),
                );
                Ok(ctx.page(StatusCode::CONFLICT, html))
            }
            Err(ConfirmValidationError::Unavailable(e)) => Err(e.into()),
        }
    }
}
