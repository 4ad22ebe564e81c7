//! The HTTP edge of every API function, above the services: route tables written once
//! (`api_routes!`), the access rules and the principals they admit by type, strict JSON
//! bodies, each operation error's one mapping to an RFC 9457 problem, and the runtime that
//! serves a function on Lambda. The services below (`cazier-shared`) cannot reach any of it.

pub mod http;
pub mod runtime;

// The layers below, under the paths this crate's modules name them by.
pub(crate) use cazier_shared::{aws, config, crypto, domain, ports, services, wiring};
