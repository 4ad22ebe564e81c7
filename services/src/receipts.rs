//! Verification receipts (issue 27, item 6): whoever checks a certificate, by its number and
//! the holder's CNP (or the company's CUI), by its PDF, or by a share code, may ask for a
//! receipt sealed by the service, what was checked, how, when, and the answer, to keep in
//! their file instead of a printout. The same checks as without a receipt (counted, audited),
//! plus one seal signature. The verification function and the portal's `/verificare` (when the
//! verifier ticks the box) hold the seal for these, the wallet function for a wallet
//! presentation's outcome (`WalletReceipts`).

use crate::crypto::sha256_hex;
use crate::domain::bucharest_date;
use crate::ports::{Clock, Signer};
use crate::shares::{AccessError, ShareAccess, ShareService, SharedCertificate};
use crate::trust::ChainSource;
use crate::verification::{
    Claimed, DocumentAnswer, DocumentVerifyError, VerificationAnswer, VerificationService,
    VerifyError, VerifyQuery,
};
use crate::{rfc3339, Unavailable};
use cazier_formats::receipt::{self, ReceiptClaims};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::Arc;

pub struct ReceiptService {
    pub verification: VerificationService,
    pub shares: ShareService,
    pub sealer: ReceiptSealer,
}

/// Numbers and seals receipts.
pub struct ReceiptSealer {
    pub signer: Arc<dyn Signer>,
    pub chain: Arc<ChainSource>,
    pub clock: Arc<dyn Clock>,
    /// The receipts' issuer (the portal's address).
    pub issuer_url: String,
}

/// A check's answer, and its receipt.
#[derive(Debug, Clone, Serialize)]
pub struct Receipted<A> {
    #[serde(flatten)]
    pub answer: A,
    pub receipt_number: String,
    /// The sealed receipt (a compact JWS, `typ` `cazier-receipt+jwt`).
    pub receipt: String,
}

/// What a receipt says, before its number and time.
pub struct Checked {
    pub how: &'static str,
    pub certificate_number: Option<String>,
    pub result: &'static str,
    pub holder_name: Option<String>,
    pub valid_until: Option<String>,
    pub has_entries: Option<bool>,
    pub document_sha256: Option<String>,
}

impl ReceiptService {
    /// The check by number, as `VerificationService::verify` makes it, sealed in a receipt.
    pub async fn verify(
        &self,
        query: VerifyQuery,
        client: &str,
    ) -> Result<Receipted<VerificationAnswer>, VerifyError> {
        let how = match query.claimed {
            Claimed::Person(_) => "NUMBER_AND_CNP",
            Claimed::Company(_) => "NUMBER_AND_CUI",
        };
        let typed = query.number.as_ref().map(|n| n.as_str().to_owned());
        let answer = self.verification.verify(query, client).await?;
        let checked = Checked {
            how,
            certificate_number: typed,
            result: answer.result.as_str(),
            holder_name: answer.holder_name.clone(),
            valid_until: answer.valid_until.map(|d| d.to_string()),
            has_entries: answer.has_entries,
            document_sha256: None,
        };
        let (receipt_number, receipt) = self.sealer.seal(checked).await?;
        Ok(Receipted {
            answer,
            receipt_number,
            receipt,
        })
    }

    /// The check of a PDF, as `VerificationService::verify_document` makes it, sealed in a
    /// receipt naming the document by its SHA-256 (the receipt proves which file was checked).
    pub async fn verify_document(
        &self,
        pdf: &[u8],
        content_type: Option<&str>,
        client: &str,
    ) -> Result<Receipted<DocumentAnswer>, DocumentVerifyError> {
        let answer = self
            .verification
            .verify_document(pdf, content_type, client)
            .await?;
        let checked = Checked {
            how: "DOCUMENT",
            certificate_number: answer.certificate_number.as_ref().map(|n| n.to_string()),
            result: answer.result.as_str(),
            holder_name: None,
            valid_until: answer.valid_until.map(|d| d.to_string()),
            has_entries: None,
            document_sha256: Some(sha256_hex(pdf)),
        };
        let (receipt_number, receipt) = self.sealer.seal(checked).await?;
        Ok(Receipted {
            answer,
            receipt_number,
            receipt,
        })
    }

    /// A certificate opened by a share code, as `ShareService::access` opens it (the code's
    /// use in its holder's "who checked"), sealed in a receipt; never the code itself.
    pub async fn shared(
        &self,
        access: &ShareAccess,
        client: &str,
    ) -> Result<Receipted<SharedCertificate>, AccessError> {
        let answer = self.shares.access(access, client).await?;
        let checked = Checked {
            how: "SHARE_CODE",
            certificate_number: Some(answer.certificate_number.to_string()),
            result: answer.status.as_str(),
            holder_name: Some(answer.holder_name.clone()),
            valid_until: Some(answer.valid_until.to_string()),
            has_entries: Some(answer.has_entries),
            document_sha256: None,
        };
        let (receipt_number, receipt) = self.sealer.seal(checked).await?;
        Ok(Receipted {
            answer,
            receipt_number,
            receipt,
        })
    }
}

