//! Outbound HTTP(S) to services outside AWS (an identity provider's token endpoint, a
//! timestamping authority and its CRLs): rustls with the system's roots, one connection pool
//! per instance, every exchange bounded in time and size.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

type Pool = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// Made at first use, not at the cold start: the system's CA bundle takes milliseconds to
/// parse, and most instances never call out.
pub struct Outbound {
    client: std::sync::OnceLock<Pool>,
    max_response_bytes: usize,
    timeout: Duration,
}

/// What came back: the status and the body (at most the configured size).
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
}

impl Outbound {
    pub fn new(max_response_bytes: usize, timeout: Duration) -> Self {
        Self {
            client: std::sync::OnceLock::new(),
            max_response_bytes,
            timeout,
        }
    }

    fn client(&self) -> Result<&Pool, String> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| format!("no trust roots: {e}"))?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(self.client.get_or_init(|| client))
    }

    /// POSTs `body` as `content_type`.
    pub async fn post(
        &self,
        url: &str,
        content_type: &str,
        accept: &str,
        body: Vec<u8>,
    ) -> Result<Answer, String> {
        let request = hyper::Request::post(url)
            .header("content-type", content_type)
            .header("accept", accept)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("bad URL: {e}"))?;
        self.send(request).await
    }

    /// POSTs `body` with these extra headers.
    pub async fn post_with(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<Answer, String> {
        let mut request = hyper::Request::post(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("bad URL: {e}"))?;
        self.send(request).await
    }

    pub async fn get(&self, url: &str) -> Result<Answer, String> {
        let request = hyper::Request::get(url)
            .body(Full::new(Bytes::new()))
            .map_err(|e| format!("bad URL: {e}"))?;
        self.send(request).await
    }

    async fn send(&self, request: hyper::Request<Full<Bytes>>) -> Result<Answer, String> {
        let exchange = async {
            let response = self
                .client()?
                .request(request)
                .await
                .map_err(|e| e.to_string())?;
            let status = response.status().as_u16();
            let body = Limited::new(response.into_body(), self.max_response_bytes)
                .collect()
                .await
                .map_err(|e| format!("reading the answer: {e}"))?
                .to_bytes();
            Ok(Answer { status, body })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| "timed out".to_string())?
    }
}

/// Organisations' webhook receivers, reached over HTTPS (redirects not followed: a 3xx is a
/// failed attempt), a receiver's answer read to at most 4 KiB, 4 seconds each (the
/// deliverer's run must end within its function's 10).
pub struct HttpWebhooks(Outbound);

impl Default for HttpWebhooks {
    fn default() -> Self {
        Self(Outbound::new(4096, Duration::from_secs(4)))
    }
}

#[async_trait::async_trait]
impl crate::ports::WebhookSender for HttpWebhooks {
    async fn post(
        &self,
        url: &str,
        idempotency_key: &str,
        body: String,
    ) -> Result<(), crate::ports::WebhookError> {
        use crate::ports::WebhookError;
        let answer = self
            .0
            .post_with(
                url,
                &[
                    ("content-type", "application/jwt"),
                    ("idempotency-key", idempotency_key),
                    ("user-agent", "cazier-webhooks/1"),
                ],
                body.into_bytes(),
            )
            .await
            .map_err(WebhookError::Transport)?;
        match answer.status {
            200..=299 => Ok(()),
            status => Err(WebhookError::Status(status)),
        }
    }
}
