//! The portal's share-code handlers: the holder makes, lists and revokes codes for one of their
//! certificates; a third party uses one (the code travels in form bodies, never in a URL).

pub(crate) mod text;
pub(crate) mod view;

use crate::context::{cookie_up_to, Ctx, FormData, NEW_CODE_COOKIE};
use crate::notices;
use crate::{Answer, Refusal};
use base64::Engine;
use cazier_edge::http::{path_param, source_ip, Citizen};
use cazier_shared::domain::Page;
use cazier_shared::domain::Principal;
use cazier_shared::domain::{FieldCode, FieldError, ShareId};
use cazier_shared::services::requests::RequestService;
use cazier_shared::services::shares::ShareService;
use cazier_shared::services::shares::{
    AccessDto, AccessError, CreateShareDto, CreatedShare, ShareAccess, ShareError,
};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::Request;
use std::sync::Arc;
use view::CodesPage;

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
/// A new code's last day (empty: until the certificate expires).
struct ExpiryForm {
    expires_on: String,
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
/// A third party's share code, and who they are.
struct CodeForm {
    code: String,
    organisation: String,
}

/// The share code (and organisation) a third party sent, until its result page is shown.
const SHARED_CODE_COOKIE: &str = "__Host-shared-code";
const SHARED_CODE_COOKIE_MAX: usize = 2000;

/// The field error a wrong, expired or revoked code shows (one answer for all three).
const SHARE_NOT_FOUND: FieldCode = FieldCode::ShareNotFound;

/// What the share-code pages use.
pub(crate) struct Shares {
    pub(crate) requests: RequestService,
    pub(crate) shares: ShareService,
    pub(crate) portal: Arc<str>,
}

impl Shares {
    pub(crate) async fn share_codes_page(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        req: &Request,
    ) -> Answer {
        let shown = CodesPage::default();
        self.share_codes(ctx, &principal, req, StatusCode::OK, shown)
            .await
    }

    /// The holder's codes for one of their certificates.
    async fn share_codes(
        &self,
        ctx: &mut Ctx,
        principal: &Principal,
        req: &Request,
        status: StatusCode,
        shown: CodesPage<'_>,
    ) -> Answer {
        let number = crate::certificate_number(req)?;
        let certificate = self
            .requests
            .list_certificates(principal)
            .await?
            .into_iter()
            .find(|c| c.certificate_number == number)
            .ok_or(Refusal::NotFound)?;
        let codes: Vec<_> = self
            .shares
            .list(principal)
            .await?
            .into_iter()
            .filter(|s| s.certificate_number == certificate.certificate_number)
            .collect();
        // The code the creation just made, shown once after its redirect (never again: the
        // code itself is not kept).
        let kept = ctx.new_code.take();
        if kept.is_some() {
            ctx.set_cookie(NEW_CODE_COOKIE, "", 0, false);
        }
        let just_made = kept.and_then(|kept| {
            let (id, code) = kept.split_once('.')?;
            let share = codes.iter().find(|s| s.share_id.as_str() == id)?;
            Some(CreatedShare {
                share_id: share.share_id.clone(),
                code: code.to_owned(),
                certificate_number: share.certificate_number.clone(),
                expires_at: share.expires_at,
            })
        });
        let shown = CodesPage {
            origin: &self.portal,
            created: shown.created.or(just_made.as_ref()),
            ..shown
        };
        let html = view::codes(ctx, &certificate, &codes, shown);
        Ok(ctx.page(status, html))
    }

    pub(crate) async fn create_share(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        req: &Request,
        form: &FormData,
    ) -> Answer {
        let number = crate::certificate_number(req)?;
        let ExpiryForm { expires_on: typed } = form.read()?;
        // An empty date field means "until the certificate expires".
        let dto = CreateShareDto {
            expires_on: Some(typed.trim().to_owned()).filter(|v| !v.is_empty()),
        };
        let s = ctx.lang.s();
        let created = match dto.try_into_domain() {
            Ok(last_day) => self.shares.create(&principal, &number, last_day).await,
            Err(refused) => Err(refused),
        };
        let (errors, problem, status) = match created {
            Ok(created) => {
                // Post/redirect/get: the codes page shows it once; a reload makes no new code.
                let kept = format!("{}.{}", created.share_id.as_str(), created.code);
                ctx.set_cookie(NEW_CODE_COOKIE, &kept, 300, false);
                return Ok(ctx.redirect(Page::ShareCodes(created.certificate_number)));
            }
            Err(ShareError::Invalid(errors)) => (errors, None, StatusCode::UNPROCESSABLE_ENTITY),
            Err(ShareError::CertificateNotValid) => {
                (Vec::new(), Some(s.not_valid), StatusCode::CONFLICT)
            }
            Err(ShareError::TooMany) => (Vec::new(), Some(s.too_many), StatusCode::CONFLICT),
            Err(ShareError::NotFound) => return Err(Refusal::NotFound),
            Err(ShareError::Unavailable(e)) => return Err(e.into()),
        };
        let shown = CodesPage {
            typed_expiry: &typed,
            errors: &errors,
            problem,
            ..Default::default()
        };
        self.share_codes(ctx, &principal, req, status, shown).await
    }

