//! Purposes, requests and certificates: `GET /v1/purposes`, `POST /v1/certificate-requests`,
//! `GET /v1/certificate-requests/{request_id}`, `GET /v1/certificates`,
//! `GET /v1/certificates/{certificate_number}/pdf`, `GET /v1/certificates/{certificate_number}/checks`.

use cazier_edge::http::{
    certificate_pdf, empty_response, header_str, json_response, parse_json, path_param,
    with_header, ApiError, Citizen,
};
use cazier_edge::runtime::{Answer, ApiFunction};
use cazier_shared::config::ConfigError;
use cazier_shared::domain::{CertificateNumber, RequestId, ShareId};
use cazier_shared::services::checks::CheckService;
use cazier_shared::services::requests::{
    purposes, Document, IdempotencyKey, RequestService, SubmitDto,
};
use cazier_shared::services::shares::{CreateShareDto, ShareService};
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use lambda_http::http::{header, StatusCode};
use lambda_http::Request;

/// The function's services, reached through the routes of its table.
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

cazier_edge::api_routes!(Requests {
    GET "/v1/purposes" Public => purposes,
    POST "/v1/certificate-requests" Citizen => submit,
    GET "/v1/certificate-requests/{request_id}" Citizen => status,
    GET "/v1/certificates" Citizen => certificates,
    GET "/v1/certificates/{certificate_number}/pdf" Citizen => pdf,
    GET "/v1/certificates/{certificate_number}/checks" Citizen => checks,
    POST "/v1/certificates/{certificate_number}/shares" Citizen => create_share,
    GET "/v1/shares" Citizen => shares,
    DELETE "/v1/shares/{share_id}" Citizen => revoke_share,
});

/// The certificate a route's path names, parsed: a malformed number is not found, as an
/// unknown one is.
fn certificate_number(req: &Request) -> Result<CertificateNumber, ApiError> {
    path_param(req, "certificate_number")
        .and_then(|n| CertificateNumber::parse(&n))
        .ok_or(ApiError::NotFound)
}

impl Requests {
    async fn purposes(&self, _req: Request) -> Answer {
        let response = json_response(StatusCode::OK, &purposes());
        Ok(with_header(
            response,
            header::CACHE_CONTROL,
            "public, max-age=3600",
        ))
    }

    async fn submit(&self, who: Citizen, req: Request) -> Answer {
        let dto: SubmitDto = parse_json(&req, false)?;
        let key = header_str(&req, "idempotency-key")
            .map(IdempotencyKey::parse)
            .transpose()?;
        let submitted = self
            .service
            .submit(&who, dto.try_into_domain()?, key.as_ref())
            .await?;
        Ok(json_response(StatusCode::ACCEPTED, &submitted))
    }

    async fn status(&self, who: Citizen, req: Request) -> Answer {
        let id = path_param(&req, "request_id")
            .map(RequestId::from)
            .ok_or(ApiError::NotFound)?;
        Ok(json_response(
            StatusCode::OK,
            &self.service.get(&who, &id).await?,
        ))
    }

    async fn certificates(&self, who: Citizen, _req: Request) -> Answer {
        let list = self.service.list_certificates(&who).await?;
        Ok(json_response(StatusCode::OK, &list))
    }

    async fn checks(&self, who: Citizen, req: Request) -> Answer {
        let checks = self.checks.checks(&who, &certificate_number(&req)?).await?;
        let response = json_response(StatusCode::OK, &checks);
        Ok(with_header(
            response,
            header::CACHE_CONTROL,
            "private, no-store",
        ))
    }

    async fn create_share(&self, who: Citizen, req: Request) -> Answer {
        let number = certificate_number(&req)?;
        let dto: CreateShareDto = parse_json(&req, true)?;
        let created = self
            .shares
            .create(&who, &number, dto.try_into_domain()?)
            .await?;
        let response = json_response(StatusCode::CREATED, &created);
        Ok(with_header(response, header::CACHE_CONTROL, "no-store"))
    }

    async fn shares(&self, who: Citizen, _req: Request) -> Answer {
        let list = self.shares.list(&who).await?;
        let response = json_response(StatusCode::OK, &list);
        Ok(with_header(
            response,
            header::CACHE_CONTROL,
            "private, no-store",
        ))
    }

    async fn revoke_share(&self, who: Citizen, req: Request) -> Answer {
        let id = path_param(&req, "share_id")
            .map(ShareId::from)
            .ok_or(ApiError::NotFound)?;
        self.shares.revoke(&who, &id).await?;
        Ok(empty_response(StatusCode::NO_CONTENT))
    }

    async fn pdf(&self, who: Citizen, req: Request) -> Answer {
        let number = certificate_number(&req)?;
        let Document { number, pdf } = self.service.document(&who, &number).await?;
        Ok(certificate_pdf(&number, pdf, "private, no-store"))
    }
}
