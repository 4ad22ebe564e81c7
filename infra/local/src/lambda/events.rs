//! The events Lambda hands to the functions, as JSON on the wire: API Gateway's HTTP API
//! payload 2.0 (built from the browser's request, read back from the function's answer) and
//! EventBridge's scheduled event. Written from AWS's documented shapes, not from the
//! `aws_lambda_events` types the functions read them with, so that a mismatch shows.

use crate::template::Route;
use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::Full;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::net::SocketAddr;

/// The local API's id in the events (`requestContext.apiId`, the rule's ARN).
const API_ID: &str = "local";

/// What API Gateway receives from the browser, once routed.
pub struct HttpCall<'a> {
    pub route: &'a Route,
    pub path_parameters: HashMap<String, String>,
    pub peer: SocketAddr,
    pub parts: &'a hyper::http::request::Parts,
    pub body: &'a [u8],
    pub request_id: String,
    pub account_id: &'a str,
}

/// Whether API Gateway passes a body of this type as text (otherwise base64, with
/// `isBase64Encoded`).
fn is_text(content_type: Option<&str>) -> bool {
    content_type.is_none_or(|ct| {
        let ct = ct.to_ascii_lowercase();
        ct.starts_with("text/") || ct.contains("json") || ct.contains("xml")
    })
}

/// The HTTP API payload 2.0 event: header names in lower case and repeated headers joined
/// with commas, the `Cookie` header moved to `cookies`, the path and query as sent
/// (`rawPath`, `rawQueryString`), the body base64-encoded unless it is text.
pub fn http_request(call: &HttpCall<'_>, now: DateTime<Utc>) -> Value {
    let parts = call.parts;
    let mut headers: Map<String, Value> = Map::new();
    let mut cookies: Vec<String> = Vec::new();
    for name in parts.headers.keys() {
        let values: Vec<&str> = parts
            .headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if name == hyper::header::COOKIE {
            cookies.extend(
                values
                    .iter()
                    .flat_map(|v| v.split(';'))
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned),
            );
        } else if !values.is_empty() {
            headers.insert(name.as_str().to_owned(), json!(values.join(",")));
        }
    }
    // What API Gateway adds: the client's address and scheme (plain HTTP locally).
    headers.insert("x-forwarded-for".into(), json!(call.peer.ip().to_string()));
    // Set, never taken from the client (the function builds its request's address with it).
    headers.insert("x-forwarded-proto".into(), json!("http"));
    headers.insert(
        "x-forwarded-port".into(),
        json!(call.peer.port().to_string()),
    );
    let host = parts
        .headers
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let domain = host.split(':').next().unwrap_or(host);
    let raw_query = parts.uri.query().unwrap_or_default();
    let mut query: Map<String, Value> = Map::new();
    for (k, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(raw_query).unwrap_or_default()
    {
        // Repeated parameters are joined with commas, as API Gateway does.
        match query.get_mut(&k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            _ => {
                query.insert(k, json!(v));
            }
        }
    }
    let content_type = parts
        .headers
        .get(hyper::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let (body, encoded) = if call.body.is_empty() {
        (Value::Null, false)
    } else {
        match (is_text(content_type), std::str::from_utf8(call.body)) {
            (true, Ok(text)) => (json!(text), false),
            _ => (
                json!(base64::engine::general_purpose::STANDARD.encode(call.body)),
                true,
            ),
        }
    };
    let path = parts.uri.path();
    let mut event = json!({
        "version": "2.0",
        "routeKey": call.route.key(),
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": call.account_id,
            "apiId": API_ID,
            "domainName": domain,
            "domainPrefix": domain.split('.').next().unwrap_or(domain),
            "http": {
                "method": parts.method.as_str(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": call.peer.ip().to_string(),
                "userAgent": parts.headers.get(hyper::header::USER_AGENT)
                    .and_then(|v| v.to_str().ok()).unwrap_or_default(),
            },
            "requestId": call.request_id,
            "routeKey": call.route.key(),
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "isBase64Encoded": encoded,
    });
    let fields = event.as_object_mut().expect("built as an object");
    if !cookies.is_empty() {
        fields.insert("cookies".into(), json!(cookies));
    }
    if !query.is_empty() {
        fields.insert("queryStringParameters".into(), Value::Object(query));
    }
    if !call.path_parameters.is_empty() {
        fields.insert("pathParameters".into(), json!(call.path_parameters));
    }
    if !body.is_null() {
        fields.insert("body".into(), body);
    }
    event
}

/// Why a function's answer is not one API Gateway can send on.
#[derive(Debug)]
pub struct MalformedResponse(pub String);

/// The function's answer as API Gateway turns it into an HTTP response: `statusCode`,
/// `headers` (one value each), `cookies` (each a `Set-Cookie`), `body` (base64 when
/// `isBase64Encoded`). An answer without `statusCode` is sent as a JSON body with 200.
pub fn http_response(answer: Value) -> Result<hyper::Response<Full<Bytes>>, MalformedResponse> {
    let bad = |why: &str| MalformedResponse(why.to_owned());
    let Some(status) = answer.get("statusCode") else {
        let body = serde_json::to_vec(&answer).map_err(|e| bad(&e.to_string()))?;
        return hyper::Response::builder()
            .status(200)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| bad(&e.to_string()));
    };
    let status = status
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .ok_or_else(|| bad("statusCode is not a status"))?;
    let mut response = hyper::Response::builder().status(status);
    if let Some(headers) = answer.get("headers").and_then(Value::as_object) {
        for (name, value) in headers {
            let value = value
                .as_str()
                .ok_or_else(|| bad("a header value is not a string"))?;
            response = response.header(name.as_str(), value);
        }
    }
    for cookie in answer
        .get("cookies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let cookie = cookie
            .as_str()
            .ok_or_else(|| bad("a cookie is not a string"))?;
        response = response.header(hyper::header::SET_COOKIE, cookie);
    }
    let text = answer
        .get("body")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let body = if answer.get("isBase64Encoded").and_then(Value::as_bool) == Some(true) {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|_| bad("the body is not base64"))?
    } else {
        text.as_bytes().to_vec()
    };
    response
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| bad(&e.to_string()))
}

/// EventBridge's scheduled event, or the rule's `Input` in its place when it has one.
pub fn scheduled(
    rule: &str,
    input: Option<&Value>,
    region: &str,
    account_id: &str,
    now: DateTime<Utc>,
) -> Value {
    if let Some(input) = input {
        return input.clone();
    }
    json!({
        "version": "0",
        "id": uuid::Uuid::new_v4().to_string(),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": now.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "region": region,
        "resources": [format!("arn:aws:events:{region}:{account_id}:rule/{API_ID}-{rule}")],
        "detail": {},
    })
}
