//! Public verification: `POST /v1/verifications`.

mod page;

use async_trait::async_trait;
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::{ConfigError, Env};
use cazier_shared::http::{
    authorize, body_bytes, json_response, parse_json, respond, route_key, source_ip, ApiError,
};
use cazier_shared::ports::{SessionStore, SystemClock};
use cazier_shared::runtime::HttpFunction;
use cazier_shared::seal::CHAIN_CONTENT_TYPE;
use cazier_shared::services::trust::ChainSource;
use cazier_shared::services::verification::VerificationService;
use lambda_http::http::StatusCode;
use lambda_http::http::{header, HeaderValue};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub struct VerificationFunction {
    service: VerificationService,
    sessions: Arc<dyn SessionStore>,
}

impl VerificationFunction {
    pub async fn from_env(sdk: aws_config::SdkConfig, env: Env) -> Result<Self, ConfigError> {
        let wiring = Wiring::load(&sdk, &env).await?;
        Ok(Self {
            service: VerificationService {
                certificates: wiring.certificates()?,
                audit: wiring.audit()?,
                throttle: wiring.sessions()?,
                clock: Arc::new(SystemClock),
                chain: Arc::new(ChainSource::new(wiring.documents()?)),
            },
            sessions: wiring.sessions()?,
        })
    }

    async fn route(&self, req: Request) -> Result<Response<Body>, ApiError> {
        authorize(&req, &*self.sessions, &*self.service.clock).await?;
        match route_key(&req).as_str() {
            "POST /v1/verifications" => {
                let answer = self
                    .service
                    .verify(parse_json(&req, false)?, &source_ip(&req))
                    .await?;
                Ok(json_response(StatusCode::OK, &answer))
            }
            "POST /v1/verifications/document" => {
                let content_type = req
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok());
                let answer = self
                    .service
                    .verify_document(body_bytes(&req), content_type, &source_ip(&req))
                    .await?;
                Ok(json_response(StatusCode::OK, &answer))
            }
            "GET /verificare" => Ok(page::response()),
            "GET /v1/trust/certificates" => {
                let pem = self.service.trust_chain_pem().await?;
                let mut response = Response::new(Body::Text(pem));
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(CHAIN_CONTENT_TYPE),
                );
                response.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=3600"),
                );
                Ok(response)
            }
            _ => Err(ApiError::NotFound),
        }
    }
}

#[async_trait]
impl HttpFunction for VerificationFunction {
    async fn handle(&self, req: Request) -> Response<Body> {
        respond(self.route(req).await)
    }
}
