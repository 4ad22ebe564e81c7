//! Validating an account online: the hand-off to ghiseul.ro (which posts a signed assertion
//! back) and the ROeID / CEI sign-in (OpenID Connect: the provider redirects back with a code).
//! Both start by giving the browser a binding secret in a cookie: the way back completes only
//! where that cookie comes back, and then only up to the holder's confirmation
//! (`/cont/validare`, in `identity.rs`).

use super::Identity;
use crate::context::{Ctx, FormData, FLOW_COOKIE};
use crate::notices;
use crate::{Answer, Refusal};
use cazier_edge::http::Citizen;
use cazier_shared::domain::Page;
use cazier_shared::services::ghiseul::GhiseulError;
use cazier_shared::services::roeid::{Callback, RoeidError};
use lambda_http::http::StatusCode;
use lambda_http::Request;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
/// What ghiseul.ro's page posts back: its signed assertion.
struct AssertionForm {
    assertion: String,
}

impl Identity {
    /// The portal page the provider sends the browser back to (registered with the provider).
    fn roeid_return_uri(&self) -> String {
        Page::RoeidReturn.at(&self.portal)
    }

    /// "Online validation is not available": the deployment has no such provider.
    fn online_unavailable(ctx: &mut Ctx) -> Answer {
        let t = ctx.t();
        let html = notices::notice(
            ctx,
            t.online_unavailable_title,
            t.online_unavailable,
            Some((Page::Account, t.nav_account)),
        );
        Ok(ctx.page(StatusCode::SERVICE_UNAVAILABLE, html))
    }

    /// The outcome page of an online validation, with the way back to the account.
    fn online_outcome(ctx: &mut Ctx, status: StatusCode, title: &str, text: &str) -> Answer {
        let t = ctx.t();
        let html = notices::notice(ctx, title, text, Some((Page::Account, t.nav_account)));
        Ok(ctx.page(status, html))
    }

    /// The binding cookie lives as long as the provider's state does.
    fn bind_browser(ctx: &mut Ctx, binding: &str) {
        let lifetime = cazier_shared::services::ghiseul::STATE_TTL.num_seconds();
        ctx.set_cookie(FLOW_COOKIE, binding, lifetime, true);
    }

    pub(crate) async fn ghiseul_start(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        _req: &Request,
        _form: &FormData,
    ) -> Answer {
        let back = Page::GhiseulReturn.at(&self.portal);
        match self.ghiseul.start(&principal, Some(&back)).await {
            Ok(started) => {
                if let Some(binding) = &started.browser_binding {
                    Self::bind_browser(ctx, binding);
                }
                Ok(ctx.redirect_to_provider(&started.authorize_url))
            }
            Err(GhiseulError::AlreadyValidated) => Ok(ctx.redirect(Page::Account)),
            Err(GhiseulError::NotConfigured) => Self::online_unavailable(ctx),
            Err(GhiseulError::NoAccount) => Err(Refusal::SignInFirst),
            Err(
                GhiseulError::InvalidAssertion
                | GhiseulError::StartedElsewhere
                | GhiseulError::OtherPerson
                | GhiseulError::NameMismatch
                | GhiseulError::CnpAlreadyValidated,
            ) => Err(Refusal::BadForm),
            Err(GhiseulError::Unavailable(e)) => Err(e.into()),
        }
    }

