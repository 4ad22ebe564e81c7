//! Registration and sessions: `POST /v1/accounts` (a code is e-mailed) and
//! `POST /v1/accounts/confirmation` (the account then exists), `POST /v1/sessions`,
//! `DELETE /v1/sessions/current`, `GET /v1/accounts/me`; passwords: `POST
//! /v1/accounts/me/password`, `POST /v1/password-resets` and `.../confirmation`.

use cazier_edge::http::{empty_response, json_response, parse_json, source_ip, Authenticated};
use cazier_edge::runtime::{Answer, ApiFunction};
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::config::ConfigError;
use cazier_shared::domain::SessionChannel;
use cazier_shared::services::accounts::{AccountService, ConfirmDto, RegisterDto};
use cazier_shared::services::passwords::{
    ChangePasswordDto, PasswordService, ResetDto, ResetRequestDto,
};
use cazier_shared::wiring::ServiceGraphs;
use lambda_http::http::StatusCode;
use lambda_http::Request;

/// The function's services, reached through the routes of its table.
pub struct Accounts {
    service: AccountService,
    passwords: PasswordService,
}

/// The function, built from the wiring once per cold start.
pub fn function(wiring: &Wiring) -> Result<ApiFunction<Accounts>, ConfigError> {
    ApiFunction::new(
        Accounts {
            service: wiring.account_service()?,
            passwords: wiring.password_service()?,
        },
        wiring,
    )
}

cazier_edge::api_routes!(Accounts {
    POST "/v1/accounts" Public => register,
    POST "/v1/accounts/confirmation" Public => confirm,
    POST "/v1/sessions" Public => login,
    DELETE "/v1/sessions/current" Authenticated => logout,
    GET "/v1/accounts/me" Authenticated => me,
    POST "/v1/accounts/me/password" Authenticated => change_password,
    POST "/v1/password-resets" Public => request_reset,
    POST "/v1/password-resets/confirmation" Public => reset,
});

impl Accounts {
    async fn register(&self, req: Request) -> Answer {
        let dto: RegisterDto = parse_json(&req, false)?;
        let sent = self
            .service
            .register(dto.try_into_domain()?, &source_ip(&req))
            .await?;
        Ok(json_response(StatusCode::ACCEPTED, &sent))
    }

    async fn confirm(&self, req: Request) -> Answer {
        let dto: ConfirmDto = parse_json(&req, false)?;
        let created = self
            .service
            .confirm(dto.try_into_domain()?, &source_ip(&req))
            .await?;
        Ok(json_response(StatusCode::CREATED, &created))
    }

    async fn login(&self, req: Request) -> Answer {
        let dto = parse_json(&req, false)?;
        let session = self
            .service
            .login(dto, &source_ip(&req), SessionChannel::Api)
            .await?;
        Ok(json_response(StatusCode::CREATED, &session))
    }

    async fn logout(&self, who: Authenticated, _req: Request) -> Answer {
        self.service.logout(&who).await?;
        Ok(empty_response(StatusCode::NO_CONTENT))
    }

    async fn me(&self, who: Authenticated, _req: Request) -> Answer {
        Ok(json_response(StatusCode::OK, &self.service.me(&who).await?))
    }

    async fn change_password(&self, who: Authenticated, req: Request) -> Answer {
        let dto: ChangePasswordDto = parse_json(&req, false)?;
        self.passwords.change(&who, dto.try_into_domain()?).await?;
        Ok(empty_response(StatusCode::NO_CONTENT))
    }

    async fn request_reset(&self, req: Request) -> Answer {
        let dto: ResetRequestDto = parse_json(&req, false)?;
        self.passwords
            .request_reset(dto.try_into_domain()?, &source_ip(&req))
            .await?;
        let sent = serde_json::json!({"status": "RESET_SENT"});
        Ok(json_response(StatusCode::ACCEPTED, &sent))
    }

    async fn reset(&self, req: Request) -> Answer {
        let dto: ResetDto = parse_json(&req, false)?;
        self.passwords.reset(dto.try_into_domain()?).await?;
        Ok(empty_response(StatusCode::NO_CONTENT))
    }
}
