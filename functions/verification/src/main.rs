#[tokio::main]
async fn main() {
    cazier_edge::runtime::run_http(cazier_verification::function).await;
}
