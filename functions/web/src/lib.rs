//! The citizen portal: server-rendered pages (Romanian, with English) over the same domain
//! services as the JSON API, outside `/v1`. Sessions are `__Host-` cookies holding the same
//! opaque token as an API session; every form carries a CSRF token bound to the session (or,
//! before signing in, to a pre-session cookie). Works without JavaScript; no script at all.

mod context;
mod i18n;
mod layout;
mod pages;

pub use i18n::Lang;

use async_trait::async_trait;
use cazier_shared::config::ConfigError;
use cazier_shared::domain::{AccountId, FieldError, RequestId, Role};
use cazier_shared::http::{path_param, route_key, session_principal, source_ip, Access, Route};
use cazier_shared::ports::{Clock, SessionStore};
use cazier_shared::runtime::HttpFunction;
use cazier_shared::services::accounts::{
    AccountService, IdDocumentDto, LoginDto, LoginError, RegisterDto, RegisterError, DEVICE_TTL,
    SESSION_TTL,
};
use cazier_shared::services::ghiseul::{GhiseulError, GhiseulService};
use cazier_shared::services::requests::{OwnedError, RequestService, SubmitDto, SubmitError};
use cazier_shared::services::validation::{
    CounterValidationDto, CounterValidationError, LookupDto, LookupError, ValidationService,
};
use cazier_shared::services::Unavailable;
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use context::{Ctx, FormData, CSRF_FIELD};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use pages::{account, console, forms, notices};
use std::sync::Arc;

#[derive(Debug, Clone, Copy)]
pub enum Handler {
    Home,
    RegisterForm,
    Register,
    SignInForm,
    SignIn,
    SignOut,
    Account,
    RequestForm,
    Request,
    Status,
    Certificates,
    Pdf,
    GhiseulStart,
    GhiseulReturn,
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
        key: "GET /autentificare",
        access: Access::Public,
        handler: Handler::SignInForm,
    },
    Route {
        key: "POST /autentificare",
        access: Access::Public,
        handler: Handler::SignIn,
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
        key: "POST /cont/ghiseul",
        access: Access::Citizen,
        handler: Handler::GhiseulStart,
    },
    // ghiseul.ro posts the assertion back from its own site: no session cookie comes with it,
    // and the signed assertion (whose nonce is the single-use state) is what authenticates.
    Route {
        key: "POST /cont/ghiseul/raspuns",
        access: Access::Public,
        handler: Handler::GhiseulReturn,
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
    requests: RequestService,
    counter: ValidationService,
    ghiseul: GhiseulService,
    sessions: Arc<dyn SessionStore>,
    clock: Arc<dyn Clock>,
}

/// The function, built once per cold start from the wiring (or, in tests and benchmarks, any
/// other source of ports).
pub fn function<P: PortSource + ?Sized>(ports: &P) -> Result<WebFunction, ConfigError> {
    Ok(WebFunction {
        accounts: ports.account_service()?,
        requests: ports.request_service()?,
        counter: ports.validation_service()?,
        ghiseul: ports.ghiseul_service()?,
        sessions: ports.sessions()?,
        clock: ports.clock(),
    })
}

/// Why a page could not be shown as asked.
enum Refusal {
    SignInFirst,
    Forbidden,
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

/// Where the browser reached us: the scheme API Gateway reports (`X-Forwarded-Proto`) and the
/// host it asked for.
fn origin(req: &Request) -> String {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() < 256)
    };
    let scheme = match header("x-forwarded-proto") {
        Some("http") => "http",
        _ => "https",
    };
    format!("{scheme}://{}", header("host").unwrap_or("localhost"))
}

fn lookup_refusal(e: LookupError) -> Refusal {
    match e {
        LookupError::NotFound | LookupError::Invalid(_) => Refusal::NotFound,
        LookupError::NoOperator => Refusal::SignInFirst,
        LookupError::Unavailable(e) => e.into(),
    }
}

#[async_trait]
impl HttpFunction for WebFunction {
    async fn handle(&self, req: Request) -> Response<Body> {
        let mut ctx = Ctx::new(&req);
        match self.answer(&mut ctx, &req).await {
            Ok(response) => response,
            Err(refusal) => refuse(&mut ctx, refusal),
        }
    }
}

