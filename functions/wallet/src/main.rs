#[tokio::main]
async fn main() {
    cazier_shared::runtime::run_http(cazier_wallet::function).await;
}
