//! The citizen portal: server-rendered pages (Romanian, with English) over the same domain
//! services as the JSON API, outside `/v1`. Sessions are `__Host-` cookies holding the same
//! opaque token as an API session; every form carries a CSRF token bound to the session (or,
//! before signing in, to a pre-session cookie). Works without JavaScript; no script at all.
//! This file: the route table, the admission (session, access, CSRF) and the dispatch. The
//! handlers are grouped by feature: `registration.rs`, `identity.rs` (codes, passwords, second
//! factor), `account.rs`, `online.rs` (ghiseul.ro, ROeID), `requests.rs`, `sharing.rs`,
//! `wallet.rs`, `verify.rs` and `counter.rs`; their views in `pages/`, their texts in
//! `i18n*.rs`. (Over 600 lines: the route table is one list that reads best whole.)

mod account;
mod context;
mod counter;
mod i18n;
mod i18n_declared;
mod i18n_entries;
mod i18n_identity;
mod i18n_info;
mod i18n_request;
mod i18n_shares;
mod i18n_verify;
mod i18n_wallet;
mod identity;
mod layout;
mod online;
mod pages;
mod registration;
mod requests;
mod sharing;
mod verify;
mod wallet;

pub use i18n::Lang;

use async_trait::async_trait;
use cazier_shared::config::ConfigError;
use cazier_shared::domain::{AccountId, Role, SessionChannel};
use cazier_shared::http::{path_param, route_key, session_principal, Access, Route};
use cazier_shared::ports::{Clock, SessionStore};
use cazier_shared::runtime::HttpFunction;
use cazier_shared::services::accounts::AccountService;
use cazier_shared::services::checks::CheckService;
use cazier_shared::services::ghiseul::GhiseulService;
use cazier_shared::services::online::ProvenService;
use cazier_shared::services::passwords::PasswordService;
use cazier_shared::services::presentation::PresentationService;
use cazier_shared::services::requests::{OwnedError, RequestService};
use cazier_shared::services::roeid::RoeidService;
use cazier_shared::services::shares::ShareService;
use cazier_shared::services::validation::ValidationService;
use cazier_shared::services::verification::VerificationService;
use cazier_shared::services::wallet::WalletService;
use cazier_shared::services::Unavailable;
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use context::{Ctx, Flash, FormData, CSRF_FIELD};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use pages::{forms, notices};
use std::sync::Arc;

#[derive(Debug, Clone, Copy)]
pub enum Handler {
    /// API Gateway's `$default` route: whatever no route matches.
    Unmatched,
    Home,
    Info(i18n_info::Info),
    RegisterForm,
    Register,
    ConfirmForm,
    Confirm,
    SignInForm,
    SignIn,
    SecondFactorForm,
    SecondFactor,
    SignOut,
    Account,
    DeclaredForm,
    ChangeDeclared,
    ChangePasswordForm,
    ChangePassword,
    ForgotForm,
    Forgot,
    ResetForm,
    Reset,
    ProvenForm,
    ProvenDecision,
    RequestForm,
    Request,
    Status,
    Certificates,
    Pdf,
    Checks,
    Contents,
    ShareCodes,
    CreateShare,
    RevokeShare,
    ShareForm,
    UseShare,
    ShareResult,
    SharedPdf,
    WalletOffer,
    WalletOfferPage,
    AskWalletForm,
    AskWallet,
    WalletResult,
    VerifyPage,
    VerifyNumber,
    VerifyDocument,
    VerifyStatement,
    GhiseulStart,
    GhiseulReturn,
    RoeidStart,
    RoeidReturn,
    Console,
    Lookup,
    Registered,
    Validate,
}

