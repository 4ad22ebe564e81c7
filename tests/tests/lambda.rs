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
    // Each process that was started reports its cold start once its init is done; on a
    // busy machine the calls may all be answered by the first while the others still start.
    let read_log = || -> Vec<serde_json::Value> {
        std::fs::read_to_string(stack.state_dir.join("logs/WalletFunction.log"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
            .collect()
    };
    let reports = |lines: &[serde_json::Value], kind: &str| {
        lines.iter().filter(|l| l["type"] == kind).count()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut lines = read_log();
    while reports(&lines, "platform.initReport") < started as usize
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(std::time::Duration::from_millis(100));
        lines = read_log();
    }
    let count = |kind: &str| reports(&lines, kind);
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

/// One raw HTTP/1.1 request to the stack's gateway: the status line's code, or 0 when the
/// connection closed without an answer.
fn raw_status(request: &str) -> u16 {
    use std::io::{Read, Write};
    let address = stack().base_url.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer)
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// A `Host` that is no address (the function would build its request's URL from it and fail)
/// is refused by the gateway, never a function's 500; a client's `X-Forwarded-Proto` is
/// replaced by the gateway's own (found by the attack on issue 25: both were 500s).
#[test]
fn a_host_or_scheme_the_client_makes_up_is_a_400_not_a_500() {
    for host in ["a b", "a^b", "[::1", "a:99999999", "h/v1/x?cod=1#"] {
        let status = raw_status(&format!(
            "GET /v1/purposes HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        ));
        assert_eq!(status, 400, "Host: {host}");
    }
    let status = raw_status(
        "GET /v1/purposes HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: a b\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 200, "a made-up X-Forwarded-Proto");
    let status =
        raw_status("GET /v1/purposes HTTP/1.1\r\nHost: 127.0.0.1:9\r\nConnection: close\r\n\r\n");
    assert_eq!(status, 200, "an address with a port");
}

/// A client that never finishes its headers is let go (it held the connection forever).
#[test]
fn a_connection_that_never_finishes_its_headers_is_closed() {
    let started = std::time::Instant::now();
    let status = raw_status("GET /v1/purposes HTTP/1.1\r\nHost: localhost\r\n");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(25),
        "held for {:?}",
        started.elapsed()
    );
    assert_ne!(status, 200);
}
