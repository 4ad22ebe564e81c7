//! The functions run as Lambda runs them (issue 25, item 1): each as processes of its own
//! binary, started on demand (cold starts) and more than one under concurrent calls, fed API
//! Gateway's JSON events, each writing its log to `<state>/logs/<function>.log`.

use cazier_e2e::*;
use std::sync::Arc;

#[test]
fn concurrent_calls_start_more_processes_each_logging_as_on_lambda() {
    let stack = stack();
    assert_eq!(
        stack.cold_starts("WalletFunction"),
        Some(0),
        "no process before the first event"
    );
    let base = Arc::new(stack.base_url.clone());
    let calls: Vec<_> = (0..16)
        .map(|_| {
            let base = Arc::clone(&base);
            std::thread::spawn(move || {
                Client::new(&base)
                    .get("/.well-known/openid-credential-issuer", None)
                    .status
            })
        })
        .collect();
    for call in calls {
        assert_eq!(call.join().unwrap(), 200);
    }
    let started = stack.cold_starts("WalletFunction").unwrap();
    assert!(
        (2..=cazier_local::lambda::DEFAULT_MAX_PROCESSES as u32).contains(&started),
        "16 calls at once started {started} processes"
    );
    let log = std::fs::read_to_string(stack.state_dir.join("logs/WalletFunction.log")).unwrap();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let count = |kind: &str| lines.iter().filter(|l| l["type"] == kind).count();
    // Each process that came up reported its cold start (one may still be starting).
    let reported = count("platform.initReport");
    assert!(
        (2..=started as usize).contains(&reported),
        "{reported} cold starts reported, {started} processes started"
    );
    assert!(count("platform.report") >= 16, "one report per invocation");
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["message"] == "cold start: personal-data keys loaded"),
        "the binary's own cold start, with the template's environment, logged"
    );
}

/// A body that is not text reaches the function base64-encoded (`isBase64Encoded`), and a
/// browser's cookies arrive in the event's `cookies` and leave as separate `Set-Cookie`s.
#[test]
fn binary_bodies_and_cookies_cross_as_api_gateway_carries_them() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let not_utf8: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    // Read by the function as the bytes sent: not a PDF, said as such (a text body would
    // have lost the bytes that are not UTF-8 on the way).
    verify_document(&client, &not_utf8).problem(400, "NOT_A_PDF");
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    pdf.extend_from_slice(&not_utf8);
    verify_document(&client, &pdf).problem(400, "TRUNCATED_PDF");
    let page = client.raw("GET", "/cont/nou", None, &[], None);
    assert_eq!(page.status, 200);
    assert!(!page.cookies.is_empty(), "the form's cookies are set");
}
