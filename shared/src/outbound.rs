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
/// deliverer's run must end within its function's 10). The host's addresses are looked up
/// first: a name that resolves to a private, loopback, link-local or otherwise non-public
/// address is not posted to (the URL's check at registration sees names only). On a local
/// stack the loopback is allowed, where the tests' receivers listen.
pub struct HttpWebhooks {
    outbound: Outbound,
    allow_loopback: bool,
}

impl HttpWebhooks {
    pub fn new(allow_loopback: bool) -> Self {
        Self {
            outbound: Outbound::new(4096, Duration::from_secs(4)),
            allow_loopback,
        }
    }

    /// Why `url`'s host may not be posted to, if it may not.
    async fn refused(&self, url: &str) -> Option<String> {
        let uri: hyper::Uri = url.parse().ok()?;
        let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
        let port = uri.port_u16().unwrap_or(match uri.scheme_str() {
            Some("http") => 80,
            _ => 443,
        });
        let addresses: Vec<std::net::SocketAddr> = match tokio::net::lookup_host((host, port)).await
        {
            Ok(found) => found.collect(),
            Err(e) => return Some(format!("the host does not resolve: {e}")),
        };
        let allowed =
            |ip: std::net::IpAddr| public_address(ip) || (self.allow_loopback && ip.is_loopback());
        match addresses.iter().find(|a| !allowed(a.ip())) {
            Some(a) => Some(format!(
                "the host resolves to {}, not a public address",
                a.ip()
            )),
            None if addresses.is_empty() => Some("the host has no address".into()),
            None => None,
        }
    }
}

/// An address on the public internet: not loopback, private (RFC 1918, unique local),
/// link-local (the cloud's metadata service among them), shared (RFC 6598), unspecified,
/// multicast, broadcast or documentation.
pub fn public_address(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return public_address(IpAddr::V4(v4));
            }
            let segments = v6.segments();
            let first = segments[0];
            // IPv4 inside IPv6 (compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16):
            // judged by the IPv4 address it reaches.
            let [a, b] = [segments[6], segments[7]];
            let embedded =
                std::net::Ipv4Addr::new((a >> 8) as u8, a as u8, (b >> 8) as u8, b as u8);
            if segments[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified()
                || segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
            {
                return public_address(IpAddr::V4(embedded));
            }
            if first == 0x2002 {
                let [c, d] = [segments[1], segments[2]];
                let v4 = std::net::Ipv4Addr::new((c >> 8) as u8, c as u8, (d >> 8) as u8, d as u8);
                return public_address(IpAddr::V4(v4));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first & 0xffc0) == 0xfec0
                || first == 0x2001 && segments[1] == 0x0db8)
        }
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
        if let Some(why) = self.refused(url).await {
            return Err(WebhookError::Transport(why));
        }
        let answer = self
            .outbound
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

#[cfg(test)]
mod tests {
    use super::public_address;

    #[test]
    fn only_public_addresses_are_posted_to() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "2001:db8::1",
        ] {
            assert!(!public_address(private.parse().unwrap()), "{private}");
        }
        for public in [
            "93.184.215.14",
            "8.8.8.8",
            "2a00:1450:4001:80b::200e",
            "64:ff9b::808:808",
        ] {
            assert!(public_address(public.parse().unwrap()), "{public}");
        }
    }
}
