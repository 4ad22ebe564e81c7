//! Failed logins are throttled per e-mail and address, and per source address: counted before
//! the password is checked, so that guesses sent at once cannot pass a limit together; one
//! address cannot try many e-mails. Alone in its binary, since every test here comes from
//! 127.0.0.1 (one test, in order: the parallel guesses use the address's budget first).

use cazier_e2e::*;
use cazier_shared::services::accounts::{
    LOGIN_FAILURE_LIMIT, LOGIN_FAILURE_LIMIT_PER_ADDRESS, LOGIN_WINDOW_SECS,
};
use serde_json::json;

#[test]
fn parallel_and_many_failed_logins_from_one_address_are_throttled() {
    let client = Client::new(&stack().base_url);
    // The counts live in fixed 15-minute windows: one that ends halfway through would
    // forget the guesses (it once did, at 00:15:00).
    clear_of_window_end(LOGIN_WINDOW_SECS, std::time::Duration::from_secs(90));
    let victim = Citizen::register(&client);

    // 40 wrong passwords for one e-mail, sent at once: at most 5 are tried.
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let guesses: Vec<_> = (0..40)
            .map(|n| {
                let (client, email) = (&client, &victim.email);
                scope.spawn(move || {
                    client
                        .post(
                            "/v1/sessions",
                            None,
                            json!({"email": email, "password": format!("guess number {n}")}),
                        )
                        .status
                })
            })
            .collect();
        guesses.into_iter().map(|g| g.join().unwrap()).collect()
    });
    let tried = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        tried <= LOGIN_FAILURE_LIMIT as usize,
        "{tried} answered 401: {statuses:?}"
    );
    assert_eq!(tried + throttled, 40, "{statuses:?}");
    // The owner's right password from here is refused too until the window ends: this
    // address guessed.
    client
        .post(
            "/v1/sessions",
            None,
            json!({"email": victim.email, "password": CITIZEN_PASSWORD}),
        )
        .problem(429, "TOO_MANY_REQUESTS");

    // Many e-mails from one address: the address's own limit.
    let citizen = Citizen::register(&client);
    let budget = LOGIN_FAILURE_LIMIT_PER_ADDRESS as usize - tried;
    for _ in 0..budget {
        client
            .post(
                "/v1/sessions",
                None,
                json!({"email": unique_email(), "password": "guessing-passwords"}),
            )
            .problem(401, "INVALID_CREDENTIALS");
    }
    let r = client.post(
        "/v1/sessions",
        None,
        json!({"email": citizen.email, "password": CITIZEN_PASSWORD}),
    );
    r.problem(429, "TOO_MANY_REQUESTS");
    assert!(r.header("retry-after").is_some());
    // Signed-in citizens are not affected.
    assert_eq!(
        client.get("/v1/accounts/me", Some(&citizen.token)).status,
        200
    );
}