fn refuse(ctx: &mut Ctx, refusal: Refusal) -> Response<Body> {
    let t = ctx.t();
    let (status, title, text) = match refusal {
        Refusal::SignInFirst => return ctx.redirect("/autentificare"),
        Refusal::Forbidden => (StatusCode::FORBIDDEN, t.forbidden_title, t.forbidden),
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
    ctx.page(status, html)
}

impl WebFunction {
    async fn answer(&self, ctx: &mut Ctx, req: &Request) -> Answer {
        let key = route_key(req);
        let route = ROUTES
            .iter()
            .find(|r| r.key == key)
            .ok_or(Refusal::NotFound)?;
        if let Some(token) = ctx.session.clone() {
            ctx.principal = session_principal(&token, &*self.sessions, &*self.clock)
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
        let form = if key.starts_with("POST ") {
            let form = FormData::parse(req).ok_or(Refusal::BadForm)?;
            let signed_elsewhere = matches!(route.handler, Handler::GhiseulReturn);
            if !signed_elsewhere && !ctx.csrf_ok(form.get(CSRF_FIELD)) {
                tracing::warn!(route = %key, "form without a valid CSRF token refused");
                return Err(Refusal::ExpiredForm);
            }
            Some(form)
        } else {
            None
        };
        let form = form.as_ref();
        match route.handler {
            Handler::Home => {
                let html = notices::home(ctx);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Handler::RegisterForm => {
                let html = forms::register(ctx, &Default::default(), &[], None);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Handler::Register => self.register(ctx, form.ok_or(Refusal::BadForm)?).await,
            Handler::SignInForm => {
                let html = forms::sign_in(ctx, "", None);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Handler::SignIn => self.sign_in(ctx, req, form.ok_or(Refusal::BadForm)?).await,
            Handler::SignOut => {
                if let Some(principal) = &ctx.principal {
                    self.accounts
                        .logout(principal)
                        .await
                        .map_err(|e| Refusal::Unavailable(e.to_string()))?;
                }
                ctx.sign_out();
                Ok(ctx.redirect("/"))
            }
            Handler::Account => {
                let principal = ctx.principal.clone().ok_or(Refusal::SignInFirst)?;
                let (me, code) = self
                    .accounts
                    .portal_account(&principal)
                    .await
                    .map_err(|_| Refusal::SignInFirst)?;
                let html = account::account(ctx, &me, code.as_deref());
                Ok(ctx.page(StatusCode::OK, html))
            }
            Handler::RequestForm => {
                let html = account::new_request(ctx, None, &[]);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Handler::Request => self.submit(ctx, form.ok_or(Refusal::BadForm)?).await,
            Handler::Status => {
                let principal = ctx.principal.clone().ok_or(Refusal::SignInFirst)?;
                let id = path_param(req, "request_id")
                    .map(RequestId::from)
                    .ok_or(Refusal::NotFound)?;
                let request = self.requests.get(&principal, &id).await?;
                let html = account::status(ctx, &request);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Handler::Certificates => {
                let principal = ctx.principal.clone().ok_or(Refusal::SignInFirst)?;
                let list = self.requests.list_certificates(&principal).await?;
                let html = account::certificates(ctx, &list);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Handler::GhiseulStart => {
                let principal = ctx.principal.clone().ok_or(Refusal::SignInFirst)?;
                let back = format!("{}/cont/ghiseul/raspuns", origin(req));
                let t = ctx.t();
                match self.ghiseul.start(&principal, Some(&back)).await {
                    Ok(started) => Ok(ctx.redirect(&started.authorize_url)),
                    Err(GhiseulError::AlreadyValidated) => Ok(ctx.redirect("/cont")),
                    Err(GhiseulError::NotConfigured) => {
                        let html = notices::notice(
                            ctx,
                            t.online_unavailable_title,
                            t.online_unavailable,
                            Some(("/cont", t.nav_account)),
                        );
                        Ok(ctx.page(StatusCode::SERVICE_UNAVAILABLE, html))
                    }
                    Err(GhiseulError::NoAccount) => Err(Refusal::SignInFirst),
                    Err(GhiseulError::InvalidAssertion) => Err(Refusal::BadForm),
                    Err(GhiseulError::Unavailable(e)) => Err(e.into()),
                }
            }
            Handler::GhiseulReturn => {
                let assertion = form.ok_or(Refusal::BadForm)?.text("assertion");
                let t = ctx.t();
                let (status, title, text) = match self.ghiseul.complete_returned(&assertion).await {
                    Ok(_) => (StatusCode::OK, t.validated_online_title, t.validated_online),
                    Err(GhiseulError::AlreadyValidated) => (
                        StatusCode::CONFLICT,
                        t.validated_online_title,
                        t.already_validated,
                    ),
                    Err(GhiseulError::Unavailable(e)) => return Err(e.into()),
                    Err(_) => (
                        StatusCode::UNPROCESSABLE_ENTITY,
                        t.online_failed_title,
                        t.online_failed,
                    ),
                };
                let html = notices::notice(ctx, title, text, Some(("/cont", t.nav_account)));
                Ok(ctx.page(status, html))
            }
            Handler::Console => {
                let principal = ctx.principal.clone().ok_or(Refusal::SignInFirst)?;
                let today = self.counter.validations_today(&principal).await?;
                let html = console::lookup(ctx, "", &[], &today);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Handler::Lookup => self.lookup(ctx, form.ok_or(Refusal::BadForm)?).await,
            Handler::Registered => {
                let principal = ctx.principal.clone().ok_or(Refusal::SignInFirst)?;
                let id = path_param(req, "account_id")
                    .map(AccountId::from)
                    .ok_or(Refusal::NotFound)?;
                let citizen = self
                    .counter
                    .registered(&principal, &id)
                    .await
                    .map_err(lookup_refusal)?;
                let html = console::validate(ctx, &citizen, ("CI", "", ""), &[]);
                Ok(ctx.page(StatusCode::OK, html))
            }
            Handler::Validate => {
                let id = path_param(req, "account_id")
                    .map(AccountId::from)
                    .ok_or(Refusal::NotFound)?;
                self.validate(ctx, &id, form.ok_or(Refusal::BadForm)?).await
            }
            Handler::Pdf => {
                let principal = ctx.principal.clone().ok_or(Refusal::SignInFirst)?;
                let number = path_param(req, "certificate_number").ok_or(Refusal::NotFound)?;
                let document = self.requests.document(&principal, &number).await?;
                let name = format!("cazier-{}.pdf", document.number);
                Ok(ctx.file(document.pdf, "application/pdf", &name))
            }
        }
    }

    async fn register(&self, ctx: &mut Ctx, form: &FormData) -> Answer {
        let typed = forms::Registration::from_form(form);
        let document = form.text("id_document");
        let dto = RegisterDto {
            email: typed.email.clone(),
            password: form.text("password"),
            cnp: typed.cnp.trim().to_owned(),
            last_name: typed.last_name.clone(),
            first_name: typed.first_name.clone(),
            father_first_name: form.optional("father_first_name"),
            mother_first_name: form.optional("mother_first_name"),
            birth_place: form.optional("birth_place"),
            id_document: IdDocumentDto {
                series: (document != "PASSPORT").then(|| typed.series.trim().to_owned()),
                kind: document,
                number: typed.number.trim().to_owned(),
            },
        };
        let (errors, problem): (Vec<FieldError>, Option<&str>) =
            match self.accounts.register(dto).await {
                Ok(_) => {
                    return self
                        .start_session(ctx, &typed.email, &form.text("password"), "")
                        .await
                }
                Err(RegisterError::Invalid(errors)) => (errors, None),
                Err(RegisterError::AccountExists) => (Vec::new(), Some(ctx.t().account_exists)),
                Err(RegisterError::Unavailable(e)) => return Err(e.into()),
            };
        let html = forms::register(ctx, &typed, &errors, problem);
        Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html))
    }

    async fn sign_in(&self, ctx: &mut Ctx, req: &Request, form: &FormData) -> Answer {
        self.start_session(
            ctx,
            &form.text("email"),
            &form.text("password"),
            &source_ip(req),
        )
        .await
    }

    /// Signs in (also right after registering) and goes to the account page.
    async fn start_session(
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
        };
        match self.accounts.login(dto, source).await {
            Ok(session) => {
                ctx.sign_in(
                    &session.token,
                    SESSION_TTL.num_seconds(),
                    &session.device_token,
                    DEVICE_TTL.num_seconds(),
                );
                // Clerks go to their console, citizens to their account.
                Ok(ctx.redirect(match session.role {
                    Role::Operator => "/ghiseu",
                    Role::Citizen => "/cont",
                }))
            }
            Err(LoginError::InvalidCredentials) => {
                let problem = ctx.t().bad_credentials;
                let html = forms::sign_in(ctx, email, Some(problem));
                Ok(ctx.page(StatusCode::UNAUTHORIZED, html))
            }
            Err(LoginError::Throttled { .. }) => {
                let t = ctx.t();
                let html = notices::notice(ctx, t.throttled_title, t.throttled, None);
                Ok(ctx.page(StatusCode::TOO_MANY_REQUESTS, html))
            }
            Err(LoginError::Unavailable(e)) => Err(e.into()),
        }
    }

    async fn lookup(&self, ctx: &mut Ctx, form: &FormData) -> Answer {
        let principal = ctx.principal.clone().ok_or(Refusal::SignInFirst)?;
        let typed = form.text("counter_code");
        let dto = LookupDto {
            counter_code: typed.clone(),
        };
        let errors = match self.counter.lookup(&principal, dto).await {
            Ok(found) => return Ok(ctx.redirect(&format!("/ghiseu/cont/{}", found.account_id))),
            Err(LookupError::Invalid(errors)) => errors,
            Err(LookupError::NotFound) => vec![FieldError::new("counter_code", "NOT_FOUND", "")],
            Err(e) => return Err(lookup_refusal(e)),
        };
        let today = self.counter.validations_today(&principal).await?;
        let html = console::lookup(ctx, &typed, &errors, &today);
        Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html))
    }

    async fn validate(&self, ctx: &mut Ctx, id: &AccountId, form: &FormData) -> Answer {
        let principal = ctx.principal.clone().ok_or(Refusal::SignInFirst)?;
        let (kind, series, number) = (
            form.text("id_document"),
            form.text("series"),
            form.text("number"),
        );
        let dto = CounterValidationDto {
            id_document: IdDocumentDto {
                series: (kind != "PASSPORT").then(|| series.trim().to_owned()),
                kind: kind.clone(),
                number: number.trim().to_owned(),
            },
        };
        let t = ctx.t();
        let errors = match self.counter.validate(&principal, id, dto).await {
            Ok(_) => {
                let html = notices::notice(
                    ctx,
                    t.validated_title,
                    t.validated_text,
                    Some(("/ghiseu", t.next_citizen)),
                );
                return Ok(ctx.page(StatusCode::OK, html));
            }
            Err(CounterValidationError::Invalid(errors)) => errors,
            Err(CounterValidationError::DocumentMismatch) => {
                vec![FieldError::new("id_document", "DOCUMENT_MISMATCH", "")]
            }
            Err(CounterValidationError::AlreadyValidated) => {
                let html = notices::notice(
                    ctx,
                    t.validated_title,
                    t.already_validated,
                    Some(("/ghiseu", t.next_citizen)),
                );
                return Ok(ctx.page(StatusCode::CONFLICT, html));
            }
            Err(CounterValidationError::NotFound | CounterValidationError::OwnAccount) => {
                return Err(Refusal::NotFound)
            }
            Err(CounterValidationError::NoOperator) => return Err(Refusal::SignInFirst),
            Err(CounterValidationError::Unavailable(e)) => return Err(e.into()),
        };
        let citizen = self
            .counter
            .registered(&principal, id)
            .await
            .map_err(lookup_refusal)?;
        let html = console::validate(ctx, &citizen, (&kind, &series, &number), &errors);
        Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html))
    }

    async fn submit(&self, ctx: &mut Ctx, form: &FormData) -> Answer {
        let principal = ctx.principal.clone().ok_or(Refusal::SignInFirst)?;
        let purpose = form.text("purpose");
        let dto = SubmitDto {
            purpose: purpose.clone(),
            subject: None,
        };
        let t = ctx.t();
        match self.requests.submit(&principal, dto, None).await {
            Ok(submitted) => Ok(ctx.redirect(&format!("/cereri/{}", submitted.request_id))),
            Err(SubmitError::Invalid(errors)) => {
                let html = account::new_request(ctx, Some(&purpose), &errors);
                Ok(ctx.page(StatusCode::UNPROCESSABLE_ENTITY, html))
            }
            Err(SubmitError::DailyLimit { earlier }) => {
                let href = format!("/cereri/{earlier}");
                let html = notices::notice(
                    ctx,
                    t.daily_limit_title,
                    t.daily_limit,
                    Some((&href, t.see_earlier)),
                );
                Ok(ctx.page(StatusCode::CONFLICT, html))
            }
            Err(SubmitError::NotValidated) => {
                let html = notices::notice(
                    ctx,
                    t.not_validated_title,
                    t.not_validated,
                    Some(("/cont", t.nav_account)),
                );
                Ok(ctx.page(StatusCode::FORBIDDEN, html))
            }
            Err(SubmitError::NoAccount) => Err(Refusal::SignInFirst),
            Err(SubmitError::NotLegalRepresentative | SubmitError::BadIdempotencyKey) => {
                Err(Refusal::BadForm)
            }
            Err(SubmitError::Unavailable(e)) => Err(e.into()),
        }
    }
}
