//! Domain services: what the functions do, written against the ports.

pub mod accounts;
pub mod ghiseul;
pub mod issuance;
pub mod operators;
pub mod requests;
pub mod trust;
pub mod validation;
pub mod verification;
