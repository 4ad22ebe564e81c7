//! What every HTTP function's `main` does: build the function once per cold start (through
//! the one [`Wiring`]), then serve. A configuration error stops the cold start.

use crate::aws::wiring::Wiring;
use crate::config::ConfigError;
use crate::domain::Principal;
use crate::http::{authorize, respond, ApiError, Route};
use crate::ports::{Clock, SessionStore};
use crate::wiring::PortSource;
use async_trait::async_trait;
use cazier_shared::process::{exit_with, wiring_from_process};
use lambda_http::{service_fn, Body, Request, Response};
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// An API function: answers every request, errors included, with an HTTP response.
#[async_trait]
pub trait HttpFunction: Send + Sync + 'static {
    async fn handle(&self, req: Request) -> Response<Body>;

    /// The answer as it leaves: [`HttpFunction::handle`]'s, with the headers every answer of
    /// the service carries. What the Lambda runtime and the local stack call.
    async fn serve(&self, req: Request) -> Response<Body> {
        crate::http::with_transport_security(self.handle(req).await)
    }
}

/// What an endpoint answers; an error becomes a problem document.
pub type Answer = Result<Response<Body>, ApiError>;

/// An answer still being worked out, borrowing the endpoints.
pub type Pending<'a> = Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;

/// A route's handler as its table binds it (see [`crate::api_routes!`]): the endpoints, the
/// principal the route's access admitted (none for a public route), the request.
pub type Handle<E> = for<'a> fn(&'a E, Option<Principal>, Request) -> Pending<'a>;

/// What differs between API functions: their route table, written with [`crate::api_routes!`].
pub trait Endpoints: Send + Sync + Sized + 'static {
    /// The function's routes, who may call them, and which handler answers.
    const ROUTES: &'static [Route<Handle<Self>>];
}

/// An API function: its endpoints behind the authorisation every function shares. Each route
/// is checked against the table before the endpoints see it.
pub struct ApiFunction<E> {
    endpoints: E,
    sessions: Arc<dyn SessionStore>,
    clock: Arc<dyn Clock>,
}

impl<E: Endpoints> ApiFunction<E> {
    pub fn new(endpoints: E, ports: &dyn PortSource) -> Result<Self, ConfigError> {
        Ok(Self {
            endpoints,
            sessions: ports.sessions()?,
            clock: ports.clock(),
        })
    }
}

#[async_trait]
impl<E: Endpoints> HttpFunction for ApiFunction<E> {
    async fn handle(&self, req: Request) -> Response<Body> {
        let authorised = authorize(E::ROUTES, &req, &*self.sessions, &*self.clock).await;
        respond(match authorised {
            Ok((handler, principal)) => handler(&self.endpoints, principal, req).await,
            Err(e) => Err(e),
        })
    }
}

/// Builds the function from the process environment once per cold start and serves requests.
pub async fn run_http<F: HttpFunction>(build: impl FnOnce(&Wiring) -> Result<F, ConfigError>) {
    let wiring = wiring_from_process().await;
    let function = match build(&wiring) {
        Ok(f) => Arc::new(f),
        Err(e) => exit_with(e),
    };
    warm_up(&wiring).await;
    let served = lambda_http::run(service_fn(move |req: Request| {
        let function = Arc::clone(&function);
        async move { Ok::<_, Infallible>(function.serve(req).await) }
    }))
    .await;
    if let Err(e) = served {
        tracing::error!(error = %e, "runtime stopped");
        std::process::exit(1);
    }
}

/// Opens the DynamoDB connection every HTTP request needs (its session is looked up there)
/// during the cold start, which runs at full CPU, so the first citizen after a cold start does
/// not wait for a TLS handshake: one read of a key that cannot exist. A failure only means the
/// first request connects itself.
async fn warm_up(wiring: &Wiring) {
    let started = std::time::Instant::now();
    if let Ok(sessions) = wiring.sessions() {
        let outcome = sessions.get("cold-start-warm-up").await;
        let warm_up_us = started.elapsed().as_micros() as u64;
        tracing::info!(
            warm_up_us,
            ok = outcome.is_ok(),
            "cold start: DynamoDB connection opened"
        );
    }
}
