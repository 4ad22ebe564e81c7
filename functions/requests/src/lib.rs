//! Purposes, requests and certificates: `GET /v1/purposes`, `POST /v1/certificate-requests`,
//! `GET /v1/certificate-requests/{request_id}`, `GET /v1/certificates`,
//! `GET /v1/certificates/{certificate_number}/pdf`.

use async_trait::async_trait;
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::ConfigError;
use cazier_shared::domain::RequestId;
use cazier_shared::http::{
    authorize, header_str, json_response, parse_json, path_param, respond, with_header, Access,
    ApiError, Route,
};
use cazier_shared::ports::SessionStore;
use cazier_shared::runtime::HttpFunction;
use cazier_shared::services::requests::{purposes, Document, RequestService};
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

#[derive(Debug, Clone, Copy)]
pub enum Handler {
    Purposes,
    Submit,
    Status,
    Certificates,
    Pdf,
}

/// This function's routes and who may call them.
pub const ROUTES: &[Route<Handler>] = &[
    Route {
        key: "GET /v1/purposes",
        access: Access::Public,
        handler: Handler::Purposes,
    },
    Route {
        key: "POST /v1/certificate-requests",
        access: Access::Citizen,
        handler: Handler::Submit,
    },
    Route {
        key: "GET /v1/certificate-requests/{request_id}",
        access: Access::Citizen,
        handler: Handler::Status,
    },
    Route {
        key: "GET /v1/certificates",
        access: Access::Citizen,
        handler: Handler::Certificates,
    },
    Route {
        key: "GET /v1/certificates/{certificate_number}/pdf",
        access: Access::Citizen,
        handler: Handler::Pdf,
    },
];

pub struct RequestsFunction {
    service: RequestService,
    sessions: Arc<dyn SessionStore>,
}

impl RequestsFunction {
    pub fn new(wiring: &Wiring) -> Result<Self, ConfigError> {
        Ok(Self {
            service: wiring.request_service()?,
            sessions: wiring.sessions()?,
        })
    }

    async fn route(&self, req: Request) -> Result<Response<Body>, ApiError> {
        let clock = &*self.service.clock;
        let (handler, caller) = authorize(ROUTES, &req, &*self.sessions, clock).await?;
        match handler {
            Handler::Purposes => Ok(with_header(
                json_response(StatusCode::OK, &purposes()),
                header::CACHE_CONTROL,
                "public, max-age=3600",
            )),
            Handler::Submit => {
                let submitted = self
                    .service
                    .submit(
                        caller.principal()?,
                        parse_json(&req, false)?,
                        header_str(&req, "idempotency-key"),
                    )
                    .await?;
                Ok(json_response(StatusCode::ACCEPTED, &submitted))
            }
            Handler::Status => {
                let id = path_param(&req, "request_id")
                    .map(RequestId::from)
                    .ok_or(ApiError::NotFound)?;
                Ok(json_response(
                    StatusCode::OK,
                    &self.service.get(caller.principal()?, &id).await?,
                ))
            }
            Handler::Certificates => Ok(json_response(
                StatusCode::OK,
                &self.service.list_certificates(caller.principal()?).await?,
            )),
            Handler::Pdf => {
                let number = path_param(&req, "certificate_number").ok_or(ApiError::NotFound)?;
                let Document { number, pdf } =
                    self.service.document(caller.principal()?, &number).await?;
                let mut response = Response::new(Body::Binary(pdf));
                response = with_header(response, header::CONTENT_TYPE, "application/pdf");
                response = with_header(response, header::CACHE_CONTROL, "private, no-store");
                let disposition = format!("attachment; filename=\"cazier-{number}.pdf\"");
                Ok(with_header(
                    response,
                    header::CONTENT_DISPOSITION,
                    &disposition,
                ))
            }
        }
    }
}

#[async_trait]
impl HttpFunction for RequestsFunction {
    async fn handle(&self, req: Request) -> Response<Body> {
        respond(self.route(req).await)
    }
}
