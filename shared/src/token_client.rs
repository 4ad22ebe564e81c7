//! The token endpoint of an OpenID Connect provider, over HTTPS (rustls with the system's
//! roots; plain HTTP only for the loopback addresses `identity::parse_issuers` allows). One
//! connection pool per instance; every exchange is bounded in time and size.

use crate::ports::{TokenEndpoint, TokenError};
use async_trait::async_trait;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::Duration;

/// A token answer is a few kilobytes; anything far larger is not one.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// The citizen is waiting on the return page.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Made at the first sign-in an instance serves, not at its cold start: the system's CA
/// bundle (the provider's roots are not AWS's) takes milliseconds to parse, and most
/// instances never redeem a code.
#[derive(Default)]
pub struct HttpsTokenEndpoint {
    client: std::sync::OnceLock<Client<HttpsConnector<HttpConnector>, Full<Bytes>>>,
}

impl HttpsTokenEndpoint {
    pub fn new() -> Self {
        Self::default()
    }

    fn client(&self) -> Result<&Client<HttpsConnector<HttpConnector>, Full<Bytes>>, TokenError> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| TokenError::Unavailable(format!("no trust roots: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(self.client.get_or_init(|| client))
    }

    async fn post(&self, url: &str, form: String) -> Result<(u16, Bytes), TokenError> {
        let request = hyper::Request::post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(Full::new(Bytes::from(form)))
            .map_err(|e| TokenError::Unavailable(format!("bad token URL: {e}")))?;
        let response = self
            .client()?
            .request(request)
            .await
            .map_err(|e| TokenError::Unavailable(format!("token endpoint: {e}")))?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map_err(|e| TokenError::Unavailable(format!("token endpoint body: {e}")))?
            .to_bytes();
        Ok((status, body))
    }
}

fn form_encode(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::identity::query_value(k),
                crate::identity::query_value(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(serde::Deserialize)]
struct Answer {
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[async_trait]
impl TokenEndpoint for HttpsTokenEndpoint {
    async fn redeem(&self, token_url: &str, form: &[(&str, &str)]) -> Result<String, TokenError> {
        let (status, body) = tokio::time::timeout(TIMEOUT, self.post(token_url, form_encode(form)))
            .await
            .map_err(|_| TokenError::Unavailable("token endpoint timed out".into()))??;
        let answer: Option<Answer> = serde_json::from_slice(&body).ok();
        match (status, answer) {
            (
                200,
                Some(Answer {
                    id_token: Some(token),
                    ..
                }),
            ) => Ok(token),
            // RFC 6749 §5.2: the code or the client was refused.
            (400..=499, Some(Answer { error: Some(e), .. })) => {
                Err(TokenError::Refused(e.chars().take(64).collect()))
            }
            (200, _) => Err(TokenError::Refused("no id_token in the answer".into())),
            (status, _) => Err(TokenError::Unavailable(format!(
                "token endpoint answered {status}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_encoded() {
        assert_eq!(
            form_encode(&[("code", "a+b c"), ("redirect_uri", "https://x/y?z=1")]),
            "code=a%2Bb%20c&redirect_uri=https%3A%2F%2Fx%2Fy%3Fz%3D1"
        );
    }
}
