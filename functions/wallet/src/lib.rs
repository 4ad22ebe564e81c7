//! The certificate in EU Digital Identity Wallets. Into one, by OpenID4VCI 1.0 (pre-authorized
//! code flow): the issuer's and authorization server's metadata, the holder's offer
//! (`POST /v1/certificates/{certificate_number}/wallet-offer`), and the wallet's token, nonce and
//! credential endpoints. Out of one, by OpenID4VP 1.0: a registered organisation's request
//! (`POST /v1/presentation-requests`, with the access token it got at `POST /oauth2/token` by
//! an RFC 7523 client assertion) and its outcome, and the wallet's response endpoint
//! (`POST /oid4vp/response`). The OAuth endpoints answer errors as RFC 6749 / OpenID4VCI JSON
//! (`{"error": …}`), mapped here once; the others answer problem documents.

mod errors;

use cazier_edge::http::{
    body_bytes, header_str, json_response, parse_json, path_param, source_ip, with_header,
    ApiError, Citizen,
};
use cazier_edge::runtime::{Answer, ApiFunction};
use cazier_shared::config::ConfigError;
use cazier_shared::domain::CertificateNumber;
use cazier_shared::services::client_auth::{
    ClientTokenRequest, OrganisationAuth, PRESENTATION_SCOPE,
};
use cazier_shared::services::presentation::{
    RedirectUri, RequestObjectError, RequestObjects, WalletResponse,
};
use cazier_shared::services::wallet::{TokenRequest, WalletService};
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use errors::{
    client_token_error, credential_error, no_store, oauth_error, response_answer, token_error,
};
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;

/// A token request is a few hundred bytes.
const MAX_FORM_BYTES: usize = 4 * 1024;
/// A wallet's response: one presentation of about 3.5 KB, URL-encoded.
const MAX_RESPONSE_BYTES: usize = 32 * 1024;

pub struct Wallet {
    service: WalletService,
    request_objects: RequestObjects,
    organisations: OrganisationAuth,
    /// Receipts of presentations' outcomes; holds the presentation service the other
    /// OpenID4VP routes use (built once per cold start).
    receipts: cazier_shared::services::receipts::WalletReceipts,
}

/// The function, built from the wiring once per cold start.
pub fn function<P: PortSource>(ports: &P) -> Result<ApiFunction<Wallet>, ConfigError> {
    ApiFunction::new(
        Wallet {
            service: ports.wallet_service()?,
            request_objects: ports.request_objects()?,
            organisations: ports.organisation_auth()?,
            receipts: ports.wallet_receipts()?,
        },
        ports,
    )
}

/// OpenID4VCI 1.0, section 8.2: `proofs.jwt` (one), or the drafts' single `proof`.
#[derive(Debug, Deserialize)]
struct CredentialRequest {
    credential_configuration_id: Option<String>,
    #[serde(default)]
    proofs: Option<Proofs>,
    #[serde(default)]
    proof: Option<SingleProof>,
}

#[derive(Debug, Deserialize)]
struct Proofs {
    #[serde(default)]
    jwt: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct SingleProof {
    proof_type: String,
    #[serde(default)]
    jwt: Option<String>,
}

impl CredentialRequest {
    /// The one JWT proof, if there is exactly one.
    fn proof(&self) -> Option<&str> {
        match (&self.proofs, &self.proof) {
            (Some(p), None) if p.jwt.len() == 1 => Some(&p.jwt[0]),
            (None, Some(p)) if p.proof_type == "jwt" => p.jwt.as_deref(),
            _ => None,
        }
    }
}

/// A request to a wallet names no organisation (who asks is the token's); same-device, it
/// names where the holder's browser goes back.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StartRequest {
    #[serde(default)]
    redirect_uri: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OutcomeRequest {
    transaction: String,
    /// Same-device: what the redirect brought back.
    #[serde(default)]
    response_code: Option<String>,
}

type Form = Vec<(String, String)>;

/// An `application/x-www-form-urlencoded` body of at most `limit` bytes, as pairs; an OAuth
/// `invalid_request` answer when it is not one.
fn form(
    req: &lambda_http::Request,
    limit: usize,
) -> Result<Result<Form, Response<Body>>, ApiError> {
    let bytes = body_bytes(req);
    if bytes.len() > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let essence = header_str(req, header::CONTENT_TYPE.as_str())
        .and_then(|ct| ct.split(';').next())
        .map(|e| e.trim().to_ascii_lowercase());
    if essence.as_deref() != Some("application/x-www-form-urlencoded") {
        return Err(ApiError::UnsupportedMediaType(
            "application/x-www-form-urlencoded",
        ));
    }
    Ok(serde_urlencoded::from_bytes(bytes).map_err(|_| {
        oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The body is not a form.",
        )
    }))
}

fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

// `/oid4vci/credential` is public to the session check: its bearer is an OpenID4VCI access
// token, which the service checks. The request object is what a wallet fetches from the QR
// code's link; the transaction secret of an outcome travels in the body, never in a URL.
cazier_edge::api_routes!(Wallet {
    GET "/.well-known/openid-credential-issuer" Public => issuer_metadata,
    GET "/.well-known/oauth-authorization-server" Public => authorization_server_metadata,
    GET "/credentials/cazier/1" Public => type_metadata,
    GET "/.well-known/vct/credentials/cazier/1" Public => type_metadata,
    POST "/v1/certificates/{certificate_number}/wallet-offer" Citizen => offer,
    POST "/oid4vci/token" Public => token,
    POST "/oid4vci/nonce" Public => nonce,
    POST "/oid4vci/credential" Public => credential,
    POST "/oauth2/token" Public => organisation_token,
    POST "/v1/presentation-requests" Public => start_presentation,
    GET "/oid4vp/requests/{request_id}" Public => request_object,
    POST "/v1/presentation-requests/outcome" Public => presentation_outcome,
    POST "/v1/presentation-requests/outcome/receipt" Public => presentation_outcome_with_receipt,
    POST "/oid4vp/response" Public => presentation_response,
});

impl Wallet {
    async fn issuer_metadata(&self, _req: Request) -> Answer {
        let metadata = self.service.issuer_metadata();
        Ok(json_response(StatusCode::OK, &metadata))
    }

    async fn authorization_server_metadata(&self, _req: Request) -> Answer {
        let metadata = self.service.authorization_server_metadata();
        Ok(json_response(StatusCode::OK, &metadata))
    }

