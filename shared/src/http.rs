//! The HTTP edge shared by every API function: strict JSON bodies, RFC 9457 problem responses,
//! bearer-token authentication.

use crate::crypto::sha256_hex;
use crate::domain::Role;
use crate::ports::{Clock, SessionStore, StoreError};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

pub const MAX_JSON_BYTES: usize = 1024 * 1024;
pub const MAX_PDF_BYTES: usize = 5 * 1024 * 1024;

/// One invalid field of a 422 answer.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl ToString) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.to_string(),
        }
    }
}

/// Everything an API function can answer with other than success. Mapped once, in
/// [`ApiError::into_response`], to a problem document.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed request: {0}")]
    Malformed(String),
    /// A body of the right media type that cannot be what it claims (a PDF that is not one).
    #[error("bad document: {code}")]
    BadDocument { code: &'static str, detail: String },
    #[error("payload too large")]
    PayloadTooLarge { limit: usize },
    #[error("unsupported media type")]
    UnsupportedMediaType(&'static str),
    #[error("invalid values")]
    Invalid(Vec<FieldError>),
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("forbidden: {code}")]
    Forbidden { code: &'static str, detail: String },
    #[error("not found")]
    NotFound,
    #[error("conflict: {code}")]
    Conflict {
        code: &'static str,
        detail: String,
        extra: Option<(&'static str, Value)>,
    },
    #[error("unprocessable: {code}")]
    Unprocessable { code: &'static str, detail: String },
    #[error("throttled")]
    Throttled { retry_after_secs: u64 },
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("dependency failed: {0}")]
    Dependency(StoreError),
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Dependency(e)
    }
}

impl ApiError {
    pub fn invalid(field: &str, code: &'static str, message: impl ToString) -> Self {
        ApiError::Invalid(vec![FieldError::new(field, code, message)])
    }

    pub fn into_response(self) -> Response<Body> {
        let (status, code, title, detail) = match &self {
            ApiError::Malformed(d) => (400, "MALFORMED_REQUEST", "Malformed request", d.clone()),
            ApiError::BadDocument { code, detail } => {
                (400, *code, "Unreadable document", detail.clone())
            }
            ApiError::PayloadTooLarge { limit } => (
                413,
                "PAYLOAD_TOO_LARGE",
                "Payload too large",
                format!("The body is over the limit of {limit} bytes."),
            ),
            // The contract lists 400 for a body that is not JSON, so a declared non-JSON media
            // type is answered 400 too (with its own code), not 415.
            ApiError::UnsupportedMediaType(expected) => (
                400,
                "UNSUPPORTED_MEDIA_TYPE",
                "Unsupported media type",
                format!("Send the body as {expected}."),
            ),
            ApiError::Invalid(errors) => (
                422,
                errors.first().map_or("INVALID_VALUE", |e| e.code),
                "Invalid values",
                errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            ApiError::Unauthenticated => (
                401,
                "UNAUTHENTICATED",
                "Authentication required",
                "Send a valid, unexpired session token as 'Authorization: Bearer <token>'."
                    .to_owned(),
            ),
            ApiError::InvalidCredentials => (
                401,
                "INVALID_CREDENTIALS",
                "Invalid credentials",
                "The e-mail address or the password is wrong.".to_owned(),
            ),
            ApiError::Forbidden { code, detail } => (403, *code, "Forbidden", detail.clone()),
            ApiError::NotFound => (
                404,
                "NOT_FOUND",
                "Not found",
                "There is no such resource.".to_owned(),
            ),
            ApiError::Conflict { code, detail, .. } => (409, *code, "Conflict", detail.clone()),
            ApiError::Unprocessable { code, detail } => {
                (422, *code, "Unprocessable request", detail.clone())
            }
            ApiError::Throttled { .. } => (
                429,
                "TOO_MANY_REQUESTS",
                "Too many requests",
                "Too many attempts; try again later.".to_owned(),
            ),
            ApiError::MethodNotAllowed => (
                405,
                "METHOD_NOT_ALLOWED",
                "Method not allowed",
                "This resource does not answer that method.".to_owned(),
            ),
            ApiError::Dependency(e) => {
                // The cause goes to the logs only; clients learn nothing about internals.
                tracing::error!(error = %e, "dependency failure");
                (
                    503,
                    "SERVICE_UNAVAILABLE",
                    "Service unavailable",
                    "The service is temporarily unavailable; try again shortly.".to_owned(),
                )
            }
        };
        let mut body = json!({
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
        });
        if let ApiError::Invalid(errors) = &self {
            body["errors"] = json!(errors);
        }
        if let ApiError::Conflict {
            extra: Some((k, v)),
            ..
        } = &self
        {
            body[*k] = v.clone();
        }
        let mut response = json_response(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            &body,
        );
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let ApiError::Throttled { retry_after_secs } = self {
            if let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(1).to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response<Body> {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
    let mut response = Response::new(Body::Text(text));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

pub fn empty_response(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = status;
    response
}

pub fn body_bytes(req: &Request) -> &[u8] {
    match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b.as_slice(),
        _ => &[],
    }
}

/// Parses a JSON body into `T` strictly: size limit, media type, syntax, types, missing and
/// unknown fields (the DTOs use `deny_unknown_fields`). An absent body parses as `{}` when
/// `empty_ok`.
pub fn parse_json<T: DeserializeOwned>(req: &Request, empty_ok: bool) -> Result<T, ApiError> {
    let bytes = body_bytes(req);
    if bytes.len() > MAX_JSON_BYTES {
        return Err(ApiError::PayloadTooLarge {
            limit: MAX_JSON_BYTES,
        });
    }
    if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or("").trim();
        if !bytes.is_empty() && essence != "application/json" && !essence.ends_with("+json") {
            return Err(ApiError::UnsupportedMediaType("application/json"));
        }
    }
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) && empty_ok {
        b"{}"
    } else {
        bytes
    };
    serde_json::from_slice(bytes).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                "The body is not valid JSON"
            }
            _ => "The body does not have the expected fields",
        };
        // serde's message names the field and the expected type, never internals.
        ApiError::Malformed(format!("{what}: {e}."))
    })
}