/// The portal's routes and who may open them (signed-in citizens are found by their cookie).
pub const ROUTES: &[Route<Handler>] = &[
    Route {
        key: "GET /",
        access: Access::Public,
        handler: Handler::Home,
    },
    // Whatever no route of any function matches: an HTML page for browsers, a problem for API
    // paths.
    Route {
        key: "$default",
        access: Access::Public,
        handler: Handler::Unmatched,
    },
    Route {
        key: "GET /ajutor",
        access: Access::Public,
        handler: Handler::Info(i18n_info::Info::Help),
    },
    Route {
        key: "GET /confidentialitate",
        access: Access::Public,
        handler: Handler::Info(i18n_info::Info::Privacy),
    },
    Route {
        key: "GET /cookie-uri",
        access: Access::Public,
        handler: Handler::Info(i18n_info::Info::Cookies),
    },
    Route {
        key: "GET /accesibilitate",
        access: Access::Public,
        handler: Handler::Info(i18n_info::Info::Accessibility),
    },
    Route {
        key: "GET /cont/nou",
        access: Access::Public,
        handler: Handler::RegisterForm,
    },
    Route {
        key: "POST /cont/nou",
        access: Access::Public,
        handler: Handler::Register,
    },
    Route {
        key: "GET /cont/confirmare",
        access: Access::Public,
        handler: Handler::ConfirmForm,
    },
    Route {
        key: "POST /cont/confirmare",
        access: Access::Public,
        handler: Handler::Confirm,
    },
    Route {
        key: "GET /autentificare",
        access: Access::Public,
        handler: Handler::SignInForm,
    },
    Route {
        key: "POST /autentificare",
        access: Access::Public,
        handler: Handler::SignIn,
    },
    // An operator's second factor, after the right password (a ticket in a cookie).
    Route {
        key: "GET /autentificare/cod",
        access: Access::Public,
        handler: Handler::SecondFactorForm,
    },
    Route {
        key: "POST /autentificare/cod",
        access: Access::Public,
        handler: Handler::SecondFactor,
    },
    // What the citizen declared, as certificates print it; corrected until validation.
    Route {
        key: "GET /cont/date",
        access: Access::Citizen,
        handler: Handler::DeclaredForm,
    },
    Route {
        key: "POST /cont/date",
        access: Access::Citizen,
        handler: Handler::ChangeDeclared,
    },
    Route {
        key: "GET /cont/parola",
        access: Access::Authenticated,
        handler: Handler::ChangePasswordForm,
    },
    Route {
        key: "POST /cont/parola",
        access: Access::Authenticated,
        handler: Handler::ChangePassword,
    },
    Route {
        key: "GET /parola/uitata",
        access: Access::Public,
        handler: Handler::ForgotForm,
    },
    Route {
        key: "POST /parola/uitata",
        access: Access::Public,
        handler: Handler::Forgot,
    },
    // The e-mailed reset link opens this (its secret moves into a cookie at once).
    Route {
        key: "GET /parola/noua",
        access: Access::Public,
        handler: Handler::ResetForm,
    },
    Route {
        key: "POST /parola/noua",
        access: Access::Public,
        handler: Handler::Reset,
    },
    Route {
        key: "POST /iesire",
        access: Access::Authenticated,
        handler: Handler::SignOut,
    },
    Route {
        key: "GET /cont",
        access: Access::Citizen,
        handler: Handler::Account,
    },
    Route {
        key: "GET /cereri/noua",
        access: Access::Citizen,
        handler: Handler::RequestForm,
    },
    Route {
        key: "POST /cereri/noua",
        access: Access::Citizen,
        handler: Handler::Request,
    },
    Route {
        key: "GET /cereri/{request_id}",
        access: Access::Citizen,
        handler: Handler::Status,
    },
    Route {
        key: "GET /certificate",
        access: Access::Citizen,
        handler: Handler::Certificates,
    },
    Route {
        key: "GET /certificate/{certificate_number}/pdf",
        access: Access::Citizen,
        handler: Handler::Pdf,
    },
    Route {
        key: "GET /certificate/{certificate_number}/verificari",
        access: Access::Citizen,
        handler: Handler::Checks,
    },
    Route {
        key: "GET /certificate/{certificate_number}/mentiuni",
        access: Access::Citizen,
        handler: Handler::Contents,
    },
    Route {
        key: "GET /certificate/{certificate_number}/coduri",
        access: Access::Citizen,
        handler: Handler::ShareCodes,
    },
    Route {
        key: "POST /certificate/{certificate_number}/coduri",
        access: Access::Citizen,
        handler: Handler::CreateShare,
    },
    Route {
        key: "POST /certificate/{certificate_number}/coduri/{share_id}/revocare",
        access: Access::Citizen,
        handler: Handler::RevokeShare,
    },
    // The page every QR code opens: public, each check a POST (no CNP in a URL).
    Route {
        key: "GET /verificare",
        access: Access::Public,
        handler: Handler::VerifyPage,
    },
    Route {
        key: "POST /verificare",
        access: Access::Public,
        handler: Handler::VerifyNumber,
    },
    Route {
        key: "POST /verificare/document",
        access: Access::Public,
        handler: Handler::VerifyDocument,
    },
    Route {
        key: "POST /verificare/declaratie",
        access: Access::Public,
        handler: Handler::VerifyStatement,
    },
    // A third party with a share code: public, the code in the form body only.
    Route {
        key: "GET /cod",
        access: Access::Public,
        handler: Handler::ShareForm,
    },
    Route {
        key: "POST /cod",
        access: Access::Public,
        handler: Handler::UseShare,
    },
    Route {
        key: "GET /cod/rezultat",
        access: Access::Public,
        handler: Handler::ShareResult,
    },
    Route {
        key: "POST /cod/pdf",
        access: Access::Public,
        handler: Handler::SharedPdf,
    },
    Route {
        key: "POST /certificate/{certificate_number}/portofel",
        access: Access::Citizen,
        handler: Handler::WalletOffer,
    },
    Route {
        key: "GET /certificate/{certificate_number}/portofel",
        access: Access::Citizen,
        handler: Handler::WalletOfferPage,
    },
    // An employer asking a holder's wallet: public; the transaction secret in form bodies only.
    Route {
        key: "GET /verificare/portofel",
        access: Access::Public,
        handler: Handler::AskWalletForm,
    },
    Route {
        key: "POST /verificare/portofel",
        access: Access::Public,
        handler: Handler::AskWallet,
    },
    Route {
        key: "POST /verificare/portofel/rezultat",
        access: Access::Public,
        handler: Handler::WalletResult,
    },
    Route {
        key: "POST /cont/ghiseul",
        access: Access::Citizen,
        handler: Handler::GhiseulStart,
    },
    // ghiseul.ro posts the assertion back from its own site: no session cookie comes with it;
    // the signed assertion (whose nonce is the single-use state) and the browser's binding
    // cookie (SameSite=None) are what it is checked by, and it changes nothing by itself.
    Route {
        key: "POST /cont/ghiseul/raspuns",
        access: Access::Public,
        handler: Handler::GhiseulReturn,
    },
    Route {
        key: "POST /cont/roeid",
        access: Access::Citizen,
        handler: Handler::RoeidStart,
    },
    // What ghiseul.ro or ROeID proved, confirmed by the holder in the browser that started.
    Route {
        key: "GET /cont/validare",
        access: Access::Citizen,
        handler: Handler::ProvenForm,
    },
    Route {
        key: "POST /cont/validare",
        access: Access::Citizen,
        handler: Handler::ProvenDecision,
    },
    // The provider redirects the browser back (a top-level GET, so the Lax session cookie comes
    // with it); the state must be the one this session started.
    Route {
        key: "GET /cont/roeid/raspuns",
        access: Access::Citizen,
        handler: Handler::RoeidReturn,
    },
    Route {
        key: "GET /ghiseu",
        access: Access::Operator,
        handler: Handler::Console,
    },
    Route {
        key: "POST /ghiseu",
        access: Access::Operator,
        handler: Handler::Lookup,
    },
    Route {
        key: "GET /ghiseu/cont/{account_id}",
        access: Access::Operator,
        handler: Handler::Registered,
    },
    Route {
        key: "POST /ghiseu/cont/{account_id}",
        access: Access::Operator,
        handler: Handler::Validate,
    },
];

