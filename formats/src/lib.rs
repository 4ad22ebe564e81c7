//! What outsiders check, as bytes: the certificate's PDF and its PAdES seal (CMS, X.509
//! chains, RFC 3161 timestamps, the root's CRL), the QR code's signed statement and the status
//! lists, the SD-JWT VC credential and the OpenID4VCI protocol objects, and compact JWS
//! (`jose`). They depend on the domain's types and ports (a `Signer`, a timestamp authority),
//! never on AWS or HTTP: the offline verifier links this crate and the domain only.

pub mod change;
pub mod client_assertion;
pub mod crl;
pub mod dpop;
pub mod extract;
pub mod jose;
pub mod jwe;
pub mod pdf;
pub mod receipt;
pub mod seal;
pub mod sealed;
pub mod statement;
pub mod timestamp;
pub mod wallet;

use cazier_domain as domain;
use cazier_domain::ports;
