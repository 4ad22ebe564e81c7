//! The citizen portal: server-rendered pages (Romanian, with English) over the same domain
//! services as the JSON API, outside `/v1`. Sessions are `__Host-` cookies holding the same
//! opaque token as an API session; every form carries a CSRF token bound to the session (or,
//! before signing in, to a pre-session cookie). Works without JavaScript; no script at all.
//! This file: the function, the admission (session, access, CSRF) and the refusals; the route
//! table, one line a route, is `routes.rs`. Each feature is a folder (`info`, `identity`,
//! `account`, `requests`, `certificates`, `shares`, `consents`, `wallet`, `counter`, `organisation`,
//! `verify`): its
//! handlers in `mod.rs` on a struct holding only the services they use, its pages in
//! `view.rs`, its texts in `text.rs`. What every page shares: `context.rs` (the request's
//! cookies, session, language), `layout.rs`, `forms.rs`, `notices.rs`, `i18n.rs`.

mod account;
mod certificates;
mod consents;
mod context;
mod counter;
mod forms;
mod i18n;
mod identity;
mod info;
mod layout;
mod notices;
mod organisation;
mod requests;
mod routes;
mod shares;
mod verify;
mod wallet;

use cazier_shared::domain::Page;
pub use i18n::Lang;
pub use routes::route_keys;
use routes::{DEFAULT_ROUTE, ROUTES};

use async_trait::async_trait;
use cazier_edge::http::{route_key, session_principal, Access, Denied};
use cazier_edge::runtime::HttpFunction;
use cazier_shared::config::ConfigError;
use cazier_shared::domain::{CertificateNumber, Role, SessionChannel};
use cazier_shared::ports::{Clock, SessionStore};
use cazier_shared::services::requests::OwnedError;
use cazier_shared::services::Unavailable;
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use context::{Ctx, Flash, FormData, CSRF_FIELD};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use routes::Handle;
use std::sync::Arc;

