//! A national-launch burst against a local stack: many validated citizens submit several
//! requests each, all at once, over HTTP on loopback. Used by the `load-burst` program (the
//! full 1,000) and by a smaller test in `make test`. It reports what a citizen and an operator
//! would notice (every request issued exactly once, numbers gap-free, no 5xx, latencies) and
//! what moto costs (its memory and CPU beside ours).

use crate::{registration, Client, TestStack, CITIZEN_PASSWORD};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const PURPOSES: [&str; 5] = ["ANGAJARE", "STUDII", "EMIGRARE", "VIZA", "ADOPTIE"];

pub struct Burst {
    pub accounts: usize,
    /// Requests per account, one per purpose (at most 5).
    pub per_account: usize,
    /// HTTP clients at once.
    pub clients: usize,
    /// How long the requests may take to be issued, all of them.
    pub deadline: Duration,
    /// How often each client asks for its request's status (the portal's page: every 2 s).
    pub poll_every: Duration,
}

#[derive(Default, Debug)]
pub struct BurstReport {
    pub setup: Duration,
    pub submitted: usize,
    pub submit_latencies: Vec<Duration>,
    pub time_to_last_issued: Duration,
    pub issued: usize,
    pub moto_rss_mib: (f64, f64, f64),
    pub moto_cpu_s: f64,
    pub our_cpu_s: f64,
    /// What a user or an operator would call a failure; empty when the burst went well.
    pub problems: Vec<String>,
}

impl BurstReport {
    pub fn percentile(&self, p: f64) -> Duration {
        let n = self.submit_latencies.len();
        if n == 0 {
            return Duration::ZERO;
        }
        let i = ((n as f64 * p).ceil() as usize).clamp(1, n) - 1;
        self.submit_latencies[i]
    }
}

struct Account {
    token: String,
}

/// Runs `f(i)` for i in 0..n on `clients` threads.
fn parallel<T: Send>(clients: usize, n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(Vec::with_capacity(n));
    std::thread::scope(|s| {
        for _ in 0..clients.min(n.max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let value = f(i);
                out.lock().expect("results").push((i, value));
            });
        }
    });
    let mut out = out.into_inner().expect("results");
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, v)| v).collect()
}

