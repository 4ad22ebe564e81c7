//! The one place where each operation's error becomes an HTTP answer.
//! (Over 400 lines: one `From` per operation's error enum, each mapping every variant once;
//! kept together so the contract's statuses and codes can be read and compared in one place.)

use super::ApiError;
use crate::domain::FieldCode;
use crate::services::accounts::{ConfirmError, LoginError, RegisterError, SessionError};
use crate::services::ghiseul::GhiseulError;
use crate::services::passwords::{ChangePasswordError, ResetError};
use crate::services::requests::{OwnedError, SubmitError};
use crate::services::shares::{AccessError, ShareError};
use crate::services::validation::{CounterValidationError, LookupError};
use crate::services::verification::{DocumentVerifyError, VerifyError};
use crate::services::Unavailable;
use serde_json::json;

impl From<Unavailable> for ApiError {
    fn from(e: Unavailable) -> Self {
        ApiError::Unavailable(e)
    }
}

impl From<super::Denied> for ApiError {
    fn from(denied: super::Denied) -> Self {
        match denied {
            super::Denied::SignInFirst => ApiError::Unauthenticated,
            super::Denied::ForRole(role) => ApiError::Forbidden {
                code: "FORBIDDEN_ROLE",
                detail: format!("This operation is for {} accounts.", role.as_str()),
            },
        }
    }
}

fn already_validated() -> ApiError {
    ApiError::Conflict {
        code: "ALREADY_VALIDATED",
        detail: "This account is validated already.".into(),
        extra: None,
    }
}

fn name_mismatch() -> ApiError {
    ApiError::Unprocessable {
        code: "NAME_MISMATCH",
        detail: "The identity was proven for the account's CNP, but under other names than the \
                 ones registered. Nothing changed. Check the spelling of your names, or have the \
                 account validated at a police counter, where the clerk reads them off your \
                 identity document."
            .into(),
    }
}

fn cnp_already_validated() -> ApiError {
    ApiError::Conflict {
        code: "CNP_ALREADY_VALIDATED",
        detail: "Another account is validated for this CNP. Sign in to that account, reset its \
                 password if you lost it, or go to a police counter."
            .into(),
        extra: None,
    }
}

impl From<RegisterError> for ApiError {
    fn from(e: RegisterError) -> Self {
        match e {
            RegisterError::Invalid(errors) => ApiError::Invalid(errors),
            RegisterError::Throttled { retry_after_secs } => {
                ApiError::Throttled { retry_after_secs }
            }
            RegisterError::Unavailable(e) => e.into(),
        }
    }
}

impl From<ConfirmError> for ApiError {
    fn from(e: ConfirmError) -> Self {
        match e {
            ConfirmError::InvalidCode => ApiError::Unprocessable {
                code: "INVALID_CODE",
                detail: "The code is wrong, expired or used up (five tries); register again to \
                         get a new one."
                    .into(),
            },
            ConfirmError::TriesSpent => ApiError::Unprocessable {
                code: "INVALID_CODE",
                detail: "That was the fifth wrong code: this registration's code no longer \
                         works; register again to get a new one."
                    .into(),
            },
            ConfirmError::AccountExists => ApiError::Conflict {
                code: "ACCOUNT_EXISTS",
                detail: "This e-mail address has an account already; sign in, or reset its \
                         password."
                    .into(),
                extra: None,
            },
            ConfirmError::Throttled { retry_after_secs } => {
                ApiError::Throttled { retry_after_secs }
            }
            ConfirmError::Unavailable(e) => e.into(),
        }
    }
}

impl From<LoginError> for ApiError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::Throttled { retry_after_secs } => ApiError::Throttled { retry_after_secs },
            LoginError::InvalidCredentials => ApiError::InvalidCredentials,
            LoginError::SecondFactorRequired { .. } => ApiError::Unauthorized {
                code: "TOTP_REQUIRED",
                detail: "Operators sign in with the current code of their authenticator app: \
                         send it as 'totp' with the e-mail and password."
                    .into(),
            },
            LoginError::SecondFactorNotEnrolled => ApiError::Forbidden {
                code: "TOTP_NOT_ENROLLED",
                detail: "This operator account has no second factor; ops must enrol one \
                         (cazier-admin operator totp)."
                    .into(),
            },
            LoginError::Disabled => ApiError::Forbidden {
                code: "ACCOUNT_DISABLED",
                detail: "This account is disabled.".into(),
            },
            LoginError::Unavailable(e) => e.into(),
        }
    }
}

