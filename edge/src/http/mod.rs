//! The HTTP edge shared by every API function: strict JSON bodies, RFC 9457 problem responses,
//! bearer-token authentication.

pub mod access;
mod errors;
mod problem;
pub mod routes;

pub use crate::domain::{FieldError, Principal};
pub use crate::services::verification::MAX_PDF_BYTES;
pub use access::{Access, Admit, Authenticated, Citizen, Denied, Operator, Staff};
pub use problem::{ApiError, UNAVAILABLE_RETRY_AFTER_SECS};

use crate::crypto::sha256_hex;
use crate::domain::SessionChannel;
use crate::ports::{Clock, SessionStore};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub const MAX_JSON_BYTES: usize = 1024 * 1024;

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

/// The response with one more header (a value that is not a valid header is left out).
pub fn with_header(
    mut response: Response<Body>,
    name: header::HeaderName,
    value: &str,
) -> Response<Body> {
    if let Ok(v) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, v);
    }
    response
}

/// An answer no cache on the way may keep (personal data, single-use secrets).
pub fn no_store(response: Response<Body>) -> Response<Body> {
    with_header(response, header::CACHE_CONTROL, "no-store")
}

/// A file to download (`Content-Disposition: attachment`) under `filename`, cached as
/// `cache_control` says (personal data: never by a shared cache).
pub fn attachment(
    bytes: Vec<u8>,
    content_type: &'static str,
    filename: &str,
    cache_control: &'static str,
) -> Response<Body> {
    let mut response = Response::new(Body::Binary(bytes));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    let disposition = format!("attachment; filename=\"{filename}\"");
    with_header(response, header::CONTENT_DISPOSITION, &disposition)
}

/// The form an answer offered as JSON or as a PDF takes, by the request's `Accept` (RFC 9110
/// §12.5.1): the higher quality wins; at a tie, the PDF if only it is named outright (so
/// `application/pdf, */*` is a PDF, and `*/*` or no header JSON). Neither acceptable (every
/// entry names something else, or `q=0`): [`ApiError::NotAcceptable`].
pub fn json_or_pdf(req: &Request) -> Result<Negotiated, ApiError> {
    let accept: Vec<&str> = req
        .headers()
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    negotiate(&accept.join(",")).ok_or(ApiError::NotAcceptable(
        "application/json or application/pdf",
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Negotiated {
    Json,
    Pdf,
}

/// [`json_or_pdf`] on the header's text (several headers joined by commas); None: neither.
pub fn negotiate(accept: &str) -> Option<Negotiated> {
    if accept.trim().is_empty() {
        return Some(Negotiated::Json);
    }
    // Each media range with its quality; a range whose `q` is not a number in 0..=1 is left
    // out, as if not sent.
    let ranges: Vec<(String, f32)> = accept
        .split(',')
        .filter_map(|item| {
            let mut parts = item.split(';');
            let media = parts.next()?.trim().to_ascii_lowercase();
            let mut q = 1.0_f32;
            for parameter in parts {
                let Some((name, value)) = parameter.split_once('=') else {
                    continue;
                };
                if name.trim().eq_ignore_ascii_case("q") {
                    q = value
                        .trim()
                        .parse()
                        .ok()
                        .filter(|q: &f32| (0.0..=1.0).contains(q))?;
                }
            }
            Some((media, q))
        })
        .collect();
    let named = |media: &str| {
        ranges
            .iter()
            .filter(|(m, _)| m == media)
            .map(|(_, q)| *q)
            .reduce(f32::max)
    };
    let quality = |media: &str| {
        named(media)
            .or_else(|| named("application/*"))
            .or_else(|| named("*/*"))
            .unwrap_or(0.0)
    };
    let (pdf, json) = (quality("application/pdf"), quality("application/json"));
    let pdf_named_alone = named("application/pdf").is_some() && named("application/json").is_none();
    match () {
        _ if pdf <= 0.0 && json <= 0.0 => None,
        _ if pdf > json || (pdf == json && pdf_named_alone) => Some(Negotiated::Pdf),
        _ => Some(Negotiated::Json),
    }
}

/// A certificate's PDF, to download as `cazier-<number>.pdf`.
pub fn certificate_pdf(
    number: &impl std::fmt::Display,
    pdf: Vec<u8>,
    cache_control: &'static str,
) -> Response<Body> {
    let filename = format!("cazier-{number}.pdf");
    attachment(pdf, "application/pdf", &filename, cache_control)
}

/// An HTML page with its Content-Security-Policy and the headers every page carries.
pub fn html_response(html: String, csp: &str, cache_control: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::Text(html));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(policy) = HeaderValue::from_str(csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    response
}

/// HSTS for two years on the service's host and below (RFC 6797): after one visit, a browser
/// never talks to it over plain HTTP, so nobody on the path can strip TLS from a sign-in.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000; includeSubDomains";

/// Adds the headers every answer carries, whatever produced it: HSTS, `nosniff`, and
/// `Cache-Control: no-store` unless the answer chose its own caching (answers carry personal
/// data by default: no proxy or history may keep them).
pub fn with_transport_security(mut response: Response<Body>) -> Response<Body> {
    let headers = response.headers_mut();
    headers.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
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
    let not_json =
        |e: serde_json::Error| ApiError::Malformed(format!("The body is not valid JSON: {e}."));
    // Every body of the API is an object; serde would also read a struct from an array.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        serde_json::from_slice::<serde_json::Value>(bytes).map_err(not_json)?;
        return Err(ApiError::Malformed(
            "The body must be a JSON object.".into(),
        ));
    }
    // Read straight into the type, so that a field sent twice is refused ("duplicate
    // field"), not the last one kept. serde's message names the field and the expected
    // type, never internals.
    serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => {
            ApiError::Malformed(format!("The body does not have the expected fields: {e}."))
        }
        _ => not_json(e),
    })
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
        .ok_or(ApiError::Unauthenticated)?;
    session_principal(token, SessionChannel::Api, sessions, clock).await
}

