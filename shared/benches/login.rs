//! CPU time of a sign-in's password check and of a registration's hash (argon2id, 19 MiB,
//! t=2): what every login and registration spends, on one core, in the release profile.
//! Run: `make bench`.

use cazier_shared::crypto::{hash_password, verify_password};
use std::time::{Duration, Instant};

fn main() {
    let stored = hash_password("at least 12 characters").expect("hash");
    let mut verify = Vec::new();
    let mut hash = Vec::new();
    for _ in 0..25 {
        let started = Instant::now();
        assert!(verify_password("at least 12 characters", &stored));
        verify.push(started.elapsed());
        let started = Instant::now();
        hash_password("another password here").expect("hash");
        hash.push(started.elapsed());
    }
    for (name, mut times) in [("login (verify)", verify), ("registration (hash)", hash)] {
        times.sort();
        println!(
            "{name:<22} median {:>6.1} ms   min {:>6.1} ms",
            ms(times[times.len() / 2]),
            ms(times[0])
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
