//! Identity validation: through ghiseul.ro (`POST /v1/accounts/me/validations/ghiseul`,
//! `.../ghiseul/complete`), or at a police counter (`POST /v1/operator/lookups`,
//! `POST /v1/operator/accounts/{account_id}/validation`).

use cazier_edge::http::{json_response, parse_json, path_param, ApiError, Citizen, Operator};
use cazier_edge::runtime::{Answer, ApiFunction};
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::ConfigError;
use cazier_shared::domain::AccountId;
use cazier_shared::services::ghiseul::{CompleteDto, GhiseulService, StartDto};
use cazier_shared::services::validation::{CounterValidationDto, LookupDto, ValidationService};
use cazier_shared::wiring::ServiceGraphs;
use lambda_http::http::StatusCode;
use lambda_http::Request;

/// The function's services, reached through the routes of its table.
pub struct Validation {
    counter: ValidationService,
    ghiseul: GhiseulService,
}

/// The function, built from the wiring once per cold start.
pub fn function(wiring: &Wiring) -> Result<ApiFunction<Validation>, ConfigError> {
    ApiFunction::new(
        Validation {
            counter: wiring.validation_service()?,
            ghiseul: wiring.ghiseul_service()?,
        },
        wiring,
    )
}

cazier_edge::api_routes!(Validation {
    POST "/v1/accounts/me/validations/ghiseul" Citizen => ghiseul_start,
    POST "/v1/accounts/me/validations/ghiseul/complete" Citizen => ghiseul_complete,
    POST "/v1/operator/lookups" Operator => counter_lookup,
    POST "/v1/operator/accounts/{account_id}/validation" Operator => counter_validate,
});

impl Validation {
    async fn ghiseul_start(&self, who: Citizen, req: Request) -> Answer {
        let StartDto {} = parse_json(&req, true)?;
        let started = self.ghiseul.start(&who, None).await?;
        Ok(json_response(StatusCode::CREATED, &started))
    }

    async fn ghiseul_complete(&self, who: Citizen, req: Request) -> Answer {
        let dto: CompleteDto = parse_json(&req, false)?;
        // What the schema says of it (a compact JWS, at most 16,384 characters) is a 400; what
        // only its checks can tell, a 422.
        if !compact_jws_shaped(&dto.assertion) {
            return Err(ApiError::Malformed(
                "`assertion` must be a compact JWS: three base64url parts, at most 16,384 characters.".into(),
            ));
        }
        let account = self.ghiseul.complete(&who, &dto.assertion).await?;
        Ok(json_response(StatusCode::OK, &account))
    }

    async fn counter_lookup(&self, clerk: Operator, req: Request) -> Answer {
        let dto: LookupDto = parse_json(&req, false)?;
        let found = self.counter.lookup(&clerk, &dto.try_into_domain()?).await?;
        Ok(json_response(StatusCode::OK, &found))
    }

    async fn counter_validate(&self, clerk: Operator, req: Request) -> Answer {
        let account_id = path_param(&req, "account_id")
            .map(AccountId::from)
            .ok_or(ApiError::NotFound)?;
        let dto: CounterValidationDto = parse_json(&req, false)?;
        let read = dto.try_into_domain()?;
        let account = self.counter.validate(&clerk, &account_id, read).await?;
        Ok(json_response(StatusCode::OK, &account))
    }
}

/// The assertion's form as `openapi.yaml` gives it.
fn compact_jws_shaped(text: &str) -> bool {
    let base64url = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    text.len() <= 16_384 && text.split('.').count() == 3 && text.split('.').all(base64url)
}