    /// ghiseul.ro's form post back (cross-site: the binding cookie comes, the session does
    /// not). What it proved waits for the holder's confirmation.
    pub(crate) async fn ghiseul_return(
        &self,
        ctx: &mut Ctx,
        _req: &Request,
        form: &FormData,
    ) -> Answer {
        let AssertionForm { assertion } = form.read()?;
        let (t, i) = (ctx.t(), ctx.lang.i());
        let binding = ctx.flow.clone();
        let (status, title, text) =
            match self.ghiseul.returned(&assertion, binding.as_deref()).await {
                Ok(()) => return Ok(ctx.redirect(Page::Proven)),
                Err(GhiseulError::AlreadyValidated) => (
                    StatusCode::CONFLICT,
                    t.validated_online_title,
                    t.already_validated,
                ),
                Err(GhiseulError::StartedElsewhere) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    i.elsewhere_title,
                    i.elsewhere,
                ),
                Err(GhiseulError::NameMismatch) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    i.mismatch_title,
                    i.mismatch,
                ),
                Err(GhiseulError::OtherPerson) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    t.ghiseul_other_person_title,
                    t.ghiseul_other_person,
                ),
                Err(GhiseulError::CnpAlreadyValidated) => {
                    (StatusCode::CONFLICT, i.cnp_taken_title, i.cnp_taken)
                }
                Err(GhiseulError::Unavailable(e)) => return Err(e.into()),
                Err(
                    GhiseulError::InvalidAssertion
                    | GhiseulError::NoAccount
                    | GhiseulError::NotConfigured,
                ) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    t.online_failed_title,
                    t.online_failed,
                ),
            };
        Self::online_outcome(ctx, status, title, text)
    }

    pub(crate) async fn roeid_start(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        _req: &Request,
        _form: &FormData,
    ) -> Answer {
        match self.roeid.start(&principal, &self.roeid_return_uri()).await {
            Ok((url, binding)) => {
                Self::bind_browser(ctx, &binding);
                Ok(ctx.redirect_to_provider(&url))
            }
            Err(RoeidError::AlreadyValidated) => Ok(ctx.redirect(Page::Account)),
            Err(RoeidError::NotConfigured) => Self::online_unavailable(ctx),
            Err(RoeidError::NoAccount) => Err(Refusal::SignInFirst),
            Err(RoeidError::Unavailable(e)) => Err(e.into()),
            Err(
                RoeidError::Cancelled
                | RoeidError::OtherPerson
                | RoeidError::NameMismatch
                | RoeidError::StartedElsewhere
                | RoeidError::InvalidResponse,
            ) => Err(Refusal::BadForm),
        }
    }

    pub(crate) async fn roeid_return(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        req: &Request,
    ) -> Answer {
        let mut callback = Callback::default();
        let pairs = req
            .uri()
            .query()
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .unwrap_or_default();
        for (name, value) in pairs {
            let slot = match name.as_str() {
                "state" => &mut callback.state,
                "code" => &mut callback.code,
                "iss" => &mut callback.iss,
                "error" => &mut callback.error,
                _ => continue,
            };
            // A parameter given twice is not an answer any provider sends.
            if slot.replace(value).is_some() {
                return Err(Refusal::BadForm);
            }
        }
        let (t, i) = (ctx.t(), ctx.lang.i());
        let binding = ctx.flow.clone();
        let outcome = self
            .roeid
            .complete(
                &principal,
                callback,
                &self.roeid_return_uri(),
                binding.as_deref(),
            )
            .await;
        let (status, title, text) = match outcome {
            Ok(()) => return Ok(ctx.redirect(Page::Proven)),
            Err(RoeidError::AlreadyValidated) => (
                StatusCode::CONFLICT,
                t.validated_online_title,
                t.already_validated,
            ),
            Err(RoeidError::Cancelled) => {
                (StatusCode::OK, t.roeid_cancelled_title, t.roeid_cancelled)
            }
            Err(RoeidError::OtherPerson) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                t.roeid_other_person_title,
                t.roeid_other_person,
            ),
            Err(RoeidError::NameMismatch) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                i.mismatch_title,
                i.mismatch,
            ),
            Err(RoeidError::StartedElsewhere) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                i.elsewhere_title,
                i.elsewhere,
            ),
            Err(RoeidError::InvalidResponse) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                t.online_failed_title,
                t.roeid_failed,
            ),
            Err(RoeidError::NotConfigured) => return Self::online_unavailable(ctx),
            Err(RoeidError::NoAccount) => return Err(Refusal::SignInFirst),
            Err(RoeidError::Unavailable(e)) => return Err(e.into()),
        };
        Self::online_outcome(ctx, status, title, text)
    }
}