/// Who is calling, once the bearer token checked out.
#[derive(Debug, Clone)]
pub struct Principal {
    pub account_id: String,
    pub role: Role,
    pub token_hash: String,
}

/// Resolves `Authorization: Bearer <token>` to a live session.
pub async fn authenticate(
    req: &Request,
    sessions: &dyn SessionStore,
    clock: &dyn Clock,
) -> Result<Principal, ApiError> {
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty() && t.len() <= 256)
        .ok_or(ApiError::Unauthenticated)?;
    let token_hash = sha256_hex(token.as_bytes());
    let session = sessions
        .get(&token_hash)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if session.expires_at <= clock.now() {
        return Err(ApiError::Unauthenticated);
    }
    Ok(Principal {
        account_id: session.account_id,
        role: session.role,
        token_hash,
    })
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Public,
    /// Any signed-in account.
    Authenticated,
    Citizen,
    Operator,
}

/// The one place that decides who may call what. A route missing here is refused (404), so a
/// new route is closed until it is listed; a test checks every route of template.yaml is.
pub const ROUTE_ACCESS: &[(&str, Access)] = &[
    ("POST /v1/accounts", Access::Public),
    ("POST /v1/sessions", Access::Public),
    ("DELETE /v1/sessions/current", Access::Authenticated),
    ("GET /v1/accounts/me", Access::Authenticated),
    ("POST /v1/accounts/me/validations/ghiseul", Access::Citizen),
    (
        "POST /v1/accounts/me/validations/ghiseul/complete",
        Access::Citizen,
    ),
    ("POST /v1/operator/lookups", Access::Operator),
    (
        "POST /v1/operator/accounts/{account_id}/validation",
        Access::Operator,
    ),
    ("GET /v1/purposes", Access::Public),
    ("POST /v1/certificate-requests", Access::Citizen),
    ("GET /v1/certificate-requests/{request_id}", Access::Citizen),
    ("GET /v1/certificates", Access::Citizen),
    (
        "GET /v1/certificates/{certificate_number}/pdf",
        Access::Citizen,
    ),
    ("POST /v1/verifications", Access::Public),
    ("POST /v1/verifications/document", Access::Public),
    ("GET /v1/trust/certificates", Access::Public),
    ("GET /verificare", Access::Public),
];

pub fn access_of(route_key: &str) -> Option<Access> {
    ROUTE_ACCESS
        .iter()
        .find(|(route, _)| *route == route_key)
        .map(|(_, access)| *access)
}

/// The caller, as far as the route needs one.
pub enum Caller {
    Anonymous,
    Signed(Principal),
}

impl Caller {
    /// The signed-in principal; routes that are not public always have one.
    pub fn principal(&self) -> Result<&Principal, ApiError> {
        match self {
            Caller::Signed(p) => Ok(p),
            Caller::Anonymous => Err(ApiError::Unauthenticated),
        }
    }
}

/// Applies [`ROUTE_ACCESS`] to a request: authentication (401), then role (403), before any
/// body is read.
pub async fn authorize(
    req: &Request,
    sessions: &dyn SessionStore,
    clock: &dyn Clock,
) -> Result<Caller, ApiError> {
    let access = access_of(&route_key(req)).ok_or(ApiError::NotFound)?;
    if access == Access::Public {
        return Ok(Caller::Anonymous);
    }
    let principal = authenticate(req, sessions, clock).await?;
    match access {
        Access::Citizen => principal.require(Role::Citizen)?,
        Access::Operator => principal.require(Role::Operator)?,
        Access::Authenticated | Access::Public => {}
    }
    Ok(Caller::Signed(principal))
}

impl Principal {
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role == role {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                code: "FORBIDDEN_ROLE",
                detail: format!("This operation is for {} accounts.", role.as_str()),
            })
        }
    }
}

pub fn path_param(req: &Request, name: &str) -> Option<String> {
    req.path_parameters().first(name).map(str::to_owned)
}

pub fn header_str<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// The caller's address as API Gateway saw it, for per-client throttling.
pub fn source_ip(req: &Request) -> String {
    match req.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) => {
            ctx.http.source_ip.clone().unwrap_or_default()
        }
        _ => String::new(),
    }
}

/// Runs a handler and maps its error once.
pub fn respond(result: Result<Response<Body>, ApiError>) -> Response<Body> {
    result.unwrap_or_else(ApiError::into_response)
}

/// The route key API Gateway matched (`POST /v1/accounts`), with the template's `{param}` names.
pub fn route_key(req: &Request) -> String {
    match req.request_context_ref() {
        Some(lambda_http::request::RequestContext::ApiGatewayV2(ctx)) => {
            ctx.route_key.clone().unwrap_or_default()
        }
        _ => String::new(),
    }
}
