//! A timestamping authority over HTTP(S) (RFC 3161, section 3.4: `application/timestamp-query`
//! in, `application/timestamp-reply` out) and the CRLs its PKI publishes.

use crate::outbound::Outbound;
use crate::ports::TimestampAuthority;
use crate::timestamp::TimestampError;
use async_trait::async_trait;
use std::time::Duration;

/// A reply is a few kilobytes; a CRL of a TSA's issuer rarely over a megabyte.
const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Issuance waits on it; a TSA slower than this is as good as down (the request is retried).
const TIMEOUT: Duration = Duration::from_secs(5);

pub struct HttpTimestampAuthority {
    outbound: Outbound,
}

impl Default for HttpTimestampAuthority {
    fn default() -> Self {
        Self {
            outbound: Outbound::new(MAX_BYTES, TIMEOUT),
        }
    }
}

fn unavailable(what: &str, url: &str, e: impl std::fmt::Display) -> TimestampError {
    TimestampError::Unavailable(format!("{what} {url}: {e}"))
}

/// The body of a 200 answer; anything else is the authority (or its CA) being unavailable.
fn body(
    what: &str,
    url: &str,
    answer: Result<crate::outbound::Answer, String>,
) -> Result<Vec<u8>, TimestampError> {
    let answer = answer.map_err(|e| unavailable(what, url, e))?;
    if answer.status != 200 {
        return Err(unavailable(
            what,
            url,
            format_args!("answered {}", answer.status),
        ));
    }
    Ok(answer.body.to_vec())
}

#[async_trait]
impl TimestampAuthority for HttpTimestampAuthority {
    async fn exchange(&self, url: &str, request: &[u8]) -> Result<Vec<u8>, TimestampError> {
        let answer = self
            .outbound
            .post(
                url,
                "application/timestamp-query",
                "application/timestamp-reply",
                request.to_vec(),
            )
            .await;
        body("timestamping authority", url, answer)
    }

    async fn fetch(&self, url: &str) -> Result<Vec<u8>, TimestampError> {
        body("CRL", url, self.outbound.get(url).await)
    }
}