pub struct WebFunction {
    accounts: AccountService,
    passwords: PasswordService,
    proven: ProvenService,
    requests: RequestService,
    checks: CheckService,
    shares: ShareService,
    wallet: WalletService,
    presentations: PresentationService,
    verification: VerificationService,
    counter: ValidationService,
    ghiseul: GhiseulService,
    roeid: RoeidService,
    sessions: Arc<dyn SessionStore>,
    csp: Arc<str>,
    clock: Arc<dyn Clock>,
    /// The portal's configured address: the providers' way back is built on it, never on
    /// the Host a request names.
    portal: Arc<str>,
}

/// The function, built once per cold start from the wiring (or, in tests and benchmarks, any
/// other source of ports).
pub fn function<P: PortSource + ?Sized>(ports: &P) -> Result<WebFunction, ConfigError> {
    let roeid = ports.roeid_service()?;
    let ghiseul = ports.ghiseul_service()?;
    // The identity providers' sign-in pages are where the start forms lead.
    let providers: Vec<String> = [ghiseul.origin(), roeid.origin()]
        .into_iter()
        .flatten()
        .collect();
    let csp = layout::content_security_policy(&providers).into();
    Ok(WebFunction {
        accounts: ports.account_service()?,
        passwords: ports.password_service()?,
        proven: ports.proven_service()?,
        requests: ports.request_service()?,
        checks: ports.check_service()?,
        shares: ports.share_service()?,
        wallet: ports.wallet_service()?,
        presentations: ports.presentation_service()?,
        verification: ports.verification_service()?,
        counter: ports.validation_service()?,
        ghiseul,
        roeid,
        sessions: ports.sessions()?,
        csp,
        clock: ports.clock(),
        portal: ports
            .setting(cazier_shared::config::vars::PORTAL_URL)?
            .trim_end_matches('/')
            .into(),
    })
}

