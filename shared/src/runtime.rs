//! What every function's `main` does: logs, SDK clients and configuration once, then serve.

use crate::config::{ConfigError, Env};
use async_trait::async_trait;
use lambda_http::{service_fn, Body, Request, Response};
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

/// An API function: answers every request, errors included, with an HTTP response.
#[async_trait]
pub trait HttpFunction: Send + Sync + 'static {
    async fn handle(&self, req: Request) -> Response<Body>;
}

/// Builds the function from the process environment once per cold start and serves requests.
pub async fn run_http<F, Fut>(build: impl FnOnce(aws_config::SdkConfig, Env) -> Fut)
where
    F: HttpFunction,
    Fut: Future<Output = Result<F, ConfigError>>,
{
    crate::telemetry::init();
    let sdk = crate::aws::sdk_config().await;
    let function = match build(sdk, Env::from_process()).await {
        Ok(f) => Arc::new(f),
        Err(e) => {
            tracing::error!(error = %e, "configuration error");
            std::process::exit(1);
        }
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
