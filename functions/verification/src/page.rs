//! The public verification page the certificates' QR codes open: a static, self-contained HTML
//! page (Romanian and English) that calls `/v1/verifications` and `/v1/verifications/document`
//! on the same origin. Its inline script and style are allowed by hash, nothing else.

use base64::Engine;
use cazier_shared::http::html_response;
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

pub fn response() -> Response<Body> {
    html_response(
        PAGE.to_owned(),
        content_security_policy(),
        "public, max-age=300",
    )
}
