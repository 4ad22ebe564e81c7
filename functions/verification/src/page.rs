//! The public verification page the certificates' QR codes open: a self-contained HTML page
//! (Romanian and English) that checks the QR code's signed statement offline, with the seal
//! keys it carries, and calls `/v1/verifications` and `/v1/verifications/document` on the same
//! origin. Its inline script and style are allowed by hash, nothing else.

use base64::Engine;
use cazier_shared::http::html_response;
use cazier_shared::statement::TrustedKey;
use lambda_http::{Body, Response};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

const PAGE: &str = include_str!("page.html");

fn inline_hash(open: &str, close: &str) -> String {
    let content = PAGE
        .split_once(open)
        .and_then(|(_, rest)| rest.split_once(close))
        .map_or("", |(inner, _)| inner);
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(content.as_bytes()))
    )
}

fn content_security_policy() -> &'static str {
    static POLICY: OnceLock<String> = OnceLock::new();
    POLICY.get_or_init(|| {
        format!(
            "default-src 'none'; script-src {}; style-src {}; connect-src 'self'; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
            inline_hash("<script>", "</script>"),
            inline_hash("<style>", "</style>")
        )
    })
}

/// The page, carrying the seal keys (JWK) that verify statements; the keys are data, not script.
pub fn response(keys: &[TrustedKey]) -> Response<Body> {
    let jwks: Vec<serde_json::Value> = keys.iter().map(TrustedKey::jwk).collect();
    let json = serde_json::Value::from(jwks)
        .to_string()
        .replace('<', "\\u003c");
    html_response(
        PAGE.replace("__SEAL_KEYS__", &json),
        content_security_policy(),
        "public, max-age=300",
    )
}
