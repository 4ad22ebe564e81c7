//! What a verifier learns from a wallet's answer to its OpenID4VP request
//! (`services::presentation`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::codes::PresentationStatus;

/// Where a presentation request stands, as its verifier sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PresentationOutcome {
    /// The wallet has not answered yet.
    Pending,
    /// A genuine presentation by the holder: the certificate's status (`VALID` or `REVOKED`)
    /// in the published list, and the claims the holder disclosed: nothing more (not the
    /// certificate's number, which the holder did not disclose).
    Verified {
        status: PresentationStatus,
        claims: Map<String, Value>,
    },
    /// A presentation that failed a check: why.
    Refused { reason: String },
    /// The wallet or its holder said no (its `error` code).
    Declined { error: String },
}

impl PresentationOutcome {
    /// "Valid, no entries": what the request is for.
    pub fn valid_without_entries(&self) -> bool {
        matches!(self, Self::Verified { status, claims, .. }
            if *status == PresentationStatus::Valid && claims.get("has_entries") == Some(&Value::Bool(false)))
    }
}
