//! The local API Gateway: serves the template's HTTP routes, each call turned into the HTTP API
//! payload 2.0 event API Gateway sends (route key, path parameters, source address, cookies)
//! and the function's answer back into a response, as API Gateway does. The function runs as
//! its own process ([`Target::Process`]), or in-process with the same event
//! ([`Target::InProcess`]: the development ghiseul.ro, and the in-process mode).

use crate::lambda::events::{self, HttpCall};
use crate::lambda::runtime_api::Pool;
use crate::lambda::FunctionError;
use crate::template::Route;
use bytes::Bytes;
use cazier_edge::http::ApiError;
use cazier_edge::runtime::HttpFunction;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::StatusCode;
use hyper_util::rt::TokioIo;
use lambda_http::request::LambdaRequest;
use lambda_http::Body;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// API Gateway's own payload limit (HTTP APIs): 10 MB.
const GATEWAY_MAX_BODY: usize = 10 * 1024 * 1024;

/// What answers a route.
#[derive(Clone)]
pub enum Target {
    InProcess(Arc<dyn HttpFunction>),
    Process(Arc<Pool>),
}

pub struct Router {
    pub routes: Vec<(Route, Target)>,
    /// For `requestContext.accountId`.
    pub account_id: String,
    /// The API's access log, as the template's `AccessLogSettings` write it.
    pub access_log: Option<AccessLog>,
}

/// `AccessLogSettings`: its format (`$context.…` variables), and the file standing in for its
/// log group (`<state>/logs/HttpApi.log`).
pub struct AccessLog {
    pub format: String,
    pub file: std::path::PathBuf,
}

impl AccessLog {
    fn write(&self, context: &[(&str, String)]) {
        use std::io::Write;
        // Longest names first: `$context.status` is a prefix of none, but
        // `$context.integrationStatus` must not be read as `$context.integration` + "Status".
        let mut names: Vec<&(&str, String)> = context.iter().collect();
        names.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        let mut line = self.format.clone();
        for (name, value) in names {
            // Escaped for the JSON line the format is (a function's error text may hold
            // quotes or line breaks).
            let escaped = serde_json::to_string(value).unwrap_or_default();
            let escaped = escaped.trim_matches('"');
            line = line.replace(&format!("$context.{name}"), escaped);
        }
        // A variable API Gateway has and this gateway does not is "-", as API Gateway writes
        // one without a value.
        while let Some(at) = line.find("$context.") {
            let end = line[at + 9..]
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '.')
                .map_or(line.len(), |e| at + 9 + e);
            line.replace_range(at..end, "-");
        }
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)
        {
            // One write per line: appends from concurrent writers stay whole lines.
            let _ = file.write_all(format!("{line}\n").as_bytes());
        }
    }
}

fn matches(template: &str, path: &str) -> Option<HashMap<String, String>> {
    let t: Vec<&str> = template.trim_end_matches('/').split('/').collect();
    let p: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if t.len() != p.len() {
        return None;
    }
    let mut params = HashMap::new();
    for (ts, ps) in t.iter().zip(&p) {
        if let Some(name) = ts.strip_prefix('{').and_then(|n| n.strip_suffix('}')) {
            if ps.is_empty() {
                return None;
            }
            params.insert(name.to_owned(), (*ps).to_owned());
        } else if ts != ps {
            return None;
        }
    }
    Some(params)
}

fn to_hyper(response: lambda_http::Response<Body>) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(t) => Bytes::from(t),
        Body::Binary(b) => Bytes::from(b),
        _ => Bytes::new(),
    };
    hyper::Response::from_parts(parts, Full::new(bytes))
}

impl Router {
    async fn handle(
        &self,
        peer: SocketAddr,
        req: hyper::Request<Incoming>,
    ) -> hyper::Response<Full<Bytes>> {
        let started = std::time::Instant::now();
        let (parts, body) = req.into_parts();
        if !host_is_an_authority(&parts.headers) {
            // API Gateway is reached only under its own domain name; a Host that names none
            // never gets to a function (which would read it as its request's address).
            return gateway_error(StatusCode::BAD_REQUEST);
        }
        let path = parts.uri.path().to_owned();
        let candidates: Vec<_> = self
            .routes
            .iter()
            .filter_map(|(r, f)| matches(&r.path, &path).map(|p| (r, f, p)))
            .collect();
        // No route for the method and path: the `$default` route if there is one, as API
        // Gateway does.
        let fallback = self
            .routes
            .iter()
            .find(|(r, _)| r.path == crate::template::DEFAULT_ROUTE)
            .map(|(r, f)| (r, f, HashMap::new()));
        let Some((route, function, params)) = candidates
            .iter()
            .find(|(r, _, _)| r.method == parts.method.as_str())
            .cloned()
            .or(fallback)
        else {
            let error = if candidates.is_empty() {
                ApiError::NotFound
            } else {
                let methods: Vec<&str> = candidates
                    .iter()
                    .map(|(r, _, _)| r.method.as_str())
                    .collect();
                ApiError::MethodNotAllowed {
                    allow: methods.join(", "),
                }
            };
            return to_hyper(error.into_response());
        };
        let bytes = match Limited::new(body, GATEWAY_MAX_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                return to_hyper(
                    ApiError::PayloadTooLarge {
                        limit: GATEWAY_MAX_BODY,
                    }
                    .into_response(),
                )
            }
        };
        let request_id = uuid::Uuid::new_v4().to_string();
        let received = chrono::Utc::now();
        let call = HttpCall {
            route,
            path_parameters: params,
            peer,
            parts: &parts,
            body: &bytes,
            request_id: request_id.clone(),
            account_id: &self.account_id,
        };
        let event = events::http_request(&call, chrono::Utc::now());
        let integration_started = std::time::Instant::now();
        let mut integration_error = String::from("-");
        let response = match function {
            Target::InProcess(function) => in_process(function, event).await,
            Target::Process(pool) => match pool.invoke(&event).await {
                Ok(answer) => events::http_response(answer).unwrap_or_else(|e| {
                    tracing::error!(route = %route.key(), why = %e.0, "malformed function answer");
                    integration_error = "malformed Lambda proxy response".into();
                    gateway_error(StatusCode::INTERNAL_SERVER_ERROR)
                }),
                Err(e) => {
                    tracing::error!(route = %route.key(), error = %e, "invocation failed");
                    integration_error = e.to_string();
                    // Lambda reports a timeout, a crash or an unhandled error as the
                    // function's error, which API Gateway answers with 500.
                    gateway_error(match e {
                        FunctionError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                        _ => StatusCode::INTERNAL_SERVER_ERROR,
                    })
                }
            },
        };
        if let Some(log) = &self.access_log {
            let status = response.status().as_u16().to_string();
            log.write(&[
                ("requestId", request_id),
                ("requestTimeEpoch", received.timestamp_millis().to_string()),
                ("routeKey", route.key()),
                ("status", status.clone()),
                ("responseLatency", started.elapsed().as_millis().to_string()),
                (
                    "integrationLatency",
                    integration_started.elapsed().as_millis().to_string(),
                ),
                ("integrationStatus", status),
                ("integrationErrorMessage", integration_error),
            ]);
        }
        tracing::debug!(
            route = %route.key(),
            status = response.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "request"
        );
        response
    }
}