    /// The credential type's SD-JWT VC Type Metadata, at the `vct` itself and where the
    /// draft's `.well-known/vct` rule puts it: the exact bytes whose hash every credential
    /// carries (`vct#integrity`), so never re-serialised here.
    async fn type_metadata(&self, _req: Request) -> Answer {
        let metadata = &self.service.credential_type.metadata;
        let mut response =
            Response::new(Body::Text(String::from_utf8_lossy(metadata).into_owned()));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/json"),
        );
        Ok(with_header(
            response,
            header::CACHE_CONTROL,
            "public, max-age=86400",
        ))
    }

    async fn offer(&self, who: Citizen, req: Request) -> Answer {
        let number = path_param(&req, "certificate_number")
            .and_then(|n| CertificateNumber::parse(&n))
            .ok_or(ApiError::NotFound)?;
        let offer = self.service.offer(&who, &number).await?;
        Ok(no_store(json_response(StatusCode::CREATED, &offer)))
    }

    async fn token(&self, req: Request) -> Answer {
        let form = match form(&req, MAX_FORM_BYTES)? {
            Ok(form) => form,
            Err(answer) => return Ok(answer),
        };
        let request = TokenRequest {
            grant_type: field(&form, "grant_type"),
            code: field(&form, "pre-authorized_code"),
            tx_code: field(&form, "tx_code"),
            client_id: field(&form, "client_id"),
            attestation: header_str(&req, "oauth-client-attestation"),
            attestation_pop: header_str(&req, "oauth-client-attestation-pop"),
        };
        match self.service.token(request).await {
            Ok(answer) => Ok(no_store(json_response(StatusCode::OK, &answer))),
            Err(e) => token_error(e),
        }
    }

    async fn nonce(&self, req: Request) -> Answer {
        let nonce = self.service.nonce(&source_ip(&req)).await?;
        let body = json!({"c_nonce": nonce});
        Ok(no_store(json_response(StatusCode::OK, &body)))
    }

    async fn credential(&self, req: Request) -> Answer {
        let token = header_str(&req, header::AUTHORIZATION.as_str())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default()
            .to_owned();
        let request: CredentialRequest = parse_json(&req, false)?;
        let configuration = request.credential_configuration_id.as_deref();
        let result = self
            .service
            .credential(&token, configuration, request.proof())
            .await;
        match result {
            Ok(credential) => Ok(no_store(json_response(
                StatusCode::OK,
                &json!({"credentials": [{"credential": credential}]}),
            ))),
            Err(e) => credential_error(e),
        }
    }

    async fn organisation_token(&self, req: Request) -> Answer {
        let form = match form(&req, MAX_FORM_BYTES)? {
            Ok(form) => form,
            Err(answer) => return Ok(answer),
        };
        // RFC 6749 section 3.1: no parameter twice (which one would count?).
        let mut names: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Ok(oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "A parameter is repeated.",
            ));
        }
        let result = self
            .organisations
            .token(
                ClientTokenRequest {
                    grant_type: field(&form, "grant_type"),
                    client_id: field(&form, "client_id"),
                    assertion_type: field(&form, "client_assertion_type"),
                    assertion: field(&form, "client_assertion"),
                    scope: field(&form, "scope"),
                    dpop: dpop_header(&req)?,
                },
                &source_ip(&req),
            )
            .await;
        match result {
            Ok(token) => Ok(no_store(json_response(StatusCode::OK, &token))),
            Err(e) => client_token_error(e),
        }
    }

    /// A registered organisation's request to a wallet; anonymous callers get a 401 (a
    /// request in nobody's name would show the wallet whoever the caller declared).
    async fn start_presentation(&self, req: Request) -> Answer {
        let verifier = self
            .organisations
            .authenticate(cazier_edge::http::presented(&req)?, PRESENTATION_SCOPE)
            .await?;
        let body: StartRequest = parse_json(&req, true)?;
        let same_device = body
            .redirect_uri
            .as_deref()
            .map(RedirectUri::parse)
            .transpose()
            .map_err(|e| ApiError::Invalid(vec![e]))?;
        let started = self
            .receipts
            .presentations
            .start(&verifier, same_device)
            .await?;
        Ok(no_store(json_response(StatusCode::CREATED, &started)))
    }

    async fn request_object(&self, req: Request) -> Answer {
        let id = path_param(&req, "request_id").unwrap_or_default();
        let jwt = self
            .request_objects
            .request_object(&id)
            .await
            .map_err(|e| match e {
                RequestObjectError::NotFound => ApiError::NotFound,
                RequestObjectError::Unavailable(e) => ApiError::Unavailable(e),
            })?;
        let response = with_header(
            Response::new(Body::Text(jwt)),
            header::CONTENT_TYPE,
            "application/oauth-authz-req+jwt",
        );
        Ok(no_store(response))
    }

    async fn presentation_outcome(&self, req: Request) -> Answer {
        let body: OutcomeRequest = parse_json(&req, false)?;
        let outcome = self
            .receipts
            .presentations
            .outcome(&body.transaction, body.response_code.as_deref())
            .await?;
        Ok(no_store(json_response(StatusCode::OK, &outcome)))
    }

    /// The same outcome, and once the wallet answered a receipt sealed by the service.
    async fn presentation_outcome_with_receipt(&self, req: Request) -> Answer {
        let body: OutcomeRequest = parse_json(&req, false)?;
        let outcome = self
            .receipts
            .outcome(
                &body.transaction,
                body.response_code.as_deref(),
                &source_ip(&req),
            )
            .await?;
        Ok(no_store(json_response(StatusCode::OK, &outcome)))
    }

    async fn presentation_response(&self, req: Request) -> Answer {
        let form = match form(&req, MAX_RESPONSE_BYTES)? {
            Ok(form) => form,
            Err(answer) => return Ok(answer),
        };
        let response = WalletResponse {
            state: field(&form, "state"),
            vp_token: field(&form, "vp_token"),
            error: field(&form, "error"),
            response: field(&form, "response"),
        };
        response_answer(self.receipts.presentations.respond(response).await)
    }
}

/// The token request's one `DPoP` header, if any (two are a 400).
fn dpop_header(req: &Request) -> Result<Option<&str>, ApiError> {
    Ok(cazier_edge::http::presented(req)?.dpop)
}
