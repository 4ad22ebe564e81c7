//! Cold starts: each release function binary, run as Lambda runs it, against a stub Lambda
//! Runtime API: the time from exec to its first `GET /runtime/invocation/next` (the INIT
//! phase), beside a hello-world `lambda_runtime` binary built the same way. The functions'
//! deliberate init round trips (two concurrent KMS calls for the personal-data keys, and one
//! DynamoDB read that opens the connection requests will use; to moto here) are logged by the
//! function and reported apart. Then ten invocations that each make one
//! DynamoDB call, to compare the first request after the cold start with the tenth.
//! Run: `make bench-init` (which builds the release binaries first); `COLD_START_ONLY=cazier-web`
//! measures that one binary beside hello-world.

use cazier_e2e::{stack, workspace_root};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::{Duration, Instant};

const RUNS: usize = 11;
const INVOCATIONS: usize = 10;
const API: &str = "/2018-06-01/runtime/invocation";

/// One request from the function to the Runtime API, with the connection to answer on.
struct Call {
    path: String,
    at: Instant,
    stream: TcpStream,
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<String> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let path = line.split(' ').nth(1)?.to_owned();
    let mut length = 0usize;
    let mut chunked = false;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let lower = header.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
            chunked = true;
        }
    }
    if chunked {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk).ok()?;
            if n == 0 {
                break;
            }
        }
    } else {
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
    }
    Some(path)
}

/// Accepts the function's connections; every request it makes arrives on the channel.
fn serve(listener: TcpListener, calls: Sender<Call>) {
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let calls = calls.clone();
            std::thread::spawn(move || {
                let Ok(answer) = stream.try_clone() else {
                    return;
                };
                let mut reader = BufReader::new(stream);
                while let Some(path) = read_request(&mut reader) {
                    let Ok(stream) = answer.try_clone() else {
                        return;
                    };
                    let at = Instant::now();
                    if calls.send(Call { path, at, stream }).is_err() {
                        return;
                    }
                }
            });
        }
    });
}

fn reply(stream: &mut TcpStream, status: &str, headers: &[(&str, String)], body: &str) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}

/// An API Gateway (HTTP API) event for a route, as API Gateway sends it.
fn http_event(route: &str, headers: Value, body: Option<&str>) -> Value {
    let (method, path) = route.split_once(' ').unwrap_or(("GET", "/"));
    json!({
        "version": "2.0", "routeKey": route, "rawPath": path, "rawQueryString": "",
        "headers": headers, "isBase64Encoded": false, "body": body,
        "requestContext": {
            "accountId": "123456789012", "apiId": "bench", "domainName": "cazier.test",
            "domainPrefix": "cazier", "requestId": "bench", "routeKey": route,
            "stage": "$default", "time": "01/Dec/2026:10:00:00 +0000", "timeEpoch": 0,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "bench"}
        }
    })
}