fn citizen(client: &Client, operator: &str) -> Result<Account, String> {
    let (email, cnp) = (crate::unique_email(), crate::random_cnp());
    let r = client.post("/v1/accounts", None, registration(&email, &cnp));
    if r.status != 202 {
        return Err(format!("registration answered {}", r.status));
    }
    let registration_id = r.json()["registration_id"].clone();
    let code = crate::confirmation_code(&client.base, &email, 0);
    let r = client.post(
        "/v1/accounts/confirmation",
        None,
        json!({"registration_id": registration_id, "code": code}),
    );
    if r.status != 201 {
        return Err(format!("confirmation answered {}", r.status));
    }
    let id = r.json()["account_id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let counter = r.json()["counter_code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let found = client.post(
        "/v1/operator/lookups",
        Some(operator),
        json!({"counter_code": counter}),
    );
    if found.status != 200 {
        return Err(format!("lookup answered {}", found.status));
    }
    let v = client.post(
        &format!("/v1/operator/accounts/{id}/validation"),
        Some(operator),
        json!({"id_document": {"type": "CI", "series": "RX", "number": "123456"}}),
    );
    if v.status != 200 {
        return Err(format!("validation answered {}", v.status));
    }
    let s = client.post(
        "/v1/sessions",
        None,
        json!({"email": email, "password": CITIZEN_PASSWORD}),
    );
    let token = s.json()["token"].as_str().unwrap_or_default().to_owned();
    if s.status != 201 || token.is_empty() {
        return Err(format!("login answered {}", s.status));
    }
    Ok(Account { token })
}

pub fn run(stack: &TestStack, burst: &Burst) -> BurstReport {
    let client = Client::new(&stack.base_url);
    let mut report = BurstReport::default();
    let started = Instant::now();
    let operator = client.operator_token();
    let accounts: Vec<Account> = parallel(burst.clients, burst.accounts, |_| {
        citizen(&client, &operator)
    })
    .into_iter()
    .filter_map(|a| a.map_err(|e| report_setup_failure(&e)).ok())
    .collect();
    report.setup = started.elapsed();
    if accounts.len() != burst.accounts {
        report.problems.push(format!(
            "only {} of {} accounts could be set up",
            accounts.len(),
            burst.accounts
        ));
        return report;
    }

    let moto = crate::procfs::Process::listening_on(stack.moto.port());
    let me = crate::procfs::Process::current();
    let (moto_cpu0, our_cpu0) = (moto.cpu_seconds(), me.cpu_seconds());
    let rss_start = moto.rss_mib();
    let sampling = AtomicBool::new(true);
    let peak = Mutex::new(rss_start);

    let per_account = burst.per_account.min(PURPOSES.len());
    let jobs = accounts.len() * per_account;
    let burst_start = chrono::Utc::now();
    let (submissions, polled) = std::thread::scope(|s| {
        s.spawn(|| {
            while sampling.load(Ordering::Relaxed) {
                let rss = moto.rss_mib();
                let mut p = peak.lock().expect("peak");
                *p = p.max(rss);
                drop(p);
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        let submissions = parallel(burst.clients, jobs, |j| {
            let account = &accounts[j / per_account];
            let purpose = PURPOSES[j % per_account];
            let t = Instant::now();
            let r = client.post(
                "/v1/certificate-requests",
                Some(&account.token),
                json!({"purpose": purpose}),
            );
            let id = r.json()["request_id"].as_str().map(str::to_owned);
            (t.elapsed(), r.status, id)
        });
        let deadline = Instant::now() + burst.deadline;
        let polled = parallel(burst.clients, jobs, |j| {
            let account = &accounts[j / per_account];
            let Some(id) = &submissions[j].2 else {
                return "NOT_ACCEPTED".to_owned();
            };
            loop {
                let r = client.get(
                    &format!("/v1/certificate-requests/{id}"),
                    Some(&account.token),
                );
                let status = r.json()["status"].as_str().unwrap_or("?").to_owned();
                if r.status >= 500 {
                    return format!("HTTP {}", r.status);
                }
                if status != "PENDING" || Instant::now() > deadline {
                    return status;
                }
                std::thread::sleep(burst.poll_every);
            }
        });
        sampling.store(false, Ordering::Relaxed);
        (submissions, polled)
    });

    report.submitted = submissions.iter().filter(|s| s.1 == 202).count();
    report.submit_latencies = submissions.iter().map(|s| s.0).collect();
    report.submit_latencies.sort();
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for s in &submissions {
        *statuses.entry(format!("HTTP {}", s.1)).or_default() += 1;
    }
    if report.submitted != jobs {
        report.problems.push(format!(
            "{} of {jobs} submissions accepted: {statuses:?}",
            report.submitted
        ));
    }
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &polled {
        *outcomes.entry(p.as_str()).or_default() += 1;
    }
    report.issued = outcomes.get("ISSUED").copied().unwrap_or(0);
    if report.issued != jobs {
        report
            .problems
            .push(format!("requests ended {outcomes:?}, not all ISSUED"));
    }

    // Each account's certificates: one per request, numbers distinct and gap-free.
    let lists = parallel(burst.clients, accounts.len(), |i| {
        let r = client.get("/v1/certificates", Some(&accounts[i].token));
        (r.status, r.json())
    });
    let mut numbers = BTreeSet::new();
    let mut last_issued = burst_start;
    let mut certificates = 0;
    for (status, list) in &lists {
        let items = list["certificates"]
            .as_array()
            .or_else(|| list.as_array())
            .cloned()
            .unwrap_or_default();
        if *status != 200 || items.len() != per_account {
            report.problems.push(format!(
                "an account lists {} certificates (HTTP {status}), not {per_account}",
                items.len()
            ));
        }
        for c in items {
            certificates += 1;
            numbers.insert(c["certificate_number"].as_str().unwrap_or("").to_owned());
            if let Some(t) = c["issued_at"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            {
                last_issued = last_issued.max(t.with_timezone(&chrono::Utc));
            }
        }
    }
    if numbers.len() != certificates {
        report.problems.push(format!(
            "{certificates} certificates share {} numbers",
            numbers.len()
        ));
    }
    report.problems.extend(gaps(&numbers));
    report.time_to_last_issued = (last_issued - burst_start).to_std().unwrap_or_default();
    report.moto_rss_mib = (rss_start, *peak.lock().expect("peak"), moto.rss_mib());
    report.moto_cpu_s = moto.cpu_seconds() - moto_cpu0;
    report.our_cpu_s = me.cpu_seconds() - our_cpu0;
    report
}

fn report_setup_failure(e: &str) -> String {
    eprintln!("setup: {e}");
    e.to_owned()
}

/// Each year's sequence numbers must run from 1 without a hole (this stack issued them all).
fn gaps(numbers: &BTreeSet<String>) -> Vec<String> {
    let mut by_year: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for n in numbers {
        let mut parts = n.split('-').skip(1);
        match (parts.next(), parts.next().and_then(|s| s.parse().ok())) {
            (Some(year), Some(seq)) => by_year.entry(year).or_default().push(seq),
            _ => return vec![format!("malformed certificate number {n:?}")],
        }
    }
    by_year
        .into_iter()
        .filter_map(|(year, seqs)| {
            let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
            (seqs != expected).then(|| {
                format!(
                    "{year}: {} numbers, not 1..={} without a gap",
                    seqs.len(),
                    seqs.len()
                )
            })
        })
        .collect()
}
