//! Purposes, requests and certificates: `GET /v1/purposes`, `POST /v1/certificate-requests`,
//! `GET /v1/certificate-requests/{request_id}`, `GET /v1/certificates`,
//! `GET /v1/certificates/{certificate_number}/pdf`.

use async_trait::async_trait;
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::{ConfigError, Env};
use cazier_shared::http::{
    authorize, header_str, json_response, parse_json, path_param, respond, route_key, ApiError,
};
use cazier_shared::ports::{Clock, SessionStore, SystemClock};
use cazier_shared::runtime::HttpFunction;
use cazier_shared::services::requests::{purposes, RequestService};
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use std::sync::Arc;

pub struct RequestsFunction {
    service: RequestService,
    sessions: Arc<dyn SessionStore>,
    clock: Arc<dyn Clock>,
}

impl RequestsFunction {
    pub async fn from_env(sdk: aws_config::SdkConfig, env: Env) -> Result<Self, ConfigError> {
        let wiring = Wiring::load(&sdk, &env).await?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        Ok(Self {
            service: RequestService {
                accounts: wiring.accounts()?,
                requests: wiring.requests()?,
                certificates: wiring.certificates()?,
                blobs: wiring.documents()?,
                companies: wiring.records()?,
                clock: clock.clone(),
            },
            sessions: wiring.sessions()?,
            clock,
        })
    }

    async fn route(&self, req: Request) -> Result<Response<Body>, ApiError> {
        let caller = authorize(&req, &*self.sessions, &*self.clock).await?;
        let route = route_key(&req);
        if route == "GET /v1/purposes" {
            let mut response = json_response(StatusCode::OK, &purposes());
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            );
            return Ok(response);
        }
        let principal = caller.principal()?;
        match route.as_str() {
            "POST /v1/certificate-requests" => {
                let submitted = self
                    .service
                    .submit(
                        principal,
                        parse_json(&req, false)?,
                        header_str(&req, "idempotency-key"),
                    )
                    .await?;
                Ok(json_response(StatusCode::ACCEPTED, &submitted.0))
            }
            "GET /v1/certificate-requests/{request_id}" => {
                let id = path_param(&req, "request_id").ok_or(ApiError::NotFound)?;
                Ok(json_response(
                    StatusCode::OK,
                    &self.service.get(principal, &id).await?,
                ))
            }
            "GET /v1/certificates" => Ok(json_response(
                StatusCode::OK,
                &self.service.list_certificates(principal).await?,
            )),
            "GET /v1/certificates/{certificate_number}/pdf" => {
                let number = path_param(&req, "certificate_number").ok_or(ApiError::NotFound)?;
                let (number, pdf) = self.service.document(principal, &number).await?;
                let mut response = Response::new(Body::Binary(pdf));
                let headers = response.headers_mut();
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/pdf"),
                );
                headers.insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("private, no-store"),
                );
                if let Ok(v) = HeaderValue::from_str(&format!(
                    "attachment; filename=\"cazier-{}.pdf\"",
                    number.as_str()
                )) {
                    headers.insert(header::CONTENT_DISPOSITION, v);
                }
                Ok(response)
            }
            _ => Err(ApiError::NotFound),
        }
    }
}

#[async_trait]
impl HttpFunction for RequestsFunction {
    async fn handle(&self, req: Request) -> Response<Body> {
        respond(self.route(req).await)
    }
}
