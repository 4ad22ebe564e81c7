//! Server time to answer the portal's pages, end to end inside the function (routing, session
//! lookup, services, rendering, headers) with the in-memory ports, and each page's size.
//! Network and DynamoDB round trips are not in it. Run: `make bench`.

use cazier_edge::runtime::HttpFunction;
use cazier_shared::domain::{AccountStatus, Role};
use cazier_shared::ports::AccountStore;
use cazier_shared::testing::Memory;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use std::time::{Duration, Instant};

fn request(route: &str, path: &str, cookie: &str) -> Request {
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(route.into());
    let (method, _) = route.split_once(' ').unwrap_or(("GET", ""));
    lambda_http::http::Request::builder()
        .method(method)
        .uri(path)
        .header("cookie", cookie)
        .header("accept-language", "ro-RO")
        .body(Body::Empty)
        .expect("a request")
        .with_request_context(RequestContext::ApiGatewayV2(context))
        .with_raw_http_path(path)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let memory = Memory::new(chrono::Utc::now()).await;
        let web = cazier_web::function(&memory).expect("wired");
        // A citizen and a session, made directly (no password hashing in the figures).
        let mut account = cazier_shared::testing::sample_citizen("2850101400019");
        account.status = AccountStatus::PendingValidation;
        memory
            .accounts
            .create(&account, chrono::Utc::now())
            .await
            .expect("stored");
        let token = "bench-session-token";
        memory
            .session_for(
                &account.account_id,
                Role::Citizen,
                token,
                cazier_shared::domain::SessionChannel::Portal,
            )
            .await;
        let cookie = format!("__Host-cazier={token}");
        println!("page                 median    p95       size");
        for (name, route, path) in [
            ("home", "GET /", "/"),
            ("register form", "GET /cont/nou", "/cont/nou"),
            ("sign-in form", "GET /autentificare", "/autentificare"),
            ("my account", "GET /cont", "/cont"),
            ("new request", "GET /cereri/noua", "/cereri/noua"),
            ("my certificates", "GET /certificate", "/certificate"),
        ] {
            let mut times = Vec::new();
            let mut size = 0;
            for _ in 0..2000 {
                let started = Instant::now();
                let response = web.handle(request(route, path, &cookie)).await;
                times.push(started.elapsed());
                assert_eq!(response.status(), 200, "{name}");
                if let Body::Text(t) = response.body() {
                    size = t.len();
                }
            }
            times.sort();
            let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
            println!(
                "{name:<20} {:>7.1} µs {:>7.1} µs {size:>6} B",
                micros(at(0.5)),
                micros(at(0.95))
            );
        }
    });
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}
