//! The token endpoint of an OpenID Connect provider, over HTTPS ([`Outbound`]; plain HTTP only
//! for the loopback addresses `identity::parse_issuers` allows).

use crate::outbound::Outbound;
use crate::ports::{TokenEndpoint, TokenError};
use async_trait::async_trait;
use std::time::Duration;

/// A token answer is a few kilobytes; anything far larger is not one.
const MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// The citizen is waiting on the return page.
const TIMEOUT: Duration = Duration::from_secs(10);

pub struct HttpsTokenEndpoint {
    outbound: Outbound,
}

impl Default for HttpsTokenEndpoint {
    fn default() -> Self {
        Self {
            outbound: Outbound::new(MAX_RESPONSE_BYTES, TIMEOUT),
        }
    }
}

impl HttpsTokenEndpoint {
    pub fn new() -> Self {
        Self::default()
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
        let answer = self
            .outbound
            .post(
                token_url,
                "application/x-www-form-urlencoded",
                "application/json",
                form_encode(form).into_bytes(),
            )
            .await
            .map_err(|e| TokenError::Unavailable(format!("token endpoint: {e}")))?;
        let (status, body) = (answer.status, answer.body);
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
