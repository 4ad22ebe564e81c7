//! cazier's common library: the domain services, the AWS adapters, the identity providers'
//! clients and the one wiring that the Lambda functions, the local server and the admin tool
//! share (the HTTP edge and the runtime are `cazier-edge`, above this crate). The domain's types and ports (`cazier-domain`) and the formats (`cazier-formats`)
//! are crates of their own, re-exported here under their old paths.

pub mod aws;
pub mod config;
pub mod identity;
pub mod oidc;
pub mod outbound;
pub mod privacy;
pub mod process;
pub mod services;
pub mod smtp;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod token_client;
pub mod tsa_client;
pub mod wiring;

pub use cazier_domain as domain;
pub use cazier_domain::{crypto, ports};
pub use cazier_formats::{crl, jose, pdf, seal, statement, timestamp, wallet};