/// Resolves a session token (from a bearer header or the portal's cookie) to a live session
/// opened on that channel: an API token is no portal cookie, and the reverse.
pub async fn session_principal(
    token: &str,
    channel: SessionChannel,
    sessions: &dyn SessionStore,
    clock: &dyn Clock,
) -> Result<Principal, ApiError> {
    if token.is_empty() || token.len() > 256 {
        return Err(ApiError::Unauthenticated);
    }
    let token_hash = sha256_hex(token.as_bytes());
    let session = sessions
        .get(&token_hash)
        .await
        .map_err(ApiError::unavailable)?
        .ok_or(ApiError::Unauthenticated)?;
    if session.expires_at <= clock.now() || session.channel != channel {
        return Err(ApiError::Unauthenticated);
    }
    Ok(Principal {
        account_id: session.account_id,
        role: session.role,
        token_hash,
    })
}

/// One route of a function: the key API Gateway matches (`POST /v1/accounts`, with the
/// template's `{param}` names), who may call it, and the handler that answers it. Each function
/// declares its table once (with `api_routes!`, or the portal's `pages!`), one line a route; a
/// test checks the tables against `template.yaml` both ways.
#[derive(Debug, Clone, Copy)]
pub struct Route<H> {
    pub key: &'static str,
    pub access: Access,
    pub handler: H,
}

/// Finds the request's route in `routes`, authenticates the caller if the route needs a
/// session (401) and applies its access rule (403), before any body is read. A route missing
/// from the table is refused (404), so a new route is closed until it is declared.
pub async fn authorize<H: Copy>(
    routes: &[Route<H>],
    req: &Request,
    sessions: &dyn SessionStore,
    clock: &dyn Clock,
) -> Result<(H, Option<Principal>), ApiError> {
    let key = route_key(req);
    let route = routes
        .iter()
        .find(|r| r.key == key)
        .ok_or(ApiError::NotFound)?;
    let principal = match route.access.needs_session() {
        true => Some(authenticate(req, sessions, clock).await?),
        false => None,
    };
    route.access.check(principal.as_ref())?;
    Ok((route.handler, principal))
}

pub fn path_param(req: &Request, name: &str) -> Option<String> {
    req.path_parameters().first(name).map(str::to_owned)
}

pub fn header_str<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// What an organisation's API call presents to be admitted (`OrganisationAuth::admit`): its
/// `Authorization` and `DPoP` headers, method and path. Two `DPoP` headers are a 400 (RFC
/// 9449 section 4.3: exactly one); API Gateway joins repeated headers with a comma, which no
/// proof parses as, so those are refused as proofs.
pub fn presented(req: &Request) -> Result<crate::services::client_auth::Presented<'_>, ApiError> {
    if req.headers().get_all("dpop").iter().count() > 1 {
        return Err(ApiError::Malformed("send one DPoP header".into()));
    }
    Ok(crate::services::client_auth::Presented {
        authorization: header_str(req, "authorization"),
        dpop: header_str(req, "dpop"),
        method: req.method().as_str(),
        path: req.uri().path(),
    })
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
