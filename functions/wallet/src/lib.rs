//! The certificate into an EU Digital Identity Wallet, by OpenID4VCI 1.0 (pre-authorized code
//! flow): the issuer's and authorization server's metadata, the holder's offer
//! (`POST /v1/certificates/{certificate_number}/wallet-offer`), and the wallet's token, nonce and
//! credential endpoints. The OAuth endpoints answer errors as RFC 6749 / OpenID4VCI JSON
//! (`{"error": …}`), mapped here once; the holder's route answers problem documents.

use async_trait::async_trait;
use cazier_shared::config::ConfigError;
use cazier_shared::http::{
    body_bytes, header_str, json_response, parse_json, path_param, with_header, Access, ApiError,
    Route,
};
use cazier_shared::runtime::{Answer, ApiFunction, Call, Endpoints};
use cazier_shared::services::wallet::{CredentialError, TokenError, WalletService};
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Response};
use serde::Deserialize;
use serde_json::json;

/// A token request is a few hundred bytes.
const MAX_FORM_BYTES: usize = 4 * 1024;

#[derive(Debug, Clone, Copy)]
pub enum Handler {
    IssuerMetadata,
    AuthorizationServerMetadata,
    Offer,
    Token,
    Nonce,
    Credential,
}

pub struct Wallet {
    service: WalletService,
}

/// The function, built from the wiring once per cold start.
pub fn function<P: PortSource>(ports: &P) -> Result<ApiFunction<Wallet>, ConfigError> {
    ApiFunction::new(
        Wallet {
            service: ports.wallet_service()?,
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

/// An OAuth error answer: `{"error", "error_description"}`, never cached.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response<Body> {
    let response = json_response(
        status,
        &json!({"error": error, "error_description": description}),
    );
    with_header(response, header::CACHE_CONTROL, "no-store")
}

fn no_store(response: Response<Body>) -> Response<Body> {
    with_header(response, header::CACHE_CONTROL, "no-store")
}

fn token_error(e: TokenError) -> Answer {
    let (error, description) = match e {
        TokenError::UnsupportedGrantType => (
            "unsupported_grant_type",
            "Only the pre-authorized code grant is supported.",
        ),
        TokenError::InvalidGrant => (
            "invalid_grant",
            "The code is unknown, used or expired, or the transaction code is wrong (the offer is then spent: ask for a new one).",
        ),
        TokenError::InvalidRequest(what) => ("invalid_request", what),
        TokenError::Unavailable(e) => return Err(ApiError::Unavailable(e)),
    };
    Ok(oauth_error(StatusCode::BAD_REQUEST, error, description))
}

fn credential_error(e: CredentialError) -> Answer {
    let description = e.to_string();
    let (status, error) = match e {
        CredentialError::Unavailable(e) => return Err(ApiError::Unavailable(e)),
        CredentialError::InvalidToken => (StatusCode::UNAUTHORIZED, "invalid_token"),
        CredentialError::InvalidProof(_) => (StatusCode::BAD_REQUEST, "invalid_proof"),
        CredentialError::InvalidNonce => (StatusCode::BAD_REQUEST, "invalid_nonce"),
        CredentialError::InvalidRequest(_) => {
            (StatusCode::BAD_REQUEST, "invalid_credential_request")
        }
        CredentialError::Denied => (StatusCode::BAD_REQUEST, "credential_request_denied"),
    };
    let response = oauth_error(status, error, &description);
    Ok(if status == StatusCode::UNAUTHORIZED {
        with_header(
            response,
            header::WWW_AUTHENTICATE,
            "Bearer error=\"invalid_token\"",
        )
    } else {
        response
    })
}

#[async_trait]
impl Endpoints for Wallet {
    type Handler = Handler;
    const ROUTES: &'static [Route<Handler>] = &[
        Route {
            key: "GET /.well-known/openid-credential-issuer",
            access: Access::Public,
            handler: Handler::IssuerMetadata,
        },
        Route {
            key: "GET /.well-known/oauth-authorization-server",
            access: Access::Public,
            handler: Handler::AuthorizationServerMetadata,
        },
        Route {
            key: "POST /v1/certificates/{certificate_number}/wallet-offer",
            access: Access::Citizen,
            handler: Handler::Offer,
        },
        Route {
            key: "POST /oid4vci/token",
            access: Access::Public,
            handler: Handler::Token,
        },
        Route {
            key: "POST /oid4vci/nonce",
            access: Access::Public,
            handler: Handler::Nonce,
        },
        // Public to the API's session check: the bearer is an OpenID4VCI access token, which
        // the service checks.
        Route {
            key: "POST /oid4vci/credential",
            access: Access::Public,
            handler: Handler::Credential,
        },
    ];

    async fn answer(&self, call: Call<Handler>) -> Answer {
        let req = call.req;
        match call.handler {
            Handler::IssuerMetadata => Ok(json_response(
                StatusCode::OK,
                &self.service.issuer_metadata(),
            )),
            Handler::AuthorizationServerMetadata => Ok(json_response(
                StatusCode::OK,
                &self.service.authorization_server_metadata(),
            )),
            Handler::Offer => {
                let number = path_param(&req, "certificate_number").unwrap_or_default();
                let offer = self
                    .service
                    .offer(call.caller.principal()?, &number)
                    .await?;
                Ok(no_store(json_response(StatusCode::CREATED, &offer)))
            }
            Handler::Token => {
                let bytes = body_bytes(&req);
                if bytes.len() > MAX_FORM_BYTES {
                    return Err(ApiError::PayloadTooLarge {
                        limit: MAX_FORM_BYTES,
                    });
                }
                let essence = header_str(&req, header::CONTENT_TYPE.as_str())
                    .and_then(|ct| ct.split(';').next())
                    .map(|e| e.trim().to_ascii_lowercase());
                if essence.as_deref() != Some("application/x-www-form-urlencoded") {
                    return Err(ApiError::UnsupportedMediaType(
                        "application/x-www-form-urlencoded",
                    ));
                }
                let Ok(form) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes) else {
                    return Ok(oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "The body is not a form.",
                    ));
                };
                let field = |name: &str| {
                    form.iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.as_str())
                };
                match self
                    .service
                    .token(
                        field("grant_type"),
                        field("pre-authorized_code"),
                        field("tx_code"),
                    )
                    .await
                {
                    Ok(answer) => Ok(no_store(json_response(StatusCode::OK, &answer))),
                    Err(e) => token_error(e),
                }
            }
            Handler::Nonce => {
                let nonce = self
                    .service
                    .nonce()
                    .await
                    .map_err(|e| ApiError::Unavailable(e.into()))?;
                Ok(no_store(json_response(
                    StatusCode::OK,
                    &json!({"c_nonce": nonce}),
                )))
            }
            Handler::Credential => {
                let token = header_str(&req, header::AUTHORIZATION.as_str())
                    .and_then(|h| h.strip_prefix("Bearer "))
                    .map(str::trim)
                    .unwrap_or_default()
                    .to_owned();
                let request: CredentialRequest = parse_json(&req, false)?;
                let result = self
                    .service
                    .credential(
                        &token,
                        request.credential_configuration_id.as_deref(),
                        request.proof(),
                    )
                    .await;
                match result {
                    Ok(credential) => Ok(no_store(json_response(
                        StatusCode::OK,
                        &json!({"credentials": [{"credential": credential}]}),
                    ))),
                    Err(e) => credential_error(e),
                }
            }
        }
    }
}
