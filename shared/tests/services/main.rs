//! Unit tests of every service rule against the in-memory ports (`cazier_shared::testing`):
//! the same service graphs the functions run, no network. Also the HTTP edge, the seal and the
//! PDF. One test binary, so it links once.

mod accounts;
mod checks;
mod common;
mod consents;
mod counter;
mod declared;
mod edge;
mod ghiseul;
mod issuance;
mod notices;
mod passwords;
mod presentation;
mod requests;
mod roeid;
mod seal_pdf;
mod shares;
mod staff;
mod statement;
mod status_list;
mod timestamps;
mod verification;
mod wallet;
mod wallet_attestation;
mod wallet_issuance;
mod webhooks;