/// One value of the request's query string.
pub(crate) fn query_value(req: &Request, name: &str) -> Option<String> {
    req.uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == name))
        .map(|(_, v)| v)
}

/// Where a role's pages start: clerks' console, citizens' account.
pub(crate) fn home_of(role: Role) -> &'static str {
    match role {
        Role::Operator => "/ghiseu",
        Role::Citizen => "/cont",
    }
}

/// Paths that are the API's, not pages: what no route matches there is a JSON problem.
const API_PREFIXES: &[&str] = &["/v1/", "/oid4vp/", "/oid4vci/", "/.well-known/"];

/// A request no route matched (API Gateway's `$default`): for a path the API has with other
/// methods, 405 with `Allow`; else 404. Under the API's paths a problem, elsewhere a page.
fn unmatched(ctx: &mut Ctx) -> Response<Body> {
    let path = ctx.path.clone();
    let allowed = cazier_shared::http::routes::allowed_methods(&path).join(", ");
    if API_PREFIXES.iter().any(|p| path.starts_with(p)) {
        let error = if allowed.is_empty() {
            cazier_shared::http::ApiError::NotFound
        } else {
            cazier_shared::http::ApiError::MethodNotAllowed { allow: allowed }
        };
        return error.into_response();
    }
    if allowed.is_empty() {
        return refuse(ctx, Refusal::NotFound);
    }
    let t = ctx.t();
    let html = notices::notice(
        ctx,
        t.not_allowed_title,
        t.not_allowed,
        Some(("/", t.service)),
    );
    let mut response = ctx.page(StatusCode::METHOD_NOT_ALLOWED, html);
    if let Ok(v) = lambda_http::http::HeaderValue::from_str(&allowed) {
        response
            .headers_mut()
            .insert(lambda_http::http::header::ALLOW, v);
    }
    response
}

