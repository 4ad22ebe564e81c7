//! Failed logins are also throttled per source address: one address cannot try many e-mails.
//! Alone in its binary, since every test here comes from 127.0.0.1.

use cazier_e2e::*;
use cazier_shared::services::accounts::LOGIN_FAILURE_LIMIT_PER_ADDRESS;
use serde_json::json;

#[test]
fn many_failed_logins_from_one_address_are_throttled() {
    let client = Client::new(&stack().base_url);
    let citizen = Citizen::register(&client);
    for _ in 0..LOGIN_FAILURE_LIMIT_PER_ADDRESS {
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
