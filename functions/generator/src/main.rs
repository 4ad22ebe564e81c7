use aws_lambda_events::event::dynamodb::Event;
use cazier_generator::GeneratorFunction;
use cazier_shared::config::Env;
use lambda_runtime::{service_fn, LambdaEvent};
use std::sync::Arc;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    cazier_shared::telemetry::init();
    let sdk = cazier_shared::aws::sdk_config().await;
    let function = Arc::new(GeneratorFunction::from_env(sdk, Env::from_process()).await?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let function = Arc::clone(&function);
        async move { Ok::<_, lambda_runtime::Error>(function.handle_event(event.payload).await) }
    }))
    .await
}