/// The handler called in-process, with the request lambda_http makes of the same event.
async fn in_process(
    function: &Arc<dyn HttpFunction>,
    event: serde_json::Value,
) -> hyper::Response<Full<Bytes>> {
    match serde_json::from_value::<LambdaRequest>(event) {
        Ok(request) => to_hyper(
            function
                .serve(lambda_http::http::Request::from(request))
                .await,
        ),
        Err(e) => {
            tracing::error!(error = %e, "the event does not parse as lambda_http's request");
            gateway_error(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// Whether the request's `Host` (if any) is a host and port and nothing else, as a URL's
/// authority: what the function makes its request's address of (`https://{host}{path}`).
fn host_is_an_authority(headers: &hyper::HeaderMap) -> bool {
    let Some(host) = headers.get(hyper::header::HOST) else {
        return true;
    };
    let Ok(host) = host.to_str() else {
        return false;
    };
    match url::Url::parse(&format!("https://{host}/")) {
        Ok(url) => {
            url.host_str().is_some()
                && url.path() == "/"
                && url.query().is_none()
                && url.fragment().is_none()
                && url.username().is_empty()
                && url.password().is_none()
                && !host.contains(['/', '?', '#', '@', '\\'])
        }
        Err(_) => false,
    }
}

/// What API Gateway itself answers when the function gives no usable answer.
fn gateway_error(status: StatusCode) -> hyper::Response<Full<Bytes>> {
    let text = match status {
        StatusCode::BAD_REQUEST => "Bad Request",
        StatusCode::PAYLOAD_TOO_LARGE => "Request Entity Too Large",
        _ => "Internal Server Error",
    };
    let body = serde_json::json!({ "message": text }).to_string();
    let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    response
}

/// How long a connection may take to send a request's headers.
const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub async fn serve(listener: TcpListener, router: Arc<Router>, stop: watch::Receiver<bool>) {
    let answer = move |peer, req| {
        let router = Arc::clone(&router);
        async move { router.handle(peer, req).await }
    };
    serve_http(listener, answer, stop).await;
}

/// Serves HTTP/1 connections on `listener`, each request answered by `answer` (given the
/// peer's address), until `stop` changes: the gateway's and the Runtime API's one loop.
pub async fn serve_http<A, F>(listener: TcpListener, answer: A, mut stop: watch::Receiver<bool>)
where
    A: Fn(SocketAddr, hyper::Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: std::future::Future<Output = hyper::Response<Full<Bytes>>> + Send + 'static,
{
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else {
                    // Out of file descriptors, say: wait for some to close, not spin.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                };
                let answer = answer.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let reply = answer(peer, req);
                        async move { Ok::<_, Infallible>(reply.await) }
                    });
                    // A client that never finishes its headers is let go, as API Gateway's
                    // front does.
                    let _ = http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(HEADER_READ_TIMEOUT)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            _ = stop.changed() => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{matches, AccessLog};

    /// A function's error text (quotes, line breaks) stays inside its JSON string.
    #[test]
    fn access_log_lines_stay_json_whatever_the_error_says() {
        let file = std::env::temp_dir().join(format!("access-{}.log", uuid::Uuid::new_v4()));
        let log = AccessLog {
            format: r#"{"status":"$context.status","integrationError":"$context.integrationErrorMessage"}"#.into(),
            file: file.clone(),
        };
        log.write(&[
            ("status", "500".into()),
            (
                "integrationErrorMessage",
                "panicked at \"x\"\nline two".into(),
            ),
        ]);
        let line = std::fs::read_to_string(&file).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
        assert_eq!(parsed["integrationError"], "panicked at \"x\"\nline two");
        std::fs::remove_file(file).ok();
    }

    #[test]
    fn path_templates_match_segments() {
        assert!(matches("/v1/accounts", "/v1/accounts").is_some());
        assert!(matches("/v1/accounts", "/v1/accounts/me").is_none());
        let p = matches(
            "/v1/certificates/{certificate_number}/pdf",
            "/v1/certificates/CJ-1/pdf",
        )
        .unwrap();
        assert_eq!(p["certificate_number"], "CJ-1");
        assert!(matches("/v1/certificates/{n}/pdf", "/v1/certificates//pdf").is_none());
    }
}
