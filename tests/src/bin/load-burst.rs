//! A national-launch burst on a local stack this program starts (moto + local server, on
//! loopback): N accounts (default 200) registered and validated, then 5 requests each
//! submitted at once by 64 clients; every request must end ISSUED exactly once, numbers
//! gap-free, no 5xx. Prints latencies, time to the last certificate, moto's memory and CPU.
//! Run: `make load` or `cargo run --release -p cazier-e2e --bin load-burst -- [N] [clients]`

use cazier_e2e::burst::{self, Burst};
use cazier_e2e::TestStack;
use std::time::Duration;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().ok());
    let accounts = args.next().flatten().unwrap_or(200);
    let clients = args.next().flatten().unwrap_or(64);
    let stack = TestStack::start(&[]);
    let b = Burst {
        accounts,
        per_account: 5,
        clients,
        deadline: Duration::from_secs(1500),
        // As the portal's page does. 64 clients asking every 250 ms kept moto (which serialises
        // DynamoDB on one core) busy with their reads: 586 s of its CPU, and 717 of the 1,000
        // issued after 10 minutes; every 2 s, 63 s of CPU and all issued in 65 s.
        poll_every: Duration::from_secs(2),
    };
    let r = burst::run(&stack, &b);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{accounts} accounts set up in {:.1} s; {} of {} requests accepted by {clients} clients",
        r.setup.as_secs_f64(),
        r.submitted,
        accounts * 5
    );
    println!(
        "submission latency: p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} ms, worst {:.0} ms",
        ms(r.percentile(0.50)),
        ms(r.percentile(0.95)),
        ms(r.percentile(0.99)),
        ms(r.percentile(1.0)),
    );
    println!(
        "{} ISSUED; the last certificate {:.1} s after the burst began",
        r.issued,
        r.time_to_last_issued.as_secs_f64()
    );
    println!(
        "moto resident memory: {:.0} MiB before, {:.0} MiB at most, {:.0} MiB after",
        r.moto_rss_mib.0, r.moto_rss_mib.1, r.moto_rss_mib.2
    );
    println!(
        "CPU during the burst: moto {:.1} s; this process (local server and clients; each function runs as processes of its own, not counted) {:.1} s",
        r.moto_cpu_s, r.our_cpu_s
    );
    if r.problems.is_empty() {
        println!("OK: every request issued exactly once, numbers gap-free, no 5xx");
    } else {
        for p in &r.problems {
            println!("PROBLEM: {p}");
        }
        std::process::exit(1);
    }
}
