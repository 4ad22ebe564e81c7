//! The wallet function's OAuth answers, mapped once: RFC 6749 / OpenID4VCI / OpenID4VP error
//! JSON (`{"error", "error_description"}`), never cached, with the statuses and
//! `WWW-Authenticate` challenges the specifications name.

use cazier_edge::http::{json_response, with_header, ApiError};
use cazier_edge::runtime::Answer;
use cazier_shared::services::client_auth::ClientTokenError;
use cazier_shared::services::presentation::{Answered, RespondError};
use cazier_shared::services::wallet::{CredentialError, TokenError};
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Response};
use serde_json::json;

/// The response endpoint's answers: `{}` when taken cross-device (the holder goes nowhere),
/// `{"redirect_uri"}` same-device, an OAuth error otherwise.
pub(crate) fn response_answer(result: Result<Answered, RespondError>) -> Answer {
    let description = match result {
        Ok(Answered {
            redirect_uri: Some(uri),
            ..
        }) => {
            let body = json!({ "redirect_uri": uri });
            return Ok(no_store(json_response(StatusCode::OK, &body)));
        }
        Ok(_) => return Ok(no_store(json_response(StatusCode::OK, &json!({})))),
        Err(RespondError::Unavailable(e)) => return Err(ApiError::Unavailable(e)),
        Err(e) => e.to_string(),
    };
    Ok(oauth_error(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        &description,
    ))
}

/// An OAuth error answer: `{"error", "error_description"}`, never cached.
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response<Body> {
    let response = json_response(
        status,
        &json!({"error": error, "error_description": description}),
    );
    with_header(response, header::CACHE_CONTROL, "no-store")
}

pub(crate) use cazier_edge::http::no_store;

pub(crate) fn token_error(e: TokenError) -> Answer {
    let (status, error, description) = match e {
        TokenError::UnsupportedGrantType => (
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only the pre-authorized code grant is supported.".to_owned(),
        ),
        TokenError::InvalidGrant => (
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "The code is unknown, used or expired, or the transaction code is wrong (the offer is then spent: ask for a new one).".to_owned(),
        ),
        TokenError::InvalidRequest(what) => (StatusCode::BAD_REQUEST, "invalid_request", what.to_owned()),
        // RFC 6749 section 5.2: a failed client authentication is a 401.
        TokenError::InvalidClient(why) => (StatusCode::UNAUTHORIZED, "invalid_client", why),
        TokenError::UseFreshAttestation => (
            StatusCode::BAD_REQUEST,
            "use_fresh_attestation",
            "The wallet attestation has expired or its proof of possession is not fresh: get a new one.".to_owned(),
        ),
        TokenError::Unavailable(e) => return Err(ApiError::Unavailable(e)),
    };
    let response = oauth_error(status, error, &description);
    Ok(if status == StatusCode::UNAUTHORIZED {
        with_header(response, header::WWW_AUTHENTICATE, "Attestation")
    } else {
        response
    })
}

/// The organisations' token endpoint refusals (RFC 6749 section 5.2): `invalid_client` is a
/// 401 with `WWW-Authenticate`, as section 5.2 asks of a failed client authentication.
pub(crate) fn client_token_error(e: ClientTokenError) -> Answer {
    let description = e.to_string();
    let (status, error) = match e {
        ClientTokenError::Unavailable(e) => return Err(ApiError::Unavailable(e)),
        ClientTokenError::UnsupportedGrantType => {
            (StatusCode::BAD_REQUEST, "unsupported_grant_type")
        }
        ClientTokenError::InvalidRequest(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
        ClientTokenError::InvalidScope => (StatusCode::BAD_REQUEST, "invalid_scope"),
        ClientTokenError::Throttled { retry_after } => {
            return Err(ApiError::Throttled {
                retry_after_secs: retry_after,
            })
        }
        ClientTokenError::InvalidClient(_) => (StatusCode::UNAUTHORIZED, "invalid_client"),
        ClientTokenError::InvalidDpopProof(_) => (StatusCode::BAD_REQUEST, "invalid_dpop_proof"),
    };
    let response = oauth_error(status, error, &description);
    Ok(if status == StatusCode::UNAUTHORIZED {
        with_header(response, header::WWW_AUTHENTICATE, "Bearer")
    } else {
        response
    })
}

pub(crate) fn credential_error(e: CredentialError) -> Answer {
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
