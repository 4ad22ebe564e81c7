//! Purposes, requests and certificates: `GET /v1/purposes`, `POST /v1/certificate-requests`,
//! `GET /v1/certificate-requests/{request_id}`, `GET /v1/certificates`,
//! `GET /v1/certificates/{certificate_number}/pdf`, `GET /v1/certificates/{certificate_number}/checks`.

use async_trait::async_trait;

use cazier_shared::config::ConfigError;
use cazier_shared::domain::{RequestId, ShareId};
use cazier_shared::http::{
    certificate_pdf, empty_response, header_str, json_response, parse_json, path_param,
    with_header, Access, ApiError, Route,
};
use cazier_shared::runtime::{Answer, ApiFunction, Call, Endpoints};
use cazier_shared::services::checks::CheckService;
use cazier_shared::services::requests::{purposes, Document, RequestService};
use cazier_shared::services::shares::ShareService;
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use lambda_http::http::{header, StatusCode};

#[derive(Debug, Clone, Copy)]
pub enum Handler {
    Purposes,
    Submit,
    Status,
    Certificates,
    Pdf,
    Checks,
    CreateShare,
    Shares,
    RevokeShare,
}

/// The function's services, reached through the routes of its `Endpoints` table.
pub struct Requests {
    service: RequestService,
    checks: CheckService,
    shares: ShareService,
}

/// The function, built from the wiring once per cold start.
pub fn function<P: PortSource>(ports: &P) -> Result<ApiFunction<Requests>, ConfigError> {
    ApiFunction::new(
        Requests {
            service: ports.request_service()?,
            checks: ports.check_service()?,
            shares: ports.share_service()?,
        },
        ports,
    )
}

#[async_trait]
impl Endpoints for Requests {
    type Handler = Handler;
    /// This function's routes and who may call them.
    const ROUTES: &'static [Route<Handler>] = &[
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
        Route {
            key: "GET /v1/certificates/{certificate_number}/checks",
            access: Access::Citizen,
            handler: Handler::Checks,
        },
        Route {
            key: "POST /v1/certificates/{certificate_number}/shares",
            access: Access::Citizen,
            handler: Handler::CreateShare,
        },
        Route {
            key: "GET /v1/shares",
            access: Access::Citizen,
            handler: Handler::Shares,
        },
        Route {
            key: "DELETE /v1/shares/{share_id}",
            access: Access::Citizen,
            handler: Handler::RevokeShare,
        },
    ];

    async fn answer(&self, call: Call<Handler>) -> Answer {
        let (caller, req) = (call.caller, call.req);
        match call.handler {
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
            Handler::Checks => {
                let number = path_param(&req, "certificate_number").ok_or(ApiError::NotFound)?;
                let checks = self.checks.checks(caller.principal()?, &number).await?;
                let response = json_response(StatusCode::OK, &checks);
                Ok(with_header(
                    response,
                    header::CACHE_CONTROL,
                    "private, no-store",
                ))
            }
            Handler::CreateShare => {
                let number = path_param(&req, "certificate_number").ok_or(ApiError::NotFound)?;
                let dto = parse_json(&req, true)?;
                let created = self
                    .shares
                    .create(caller.principal()?, &number, dto)
                    .await?;
                let response = json_response(StatusCode::CREATED, &created);
                Ok(with_header(response, header::CACHE_CONTROL, "no-store"))
            }
            Handler::Shares => {
                let list = self.shares.list(caller.principal()?).await?;
                let response = json_response(StatusCode::OK, &list);
                Ok(with_header(
                    response,
                    header::CACHE_CONTROL,
                    "private, no-store",
                ))
            }
            Handler::RevokeShare => {
                let id = path_param(&req, "share_id")
                    .map(ShareId::from)
                    .ok_or(ApiError::NotFound)?;
                self.shares.revoke(caller.principal()?, &id).await?;
                Ok(empty_response(StatusCode::NO_CONTENT))
            }
            Handler::Pdf => {
                let number = path_param(&req, "certificate_number").ok_or(ApiError::NotFound)?;
                let Document { number, pdf } =
                    self.service.document(caller.principal()?, &number).await?;
                Ok(certificate_pdf(&number, pdf, "private, no-store"))
            }
        }
    }
}
