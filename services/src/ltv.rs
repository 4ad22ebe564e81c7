//! The validation material of a PAdES-B-LT certificate: the seal's chain, the timestamping
//! authority's certificates, and a current CRL for every certificate in both that is not a
//! trust anchor. CRLs are kept while current: our root's from the documents bucket (published
//! by `cazier-admin trust crl`), others fetched from their certificates' distribution points.

use crate::crl::{self, Crl};
use crate::pdf::dss::ValidationMaterial;
use crate::ports::{BlobStore, Clock, StoreError};
use crate::seal::{SealError, TrustChain};
use crate::timestamp::{TimestampError, Timestamps};
use der::Encode;
use std::sync::Arc;
use x509_cert::Certificate;

#[derive(Debug, thiserror::Error)]
pub enum LtvError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error(transparent)]
    Fetch(#[from] TimestampError),
    /// No current CRL for a certificate: issuing now would give a document that does not
    /// validate on its own, so issuance waits (the request is retried).
    #[error("no current CRL for {0}")]
    NoCurrentCrl(String),
}

pub struct ValidationSource {
    pub blobs: Arc<dyn BlobStore>,
    pub timestamps: Arc<Timestamps>,
    pub clock: Arc<dyn Clock>,
    /// CRLs kept while current, by their issuer's name.
    cache: tokio::sync::Mutex<Vec<(String, Crl)>>,
}

fn self_signed(c: &Certificate) -> bool {
    c.tbs_certificate.issuer == c.tbs_certificate.subject
}

impl ValidationSource {
    pub fn new(
        blobs: Arc<dyn BlobStore>,
        timestamps: Arc<Timestamps>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            blobs,
            timestamps,
            clock,
            cache: tokio::sync::Mutex::new(Vec::new()),
        }
    }

    /// Everything a verifier needs for `chain`'s seal and the authority's timestamps.
    pub async fn material(&self, chain: &TrustChain) -> Result<ValidationMaterial, LtvError> {
        let mut material = ValidationMaterial::default();
        let all: Vec<&Certificate> = chain
            .certificates()
            .iter()
            .chain(self.timestamps.certificates.iter())
            .collect();
        for c in &all {
            let der = c.to_der().map_err(SealError::from)?;
            if !material.certificates.contains(&der) {
                material.certificates.push(der);
            }
        }
        for c in all.iter().filter(|c| !self_signed(c)) {
            let issuer = all
                .iter()
                .find(|i| i.tbs_certificate.subject == c.tbs_certificate.issuer)
                .copied();
            // Our root's CRL is in the bucket; anyone else's at its distribution point.
            let ours = c.tbs_certificate.issuer == chain.root().tbs_certificate.subject;
            let crl = self.crl_for(c, issuer, ours).await?;
            if !material.crls.contains(&crl.der) {
                material.crls.push(crl.der);
            }
        }
        Ok(material)
    }

    async fn crl_for(
        &self,
        certificate: &Certificate,
        issuer: Option<&Certificate>,
        ours: bool,
    ) -> Result<Crl, LtvError> {
        let now = self.clock.now();
        let issuer_name = &certificate.tbs_certificate.issuer;
        let key = issuer_name.to_string();
        let mut cache = self.cache.lock().await;
        if let Some((_, crl)) = cache.iter().find(|(k, c)| *k == key && c.current_at(now)) {
            return Ok(crl.clone());
        }
        let mut found = None;
        // Our root's CRL, published by the admin tool.
        if ours {
            if let Some(der) = self.blobs.get(crl::ROOT_CRL_KEY).await? {
                if let Ok(crl) = Crl::read(der, issuer_name, issuer) {
                    found = Some(crl);
                }
            }
        }
        if found.as_ref().is_none_or(|c| !c.current_at(now)) {
            for url in crl::distribution_points(certificate) {
                let der = self.timestamps.authority.fetch(&url).await?;
                let crl = Crl::read(der, issuer_name, issuer)?;
                if crl.current_at(now) {
                    found = Some(crl);
                    break;
                }
            }
        }
        let crl = found.filter(|c| c.current_at(now)).ok_or_else(|| {
            LtvError::NoCurrentCrl(certificate.tbs_certificate.subject.to_string())
        })?;
        cache.retain(|(k, _)| *k != key);
        cache.push((key, crl.clone()));
        Ok(crl)
    }
}