impl From<ChangePasswordError> for ApiError {
    fn from(e: ChangePasswordError) -> Self {
        match e {
            ChangePasswordError::Invalid(errors) => ApiError::Invalid(errors),
            ChangePasswordError::WrongPassword => ApiError::invalid(
                "current_password",
                FieldCode::WrongPassword,
                "The current password is wrong.",
            ),
            ChangePasswordError::Throttled { retry_after_secs } => {
                ApiError::Throttled { retry_after_secs }
            }
            ChangePasswordError::NoAccount => ApiError::Unauthenticated,
            ChangePasswordError::Unavailable(e) => e.into(),
        }
    }
}

impl From<ResetError> for ApiError {
    fn from(e: ResetError) -> Self {
        match e {
            ResetError::Invalid(errors) => ApiError::Invalid(errors),
            ResetError::InvalidLink => ApiError::Unprocessable {
                code: "INVALID_RESET_LINK",
                detail: "The reset link is wrong, expired or used; ask for a new one.".into(),
            },
            ResetError::Throttled { retry_after_secs } => ApiError::Throttled { retry_after_secs },
            ResetError::Unavailable(e) => e.into(),
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> Self {
        match e {
            SessionError::NoAccount => ApiError::Unauthenticated,
            SessionError::Unavailable(e) => e.into(),
        }
    }
}

impl From<GhiseulError> for ApiError {
    fn from(e: GhiseulError) -> Self {
        match e {
            GhiseulError::AlreadyValidated => already_validated(),
            GhiseulError::InvalidAssertion => ApiError::Unprocessable {
                code: "INVALID_ASSERTION",
                detail: "The identity assertion is not valid for this account; start the \
                         validation again."
                    .into(),
            },
            GhiseulError::StartedElsewhere => ApiError::Unprocessable {
                code: "INVALID_ASSERTION",
                detail: "This validation was started elsewhere; start it again here.".into(),
            },
            GhiseulError::OtherPerson => ApiError::Unprocessable {
                code: "INVALID_ASSERTION",
                detail: "The identity proven is another person's: the card holder must be the \
                         account holder."
                    .into(),
            },
            GhiseulError::NameMismatch => name_mismatch(),
            GhiseulError::CnpAlreadyValidated => cnp_already_validated(),
            GhiseulError::NoAccount => ApiError::Unauthenticated,
            // A deployment without a ghiseul.ro issuer: the route is down, not the client wrong.
            GhiseulError::NotConfigured => {
                Unavailable::Internal("no ghiseul.ro issuer is configured".into()).into()
            }
            GhiseulError::Unavailable(e) => e.into(),
        }
    }
}

fn not_looked_up() -> ApiError {
    ApiError::Forbidden {
        code: "LOOKUP_REQUIRED",
        detail: "Look the citizen up by the counter code they show (POST /v1/operator/lookups) \
                 in this session first."
            .into(),
    }
}

impl From<LookupError> for ApiError {
    fn from(e: LookupError) -> Self {
        match e {
            LookupError::Invalid(errors) => ApiError::Invalid(errors),
            LookupError::NotFound => ApiError::NotFound,
            LookupError::NotLookedUp => not_looked_up(),
            LookupError::NoOperator => ApiError::Unauthenticated,
            LookupError::Unavailable(e) => e.into(),
        }
    }
}

impl From<CounterValidationError> for ApiError {
    fn from(e: CounterValidationError) -> Self {
        match e {
            CounterValidationError::Invalid(errors) => ApiError::Invalid(errors),
            CounterValidationError::OwnAccount => ApiError::Forbidden {
                code: "OWN_ACCOUNT",
                detail: "An operator cannot validate their own account.".into(),
            },
            CounterValidationError::NotFound => ApiError::NotFound,
            CounterValidationError::DocumentMismatch => ApiError::Unprocessable {
                code: "DOCUMENT_MISMATCH",
                detail: "The identity document does not match the one registered for this \
                         account."
                    .into(),
            },
            CounterValidationError::DocumentOfAnotherPerson => ApiError::Unprocessable {
                code: "DOCUMENT_OF_ANOTHER_PERSON",
                detail: "The CNP on the document in hand is not this account's.".into(),
            },
            CounterValidationError::AlreadyValidated => already_validated(),
            CounterValidationError::NotLookedUp => not_looked_up(),
            CounterValidationError::CnpAlreadyValidated => cnp_already_validated(),
            CounterValidationError::DetailsChanged => ApiError::Conflict {
                code: "DETAILS_CHANGED",
                detail: "The citizen changed their declared data after your lookup: look them up \
                         again and compare what is registered now."
                    .into(),
                extra: None,
            },
            CounterValidationError::NoOperator => ApiError::Unauthenticated,
            CounterValidationError::Unavailable(e) => e.into(),
        }
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::BadIdempotencyKey => ApiError::Malformed(
                "The Idempotency-Key header must have 1 to 128 characters.".into(),
            ),
            SubmitError::Invalid(errors) => ApiError::Invalid(errors),
            SubmitError::NotValidated => ApiError::Forbidden {
                code: "ACCOUNT_NOT_VALIDATED",
                detail: "Validate your account (ghiseul.ro or at a police counter) first.".into(),
            },
            SubmitError::NotLegalRepresentative => ApiError::Forbidden {
                code: "NOT_LEGAL_REPRESENTATIVE",
                detail: "You are not registered as a legal representative of this company.".into(),
            },
            SubmitError::DailyLimit { earlier } => ApiError::Conflict {
                code: "DAILY_LIMIT",
                detail: "A request for this purpose was already made today.".into(),
                extra: Some(("request_id", json!(earlier))),
            },
            SubmitError::IdempotencyKeyReused => ApiError::Unprocessable {
                code: "IDEMPOTENCY_KEY_REUSED",
                detail: "This Idempotency-Key was used for a request with another purpose or \
                         subject; use a new key for a new request."
                    .into(),
            },
            SubmitError::NoAccount => ApiError::Unauthenticated,
            SubmitError::Unavailable(e) => e.into(),
        }
    }
}

impl From<OwnedError> for ApiError {
    fn from(e: OwnedError) -> Self {
        match e {
            OwnedError::NotFound => ApiError::NotFound,
            OwnedError::Unavailable(e) => e.into(),
        }
    }
}

impl From<ShareError> for ApiError {
    fn from(e: ShareError) -> Self {
        match e {
            ShareError::NotFound => ApiError::NotFound,
            ShareError::Invalid(errors) => ApiError::Invalid(errors),
            ShareError::CertificateNotValid => ApiError::Conflict {
                code: "CERTIFICATE_NOT_VALID",
                detail: "Only a valid certificate can be shared.".into(),
                extra: None,
            },
            ShareError::TooMany => ApiError::Conflict {
                code: "TOO_MANY_SHARE_CODES",
                detail: "This certificate has ten active share codes: revoke one first.".into(),
                extra: None,
            },
            ShareError::Unavailable(e) => e.into(),
        }
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Invalid(errors) => ApiError::Invalid(errors),
            // Wrong, expired and revoked codes alike.
            AccessError::NotFound => ApiError::NotFound,
            AccessError::CertificateNotValid => ApiError::Conflict {
                code: "CERTIFICATE_NOT_VALID",
                detail: "The certificate is no longer valid: its document is not handed out."
                    .into(),
                extra: None,
            },
            AccessError::Throttled { retry_after } => ApiError::Throttled {
                retry_after_secs: retry_after,
            },
            AccessError::Unavailable(e) => e.into(),
        }
    }
}

