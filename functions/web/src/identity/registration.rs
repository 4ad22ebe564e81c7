//! Registration, signing in (with the operators' second factor, in `identity.rs`) and
//! signing out.

use super::Identity;
use crate::context::{Ctx, Flash, FormData};
use crate::forms;
use crate::identity::remember_registration;
use crate::{Answer, Refusal};
use cazier_edge::http::{source_ip, Authenticated};
use cazier_shared::domain::Page;
use cazier_shared::domain::{FieldCode, FieldError, SessionChannel};
use cazier_shared::services::accounts::{LoginDto, LoginError, RegisterDto, RegisterError};
use lambda_http::http::StatusCode;
use lambda_http::Request;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
/// The sign-in form (and the registration form's password, never typed back into a page).
struct SignInForm {
    email: String,
    password: String,
}

impl Identity {
    pub(crate) async fn register(&self, ctx: &mut Ctx, req: &Request, form: &FormData) -> Answer {
        let typed: forms::Registration = form.read()?;
        let SignInForm { password, .. } = form.read()?;
        let dto = RegisterDto::new(typed.email.clone(), password, forms::declared_dto(&typed));
        let registered = match dto.try_into_domain() {
            Ok(registration) => self.accounts.register(registration, &source_ip(req)).await,
            Err(refused) => Err(refused),
        };
        let errors = match registered {
            Ok(sent) => {
                remember_registration(ctx, &typed.email, Some(&sent.registration_id));
                return Ok(ctx.redirect(Page::Confirm));
            }
            Err(RegisterError::Invalid(errors)) => {
                let errors = forms::missing_said(errors, form);
                crate::verify::precise_cnp_errors(errors, &typed.cnp)
            }
            Err(RegisterError::Throttled { .. }) => return Ok(self.throttled(ctx)),
            Err(RegisterError::Unavailable(e)) => return Err(e.into()),
        };
        let html = forms::register(ctx, &typed, &errors, None);
        Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html))
    }

    pub(crate) async fn sign_in(&self, ctx: &mut Ctx, req: &Request, form: &FormData) -> Answer {
        let SignInForm { email, password } = form.read()?;
        // Nothing typed is asked for at its field, and costs no try.
        let missing: Vec<FieldError> = [("email", email.trim()), ("password", password.as_str())]
            .into_iter()
            .filter(|(_, typed)| typed.is_empty())
            .map(|(field, _)| FieldError::new(field, FieldCode::Required, ""))
            .collect();
        if !missing.is_empty() {
            let html = forms::sign_in(ctx, &email, &missing, None);
            return Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html));
        }
        self.start_session(ctx, &email, &password, &source_ip(req))
            .await
    }

    /// Signs in (also right after a password change) and goes to the account page, or to the
    /// second-factor page for an operator.
    pub(crate) async fn start_session(
        &self,
        ctx: &mut Ctx,
        email: &str,
        password: &str,
        source: &str,
    ) -> Answer {
        let dto = LoginDto {
            email: email.to_owned(),
            password: password.to_owned(),
            device_token: ctx.device.clone(),
            totp: None,
        };
        match self
            .accounts
            .login(dto, source, SessionChannel::Portal)
            .await
        {
            Ok(session) => {
                ctx.sign_in(&session.token, &session.device_token);
                // Back to the page that asked for the sign-in, or clerks to their console
                // and citizens to their account.
                match ctx.take_return(session.role) {
                    Some(path) => Ok(ctx.redirect_to_path(&path)),
                    None => Ok(ctx.redirect(crate::home_of(session.role))),
                }
            }
            Err(LoginError::InvalidCredentials) => {
                let problem = ctx.t().bad_credentials;
                let html = forms::sign_in(ctx, email, &[], Some(problem));
                Ok(ctx.page(StatusCode::UNAUTHORIZED, html))
            }
            Err(other) => self.sign_in_refused(ctx, other),
        }
    }

    /// Ends the session, here and on the server.
    pub(crate) async fn sign_out(
        &self,
        ctx: &mut Ctx,
        principal: Authenticated,
        _req: &Request,
        _form: &FormData,
    ) -> Answer {
        self.accounts
            .logout(&principal)
            .await
            .map_err(|e| Refusal::Unavailable(e.to_string()))?;
        ctx.sign_out();
        ctx.flash_next(Flash::SignedOut);
        Ok(ctx.redirect(Page::Home))
    }
}

impl Identity {
    pub(crate) async fn register_form(&self, ctx: &mut Ctx, _req: &Request) -> Answer {
        let html = forms::register(ctx, &Default::default(), &[], None);
        Ok(ctx.page(StatusCode::OK, html))
    }

    pub(crate) async fn sign_in_form(&self, ctx: &mut Ctx, _req: &Request) -> Answer {
        let email = super::registered_email(ctx);
        let html = forms::sign_in(ctx, &email, &[], None);
        Ok(ctx.page(StatusCode::OK, html))
    }
}
