//! Domain services: what the functions do, written against the ports. They know nothing of
//! HTTP, HTML or DynamoDB, and this crate (`cazier-services`) cannot reach them: it depends on
//! the domain and the formats only. Each operation takes plain input and returns a typed
//! outcome or its own error enum; the edges (JSON API, admin tool) map those once. Beside the
//! services: the identity providers' protocols (`identity`: ghiseul.ro's signed assertions;
//! `oidc`: ROeID's OpenID Connect) and the metrics they count (`telemetry`).

// The layers below, under the paths these modules name them by.
pub(crate) use cazier_domain as domain;
pub(crate) use cazier_domain::{crypto, ports};
pub(crate) use cazier_formats::{crl, jose, pdf, seal, statement, timestamp};

pub mod identity;
pub mod oidc;
pub mod telemetry;

pub mod accounts;
pub mod checks;
pub mod client_auth;
pub mod consents;
pub mod declared;
pub mod ghiseul;
pub mod issuance;
pub mod ltv;
pub mod notices;
pub mod online;
pub mod operators;
pub mod organisations;
pub mod passwords;
pub mod person;
pub mod presentation;
pub mod receipts;
pub mod registration;
pub mod requests;
pub mod revocation;
pub mod roeid;
pub mod sealing;
pub mod shares;
pub mod status;
pub mod trust;
pub mod validation;
pub mod verification;
pub mod wallet;

use crate::ports::{SignError, StoreError};
use crate::seal::SealError;
use chrono::{DateTime, Utc};

/// A dependency failed (storage, KMS, a worker thread): the same operation may succeed when
/// retried. The text is for logs, never for clients.
#[derive(Debug, thiserror::Error)]
pub enum Unavailable {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Signer(#[from] SignError),
    #[error(transparent)]
    Seal(#[from] SealError),
    /// A PDF could not be sealed (the signer, the TSA, the validation material).
    #[error(transparent)]
    Sealing(#[from] crate::sealing::SealingError),
    /// An identity provider failed or is out of reach.
    #[error(transparent)]
    Provider(#[from] crate::ports::TokenError),
    /// Something inside this process failed (a worker thread, the password hasher) or stored
    /// data contradicts itself.
    #[error("{0}")]
    Internal(String),
}

/// Lets `?` turn a port's error into an operation error's `Unavailable` variant.
macro_rules! unavailable_from_ports {
    ($($error:ty),* $(,)?) => {$(
        impl From<$crate::ports::StoreError> for $error {
            fn from(e: $crate::ports::StoreError) -> Self {
                Self::Unavailable(e.into())
            }
        }
        impl From<$crate::Unavailable> for $error {
            fn from(e: $crate::Unavailable) -> Self {
                Self::Unavailable(e)
            }
        }
    )*};
}
pub(crate) use unavailable_from_ports;

/// Times in answers: RFC 3339 in UTC, to the second (`2026-11-22T10:15:00Z`).
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Serialises a time field as [`rfc3339`].
pub(crate) mod as_rfc3339 {
    use chrono::{DateTime, Utc};

    pub fn serialize<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::rfc3339(*t))
    }
}

/// Seconds until the fixed window that holds `now` ends.
/// Counts one event for `key` in a window of `window_secs`; `Err(seconds to wait)` past `limit`.
pub async fn throttled(
    throttle: &dyn crate::ports::Throttle,
    key: &str,
    limit: u32,
    window_secs: u64,
    now: DateTime<Utc>,
) -> Result<Result<(), u64>, Unavailable> {
    let hits = throttle.hit(key, window_secs, now).await?;
    Ok(if hits > limit {
        Err(retry_after(now, window_secs))
    } else {
        Ok(())
    })
}

pub fn retry_after(now: DateTime<Utc>, window_secs: u64) -> u64 {
    let window = window_secs.max(1) as i64;
    (window - now.timestamp().rem_euclid(window)) as u64
}

/// How long a password-reset request takes at least: one for an unknown address sends no
/// e-mail, and the time of the answer must not tell whether an address has an account.
/// (Registration sends an e-mail either way.) Sending through SES takes a fraction of this.
pub const MAIL_ANSWER_FLOOR: std::time::Duration = std::time::Duration::from_millis(600);

/// Waits until `floor` has passed since `started`.
pub(crate) async fn answer_no_sooner(started: tokio::time::Instant, floor: std::time::Duration) {
    tokio::time::sleep_until(started + floor).await;
}