impl From<VerifyError> for ApiError {
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::Throttled { retry_after_secs } => ApiError::Throttled { retry_after_secs },
            VerifyError::Malformed(detail) => ApiError::Malformed(detail.into()),
            VerifyError::Invalid(errors) => ApiError::Invalid(errors),
            VerifyError::Unavailable(e) => e.into(),
        }
    }
}

impl From<DocumentVerifyError> for ApiError {
    fn from(e: DocumentVerifyError) -> Self {
        match e {
            DocumentVerifyError::TooLarge { limit } => ApiError::PayloadTooLarge { limit },
            DocumentVerifyError::NotDeclaredPdf => {
                ApiError::UnsupportedMediaType("application/pdf")
            }
            DocumentVerifyError::NotAPdf => ApiError::BadDocument {
                code: "NOT_A_PDF",
                detail: "The body is not a PDF document.".into(),
            },
            DocumentVerifyError::Truncated => ApiError::BadDocument {
                code: "TRUNCATED_PDF",
                detail: "The PDF is cut short; send the whole file.".into(),
            },
            DocumentVerifyError::Throttled { retry_after_secs } => {
                ApiError::Throttled { retry_after_secs }
            }
            DocumentVerifyError::Unavailable(e) => e.into(),
        }
    }
}

impl From<crate::services::wallet::OfferError> for ApiError {
    fn from(e: crate::services::wallet::OfferError) -> Self {
        use crate::services::wallet::OfferError;
        match e {
            OfferError::NotFound => ApiError::NotFound,
            OfferError::NotValid(_) => ApiError::Conflict {
                code: "CERTIFICATE_NOT_VALID",
                detail: "Only a valid certificate goes into a wallet.".into(),
                extra: None,
            },
            OfferError::Unavailable(e) => e.into(),
        }
    }
}

