//! Where a certificate's revocation bit sits in its year's status list
//! (draft-ietf-oauth-status-list): drawn at random and unique within the year, so that the
//! index tells a verifier nothing (HAIP and the ARF ask for unpredictable indexes), and every
//! index lies inside the list, which has a fixed size.

use rand::Rng;

/// Bits in each year's list: 8,388,608 (1 MiB before compression; the list of a year with no
/// revocation compresses to about 1 KB). A year's certificates fill a third of it at today's
/// volumes (about 2.6 million a year if every certificate were issued online).
pub const STATUS_LIST_BITS: u64 = 1 << 23;

/// Indexes below this were the certificates' sequence numbers, before indexes were drawn:
/// those certificates keep them, and new indexes are drawn above, so the two never meet.
pub const LEGACY_STATUS_INDEXES: u64 = 1 << 20;

/// A fresh index for a certificate (the store makes sure no other certificate of the year
/// has it).
pub fn random_status_index() -> u64 {
    rand::rngs::OsRng.gen_range(LEGACY_STATUS_INDEXES..STATUS_LIST_BITS)
}
