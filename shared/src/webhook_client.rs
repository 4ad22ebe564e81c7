//! Organisations' webhook receivers, reached over HTTPS (redirects not followed: a 3xx is a
//! failed attempt), 4 seconds each (the deliverer's run must end within its function's 10),
//! for the status alone: a 2xx is delivered whatever its body. A host name is looked up once
//! per connection, and a name with any private, loopback, link-local or otherwise
//! non-public address is not connected to: the connection goes to the addresses that were
//! checked, so a name that changes its answer between a check and a connect (DNS rebinding)
//! reaches nothing inside. The URL's check at registration sees names only. On a local stack
//! the loopback is allowed, where the tests' receivers listen.

use crate::outbound::{AddressPolicy, Lookup, Outbound, Resolver};
use crate::ports::{WebhookError, WebhookSender};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

pub struct HttpWebhooks {
    outbound: Outbound,
    policy: AddressPolicy,
}

const TIMEOUT: Duration = Duration::from_secs(4);

impl HttpWebhooks {
    pub fn new(allow_loopback: bool) -> Self {
        Self::with_lookup(allow_loopback, Resolver::system_lookup(), TIMEOUT)
    }

    fn with_lookup(allow_loopback: bool, lookup: Lookup, timeout: Duration) -> Self {
        let policy: AddressPolicy = Arc::new(move |ip: IpAddr| {
            if public_address(ip) || (allow_loopback && ip.is_loopback()) {
                Ok(())
            } else {
                Err(format!("the host resolves to {ip}, not a public address"))
            }
        });
        Self {
            outbound: Outbound::with_resolver(Resolver::vetted(lookup, policy.clone()), 0, timeout),
            policy,
        }
    }

    /// An address in the URL itself is not looked up, so it is checked here.
    fn literal_refused(&self, url: &str) -> Option<String> {
        let uri: hyper::Uri = url.parse().ok()?;
        let host = uri.host()?.trim_start_matches('[').trim_end_matches(']');
        let ip: IpAddr = host.parse().ok()?;
        (self.policy)(ip).err()
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
                // SIIT's IPv4-translated addresses (::ffff:0:a.b.c.d).
                || segments[..6] == [0, 0, 0, 0, 0xffff, 0]
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
                // Local-use NAT64 (64:ff9b:1::/48: a network's own translator), discard-only
                // (100::/64).
                || segments[..3] == [0x64, 0xff9b, 1]
                || segments[..4] == [0x100, 0, 0, 0]
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first & 0xffc0) == 0xfec0
                || first == 0x2001 && segments[1] == 0x0db8)
        }
    }
}