/// The portal: its features, each holding only the services its pages use, and what
/// admission needs (sessions, the clock) and every page carries (its CSP).
pub struct WebFunction {
    info: info::Information,
    identity: identity::Identity,
    account: account::Account,
    requests: requests::Requests,
    certificates: certificates::Certificates,
    shares: shares::Shares,
    consents: consents::Consents,
    wallet: wallet::Wallet,
    counter: counter::Counter,
    organisation: organisation::Organisation,
    verify: verify::Verify,
    sessions: Arc<dyn SessionStore>,
    csp: Arc<str>,
    clock: Arc<dyn Clock>,
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
    // The portal's configured address: the providers' way back and the addresses pages show
    // are built on it, never on the Host a request names.
    let portal: Arc<str> = ports
        .setting(cazier_shared::config::vars::PORTAL_URL)?
        .trim_end_matches('/')
        .into();
    // Built once and shared by the features that use them (their ports are `Arc`s).
    let (accounts, proven, requests) = (
        ports.account_service()?,
        ports.proven_service()?,
        ports.request_service()?,
    );
    Ok(WebFunction {
        info: info::Information,
        identity: identity::Identity {
            accounts: accounts.clone(),
            passwords: ports.password_service()?,
            proven: proven.clone(),
            ghiseul,
            roeid,
            portal: portal.clone(),
        },
        account: account::Account {
            accounts: accounts.clone(),
            proven,
            consents: ports.holder_consents()?,
        },
        requests: requests::Requests {
            accounts,
            requests: requests.clone(),
        },
        certificates: certificates::Certificates {
            requests: requests.clone(),
            checks: ports.check_service()?,
        },
        shares: shares::Shares {
            requests: requests.clone(),
            shares: ports.share_service()?,
            portal: portal.clone(),
        },
        consents: consents::Consents {
            consents: ports.holder_consents()?,
        },
        wallet: wallet::Wallet {
            wallet: ports.wallet_offers()?,
            requests,
        },
        counter: counter::Counter {
            counter: ports.validation_service()?,
        },
        organisation: organisation::Organisation {
            staff: ports.staff_consents()?,
        },
        verify: verify::Verify {
            receipts: ports.receipt_service()?,
            portal,
        },
        sessions: ports.sessions()?,
        csp,
        clock: ports.clock(),
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

/// The certificate a page's path names, parsed: a malformed number is no page (404), as an
/// unknown one is.
pub(crate) fn certificate_number(req: &Request) -> Result<CertificateNumber, Refusal> {
    cazier_edge::http::path_param(req, "certificate_number")
        .and_then(|n| CertificateNumber::parse(&n))
        .ok_or(Refusal::NotFound)
}

/// Where a role's pages start: clerks' console, citizens' account.
pub(crate) fn home_of(role: Role) -> Page {
    match role {
        Role::Operator => Page::Console,
        Role::Citizen => Page::Account,
        Role::Staff => Page::Organisation,
    }
}

/// The signed-in person's start page and its name in the header: the account for citizens,
/// the console for clerks.
pub(crate) fn home_link(ctx: &Ctx) -> Option<(Page, &'static str)> {
    let t = ctx.t();
    ctx.principal.as_ref().map(|p| {
        let label = match p.role {
            Role::Operator => t.nav_console,
            Role::Citizen => t.nav_account,
            Role::Staff => ctx.lang.o().nav,
        };
        (home_of(p.role), label)
    })
}

/// Paths that are the API's, not pages: what no route matches there is a JSON problem.
const API_PREFIXES: &[&str] = &["/v1/", "/oid4vp/", "/oid4vci/", "/.well-known/"];

/// A request no route matched (API Gateway's `$default`): for a path the API has with other
/// methods, 405 with `Allow`; else 404. Under the API's paths a problem, elsewhere a page.
fn unmatched(ctx: &mut Ctx) -> Response<Body> {
    let path = ctx.path.clone();
    if path == "/favicon.ico" {
        // Browsers ask on every page: no icon, said once and kept for a year (not a 404 a
        // page, each one a billed request and an error in the console).
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::NO_CONTENT;
        response.headers_mut().insert(
            lambda_http::http::header::CACHE_CONTROL,
            lambda_http::http::HeaderValue::from_static("public, max-age=31536000, immutable"),
        );
        return response;
    }
    let allowed = cazier_edge::http::routes::allowed_methods(&path).join(", ");
    if API_PREFIXES.iter().any(|p| path.starts_with(p)) {
        let error = if allowed.is_empty() {
            cazier_edge::http::ApiError::NotFound
        } else {
            cazier_edge::http::ApiError::MethodNotAllowed { allow: allowed }
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
        Some((Page::Home, t.service)),
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

impl From<Denied> for Refusal {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::SignInFirst => Refusal::SignInFirst,
            Denied::ForRole(_) => Refusal::Forbidden,
        }
    }
}

/// What `admit` decided: a handler to run (with the POST's form), or an answer already (a
/// redirect for a signed-in visitor of the sign-in form, a form whose token expired, or the
/// page for a path no route matches).
enum Admission {
    Go(Handle, Option<FormData>),
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
            return ctx.redirect(Page::SignIn);
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
    // Someone signed in who may not open this page: the way to their own start page.
    let next = home_link(ctx).filter(|_| status == StatusCode::FORBIDDEN);
    let html = notices::notice(ctx, title, text, next);
    let mut response = ctx.page(status, html);
    if status == StatusCode::SERVICE_UNAVAILABLE {
        // As the API says it: a dependency is down, try again shortly.
        let after = cazier_edge::http::UNAVAILABLE_RETRY_AFTER_SECS;
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
            Admission::Go(handler, form) => handler(self, ctx, req, form.as_ref()).await,
        }
    }

    /// Who is asking (the session), whether they may (the route's access), and for a form,
    /// its CSRF token: what every route goes through before its handler.
    async fn admit(&self, ctx: &mut Ctx, req: &Request) -> Result<Admission, Refusal> {
        let key = route_key(req);
        let route = ROUTES.iter().find(|r| r.key == key);
        if route.is_none() && key != DEFAULT_ROUTE {
            return Err(Refusal::NotFound);
        }
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
        let Some(route) = route else {
            return Ok(Admission::Answered(unmatched(ctx)));
        };
        let role = ctx.principal.as_ref().map(|p| p.role);
        // The sign-in form, open in another tab once signed in: nothing to do there.
        if let (Access::SignedOut, Some(role)) = (route.access, role) {
            return Ok(Admission::Answered(ctx.redirect(home_of(role))));
        }
        route.access.check(ctx.principal.as_ref())?;
        // A form's POST to its own page's path can be returned to (as a GET) after signing in.
        let get_key = key.replacen("POST ", "GET ", 1);
        let has_page = ROUTES.iter().any(|r| r.key == get_key);
        ctx.returnable |= has_page;
        let form = if key.starts_with("POST ") {
            let form = FormData::parse(req).ok_or(Refusal::BadForm)?;
            let signed_elsewhere = route.access == Access::Provider;
            if !signed_elsewhere && !ctx.csrf_ok(form.get(CSRF_FIELD)) {
                tracing::warn!(route = %key, "form without a valid CSRF token refused");
                // Back to the form's own page, fresh, with a word of why (nothing was done).
                if has_page && form.get(CSRF_FIELD).is_some() {
                    ctx.flash_next(Flash::FormExpired);
                    let path = ctx.path.clone();
                    return Ok(Admission::Answered(ctx.redirect_to_path(&path)));
                }
                return Err(Refusal::ExpiredForm);
            }
            Some(form)
        } else {
            None
        };
        Ok(Admission::Go(route.handler, form))
    }
}
