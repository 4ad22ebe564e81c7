//! The certificate in an EU Digital Identity Wallet (issue 13): the credential format
//! ([`sd_jwt`]). Issuance (OpenID4VCI) and presentation (OpenID4VP) build on it.

pub mod attestation;
pub mod credential_type;
pub mod metadata;
pub mod proof;
pub mod sd_jwt;
