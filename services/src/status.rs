//! The published revocation status lists (`statement::status_list`): one per year, of a fixed
//! size, rebuilt from the year's revoked indexes and signed by the seal key after each
//! revocation, once a day (so that a list is never older than its validity; in December the
//! next year's too), and when the first certificate of a year is issued; served as stored.

use super::trust::ChainSource;
use super::Unavailable;
use crate::ports::{BlobStore, CertificateStore, Clock, Signer};
use crate::statement::seal_key_id;
use crate::statement::status_list::{self, StatusList};
use chrono::Datelike;
use std::sync::Arc;

/// How long a published list may be used: two days, re-signed daily, so one missed run of
/// the daily job does not leave verifiers without a list.
pub const LIST_VALID_FOR_SECS: i64 = 2 * 86_400;
/// The lists' media type (draft-ietf-oauth-status-list).
pub const CONTENT_TYPE: &str = "application/statuslist+jwt";

pub struct StatusListService {
    pub certificates: Arc<dyn CertificateStore>,
    pub blobs: Arc<dyn BlobStore>,
    pub signer: Arc<dyn Signer>,
    pub chain: Arc<ChainSource>,
    pub clock: Arc<dyn Clock>,
    /// Where the lists are served: `<origin>/v1/status-lists` (each list's `sub`).
    pub lists_url: String,
    /// The latest year whose list this instance saw published (so that issuing looks once
    /// per cold start and year).
    pub published_year: std::sync::atomic::AtomicI32,
}

/// Where the lists are served, from the verification page's address (same origin):
/// `https://host/verificare` → `https://host/v1/status-lists`.
pub fn lists_url(verification_page: &str) -> String {
    let origin = verification_page
        .find("://")
        .and_then(|at| {
            verification_page[at + 3..]
                .find('/')
                .map(|slash| &verification_page[..at + 3 + slash])
        })
        .unwrap_or(verification_page);
    format!("{origin}/v1/status-lists")
}

/// Where the list of `year` is published: its `sub`, and the `uri` of every reference to it.
pub fn list_uri(lists_url: &str, year: i32) -> String {
    format!("{}/{year}", lists_url.trim_end_matches('/'))
}

/// The object a year's list is stored as (no personal data: numbers' bits only).
pub fn blob_key(year: i32) -> String {
    format!("status/{year}.jwt")
}

impl StatusListService {
    /// Rebuilds, signs and stores the list of `year`: one read, one signature, one write.
    pub async fn publish(&self, year: i32) -> Result<(), Unavailable> {
        let mut list = StatusList::new();
        for index in self.certificates.revoked_in(year).await? {
            list.revoke(index);
        }
        let chain = self.chain.get().await?;
        let kid = seal_key_id(&chain)?;
        let uri = list_uri(&self.lists_url, year);
        let x5c = chain.x5c_ders();
        let token = status_list::sign(
            &list,
            &uri,
            self.clock.now(),
            LIST_VALID_FOR_SECS,
            &kid,
            x5c,
            &*self.signer,
        )
        .await?;
        self.blobs
            .put(&blob_key(year), token.into_bytes(), CONTENT_TYPE)
            .await?;
        Ok(())
    }

    /// The daily run: this year's list and last year's (its certificates are valid for six
    /// months into this one); in December, next year's too, so that it is there when the
    /// year turns.
    pub async fn publish_current(&self) -> Result<(), Unavailable> {
        let now = self.clock.now();
        let year = now.year();
        self.publish(year).await?;
        self.publish(year - 1).await?;
        if now.month() == 12 {
            self.publish(year + 1).await?;
        }
        Ok(())
    }

    /// After a certificate of `year` is issued: its list is published if it is not yet (the
    /// first certificate of a deployment or of a year), so that every certificate is covered
    /// by a list from its first moment. One read per cold start and year.
    pub async fn ensure_published(&self, year: i32) -> Result<(), Unavailable> {
        use std::sync::atomic::Ordering;
        if self.published_year.load(Ordering::Relaxed) >= year {
            return Ok(());
        }
        if self.blobs.get(&blob_key(year)).await?.is_none() {
            self.publish(year).await?;
        }
        self.published_year.fetch_max(year, Ordering::Relaxed);
        Ok(())
    }
}
