//! cazier's common library: domain types, ports, AWS adapters, the HTTP edge and the domain
//! services that the Lambda functions, the local server and the admin tool share.

pub mod aws;
pub mod config;
pub mod crl;
pub mod crypto;
pub mod domain;
pub mod http;
pub mod identity;
pub mod jose;
pub mod oidc;
pub mod outbound;
pub mod pdf;
pub mod ports;
pub mod privacy;
pub mod runtime;
pub mod seal;
pub mod services;
pub mod smtp;
pub mod statement;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod timestamp;
pub mod token_client;
pub mod tsa_client;
pub mod wallet;
pub mod wiring;
