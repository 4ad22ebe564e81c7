//! Every answer other than success, and its one mapping to an RFC 9457 problem document.

use super::json_response;
use crate::domain::{FieldCode, FieldError};
use crate::services::Unavailable;
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use serde_json::{json, Value};

/// What a 503 asks the client to wait before trying again.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 5;

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
    /// The `Accept` header allows none of the forms the answer comes in (listed).
    #[error("not acceptable")]
    NotAcceptable(&'static str),
    #[error("invalid values")]
    Invalid(Vec<FieldError>),
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("invalid credentials")]
    InvalidCredentials,
    /// 401 with its own code (a sign-in that needs more than the password).
    #[error("unauthorized: {code}")]
    Unauthorized { code: &'static str, detail: String },
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
    /// The path exists with other methods: `allow` lists them (the `Allow` header).
    #[error("method not allowed")]
    MethodNotAllowed { allow: String },
    #[error("dependency failed: {0}")]
    Unavailable(Unavailable),
}

impl ApiError {
    pub fn invalid(field: &str, code: FieldCode, message: impl ToString) -> Self {
        ApiError::Invalid(vec![FieldError::new(field, code, message)])
    }

    /// A dependency failed: 503, the cause in the logs only.
    pub fn unavailable(e: impl Into<Unavailable>) -> Self {
        ApiError::Unavailable(e.into())
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
            ApiError::NotAcceptable(offered) => (
                406,
                "NOT_ACCEPTABLE",
                "Not acceptable",
                format!("This answer comes as {offered}: accept one of them."),
            ),
            ApiError::Invalid(errors) => (
                422,
                errors.first().map_or("INVALID_VALUE", |e| e.code.as_str()),
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
            ApiError::Unauthorized { code, detail } => (401, *code, "Unauthorized", detail.clone()),
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
            ApiError::MethodNotAllowed { .. } => (
                405,
                "METHOD_NOT_ALLOWED",
                "Method not allowed",
                "This resource does not answer that method.".to_owned(),
            ),
            ApiError::Unavailable(e) => {
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
        // RFC 9449 section 7.1: a DPoP refusal says so, and which algorithms a proof may use.
        if let ApiError::Unauthorized {
            code: "INVALID_DPOP_PROOF",
            ..
        } = &self
        {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"DPoP error="invalid_dpop_proof", algs="ES256""#),
            );
        }
        if let ApiError::MethodNotAllowed { allow } = &self {
            if let Ok(v) = HeaderValue::from_str(allow) {
                response.headers_mut().insert(header::ALLOW, v);
            }
        }
        // A throttled client waits for its window; after an outage, a few seconds is enough.
        let retry_after = match self {
            ApiError::Throttled { retry_after_secs } => Some(retry_after_secs.max(1)),
            ApiError::Unavailable(_) => Some(UNAVAILABLE_RETRY_AFTER_SECS),
            _ => None,
        };
        if let Some(v) = retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}
