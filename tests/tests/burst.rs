//! A burst in miniature (the full 1,000 is `make load`): 20 citizens submit 5 requests each at
//! once. Alone in its binary: its own stack, whose certificate numbers must run from 1.

use cazier_e2e::burst::{self, Burst};
use cazier_e2e::stack;
use std::time::Duration;

#[test]
fn a_hundred_requests_at_once_are_each_issued_exactly_once() {
    let b = Burst {
        accounts: 20,
        per_account: 5,
        clients: 16,
        deadline: Duration::from_secs(180),
        poll_every: Duration::from_millis(250),
    };
    let r = burst::run(stack(), &b);
    assert!(r.problems.is_empty(), "{:#?}", r.problems);
    assert_eq!(r.issued, 100);
    // moto must not grow with the burst: before the local fix it grew by 143 MiB here (by
    // gigabytes at 1,000 requests); after it, by 9 MiB.
    let (before, peak, _) = r.moto_rss_mib;
    assert!(before > 0.0, "moto's memory could not be read");
    assert!(
        peak < before + 60.0,
        "moto grew from {before:.0} to {peak:.0} MiB"
    );
}
