//! Public verification: `POST /v1/verifications`, `POST /v1/verifications/document`, the seal's
//! chain (`GET /v1/trust/certificates`) and the page the QR codes open (`GET /verificare`).

mod page;

use async_trait::async_trait;
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::ConfigError;
use cazier_shared::http::{
    authorize, body_bytes, header_str, json_response, parse_json, respond, source_ip, with_header,
    Access, ApiError, Route,
};
use cazier_shared::ports::SessionStore;
use cazier_shared::runtime::HttpFunction;
use cazier_shared::seal::CHAIN_CONTENT_TYPE;
use cazier_shared::services::verification::VerificationService;
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

#[derive(Debug, Clone, Copy)]
pub enum Handler {
    ByNumber,
    Document,
    Page,
    TrustChain,
}

/// This function's routes and who may call them.
pub const ROUTES: &[Route<Handler>] = &[
    Route {
        key: "POST /v1/verifications",
        access: Access::Public,
        handler: Handler::ByNumber,
    },
    Route {
        key: "POST /v1/verifications/document",
        access: Access::Public,
        handler: Handler::Document,
    },
    Route {
        key: "GET /verificare",
        access: Access::Public,
        handler: Handler::Page,
    },
    Route {
        key: "GET /v1/trust/certificates",
        access: Access::Public,
        handler: Handler::TrustChain,
    },
];

pub struct VerificationFunction {
    service: VerificationService,
    sessions: Arc<dyn SessionStore>,
}

impl VerificationFunction {
    pub fn new(wiring: &Wiring) -> Result<Self, ConfigError> {
        Ok(Self {
            service: wiring.verification_service()?,
            sessions: wiring.sessions()?,
        })
    }

    async fn route(&self, req: Request) -> Result<Response<Body>, ApiError> {
        let clock = &*self.service.clock;
        let (handler, _) = authorize(ROUTES, &req, &*self.sessions, clock).await?;
        match handler {
            Handler::ByNumber => {
                let answer = self
                    .service
                    .verify(parse_json(&req, false)?, &source_ip(&req))
                    .await?;
                Ok(json_response(StatusCode::OK, &answer))
            }
            Handler::Document => {
                let content_type = header_str(&req, header::CONTENT_TYPE.as_str());
                let answer = self
                    .service
                    .verify_document(body_bytes(&req), content_type, &source_ip(&req))
                    .await?;
                Ok(json_response(StatusCode::OK, &answer))
            }
            Handler::Page => Ok(page::response()),
            Handler::TrustChain => {
                let pem = self.service.trust_chain_pem().await?;
                let response = with_header(
                    Response::new(Body::Text(pem)),
                    header::CONTENT_TYPE,
                    CHAIN_CONTENT_TYPE,
                );
                Ok(with_header(
                    response,
                    header::CACHE_CONTROL,
                    "public, max-age=3600",
                ))
            }
        }
    }
}

#[async_trait]
impl HttpFunction for VerificationFunction {
    async fn handle(&self, req: Request) -> Response<Body> {
        respond(self.route(req).await)
    }
}
