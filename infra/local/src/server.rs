//! The local API Gateway: serves the template's HTTP routes by calling the functions in-process,
//! with the route key, path parameters and source address that API Gateway would pass.

use crate::template::Route;
use bytes::Bytes;
use cazier_edge::http::ApiError;
use cazier_edge::runtime::HttpFunction;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::request::RequestContext;
use lambda_http::{Body, RequestExt};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// API Gateway's own payload limit (HTTP APIs): 10 MB.
const GATEWAY_MAX_BODY: usize = 10 * 1024 * 1024;

pub struct Router {
    pub routes: Vec<(Route, Arc<dyn HttpFunction>)>,
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

fn is_text(content_type: Option<&str>) -> bool {
    content_type.is_none_or(|ct| {
        let ct = ct.to_ascii_lowercase();
        ct.starts_with("text/") || ct.contains("json") || ct.contains("xml")
    })
}

impl Router {
    async fn handle(
        &self,
        peer: SocketAddr,
        req: hyper::Request<Incoming>,
    ) -> hyper::Response<Full<Bytes>> {
        let started = std::time::Instant::now();
        let (mut parts, body) = req.into_parts();
        // API Gateway tells the function the scheme the client used; locally it is plain HTTP.
        parts
            .headers
            .entry("x-forwarded-proto")
            .or_insert(hyper::header::HeaderValue::from_static("http"));
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
        let content_type = parts
            .headers
            .get(hyper::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let body = if bytes.is_empty() {
            Body::Empty
        } else if is_text(content_type) {
            match String::from_utf8(bytes.to_vec()) {
                Ok(text) => Body::Text(text),
                Err(e) => Body::Binary(e.into_bytes()),
            }
        } else {
            Body::Binary(bytes.to_vec())
        };
        let mut context = ApiGatewayV2httpRequestContext::default();
        context.route_key = Some(route.key());
        context.stage = Some("$default".into());
        context.request_id = Some(uuid::Uuid::new_v4().to_string());
        context.http.method = parts.method.clone();
        context.http.path = Some(path.clone());
        context.http.source_ip = Some(peer.ip().to_string());
        let mut request = lambda_http::http::Request::from_parts(parts, body)
            .with_path_parameters(params)
            .with_request_context(RequestContext::ApiGatewayV2(context));
        // lambda_http keeps the raw path beside the URI, as API Gateway sends it.
        request = request.with_raw_http_path(path.clone());
        let response = function.serve(request).await;
        tracing::debug!(
            route = %route.key(),
            status = response.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "request"
        );
        to_hyper(response)
    }
}

pub async fn serve(listener: TcpListener, router: Arc<Router>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, peer)) = accepted else { continue };
                let router = Arc::clone(&router);
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let router = Arc::clone(&router);
                        async move { Ok::<_, Infallible>(router.handle(peer, req).await) }
                    });
                    let _ = http1::Builder::new()
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
    use super::matches;

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