/// Why a page could not be shown as asked.
enum Refusal {
    SignInFirst,
    Forbidden,
    /// A clerk opened an account without looking it up by its counter code.
    LookupFirst,
    NotFound,
    BadForm,
    ExpiredForm,
    Unavailable(String),
}

impl From<Unavailable> for Refusal {
    fn from(e: Unavailable) -> Self {
        Refusal::Unavailable(e.to_string())
    }
}

impl From<OwnedError> for Refusal {
    fn from(e: OwnedError) -> Self {
        match e {
            OwnedError::NotFound => Refusal::NotFound,
            OwnedError::Unavailable(e) => e.into(),
        }
    }
}

type Answer = Result<Response<Body>, Refusal>;

/// What `admit` decided: a handler to run (with the POST's form), or an answer already (a
/// redirect for a signed-in visitor of the sign-in form, or a form whose token expired).
enum Admission {
    Go(Handler, Option<FormData>),
    Answered(Response<Body>),
}

#[async_trait]
impl HttpFunction for WebFunction {
    async fn handle(&self, req: Request) -> Response<Body> {
        let mut ctx = Ctx::new(&req, self.csp.clone());
        match self.answer(&mut ctx, &req).await {
            Ok(response) => response,
            Err(refusal) => refuse(&mut ctx, refusal),
        }
    }
}

fn refuse(ctx: &mut Ctx, refusal: Refusal) -> Response<Body> {
    let t = ctx.t();
    let (status, title, text) = match refusal {
        Refusal::SignInFirst => {
            // A session cookie that no longer opens a session: say so on the sign-in page.
            if ctx.session.is_some() {
                ctx.sign_out();
                ctx.flash_next(Flash::SessionEnded);
            }
            ctx.return_after_sign_in();
            return ctx.redirect("/autentificare");
        }
        Refusal::Forbidden => (StatusCode::FORBIDDEN, t.forbidden_title, t.forbidden),
        Refusal::LookupFirst => {
            let i = ctx.lang.i();
            (StatusCode::FORBIDDEN, i.lookup_first_title, i.lookup_first)
        }
        Refusal::NotFound => (StatusCode::NOT_FOUND, t.not_found_title, t.not_found),
        Refusal::BadForm => (StatusCode::BAD_REQUEST, t.bad_request_title, t.bad_request),
        Refusal::ExpiredForm => (StatusCode::FORBIDDEN, t.expired_form_title, t.expired_form),
        Refusal::Unavailable(cause) => {
            tracing::error!(error = %cause, "dependency failure");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                t.unavailable_title,
                t.unavailable,
            )
        }
    };
    let html = notices::notice(ctx, title, text, None);
    let mut response = ctx.page(status, html);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        // As the API says it: a dependency is down, try again shortly.
        let after = cazier_shared::http::UNAVAILABLE_RETRY_AFTER_SECS;
        if let Ok(v) = lambda_http::http::HeaderValue::from_str(&after.to_string()) {
            response
                .headers_mut()
                .insert(lambda_http::http::header::RETRY_AFTER, v);
        }
    }
    response
}

impl WebFunction {
    async fn answer(&self, ctx: &mut Ctx, req: &Request) -> Answer {
        match self.admit(ctx, req).await? {
            Admission::Answered(response) => Ok(response),
            Admission::Go(handler, form) => self.dispatch(ctx, req, handler, form.as_ref()).await,
        }
    }