#[async_trait::async_trait]
impl WebhookSender for HttpWebhooks {
    async fn post(
        &self,
        url: &str,
        idempotency_key: &str,
        body: String,
    ) -> Result<(), WebhookError> {
        if let Some(why) = self.literal_refused(url) {
            return Err(WebhookError::Transport(why));
        }
        let status = self
            .outbound
            .post_for_status(
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
        match status {
            200..=299 => Ok(()),
            status => Err(WebhookError::Status(status)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{public_address, HttpWebhooks};
    use crate::outbound::Lookup;
    use crate::ports::{WebhookError, WebhookSender};
    use std::net::IpAddr;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A receiver on the loopback answering every connection with `answer`; counts them.
    async fn receiver(answer: &'static [u8]) -> (u16, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = connections.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut request = [0u8; 8192];
                    let _ = stream.read(&mut request).await;
                    let _ = stream.write_all(answer).await;
                    // A body that never ends, for the answers that announce one.
                    tokio::time::sleep(Duration::from_secs(30)).await;
                });
            }
        });
        (port, connections)
    }

    /// A DNS server's answers in turn, the last one repeated; counts the lookups.
    fn answers(list: &[&[&str]]) -> (Lookup, Arc<AtomicUsize>) {
        let list: Vec<Vec<IpAddr>> = list
            .iter()
            .map(|a| a.iter().map(|ip| ip.parse().unwrap()).collect())
            .collect();
        let asked = Arc::new(AtomicUsize::new(0));
        let counted = asked.clone();
        let lookup: Lookup = Arc::new(move |_host| {
            let turn = counted.fetch_add(1, Ordering::SeqCst).min(list.len() - 1);
            let answer = list[turn].clone();
            Box::pin(async move { Ok(answer) })
        });
        (lookup, asked)
    }

    #[tokio::test]
    async fn a_name_that_rebinds_to_the_loopback_after_its_check_reaches_nothing() {
        let (port, connections) = receiver(b"HTTP/1.1 204 No Content\r\n\r\n").await;
        // Public at the first lookup, the loopback at every one after.
        let (lookup, asked) = answers(&[&["192.88.99.200"], &["127.0.0.1"]]);
        let webhooks = HttpWebhooks::with_lookup(false, lookup, Duration::from_millis(800));
        let url = format!("http://receiver.example:{port}/hook");
        let posted = webhooks.post(&url, "key", "body".into()).await;
        assert!(posted.is_err(), "{posted:?}");
        assert_eq!(
            asked.load(Ordering::SeqCst),
            1,
            "one lookup, the one checked"
        );
        assert_eq!(
            connections.load(Ordering::SeqCst),
            0,
            "nothing inside reached"
        );
        // And a second delivery, asked anew, is refused before any connection.
        let again = webhooks.post(&url, "key", "body".into()).await;
        assert!(
            matches!(&again, Err(WebhookError::Transport(why)) if why.contains("not a public address")),
            "{again:?}"
        );
        assert_eq!(connections.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_name_with_one_private_address_among_public_ones_is_refused() {
        let (port, connections) = receiver(b"HTTP/1.1 204 No Content\r\n\r\n").await;
        let (lookup, _) = answers(&[&["8.8.8.8", "127.0.0.1"]]);
        let webhooks = HttpWebhooks::with_lookup(false, lookup, Duration::from_secs(2));
        let url = format!("http://receiver.example:{port}/hook");
        let posted = webhooks.post(&url, "key", "body".into()).await;
        assert!(
            matches!(&posted, Err(WebhookError::Transport(why)) if why.contains("127.0.0.1")),
            "{posted:?}"
        );
        assert_eq!(connections.load(Ordering::SeqCst), 0);
        let literal = webhooks
            .post(&format!("http://127.0.0.1:{port}/"), "key", "body".into())
            .await;
        assert!(literal.is_err(), "{literal:?}");
        assert_eq!(connections.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn a_2xx_is_delivered_whatever_its_body_and_other_statuses_are_not() {
        let (lookup, _) = answers(&[&["127.0.0.1"]]);
        let webhooks = HttpWebhooks::with_lookup(true, lookup.clone(), Duration::from_secs(2));
        // 10 MB announced, never sent in full.
        let (port, connections) =
            receiver(b"HTTP/1.1 200 OK\r\ncontent-length: 10485760\r\n\r\nstarted").await;
        let posted = webhooks
            .post(
                &format!("http://receiver.example:{port}/"),
                "key",
                "body".into(),
            )
            .await;
        assert!(posted.is_ok(), "{posted:?}");
        assert_eq!(connections.load(Ordering::SeqCst), 1);
        let (port, _) = receiver(
            b"HTTP/1.1 302 Found\r\nlocation: http://127.0.0.1/\r\ncontent-length: 0\r\n\r\n",
        )
        .await;
        let redirected = webhooks
            .post(
                &format!("http://receiver.example:{port}/"),
                "key",
                "body".into(),
            )
            .await;
        assert!(
            matches!(redirected, Err(WebhookError::Status(302))),
            "{redirected:?}"
        );
    }

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
            "64:ff9b:1::a00:1",
            "::ffff:0:7f00:1",
            "100::1",
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