impl ReceiptSealer {
    /// Numbers and seals a receipt: its number and the JWS. One signer call.
    pub async fn seal(&self, checked: Checked) -> Result<(String, String), Unavailable> {
        self.seal_checked_at(checked, self.clock.now()).await
    }

    /// A receipt of a check made at `checked_at` (a wallet's answer, read later).
    pub async fn seal_checked_at(
        &self,
        checked: Checked,
        checked_at: DateTime<Utc>,
    ) -> Result<(String, String), Unavailable> {
        let now = self.clock.now();
        let number = format!(
            "RC-{}-{}",
            bucharest_date(now).format("%Y"),
            &sha256_hex(uuid::Uuid::new_v4().as_bytes())[..12].to_uppercase()
        );
        let claims = ReceiptClaims {
            number: number.clone(),
            checked_at: rfc3339(checked_at),
            how: checked.how.to_owned(),
            certificate_number: checked.certificate_number,
            result: checked.result.to_owned(),
            holder_name: checked.holder_name,
            valid_until: checked.valid_until,
            has_entries: checked.has_entries,
            document_sha256: checked.document_sha256,
        };
        let chain = self.chain.get().await?;
        let sealed =
            receipt::seal(&claims, &self.issuer_url, chain.x5c_ders(), &*self.signer).await?;
        Ok((number, sealed))
    }
}

/// Receipts of what a wallet presented (issue 27, item 6): the outcome of an OpenID4VP request,
/// read by its verifier with the request's secret, and sealed when there is one to keep.
pub struct WalletReceipts {
    pub presentations: crate::presentation::PresentationService,
    pub sealer: ReceiptSealer,
    pub throttle: Arc<dyn crate::ports::Throttle>,
}

/// A presentation's outcome, and its receipt once the wallet answered (none while pending or
/// declined: nothing was checked).
#[derive(Debug, Clone, Serialize)]
pub struct WalletReceipted {
    #[serde(flatten)]
    pub outcome: crate::domain::PresentationOutcome,
    pub receipt_number: Option<String>,
    pub receipt: Option<String>,
}

/// Wallet receipts one client may have sealed a minute (each costs a seal signature).
const WALLET_RECEIPTS_PER_MINUTE: u32 = 30;

impl WalletReceipts {
    pub async fn outcome(
        &self,
        transaction: &str,
        response_code: Option<&str>,
        client: &str,
    ) -> Result<WalletReceipted, crate::presentation::OutcomeError> {
        use crate::domain::PresentationOutcome as O;
        use crate::presentation::OutcomeError;
        let (outcome, answered_at) = self
            .presentations
            .answer(transaction, response_code)
            .await?;
        let checked = match &outcome {
            O::Verified { status, claims } => Checked {
                how: "WALLET",
                // Only what the holder disclosed.
                certificate_number: claim(claims, "certificate_number"),
                result: status.as_str(),
                holder_name: claim(claims, "holder_name"),
                valid_until: claim(claims, "expiry_date"),
                has_entries: claims.get("has_entries").and_then(|v| v.as_bool()),
                document_sha256: None,
            },
            O::Refused { .. } => Checked {
                how: "WALLET",
                certificate_number: None,
                result: "REFUSED",
                holder_name: None,
                valid_until: None,
                has_entries: None,
                document_sha256: None,
            },
            O::Pending | O::Declined { .. } => {
                return Ok(WalletReceipted {
                    outcome,
                    receipt_number: None,
                    receipt: None,
                })
            }
        };
        let key = format!("wallet-receipt:{client}");
        let now = self.sealer.clock.now();
        if let Err(retry_after_secs) =
            crate::throttled(&*self.throttle, &key, WALLET_RECEIPTS_PER_MINUTE, 60, now).await?
        {
            return Err(OutcomeError::Throttled { retry_after_secs });
        }
        // What the wallet showed, and when: not when the receipt was asked for.
        let (number, receipt) = self
            .sealer
            .seal_checked_at(checked, answered_at.unwrap_or(now))
            .await?;
        Ok(WalletReceipted {
            outcome,
            receipt_number: Some(number),
            receipt: Some(receipt),
        })
    }
}

fn claim(claims: &serde_json::Map<String, serde_json::Value>, name: &str) -> Option<String> {
    claims.get(name).and_then(|v| v.as_str()).map(str::to_owned)
}
