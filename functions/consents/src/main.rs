#[tokio::main]
async fn main() {
    cazier_edge::runtime::run_http(cazier_consents::function).await;
}