/// A binary, the template function whose environment it runs with, and an event that makes
/// one DynamoDB call (an unknown session looked up, or a verification throttled and read).
fn subjects() -> Vec<(&'static str, Option<&'static str>, Value)> {
    let bearer = json!({"authorization": "Bearer not-a-session", "host": "cazier.test"});
    vec![
        ("hello-lambda", None, json!({})),
        (
            "cazier-accounts",
            Some("AccountsFunction"),
            http_event("GET /v1/accounts/me", bearer.clone(), None),
        ),
        (
            "cazier-validation",
            Some("ValidationFunction"),
            http_event("POST /v1/operator/lookups", bearer.clone(), Some("{}")),
        ),
        (
            "cazier-requests",
            Some("RequestsFunction"),
            http_event("GET /v1/certificates", bearer, None),
        ),
        (
            "cazier-verification",
            Some("VerificationFunction"),
            http_event(
                "POST /v1/verifications",
                json!({"content-type": "application/json", "host": "cazier.test"}),
                Some(r#"{"certificate_number":"CJ-2026-00000001","cnp":"2850101400019"}"#),
            ),
        ),
        (
            "cazier-consents",
            Some("ConsentsFunction"),
            http_event(
                "GET /v1/consent-changes",
                json!({"authorization": "Bearer not-a-token", "host": "cazier.test"}),
                None,
            ),
        ),
        (
            "cazier-web",
            Some("WebFunction"),
            http_event(
                "GET /cont",
                json!({"cookie": "__Host-cazier=not-a-session", "host": "cazier.test"}),
                None,
            ),
        ),
        (
            "cazier-generator",
            Some("GeneratorFunction"),
            json!({"Records": []}),
        ),
    ]
}

struct Run {
    init: Duration,
    round_trips: Duration,
    invocations: Vec<Duration>,
}

fn next_call(calls: &Receiver<Call>, child: &mut Child, what: &str) -> Call {
    match calls.recv_timeout(Duration::from_secs(20)) {
        Ok(call) => call,
        Err(_) => {
            let _ = child.kill();
            panic!("{what}: the function did not call the Runtime API");
        }
    }
}

fn cold_start(binary: &std::path::Path, env: &[(String, String)], event: &Value) -> Run {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("address").port();
    let (send, calls) = channel();
    serve(listener, send);
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .envs(env.iter().cloned())
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let log = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter_map(|l| serde_json::from_str::<Value>(&l).ok())
            .filter_map(|v| {
                let fields = &v["fields"];
                fields["round_trips_us"]
                    .as_u64()
                    .or(fields["warm_up_us"].as_u64())
            })
            .sum::<u64>()
    });
    let mut call = next_call(&calls, &mut child, "init");
    assert!(call.path.ends_with("/next"), "{}", call.path);
    let init = call.at - started;
    let body = event.to_string();
    let mut invocations = Vec::new();
    for i in 0..INVOCATIONS {
        let id = format!("bench-{i}");
        let deadline = (std::time::SystemTime::now() + Duration::from_secs(30))
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default();
        let sent = Instant::now();
        reply(
            &mut call.stream,
            "200 OK",
            &[
                ("lambda-runtime-aws-request-id", id.clone()),
                ("lambda-runtime-deadline-ms", deadline.to_string()),
                (
                    "lambda-runtime-invoked-function-arn",
                    "arn:aws:lambda:eu-central-1:123456789012:function:bench".into(),
                ),
                (
                    "lambda-runtime-trace-id",
                    "Root=1-00000000-000000000000000000000000".into(),
                ),
            ],
            &body,
        );
        let mut answered = next_call(&calls, &mut child, "invocation");
        assert_eq!(answered.path, format!("{API}/{id}/response"), "{binary:?}");
        invocations.push(answered.at - sent);
        reply(&mut answered.stream, "202 Accepted", &[], "{}");
        call = next_call(&calls, &mut child, "next");
    }
    let _ = child.kill();
    let _ = child.wait();
    let round_trips = Duration::from_micros(log.join().unwrap_or(0));
    Run {
        init,
        round_trips,
        invocations,
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let stack = stack();
    let release = workspace_root().join("target/release");
    let sam_env: Value = serde_json::from_str(
        &std::fs::read_to_string(stack.state_dir.join("sam-env.json")).expect("sam-env.json"),
    )
    .expect("json");
    let base: Vec<(String, String)> = [
        ("AWS_LAMBDA_FUNCTION_NAME", "bench"),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256"),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench"),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "bench"),
        ("AWS_REGION", "eu-central-1"),
        ("AWS_ACCESS_KEY_ID", "local"),
        ("AWS_SECRET_ACCESS_KEY", "local"),
        ("RUST_LOG", "info"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    println!(
        "{RUNS} cold starts each (medians); round trips: the init's KMS calls and DynamoDB warm-up, to moto"
    );
    println!(
        "binary                exec→/next  round trips  init w/o them  × hello   1st call  10th call"
    );
    let mut hello = None;
    let only = std::env::var("COLD_START_ONLY").ok();
    let chosen = subjects().into_iter().filter(|(name, _, _)| {
        *name == "hello-lambda" || only.as_deref().is_none_or(|o| o == *name)
    });
    for (name, function, event) in chosen {
        let binary = release.join(name);
        assert!(
            binary.exists(),
            "{} is missing: run `make bench-init`",
            binary.display()
        );
        let mut env = base.clone();
        if let Some(f) = function {
            for (k, v) in sam_env[f].as_object().expect("the function's environment") {
                env.push((k.clone(), v.as_str().unwrap_or_default().to_owned()));
            }
            env.push(("AWS_ENDPOINT_URL".into(), stack.moto.endpoint.clone()));
            env.push(("MAIL_SMTP_ADDRESS".into(), stack.mail.address.clone()));
        }
        let runs: Vec<Run> = (0..RUNS)
            .map(|_| cold_start(&binary, &env, &event))
            .collect();
        let init = median(runs.iter().map(|r| r.init).collect());
        let trips = median(runs.iter().map(|r| r.round_trips).collect());
        let own = median(
            runs.iter()
                .map(|r| r.init.saturating_sub(r.round_trips))
                .collect(),
        );
        let first = median(runs.iter().map(|r| r.invocations[0]).collect());
        let tenth = median(
            runs.iter()
                .map(|r| r.invocations[INVOCATIONS - 1])
                .collect(),
        );
        let hello_ms = *hello.get_or_insert(ms(own));
        println!(
            "{name:<20} {:>8.1} ms {:>9.1} ms {:>10.1} ms {:>7.1}× {:>7.2} ms {:>7.2} ms",
            ms(init),
            ms(trips),
            ms(own),
            ms(own) / hello_ms,
            ms(first),
            ms(tenth),
        );
    }
}