    /// Who is asking (the session), whether they may (the route's access), and for a form,
    /// its CSRF token: what every route goes through before its handler.
    async fn admit(&self, ctx: &mut Ctx, req: &Request) -> Result<Admission, Refusal> {
        let key = route_key(req);
        let route = ROUTES
            .iter()
            .find(|r| r.key == key)
            .ok_or(Refusal::NotFound)?;
        if let Some(token) = ctx.session.clone() {
            ctx.principal = session_principal(
                &token,
                SessionChannel::Portal,
                &*self.sessions,
                &*self.clock,
            )
            .await
            .ok();
        }
        match (route.access, ctx.principal.as_ref().map(|p| p.role)) {
            (Access::Public, _) => {}
            (_, None) => return Err(Refusal::SignInFirst),
            (Access::Citizen, Some(Role::Operator)) | (Access::Operator, Some(Role::Citizen)) => {
                return Err(Refusal::Forbidden)
            }
            _ => {}
        }
        // A form's POST to its own page's path can be returned to (as a GET) after signing in.
        let get_key = key.replacen("POST ", "GET ", 1);
        let has_page = ROUTES.iter().any(|r| r.key == get_key);
        ctx.returnable |= has_page;
        let form = if key.starts_with("POST ") {
            let form = FormData::parse(req).ok_or(Refusal::BadForm)?;
            let signed_elsewhere = matches!(route.handler, Handler::GhiseulReturn);
            // A sign-in form left open in another tab, once signed in: nothing to do.
            if matches!(route.handler, Handler::SignIn) {
                if let Some(role) = ctx.principal.as_ref().map(|p| p.role) {
                    return Ok(Admission::Answered(ctx.redirect(home_of(role))));
                }
            }
            if !signed_elsewhere && !ctx.csrf_ok(form.get(CSRF_FIELD)) {
                tracing::warn!(route = %key, "form without a valid CSRF token refused");
                // Back to the form's own page, fresh, with a word of why (nothing was done).
                if has_page && form.get(CSRF_FIELD).is_some() {
                    ctx.flash_next(Flash::FormExpired);
                    let path = ctx.path.clone();
                    return Ok(Admission::Answered(ctx.redirect(&path)));
                }
                return Err(Refusal::ExpiredForm);
            }
            Some(form)
        } else {
            None
        };
        Ok(Admission::Go(route.handler, form))
    }

