//! What every function's `main` does: logs, SDK clients, keys and configuration once (through
//! the one [`Wiring`]), then serve. A configuration error stops the cold start.

use crate::aws::wiring::Wiring;
use crate::config::{ConfigError, Env};
use async_trait::async_trait;
use lambda_http::{service_fn, Body, Request, Response};
use std::convert::Infallible;
use std::sync::Arc;

/// An API function: answers every request, errors included, with an HTTP response.
#[async_trait]
pub trait HttpFunction: Send + Sync + 'static {
    async fn handle(&self, req: Request) -> Response<Body>;
}

/// The wiring of this process's environment, or the end of the cold start.
pub async fn wiring_from_process() -> Wiring {
    crate::telemetry::init();
    let sdk = crate::aws::sdk_config().await;
    match Wiring::load(sdk, Env::from_process()).await {
        Ok(wiring) => wiring,
        Err(e) => exit_with(e),
    }
}

fn exit_with(e: ConfigError) -> ! {
    tracing::error!(error = %e, "configuration error");
    std::process::exit(1);
}

/// Builds the function from the process environment once per cold start and serves requests.
pub async fn run_http<F: HttpFunction>(build: impl FnOnce(&Wiring) -> Result<F, ConfigError>) {
    let wiring = wiring_from_process().await;
    let function = match build(&wiring) {
        Ok(f) => Arc::new(f),
        Err(e) => exit_with(e),
    };
    let served = lambda_http::run(service_fn(move |req: Request| {
        let function = Arc::clone(&function);
        async move { Ok::<_, Infallible>(function.handle(req).await) }
    }))
    .await;
    if let Err(e) = served {
        tracing::error!(error = %e, "runtime stopped");
        std::process::exit(1);
    }
}
