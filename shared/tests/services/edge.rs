//! What the API's functions do with a body before they call a service: parse the DTO into
//! the domain's input (`try_into_domain`), its errors answered as the service's. The tests
//! send bodies as a client would, malformed ones included, through these.

use cazier_shared::domain::{AccountId, Principal};
use cazier_shared::services::accounts::{AccountService, AccountView};
use cazier_shared::services::declared::{ChangeDeclaredError, DeclaredDto};
use cazier_shared::services::passwords::{
    ChangePasswordDto, ChangePasswordError, PasswordService, ResetDto, ResetError, ResetRequestDto,
};
use cazier_shared::services::validation::{
    CounterValidationDto, CounterValidationError, ValidationService,
};

pub async fn change_password(
    service: &PasswordService,
    principal: &Principal,
    dto: ChangePasswordDto,
) -> Result<(), ChangePasswordError> {
    service.change(principal, dto.try_into_domain()?).await
}

pub async fn request_reset(
    service: &PasswordService,
    dto: ResetRequestDto,
    source: &str,
) -> Result<(), ResetError> {
    service.request_reset(dto.try_into_domain()?, source).await
}

pub async fn reset(service: &PasswordService, dto: ResetDto) -> Result<AccountId, ResetError> {
    service.reset(dto.try_into_domain()?).await
}

pub async fn change_declared(
    service: &AccountService,
    principal: &Principal,
    dto: DeclaredDto,
) -> Result<(), ChangeDeclaredError> {
    let person = dto
        .try_into_domain()
        .map_err(ChangeDeclaredError::Invalid)?;
    service.change_declared(principal, person).await
}

pub async fn validate(
    service: &ValidationService,
    clerk: &Principal,
    account_id: &AccountId,
    dto: CounterValidationDto,
) -> Result<AccountView, CounterValidationError> {
    service
        .validate(clerk, account_id, dto.try_into_domain()?)
        .await
}
