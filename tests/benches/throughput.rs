//! Requests per second one function instance serves (one request at a time, as Lambda gives
//! it), in-process with the in-memory ports: no network, no DynamoDB, so the figure is the
//! function's own CPU per request (routing, session, validation, services, JSON).
//! `POST /v1/certificate-requests` (requests function) and `POST /v1/verifications` by number
//! and CNP (verification function). Run: `make bench`.

use cazier_edge::runtime::HttpFunction;
use cazier_shared::domain::Role;
use cazier_shared::ports::AccountStore;
use cazier_shared::testing::Memory;
use cazier_shared::wiring::ServiceGraphs;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt};
use std::time::Instant;

const PURPOSES: [&str; 5] = ["ANGAJARE", "STUDII", "EMIGRARE", "VIZA", "ADOPTIE"];

fn post(route: &str, body: String, token: Option<&str>, source_ip: String) -> Request {
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(route.into());
    context.http.source_ip = Some(source_ip);
    let path = route.split_once(' ').map_or(route, |(_, p)| p);
    let mut builder = lambda_http::http::Request::builder()
        .method("POST")
        .uri(path)
        .header("content-type", "application/json");
    if let Some(t) = token {
        builder = builder.header("authorization", format!("Bearer {t}"));
    }
    builder
        .body(Body::Text(body))
        .expect("a request")
        .with_request_context(RequestContext::ApiGatewayV2(context))
        .with_raw_http_path(path)
}

fn cnp(i: u32) -> String {
    // Born 1 Jan 1985, county 40, serial i: a valid CNP for each i < 1000.
    let first = format!("185010140{:03}", i % 1000);
    let digits: Vec<u8> = first.bytes().map(|b| b - b'0').collect();
    format!(
        "{first}{}",
        cazier_shared::domain::cnp::control_digit(&digits)
    )
}

fn report(name: &str, n: usize, elapsed: std::time::Duration) {
    println!(
        "{name:<34} {n:>6} requests in {:>7.1} ms: {:>8.0} requests/s, {:>6.1} µs each",
        elapsed.as_secs_f64() * 1e3,
        n as f64 / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / n as f64
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let memory = Memory::new(chrono::Utc::now()).await;
        let requests = cazier_requests::function(&memory).expect("requests wired");
        let verification = cazier_verification::function(&memory).expect("verification wired");
        // 999 validated citizens with a session each (made directly: no password hashing).
        let mut tokens = Vec::new();
        for i in 1..1000 {
            let account = cazier_shared::testing::sample_citizen(&cnp(i));
            memory
                .accounts
                .create(&account, chrono::Utc::now())
                .await
                .expect("stored");
            let token = format!("bench-token-{i}");
            memory
                .session_for(
                    &account.account_id,
                    Role::Citizen,
                    &token,
                    cazier_shared::domain::SessionChannel::Api,
                )
                .await;
            tokens.push((token, cnp(i)));
        }

        // Every citizen submits five purposes: 4,995 submissions, each accepted.
        let mut ids = Vec::new();
        let started = Instant::now();
        for purpose in PURPOSES {
            for (token, _) in &tokens {
                let body = format!(r#"{{"purpose":"{purpose}"}}"#);
                let req = post(
                    "POST /v1/certificate-requests",
                    body,
                    Some(token),
                    "192.0.2.1".into(),
                );
                let response = requests.handle(req).await;
                assert_eq!(response.status(), 202);
                ids.push(response.into_body());
            }
        }
        report(
            "POST /v1/certificate-requests",
            ids.len(),
            started.elapsed(),
        );

        // One certificate per citizen, issued in memory, then verified by number and CNP,
        // each verifier from its own address (the per-address throttle is not what we time).
        let issuance = memory.issuance_service().expect("issuance wired");
        let mut checks = Vec::new();
        for (body, (_, owner)) in ids.iter().zip(&tokens) {
            let submitted: serde_json::Value =
                serde_json::from_slice(body.as_ref()).expect("a JSON answer");
            let id = cazier_shared::domain::RequestId::from(
                submitted["request_id"].as_str().unwrap_or_default(),
            );
            let outcome = issuance.issue(&id).await.expect("issued");
            if let cazier_shared::services::issuance::Outcome::Issued(number) = outcome {
                checks.push((number.as_str().to_owned(), owner.clone()));
            }
        }
        assert_eq!(checks.len(), tokens.len());
        let rounds = 5;
        let started = Instant::now();
        for round in 0..rounds {
            for (i, (number, owner)) in checks.iter().enumerate() {
                let body = format!(r#"{{"certificate_number":"{number}","cnp":"{owner}"}}"#);
                let ip = format!("10.{round}.{}.{}", i / 250, i % 250);
                let response = verification
                    .handle(post("POST /v1/verifications", body, None, ip))
                    .await;
                assert_eq!(response.status(), 200);
            }
        }
        report(
            "POST /v1/verifications (number+CNP)",
            checks.len() * rounds,
            started.elapsed(),
        );
    });
}
