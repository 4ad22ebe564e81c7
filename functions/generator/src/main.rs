use cazier_generator::GeneratorFunction;
use lambda_runtime::{service_fn, LambdaEvent};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let wiring = cazier_shared::process::wiring_from_process().await;
    let function = Arc::new(GeneratorFunction::new(&wiring)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
        let function = Arc::clone(&function);
        async move {
            // A failed sweep is reported to Lambda (and so to the errors alarm); the next
            // scheduled one tries again.
            function
                .handle_any(event.payload)
                .await
                .map_err(lambda_runtime::Error::from)
        }
    }))
    .await
}