    /// The route's handler, with the form of a POST.
    async fn dispatch(
        &self,
        ctx: &mut Ctx,
        req: &Request,
        handler: Handler,
        form: Option<&FormData>,
    ) -> Answer {
        match handler {
            Handler::Unmatched => Ok(unmatched(ctx)),
            Handler::Home => {
                let html = pages::info::start(ctx);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Handler::Info(which) => {
                let html = pages::info::info(ctx, which);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Handler::RegisterForm => {
                let html = forms::register(ctx, &Default::default(), &[], None);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Handler::Register => self.register(ctx, req, form.ok_or(Refusal::BadForm)?).await,
            Handler::ConfirmForm => self.confirm_form(ctx),
            Handler::Confirm => self.confirm(ctx, req, form.ok_or(Refusal::BadForm)?).await,
            Handler::SignInForm => {
                if let Some(role) = ctx.principal.as_ref().map(|p| p.role) {
                    return Ok(ctx.redirect(home_of(role)));
                }
                let email = identity::registered_email(ctx);
                let html = forms::sign_in(ctx, &email, None);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Handler::SignIn => self.sign_in(ctx, req, form.ok_or(Refusal::BadForm)?).await,
            Handler::SecondFactorForm => self.second_factor_form(ctx),
            Handler::SecondFactor => self.second_factor(ctx, form.ok_or(Refusal::BadForm)?).await,
            Handler::DeclaredForm => self.declared_page(ctx).await,
            Handler::ChangeDeclared => {
                self.change_declared(ctx, form.ok_or(Refusal::BadForm)?)
                    .await
            }
            Handler::ChangePasswordForm => self.change_password_form(ctx),
            Handler::ChangePassword => {
                self.change_password(ctx, req, form.ok_or(Refusal::BadForm)?)
                    .await
            }
            Handler::ForgotForm => self.forgot_form(ctx),
            Handler::Forgot => self.forgot(ctx, req, form.ok_or(Refusal::BadForm)?).await,
            Handler::ResetForm => self.reset_form(ctx, req).await,
            Handler::Reset => self.reset(ctx, form.ok_or(Refusal::BadForm)?).await,
            Handler::ProvenForm => self.proven_page(ctx).await,
            Handler::ProvenDecision => {
                self.proven_decision(ctx, form.ok_or(Refusal::BadForm)?)
                    .await
            }
            Handler::SignOut => self.sign_out(ctx).await,
            Handler::Account => self.account_home(ctx).await,
            Handler::RequestForm => self.request_form(ctx, &Default::default(), &[]).await,
            Handler::Request => self.submit(ctx, form.ok_or(Refusal::BadForm)?).await,
            Handler::Status => self.request_status(ctx, req).await,
            Handler::Certificates => self.certificates(ctx).await,
            Handler::Checks => self.checks(ctx, req).await,
            Handler::Contents => self.contents(ctx, req).await,
            Handler::ShareCodes => {
                let shown = Default::default();
                self.share_codes(ctx, req, StatusCode::OK, shown).await
            }
            Handler::CreateShare => {
                self.create_share(ctx, req, form.ok_or(Refusal::BadForm)?)
                    .await
            }
            Handler::RevokeShare => self.revoke_share(ctx, req).await,
            Handler::ShareForm => {
                let html = pages::shares::use_form(ctx, ("", ""), &[], None);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Handler::VerifyPage => self.verify_page(ctx, req).await,
            Handler::VerifyNumber => {
                self.verify_number(ctx, req, form.ok_or(Refusal::BadForm)?)
                    .await
            }
            Handler::VerifyDocument => {
                self.verify_document(ctx, req, form.ok_or(Refusal::BadForm)?)
                    .await
            }
            Handler::VerifyStatement => {
                self.verify_statement(ctx, req, form.ok_or(Refusal::BadForm)?)
                    .await
            }
            Handler::UseShare => self.send_share(ctx, form.ok_or(Refusal::BadForm)?),
            Handler::ShareResult => self.share_result(ctx, req).await,
            Handler::SharedPdf => {
                self.shared_pdf(ctx, req, form.ok_or(Refusal::BadForm)?)
                    .await
            }
            Handler::WalletOffer => self.wallet_offer(ctx, req).await,
            Handler::WalletOfferPage => self.wallet_offer_page(ctx, req).await,
            Handler::AskWalletForm => {
                let html = pages::wallet::ask_form(ctx, "", &[]);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Handler::AskWallet => {
                self.ask_wallet(ctx, req, form.ok_or(Refusal::BadForm)?)
                    .await
            }
            Handler::WalletResult => self.wallet_result(ctx, form.ok_or(Refusal::BadForm)?).await,
            Handler::GhiseulStart => self.ghiseul_start(ctx).await,
            Handler::GhiseulReturn => {
                let assertion = form.ok_or(Refusal::BadForm)?.text("assertion");
                self.ghiseul_return(ctx, &assertion).await
            }
            Handler::RoeidStart => self.roeid_start(ctx).await,
            Handler::RoeidReturn => self.roeid_return(ctx, req).await,
            Handler::Console => self.console(ctx).await,
            Handler::Lookup => self.lookup(ctx, form.ok_or(Refusal::BadForm)?).await,
            Handler::Registered => self.registered(ctx, req).await,
            Handler::Validate => {
                let id = path_param(req, "account_id")
                    .map(AccountId::from)
                    .ok_or(Refusal::NotFound)?;
                self.validate(ctx, &id, form.ok_or(Refusal::BadForm)?).await
            }
            Handler::Pdf => self.certificate_pdf(ctx, req).await,
        }
    }
}
