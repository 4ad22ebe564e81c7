//! What every Lambda function's process does first: logs, SDK clients, keys and configuration
//! once (through the one [`Wiring`]). A configuration error stops the cold start.

use crate::aws::wiring::Wiring;
use crate::config::{ConfigError, Env};

/// The wiring of this process's environment, or the end of the cold start.
pub async fn wiring_from_process() -> Wiring {
    crate::telemetry::init();
    let sdk = crate::aws::lambda_sdk_config();
    let started = std::time::Instant::now();
    match Wiring::load(sdk, Env::from_process()).await {
        Ok(wiring) => {
            // The cold start's deliberate round trips (two KMS calls, concurrent), timed apart
            // from the rest of the start (the cold-start benchmark subtracts them).
            let round_trips_us = started.elapsed().as_micros() as u64;
            tracing::info!(round_trips_us, "cold start: personal-data keys loaded");
            wiring
        }
        Err(e) => exit_with(e),
    }
}

/// Ends a cold start that cannot go on.
pub fn exit_with(e: ConfigError) -> ! {
    tracing::error!(error = %e, "configuration error");
    std::process::exit(1);
}
