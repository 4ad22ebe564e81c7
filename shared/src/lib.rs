//! cazier's common library: the domain services, the AWS adapters, the identity providers'
//! clients and the one wiring that the Lambda functions, the local server and the admin tool
//! share (the HTTP edge and the runtime are `cazier-edge`, above this crate). The domain's types and ports (`cazier-domain`) and the formats (`cazier-formats`)
//! are crates of their own, re-exported here under their old paths.

/// The AWS adapters (crate `cazier-aws`), and the wiring that builds the services on them.
pub mod aws {
    pub use cazier_aws::*;
    pub mod wiring;
}
pub mod config;
pub mod outbound;
pub mod process;
pub mod smtp;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod token_client;
pub mod tsa_client;
pub mod webhook_client;
pub mod wiring;

pub use cazier_aws::privacy;
pub use cazier_domain as domain;
pub use cazier_domain::{crypto, ports};
pub use cazier_formats::{
    change, crl, extract, jose, jwe, pdf, receipt, seal, sealed, statement, timestamp, wallet,
};
pub use cazier_services as services;
pub use cazier_services::{identity, oidc, telemetry};
