//! Sealing a rendered certificate (or a consented extract) as PAdES-B-LT: the seal's KMS signature (B-B), the TSA's
//! token over it (B-T), then the chains and current CRLs appended in a DSS (B-LT). Made once
//! per cold start; it remembers how large the TSA's tokens are.

use super::ltv::{LtvError, ValidationSource};
use crate::pdf::extract::{render_extract, ExtractDocument};
use crate::pdf::{dss, render, CertificateContent, PreparedPdf, RenderError};
use crate::ports::{SignError, Signer};
use crate::seal::{self, SealError, TrustChain};
use crate::timestamp::{TimestampError, Timestamps};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The timestamp token's size is not known before the TSA answers: room is reserved for the
/// largest token this instance has seen, at first for the TSA's certificate (which tokens
/// carry, as asked) and this much more (TSTInfo, signed attributes, signature: 750 bytes for
/// the local P-256 TSA, a little over 1 KB with RSA-4096). A token that does not fit is asked
/// for again with room for it.
const TOKEN_ROOM_BEYOND_CERTIFICATE: usize = 1024;

/// Why a certificate could not be sealed.
#[derive(Debug, thiserror::Error)]
pub enum SealingError {
    #[error("rendering the certificate: {0}")]
    Render(#[from] RenderError),
    #[error("sealing the certificate: {0}")]
    Seal(#[from] SealError),
    #[error("signing the certificate: {0}")]
    Signer(#[from] SignError),
    #[error("timestamping the seal: {0}")]
    Timestamp(#[from] TimestampError),
    #[error("gathering the validation material: {0}")]
    Ltv(#[from] LtvError),
}

pub struct Sealer {
    signer: Arc<dyn Signer>,
    timestamps: Arc<Timestamps>,
    validation: ValidationSource,
    /// The largest timestamp token seen.
    token_room: AtomicUsize,
}

impl Sealer {
    pub fn new(
        signer: Arc<dyn Signer>,
        timestamps: Arc<Timestamps>,
        validation: ValidationSource,
    ) -> Self {
        Self {
            signer,
            timestamps,
            validation,
            token_room: AtomicUsize::new(0),
        }
    }

    /// Renders `content`, seals it and appends its validation material. Returns the PDF and
    /// the seal's signature value.
    pub async fn seal(
        &self,
        content: &CertificateContent<'_>,
        chain: &TrustChain,
    ) -> Result<(Vec<u8>, Vec<u8>), SealingError> {
        self.seal_rendered(|room| render(content, room), chain)
            .await
    }

    /// An extract pulled under a consent, sealed as a certificate is. Returns the PDF.
    pub async fn seal_extract(
        &self,
        extract: &ExtractDocument<'_>,
        chain: &TrustChain,
    ) -> Result<Vec<u8>, SealingError> {
        let (pdf, _) = self
            .seal_rendered(|room| render_extract(extract, room), chain)
            .await?;
        Ok(pdf)
    }

    async fn seal_rendered(
        &self,
        render: impl Fn(usize) -> Result<PreparedPdf, RenderError>,
        chain: &TrustChain,
    ) -> Result<(Vec<u8>, Vec<u8>), SealingError> {
        let material = self.validation.material(chain).await?;
        let first_guess = der::Encode::encoded_len(self.timestamps.signer())
            .ok()
            .and_then(|l| usize::try_from(l).ok())
            .unwrap_or(2048)
            + TOKEN_ROOM_BEYOND_CERTIFICATE;
        let mut room = match self.token_room.load(Ordering::Relaxed) {
            0 => first_guess,
            seen => seen,
        };
        for _ in 0..2 {
            let prepared = render(seal::cms_capacity(chain, room)?)?;
            let attributes = seal::signed_attributes(&prepared.digest(), chain.seal())?;
            let signature = self.signer.sign(&seal::to_be_signed(&attributes)?).await?;
            let token = self.timestamps.stamp(&signature).await?;
            self.token_room
                .fetch_max(token.der.len() + 64, Ordering::Relaxed);
            if token.der.len() > room {
                room = token.der.len() + 64;
                continue;
            }
            let cms = seal::signed_data(attributes, &signature, chain, Some(&token.der))?;
            let pdf = dss::append(prepared.embed(&cms)?, &material)?;
            return Ok((pdf, signature));
        }
        Err(SealingError::Timestamp(TimestampError::Invalid(
            "the timestamp token keeps growing".into(),
        )))
    }
}
