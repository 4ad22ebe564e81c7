//! Outbound HTTP(S) to services outside AWS (an identity provider's token endpoint, a
//! timestamping authority and its CRLs, organisations' webhook receivers): rustls with the
//! system's roots, one connection pool per instance, every exchange bounded in time and size.
//! Host names are looked up by [`Resolver`], which can refuse addresses: what it vetted is
//! what the connection goes to (no second lookup between the check and the connect).

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

type Pool = Client<HttpsConnector<HttpConnector<Resolver>>, Full<Bytes>>;

/// Which looked-up addresses may be connected to, and why not.
pub type AddressPolicy = Arc<dyn Fn(IpAddr) -> Result<(), String> + Send + Sync>;

/// Looks a host name up (the system's resolver in production; a test can answer differently
/// at each call, as a rebinding DNS server would).
pub type Lookup = Arc<
    dyn Fn(String) -> Pin<Box<dyn Future<Output = std::io::Result<Vec<IpAddr>>> + Send>>
        + Send
        + Sync,
>;

/// Name lookups bounded in time, every answer vetted by the policy: one refused address
/// refuses the name (a receiver's host must not straddle the public and private networks).
#[derive(Clone)]
pub struct Resolver {
    lookup: Lookup,
    policy: Option<AddressPolicy>,
}

const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

impl Resolver {
    /// The system's resolver, any address.
    pub fn system() -> Self {
        Self {
            lookup: Arc::new(|host| Box::pin(system_lookup(host))),
            policy: None,
        }
    }

    /// Only addresses `policy` accepts.
    pub fn vetted(lookup: Lookup, policy: AddressPolicy) -> Self {
        Self {
            lookup,
            policy: Some(policy),
        }
    }

    pub fn system_lookup() -> Lookup {
        Arc::new(|host| Box::pin(system_lookup(host)))
    }
}

async fn system_lookup(host: String) -> std::io::Result<Vec<IpAddr>> {
    Ok(tokio::net::lookup_host((host.as_str(), 0))
        .await?
        .map(|a| a.ip())
        .collect())
}

impl tower_service::Service<Name> for Resolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = std::io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let (lookup, policy) = (self.lookup.clone(), self.policy.clone());
        Box::pin(async move {
            let refused = |why: String| std::io::Error::other(why);
            let found = tokio::time::timeout(LOOKUP_TIMEOUT, lookup(name.as_str().to_owned()))
                .await
                .map_err(|_| refused("the name lookup timed out".into()))??;
            if found.is_empty() {
                return Err(refused("the host has no address".into()));
            }
            if let Some(policy) = policy {
                for ip in &found {
                    policy(*ip).map_err(refused)?;
                }
            }
            // The connector sets the URL's port.
            Ok(found
                .into_iter()
                .map(|ip| SocketAddr::new(ip, 0))
                .collect::<Vec<_>>()
                .into_iter())
        })
    }
}

/// Made at first use, not at the cold start: the system's CA bundle takes milliseconds to
/// parse, and most instances never call out.
pub struct Outbound {
    client: std::sync::OnceLock<Pool>,
    resolver: Resolver,
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
        Self::with_resolver(Resolver::system(), max_response_bytes, timeout)
    }

    pub fn with_resolver(resolver: Resolver, max_response_bytes: usize, timeout: Duration) -> Self {
        Self {
            client: std::sync::OnceLock::new(),
            resolver,
            max_response_bytes,
            timeout,
        }
    }

    fn client(&self) -> Result<&Pool, String> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let mut http = HttpConnector::new_with_resolver(self.resolver.clone());
        http.enforce_http(false);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| format!("no trust roots: {e}"))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
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
        self.send(request, true).await
    }

    /// POSTs `body` with these extra headers, for the status alone: the answer's body is not
    /// read (its size and pace are the receiver's business, not a failed delivery).
    pub async fn post_for_status(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        body: Vec<u8>,
    ) -> Result<u16, String> {
        let mut request = hyper::Request::post(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| format!("bad URL: {e}"))?;
        Ok(self.send(request, false).await?.status)
    }

    pub async fn get(&self, url: &str) -> Result<Answer, String> {
        let request = hyper::Request::get(url)
            .body(Full::new(Bytes::new()))
            .map_err(|e| format!("bad URL: {e}"))?;
        self.send(request, true).await
    }

    async fn send(
        &self,
        request: hyper::Request<Full<Bytes>>,
        read_body: bool,
    ) -> Result<Answer, String> {
        let exchange = async {
            let response = self
                .client()?
                .request(request)
                .await
                .map_err(|e| error_chain(&e))?;
            let status = response.status().as_u16();
            if !read_body {
                return Ok(Answer {
                    status,
                    body: Bytes::new(),
                });
            }
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

/// hyper's errors say "client error (Connect)" and keep the cause (a refused address, a
/// certificate) in their sources.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
