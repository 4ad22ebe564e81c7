//! The published revocation status lists (`statement::status_list`): one per year, rebuilt
//! from the year's revoked numbers and signed by the seal key after each revocation and once a
//! day (so that a list is never older than its validity), and served as it was stored.

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

/// The object a year's list is stored as (no personal data: numbers' bits only).
pub fn blob_key(year: i32) -> String {
    format!("status/{year}.jwt")
}

impl StatusListService {
    /// Rebuilds, signs and stores the list of `year`: one read, one signature, one write.
    pub async fn publish(&self, year: i32) -> Result<(), Unavailable> {
        let mut list = StatusList::new();
        for sequence in self.certificates.revoked_in(year).await? {
            list.revoke(sequence);
        }
        let chain = self.chain.get().await?;
        let kid = seal_key_id(&chain)?;
        let uri = format!("{}/{year}", self.lists_url.trim_end_matches('/'));
        let token = status_list::sign(
            &list,
            &uri,
            self.clock.now(),
            LIST_VALID_FOR_SECS,
            &kid,
            &*self.signer,
        )
        .await?;
        self.blobs
            .put(&blob_key(year), token.into_bytes(), CONTENT_TYPE)
            .await?;
        Ok(())
    }

    /// The daily run: this year's list and last year's (its certificates are valid for six
    /// months into this one).
    pub async fn publish_current(&self) -> Result<(), Unavailable> {
        let year = self.clock.now().year();
        self.publish(year).await?;
        self.publish(year - 1).await
    }
}
