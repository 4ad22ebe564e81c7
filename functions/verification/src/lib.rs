//! Public verification: `POST /v1/verifications` and `POST /v1/verifications/document` (each
//! also under `…/receipt`, the same with a sealed receipt to keep), the seal's chain
//! (`GET /v1/trust/certificates`), the revocation status lists (`GET /v1/status-lists/{year}`),
//! and certificates opened by share codes (`POST /v1/shared-certificate`, its `/pdf` and
//! `/receipt`: the code in the body, never in a URL).

use cazier_edge::http::{
    body_bytes, certificate_pdf, header_str, json_response, parse_json, path_param, source_ip,
    with_header, ApiError,
};
use cazier_edge::runtime::{Answer, ApiFunction};
use cazier_shared::config::ConfigError;
use cazier_shared::seal::CHAIN_CONTENT_TYPE;
use cazier_shared::services::receipts::ReceiptService;
use cazier_shared::services::shares::{AccessDto, ShareService};
use cazier_shared::services::verification::{VerificationService, VerifyDto};
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};

/// The function's services, reached through the routes of its table: the receipt service
/// holds the verification and share services the checks without receipts use too (built
/// once per cold start, not twice).
pub struct Verification {
    receipts: ReceiptService,
}

impl Verification {
    fn service(&self) -> &VerificationService {
        &self.receipts.verification
    }

    fn shares(&self) -> &ShareService {
        &self.receipts.shares
    }
}

/// The function, built from the wiring once per cold start.
pub fn function<P: PortSource>(ports: &P) -> Result<ApiFunction<Verification>, ConfigError> {
    ApiFunction::new(
        Verification {
            receipts: ports.receipt_service()?,
        },
        ports,
    )
}

cazier_edge::api_routes!(Verification {
    POST "/v1/verifications" Public => by_number,
    POST "/v1/verifications/receipt" Public => by_number_with_receipt,
    POST "/v1/verifications/document" Public => document,
    POST "/v1/verifications/document/receipt" Public => document_with_receipt,
    GET "/v1/trust/certificates" Public => trust_chain,
    GET "/v1/trust/access-ca" Public => access_ca,
    GET "/v1/status-lists/{year}" Public => status_list,
    POST "/v1/shared-certificate" Public => shared_status,
    POST "/v1/shared-certificate/pdf" Public => shared_document,
    POST "/v1/shared-certificate/receipt" Public => shared_with_receipt,
});

impl Verification {
    async fn by_number(&self, req: Request) -> Answer {
        let dto: VerifyDto = parse_json(&req, false)?;
        let answer = self
            .service()
            .verify(dto.try_into_domain()?, &source_ip(&req))
            .await?;
        Ok(json_response(StatusCode::OK, &answer))
    }

    /// The same check, and a receipt sealed by the service to keep (issue 27).
    async fn by_number_with_receipt(&self, req: Request) -> Answer {
        let dto: VerifyDto = parse_json(&req, false)?;
        let answer = self
            .receipts
            .verify(dto.try_into_domain()?, &source_ip(&req))
            .await?;
        Ok(json_response(StatusCode::OK, &answer))
    }

    async fn document(&self, req: Request) -> Answer {
        let content_type = header_str(&req, header::CONTENT_TYPE.as_str());
        let answer = self
            .service()
            .verify_document(body_bytes(&req), content_type, &source_ip(&req))
            .await?;
        Ok(json_response(StatusCode::OK, &answer))
    }

    /// The PDF's check, and a receipt naming the file by its SHA-256.
    async fn document_with_receipt(&self, req: Request) -> Answer {
        let content_type = header_str(&req, header::CONTENT_TYPE.as_str());
        let answer = self
            .receipts
            .verify_document(body_bytes(&req), content_type, &source_ip(&req))
            .await?;
        Ok(json_response(StatusCode::OK, &answer))
    }

    /// A certificate opened by a share code, and a receipt (never the code).
    async fn shared_with_receipt(&self, req: Request) -> Answer {
        let dto: AccessDto = parse_json(&req, false)?;
        let shared = self
            .receipts
            .shared(&dto.try_into_domain()?, &source_ip(&req))
            .await?;
        let response = json_response(StatusCode::OK, &shared);
        Ok(with_header(response, header::CACHE_CONTROL, "no-store"))
    }

    async fn shared_status(&self, req: Request) -> Answer {
        let dto: AccessDto = parse_json(&req, false)?;
        let shared = self
            .shares()
            .access(&dto.try_into_domain()?, &source_ip(&req))
            .await?;
        let response = json_response(StatusCode::OK, &shared);
        Ok(with_header(response, header::CACHE_CONTROL, "no-store"))
    }

    async fn shared_document(&self, req: Request) -> Answer {
        let dto: AccessDto = parse_json(&req, false)?;
        let access = dto.try_into_domain()?;
        let (number, pdf) = self.shares().document(&access, &source_ip(&req)).await?;
        Ok(certificate_pdf(&number, pdf, "no-store"))
    }

    async fn status_list(&self, req: Request) -> Answer {
        let year = path_param(&req, "year")
            .filter(|y| y.len() == 4)
            .and_then(|y| y.parse::<i32>().ok())
            .ok_or(ApiError::NotFound)?;
        let token = self
            .service()
            .status_list(year)
            .await?
            .ok_or(ApiError::NotFound)?;
        let response = with_header(
            Response::new(Body::Text(token)),
            header::CONTENT_TYPE,
            cazier_shared::services::status::CONTENT_TYPE,
        );
        // A revocation must reach verifiers at once: a minute's caching at most.
        Ok(with_header(
            response,
            header::CACHE_CONTROL,
            "public, max-age=60",
        ))
    }

    /// The access CA's certificate, for wallets' lists of trusted relying-party CAs.
    async fn access_ca(&self, _req: Request) -> Answer {
        let pem = self
            .service()
            .access_ca_pem()
            .await?
            .ok_or(ApiError::NotFound)?;
        Ok(pem_response(pem))
    }

    async fn trust_chain(&self, _req: Request) -> Answer {
        let pem = self.service().trust_chain_pem().await?;
        Ok(pem_response(pem))
    }
}

/// PEM certificates, cached an hour (what verifiers and wallets fetch to trust us).
fn pem_response(pem: String) -> Response<Body> {
    let response = with_header(
        Response::new(Body::Text(pem)),
        header::CONTENT_TYPE,
        CHAIN_CONTENT_TYPE,
    );
    with_header(response, header::CACHE_CONTROL, "public, max-age=3600")
}
