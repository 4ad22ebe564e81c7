//! Measures the time from `POST /v1/certificate-requests` (202) to the request reading `ISSUED`,
//! over N requests (default 20) on a local stack this program starts (moto + local server).
//! Run: `cargo run -q -p cazier-e2e --bin issue-latency -- [N]`

use cazier_e2e::{Citizen, Client, TestStack};
use serde_json::json;
use std::time::{Duration, Instant};

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let stack = TestStack::start(&[]);
    let client = Client::new(&stack.base_url);
    // Warm-up: first use of each client and key.
    Citizen::validated(&client).request_and_wait(&client, "ANGAJARE");
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let citizen = Citizen::validated(&client);
        let started = Instant::now();
        let r = client.post(
            "/v1/certificate-requests",
            Some(&citizen.token),
            json!({"purpose": "ANGAJARE"}),
        );
        assert_eq!(r.status, 202);
        let id = r.json()["request_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        loop {
            let status = client
                .get(
                    &format!("/v1/certificate-requests/{id}"),
                    Some(&citizen.token),
                )
                .json()["status"]
                .clone();
            if status == "ISSUED" {
                break;
            }
            assert_eq!(status, "PENDING", "request ended {status}");
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "not issued in 30 s"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        samples.push(started.elapsed());
    }
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "POST -> ISSUED over {n} requests: median {:.1} ms, p90 {:.1} ms, worst {:.1} ms, best {:.1} ms",
        ms(samples[n / 2]),
        ms(samples[(n * 9 / 10).min(n - 1)]),
        ms(samples[n - 1]),
        ms(samples[0]),
    );
}
