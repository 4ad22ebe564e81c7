//! Verification receipts (issue 27, item 6): whoever checks a certificate by its number and the
//! holder's CNP (or the company's CUI) may ask for a receipt sealed by the service, what was
//! checked, how, when, and the answer, to keep in their file instead of a printout. The same
//! check as `POST /v1/verifications` (counted, audited), plus one seal signature. Only the
//! verification function holds the seal for this; the portal's check makes none.

use crate::domain::bucharest_date;
use crate::ports::{Clock, Signer};
use crate::trust::ChainSource;
use crate::verification::{
    Claimed, VerificationAnswer, VerificationService, VerifyError, VerifyQuery,
};
use crate::{rfc3339, Unavailable};
use cazier_formats::receipt::{self, ReceiptClaims};
use serde::Serialize;
use std::sync::Arc;

pub struct ReceiptService {
    pub verification: VerificationService,
    pub signer: Arc<dyn Signer>,
    pub chain: Arc<ChainSource>,
    pub clock: Arc<dyn Clock>,
    /// The receipts' issuer (the portal's address).
    pub issuer_url: String,
}

/// The check's answer, and its receipt.
#[derive(Debug, Clone, Serialize)]
pub struct Receipted {
    #[serde(flatten)]
    pub answer: VerificationAnswer,
    pub receipt_number: String,
    /// The sealed receipt (a compact JWS, `typ` `cazier-receipt+jwt`).
    pub receipt: String,
}

impl ReceiptService {
    /// The check by number, as `VerificationService::verify` makes it, sealed in a receipt.
    pub async fn verify(&self, query: VerifyQuery, client: &str) -> Result<Receipted, VerifyError> {
        let how = match query.claimed {
            Claimed::Person(_) => "NUMBER_AND_CNP",
            Claimed::Company(_) => "NUMBER_AND_CUI",
        };
        let typed = query.number.as_ref().map(|n| n.as_str().to_owned());
        let answer = self.verification.verify(query, client).await?;
        let now = self.clock.now();
        let number = format!(
            "RC-{}-{}",
            bucharest_date(now).format("%Y"),
            &crate::crypto::sha256_hex(uuid::Uuid::new_v4().as_bytes())[..12].to_uppercase()
        );
        let claims = ReceiptClaims {
            number: number.clone(),
            checked_at: rfc3339(now),
            how: how.to_owned(),
            certificate_number: typed,
            result: answer.result.as_str().to_owned(),
            holder_name: answer.holder_name.clone(),
            valid_until: answer.valid_until.map(|d| d.to_string()),
            has_entries: answer.has_entries,
        };
        let chain = self.chain.get().await.map_err(Unavailable::from)?;
        let sealed = receipt::seal(&claims, &self.issuer_url, chain.x5c_ders(), &*self.signer)
            .await
            .map_err(Unavailable::from)
            .map_err(VerifyError::Unavailable)?;
        Ok(Receipted {
            answer,
            receipt_number: number,
            receipt: sealed,
        })
    }
}