impl From<crate::services::wallet::NonceError> for ApiError {
    fn from(e: crate::services::wallet::NonceError) -> Self {
        use crate::services::wallet::NonceError;
        match e {
            NonceError::Throttled { retry_after } => ApiError::Throttled {
                retry_after_secs: retry_after,
            },
            NonceError::Unavailable(e) => e.into(),
        }
    }
}

impl From<crate::services::presentation::StartError> for ApiError {
    fn from(e: crate::services::presentation::StartError) -> Self {
        use crate::services::presentation::StartError;
        match e {
            StartError::Invalid(errors) => ApiError::Invalid(errors),
            StartError::Throttled { retry_after } => ApiError::Throttled {
                retry_after_secs: retry_after,
            },
            StartError::Unavailable(e) => e.into(),
        }
    }
}

impl From<crate::services::client_auth::ClientAuthError> for ApiError {
    fn from(e: crate::services::client_auth::ClientAuthError) -> Self {
        use crate::services::client_auth::ClientAuthError;
        match e {
            ClientAuthError::InvalidToken => ApiError::Unauthorized {
                code: "INVALID_TOKEN",
                detail: "Send an organisation's access token from POST /oauth2/token as \
                         'Authorization: Bearer <token>' (or 'DPoP <token>' with a proof, if it \
                         is DPoP-bound). Only registered organisations ask \
                         wallets or for consents; others can ask the holder for a share code."
                    .into(),
            },
            ClientAuthError::InsufficientScope => ApiError::Forbidden {
                code: "INSUFFICIENT_SCOPE",
                detail: "The access token's scope does not allow this.".into(),
            },
            ClientAuthError::InvalidDpopProof(detail) => ApiError::Unauthorized {
                code: "INVALID_DPOP_PROOF",
                detail,
            },
            ClientAuthError::Unavailable(e) => e.into(),
        }
    }
}

impl From<crate::services::presentation::OutcomeError> for ApiError {
    fn from(e: crate::services::presentation::OutcomeError) -> Self {
        use crate::services::presentation::OutcomeError;
        match e {
            // Unknown, expired, or never this caller's: the same answer.
            OutcomeError::NotFound => ApiError::NotFound,
            OutcomeError::ResponseCodeRequired => ApiError::Forbidden {
                code: "RESPONSE_CODE_REQUIRED",
                detail: "This request was answered on the holder's phone: send the \
                         response_code its redirect brought back to your page, with the \
                         transaction of the session that started it."
                    .into(),
            },
            OutcomeError::Throttled { retry_after_secs } => {
                ApiError::Throttled { retry_after_secs }
            }
            OutcomeError::Unavailable(e) => e.into(),
        }
    }
}

impl From<crate::services::consents::ConsentRequestError> for ApiError {
    fn from(e: crate::services::consents::ConsentRequestError) -> Self {
        use crate::services::consents::ConsentRequestError as E;
        match e {
            E::Invalid(errors) => ApiError::Invalid(errors),
            E::PurposeNotAllowed => ApiError::Forbidden {
                code: "PURPOSE_NOT_ALLOWED",
                detail: "This organisation's registration, kind or access token does not cover \
                         this purpose: ask for a token with scope extract:<PURPOSE> of a purpose \
                         it is registered for (docs/CONSENT.md)."
                    .into(),
            },
            E::DeskNotAllowed => ApiError::Forbidden {
                code: "DESK_NOT_ALLOWED",
                detail: "Only public institutions ask at a desk (at_desk), the person present."
                    .into(),
            },
            E::RecentlyDeclined => ApiError::Conflict {
                code: "RECENTLY_DECLINED",
                detail: "The person declined a request of this organisation less than 30 days \
                         ago: ask again later, or in person."
                    .into(),
                extra: None,
            },
            // Unknown, or another organisation's: the same answer.
            E::NotFound => ApiError::NotFound,
            E::NotGiven(status) => ApiError::Conflict {
                code: "CONSENT_NOT_GIVEN",
                detail: format!(
                    "The consent is {status}: an extract needs one the person accepted and \
                     has not revoked, within its term."
                ),
                extra: Some(("consent_status", serde_json::json!(status))),
            },
            E::Changed => ApiError::Conflict {
                code: "CONSENT_CHANGED",
                detail: "The consent changed while the extract was made (revoked, or a \
                         one-off consent used): read its status and ask again."
                    .into(),
                extra: None,
            },
            E::Throttled { retry_after } => ApiError::Throttled {
                retry_after_secs: retry_after,
            },
            E::Unavailable(e) => e.into(),
        }
    }
}
