//! Passwords: a signed-in person changes theirs; someone who forgot it asks for an e-mailed
//! link, whose secret moves into a cookie at once, and sets a new one.

use crate::context::{Ctx, Flash, FormData, RESET_COOKIE};
use crate::notices;
use crate::{Answer, Refusal};
use cazier_edge::http::{source_ip, Authenticated};
use cazier_shared::domain::Page;
use cazier_shared::domain::{FieldCode, FieldError};
use cazier_shared::services::passwords::{
    ChangePasswordDto, ChangePasswordError, ResetDto, ResetError, ResetRequestDto, RESET_TTL,
};
use lambda_http::http::StatusCode;
use lambda_http::Request;

use super::{view, Identity};

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct ChangePasswordForm {
    current_password: String,
    new_password: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
/// "Forgot my password": the account's address.
struct EmailForm {
    email: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
/// A new password, set with the e-mailed link's secret (kept in a cookie).
struct NewPasswordForm {
    new_password: String,
}

impl Identity {
    pub(crate) async fn change_password_form(
        &self,
        ctx: &mut Ctx,
        _signed_in: Authenticated,
        _req: &Request,
    ) -> Answer {
        let html = view::change_password(ctx, &[]);
        Ok(ctx.page(StatusCode::OK, html))
    }

    /// Changes the password; every session ends, so this browser signs in again with the new
    /// one (the others stay signed out).
    pub(crate) async fn change_password(
        &self,
        ctx: &mut Ctx,
        principal: Authenticated,
        req: &Request,
        form: &FormData,
    ) -> Answer {
        let email = self
            .accounts
            .me(&principal)
            .await
            .map_err(|_| Refusal::SignInFirst)?
            .email;
        let ChangePasswordForm {
            current_password,
            new_password,
        } = form.read()?;
        let dto = ChangePasswordDto {
            current_password,
            new_password: new_password.clone(),
        };
        let changed = match dto.try_into_domain() {
            Ok(change) => self.passwords.change(&principal, change).await,
            Err(refused) => Err(refused),
        };
        let errors = match changed {
            Ok(()) => {
                ctx.flash_next(Flash::PasswordChanged);
                return self
                    .start_session(ctx, &email, &new_password, &source_ip(req))
                    .await;
            }
            Err(ChangePasswordError::Invalid(errors)) => errors,
            Err(ChangePasswordError::WrongPassword) => {
                vec![FieldError::new(
                    "current_password",
                    FieldCode::WrongPassword,
                    "",
                )]
            }
            Err(ChangePasswordError::Throttled { .. }) => return Ok(self.throttled(ctx)),
            Err(ChangePasswordError::NoAccount) => return Err(Refusal::SignInFirst),
            Err(ChangePasswordError::Unavailable(e)) => return Err(e.into()),
        };
        let html = view::change_password(ctx, &errors);
        Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html))
    }

    pub(crate) async fn forgot_form(&self, ctx: &mut Ctx, _req: &Request) -> Answer {
        if ctx.take_flash() == Some(Flash::ResetSent) {
            let i = ctx.lang.i();
            let t = ctx.t();
            let html = notices::notice(
                ctx,
                i.forgot_sent_title,
                i.forgot_sent,
                Some((Page::SignIn, t.nav_sign_in)),
            );
            return Ok(ctx.page(StatusCode::OK, html));
        }
        let html = view::forgot(ctx, "", &[]);
        Ok(ctx.page(StatusCode::OK, html))
    }

    pub(crate) async fn forgot(&self, ctx: &mut Ctx, req: &Request, form: &FormData) -> Answer {
        let EmailForm { email } = form.read()?;
        let dto = ResetRequestDto {
            email: email.clone(),
        };
        let asked = match dto.try_into_domain() {
            Ok(email) => self.passwords.request_reset(email, &source_ip(req)).await,
            Err(refused) => Err(refused),
        };
        match asked {
            Ok(()) => {
                ctx.flash_next(Flash::ResetSent);
                Ok(ctx.redirect(Page::ForgotPassword))
            }
            Err(ResetError::Invalid(errors)) => {
                let html = view::forgot(ctx, &email, &errors);
                Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html))
            }
            Err(ResetError::Throttled { .. }) => Ok(self.throttled(ctx)),
            Err(ResetError::InvalidLink) => Err(Refusal::BadForm),
            Err(ResetError::Unavailable(e)) => Err(e.into()),
        }
    }

    fn reset_expired(&self, ctx: &mut Ctx, status: StatusCode) -> Answer {
        let i = ctx.lang.i();
        ctx.set_cookie(RESET_COOKIE, "", 0, false);
        let html = notices::notice(
            ctx,
            i.reset_expired_title,
            i.reset_expired,
            Some((Page::ForgotPassword, i.reset_again)),
        );
        Ok(ctx.page(status, html))
    }

    /// The e-mailed link: its secret moves from the address bar into a cookie at once (so
    /// it is not left in the history or in a referrer), then the form.
    pub(crate) async fn reset_form(&self, ctx: &mut Ctx, req: &Request) -> Answer {
        let from_link = req
            .uri()
            .query()
            .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "cod"))
            .map(|(_, v)| v)
            .filter(|v| !v.is_empty() && v.len() <= 128);
        if let Some(token) = from_link {
            if !self.passwords.reset_link_works(&token).await? {
                return self.reset_expired(ctx, StatusCode::OK);
            }
            ctx.set_cookie(RESET_COOKIE, &token, RESET_TTL.num_seconds(), false);
            return Ok(ctx.redirect(Page::NewPassword));
        }
        if ctx.reset.is_none() {
            return self.reset_expired(ctx, StatusCode::OK);
        }
        let html = view::reset(ctx, &[]);
        Ok(ctx.page(StatusCode::OK, html))
    }

    pub(crate) async fn reset(&self, ctx: &mut Ctx, _req: &Request, form: &FormData) -> Answer {
        let Some(token) = ctx.reset.clone() else {
            return self.reset_expired(ctx, StatusCode::UNPROCESSABLE_ENTITY);
        };
        let NewPasswordForm { new_password } = form.read()?;
        let dto = ResetDto {
            token,
            new_password,
        };
        let reset = match dto.try_into_domain() {
            Ok(reset) => self.passwords.reset(reset).await,
            Err(refused) => Err(refused),
        };
        match reset {
            Ok(_) => {
                ctx.set_cookie(RESET_COOKIE, "", 0, false);
                // Signed out everywhere, this browser included.
                ctx.sign_out();
                ctx.flash_next(Flash::PasswordReset);
                Ok(ctx.redirect(Page::SignIn))
            }
            Err(ResetError::Invalid(errors)) => {
                let html = view::reset(ctx, &errors);
                Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html))
            }
            Err(ResetError::InvalidLink) => {
                self.reset_expired(ctx, StatusCode::UNPROCESSABLE_ENTITY)
            }
            Err(ResetError::Throttled { .. }) => Ok(self.throttled(ctx)),
            Err(ResetError::Unavailable(e)) => Err(e.into()),
        }
    }
}
