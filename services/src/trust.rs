//! Setting up the seal's certificate chain (admin tool and local stack) and reading it back.

use crate::crl::Crl;
use crate::ports::{BlobStore, Signer};
use crate::seal::{self, Profile, SealError, TrustChain};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

pub const ROOT_SUBJECT: &str = "CN=cazier Root CA (not qualified),O=cazier,C=RO";
pub const SEAL_SUBJECT: &str = "CN=cazier certificate seal (not qualified),O=cazier,C=RO";
const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

/// The stored chain, if any.
pub async fn load(blobs: &dyn BlobStore) -> Result<Option<TrustChain>, SealError> {
    let Some(pem) = blobs.get(seal::CHAIN_KEY).await? else {
        return Ok(None);
    };
    let pem = String::from_utf8(pem)
        .map_err(|_| SealError::Invalid("the stored chain is not PEM".into()))?;
    TrustChain::from_pem(&pem).map(Some)
}

async fn store(blobs: &dyn BlobStore, chain: &TrustChain) -> Result<(), SealError> {
    blobs
        .put(
            seal::CHAIN_KEY,
            chain.to_pem()?.into_bytes(),
            seal::CHAIN_CONTENT_TYPE,
        )
        .await?;
    Ok(())
}

/// How long a CRL of our root stays current. The root key signs nothing unattended, so ops
/// publish the next one (`cazier-admin trust crl`) before this runs out; the generator's daily
/// job warns a month ahead.
pub const ROOT_CRL_VALIDITY: chrono::Duration = chrono::Duration::days(180);

/// Signs and stores a CRL of our root (no seal certificate revoked), current from `now`.
pub async fn publish_crl(
    root_key: &dyn Signer,
    chain: &TrustChain,
    blobs: &dyn BlobStore,
    now: DateTime<Utc>,
) -> Result<Crl, SealError> {
    let crl = crate::crl::issue(root_key, chain.root(), now, ROOT_CRL_VALIDITY).await?;
    blobs
        .put(
            crate::crl::ROOT_CRL_KEY,
            crl.der.clone(),
            crate::crl::CRL_CONTENT_TYPE,
        )
        .await?;
    Ok(crl)
}

/// The published CRL of our root, checked against the chain's root.
pub async fn published_crl(
    chain: &TrustChain,
    blobs: &dyn BlobStore,
) -> Result<Option<Crl>, SealError> {
    let Some(der) = blobs.get(crate::crl::ROOT_CRL_KEY).await? else {
        return Ok(None);
    };
    let root = chain.root();
    Crl::read(der, &root.tbs_certificate.subject, Some(root)).map(Some)
}

/// Creates a root certificate self-signed by `root_key` (10 years) and a seal certificate for
/// `seal_key` signed by it (3 years), stores the chain and publishes the root's first CRL.
/// For local and test deployments.
pub async fn init(
    root_key: &dyn Signer,
    seal_key: &dyn Signer,
    blobs: &dyn BlobStore,
    seal_subject: &str,
    now: DateTime<Utc>,
) -> Result<TrustChain, SealError> {
    let seal_public_key = seal_key.public_key().await?;
    let root = seal::issue_certificate(
        root_key,
        None,
        ROOT_SUBJECT,
        &root_key.public_key().await?,
        Profile::Root,
        10 * YEAR,
    )
    .await?;
    let seal_certificate = seal::issue_certificate(
        root_key,
        Some(&root),
        seal_subject,
        &seal_public_key,
        Profile::Seal,
        3 * YEAR,
    )
    .await?;
    let chain = TrustChain::new(vec![seal_certificate, root])?;
    chain.check(&seal_public_key)?;
    store(blobs, &chain).await?;
    publish_crl(root_key, &chain, blobs, now).await?;
    Ok(chain)
}

/// Stores the chain a trust service provider returned for the signing key's request, after
/// checking that it is for that key and that each certificate is signed by the next. Returns
/// what could not be checked here (e.g. RSA links), to show to the operator.
pub async fn import(
    pem: &str,
    seal_key: &dyn Signer,
    blobs: &dyn BlobStore,
) -> Result<(TrustChain, Vec<String>), SealError> {
    let chain = TrustChain::from_pem(pem)?;
    let notes = chain.check(&seal_key.public_key().await?)?;
    store(blobs, &chain).await?;
    Ok((chain, notes))
}

/// The seal's certificate chain, read from the documents bucket once per cold start (on first
/// use, so that a chain set up after the function started is found; failures are not cached).
pub struct ChainSource {
    blobs: Arc<dyn BlobStore>,
    chain: OnceCell<Arc<TrustChain>>,
}

impl ChainSource {
    pub fn new(blobs: Arc<dyn BlobStore>) -> Self {
        Self {
            blobs,
            chain: OnceCell::new(),
        }
    }

    pub async fn get(&self) -> Result<Arc<TrustChain>, SealError> {
        self.chain
            .get_or_try_init(|| async {
                load(&*self.blobs)
                    .await?
                    .map(Arc::new)
                    .ok_or(SealError::NoChain)
            })
            .await
            .cloned()
    }
}