    pub(crate) async fn revoke_share(
        &self,
        ctx: &mut Ctx,
        principal: Citizen,
        req: &Request,
        _form: &FormData,
    ) -> Answer {
        let number = crate::certificate_number(req)?;
        let id = path_param(req, "share_id")
            .map(ShareId::from)
            .ok_or(Refusal::NotFound)?;
        match self.shares.revoke(&principal, &id).await {
            Ok(()) => Ok(ctx.redirect(Page::ShareCodes(number))),
            Err(ShareError::Unavailable(e)) => Err(e.into()),
            Err(_) => Err(Refusal::NotFound),
        }
    }

    /// A third party's code, sent: kept for a few minutes in a cookie of this browser, then
    /// the result page (post/redirect/get: reload and Back work, the code stays out of URLs).
    pub(crate) async fn send_share(
        &self,
        ctx: &mut Ctx,
        _req: &Request,
        form: &FormData,
    ) -> Answer {
        let CodeForm { code, organisation } = form.read()?;
        let typed = format!("{code}\n{organisation}");
        let kept = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(typed);
        // A code has 15 characters and an organisation at most 100: anything near this bound
        // is no use of the form, and no cookie carries it.
        if kept.len() > SHARED_CODE_COOKIE_MAX {
            return Err(Refusal::BadForm);
        }
        ctx.set_cookie(SHARED_CODE_COOKIE, &kept, 600, false);
        Ok(ctx.redirect(Page::ShareResult))
    }

    /// The result of the code this browser sent: each view is an access the holder sees.
    pub(crate) async fn share_result(&self, ctx: &mut Ctx, req: &Request) -> Answer {
        let typed = cookie_up_to(req, SHARED_CODE_COOKIE, SHARED_CODE_COOKIE_MAX)
            .and_then(|v| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(v)
                    .ok()
            })
            .and_then(|v| String::from_utf8(v).ok());
        let Some((code, organisation)) = typed.as_deref().and_then(|t| t.split_once('\n')) else {
            return Ok(ctx.redirect(Page::UseShare));
        };
        let shown = match share_access(code, organisation) {
            Ok(access) => self.shares.access(&access, &source_ip(req)).await,
            Err(refused) => Err(refused),
        };
        match shown {
            Ok(certificate) => {
                let html = view::shared(ctx, &certificate, (code, organisation));
                Ok(ctx.page(StatusCode::OK, html))
            }
            Err(e) => {
                ctx.set_cookie(SHARED_CODE_COOKIE, "", 0, false);
                self.access_refused(ctx, e, (code, organisation))
            }
        }
    }

    /// A third party's download of the certificate a code opens.
    pub(crate) async fn shared_pdf(&self, ctx: &mut Ctx, req: &Request, form: &FormData) -> Answer {
        let CodeForm { code, organisation } = form.read()?;
        let document = match share_access(&code, &organisation) {
            Ok(access) => self.shares.document(&access, &source_ip(req)).await,
            Err(refused) => Err(refused),
        };
        match document {
            Ok((number, pdf)) => {
                let name = format!("cazier-{}.pdf", number.as_str());
                Ok(ctx.file(pdf, "application/pdf", &name))
            }
            Err(e) => self.access_refused(ctx, e, (&code, &organisation)),
        }
    }

    fn access_refused(&self, ctx: &mut Ctx, error: AccessError, typed: (&str, &str)) -> Answer {
        let (t, s) = (ctx.t(), ctx.lang.s());
        let (errors, status) = match error {
            AccessError::Invalid(errors) => (errors, StatusCode::UNPROCESSABLE_ENTITY),
            AccessError::NotFound => (
                vec![FieldError::new("code", SHARE_NOT_FOUND, s.wrong_code)],
                StatusCode::NOT_FOUND,
            ),
            AccessError::CertificateNotValid => {
                let html = notices::notice(
                    ctx,
                    s.result_title,
                    s.no_download,
                    Some((Page::UseShare, s.another)),
                );
                return Ok(ctx.page(StatusCode::CONFLICT, html));
            }
            AccessError::Throttled { retry_after } => {
                let html = notices::notice(ctx, t.throttled_title, t.throttled, None);
                let mut response = ctx.page(StatusCode::TOO_MANY_REQUESTS, html);
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return Ok(response);
            }
            AccessError::Unavailable(e) => return Err(e.into()),
        };
        let html = view::use_form(ctx, typed, &errors, None);
        Ok(ctx.page(status, html))
    }
}

/// The code and organisation as typed, parsed as the API parses them; a code left empty is
/// asked for (not "wrong, expired or revoked").
fn share_access(code: &str, organisation: &str) -> Result<ShareAccess, AccessError> {
    if code.trim().is_empty() {
        let required = FieldError::new("code", FieldCode::Required, "");
        return Err(AccessError::Invalid(vec![required]));
    }
    AccessDto {
        code: code.to_owned(),
        organisation: Some(organisation.trim().to_owned()).filter(|o| !o.is_empty()),
    }
    .try_into_domain()
}

impl Shares {
    pub(crate) async fn share_form(&self, ctx: &mut Ctx, _req: &Request) -> Answer {
        let html = view::use_form(ctx, ("", ""), &[], None);
        Ok(ctx.page(StatusCode::OK, html))
    }
}
