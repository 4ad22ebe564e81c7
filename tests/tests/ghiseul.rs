//! The ghiseul.ro route: a valid assertion validates the account; forged, expired, replayed,
//! wrong-audience, wrong-issuer, wrong-CNP, wrong-state and `alg: none` assertions do not.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cazier_e2e::*;
use serde_json::{json, Value};

const START: &str = "/v1/accounts/me/validations/ghiseul";
const COMPLETE: &str = "/v1/accounts/me/validations/ghiseul/complete";

fn claims(citizen: &Citizen, state: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": "https://ghiseul.local.test", "aud": "cazier-local", "iat": now, "exp": now + 300,
        "jti": uuid::Uuid::new_v4().to_string(), "nonce": state, "cnp": citizen.cnp,
        "family_name": "Ștefănescu", "given_name": "Ana-Maria", "auth_method": "3DS_CARD"
    })
}

fn mint(claims: &Value) -> String {
    cazier_shared::identity::sign(claims, &dev_issuer_key(), "ghiseul-dev-1").expect("signs")
}

fn start(client: &Client, citizen: &Citizen) -> String {
    let r = client.call("POST", START, Some(&citizen.token), None);
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let body = r.json();
    let state = body["state"].as_str().unwrap().to_owned();
    let url = body["authorize_url"].as_str().unwrap();
    // The development ghiseul.ro, on a site of its own.
    let authorize = format!("{}/dev/ghiseul/autentificare?", stack().ghiseul_origin);
    assert!(url.starts_with(&authorize), "{url}");
    assert!(
        url.contains(&format!("state={state}")) && url.contains("client_id=cazier-local"),
        "{url}"
    );
    state
}

fn complete(client: &Client, citizen: &Citizen, assertion: &str) -> Reply {
    client.post(
        COMPLETE,
        Some(&citizen.token),
        json!({"assertion": assertion}),
    )
}

fn status(client: &Client, citizen: &Citizen) -> Value {
    client.get("/v1/accounts/me", Some(&citizen.token)).json()["status"].clone()
}

#[test]
fn a_valid_assertion_validates_the_account() {
    let client = Client::new(&stack().base_url);
    let citizen = Citizen::register(&client);
    let state = start(&client, &citizen);
    let r = complete(&client, &citizen, &mint(&claims(&citizen, &state)));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let account = r.json();
    assert_eq!(account["status"], "VALIDATED");
    assert_eq!(account["validation"]["method"], "GHISEUL");
    // And the citizen can now get a certificate.
    let request = citizen.request_and_wait(&client, "ANGAJARE");
    assert_eq!(request["status"], "ISSUED");
    // Starting again on a validated account is a conflict.
    client
        .call("POST", START, Some(&citizen.token), None)
        .problem(409, "ALREADY_VALIDATED");
}

#[test]
fn every_attack_is_refused_and_changes_nothing() {
    let client = Client::new(&stack().base_url);
    let citizen = Citizen::register(&client);
    let someone_else = Citizen::register(&client);
    let state = start(&client, &citizen);
    let base = claims(&citizen, &state);
    let with = |k: &str, v: Value| {
        let mut c = base.clone();
        c[k] = v;
        c
    };
    let now = chrono::Utc::now().timestamp();
    let good = mint(&base);
    let parts: Vec<&str> = good.split('.').collect();
    let other_key = {
        use p256::pkcs8::EncodePrivateKey;
        p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng)
            .to_pkcs8_pem(Default::default())
            .unwrap()
            .to_string()
    };
    let attacks: Vec<(&str, String)> = vec![
        (
            "signed by another key",
            cazier_shared::identity::sign(&base, &other_key, "ghiseul-dev-1").unwrap(),
        ),
        (
            "alg HS256",
            format!(
                "{}.{}.{}",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","kid":"ghiseul-dev-1"}"#),
                parts[1],
                parts[2]
            ),
        ),
        (
            "claims edited after signing",
            format!(
                "{}.{}.{}",
                parts[0],
                URL_SAFE_NO_PAD.encode(with("cnp", json!(someone_else.cnp)).to_string()),
                parts[2]
            ),
        ),
        (
            "expired",
            mint(&with("iat", json!(now - 900)).tap(|c| c["exp"] = json!(now - 300))),
        ),
        (
            "issued in the future",
            mint(&with("iat", json!(now + 3600)).tap(|c| c["exp"] = json!(now + 3700))),
        ),
        (
            "lives longer than 10 minutes",
            mint(&with("exp", json!(now + 601))),
        ),
        ("wrong audience", mint(&with("aud", json!("cazier-prod")))),
        (
            "wrong issuer",
            mint(&with("iss", json!("https://ghiseul.evil.test"))),
        ),
        (
            "another person's CNP",
            mint(&with("cnp", json!(someone_else.cnp))),
        ),
        ("unknown state", mint(&with("nonce", json!("not-a-state")))),
        (
            "another account's state",
            mint(&with("nonce", json!(start(&client, &someone_else)))),
        ),
        (
            "weaker authentication",
            mint(&with("auth_method", json!("PASSWORD"))),
        ),
        (
            "unknown key id",
            cazier_shared::identity::sign(&base, &dev_issuer_key(), "rotated-away").unwrap(),
        ),
    ];
    // What the schema refuses (not three non-empty base64url parts, over 16,384 characters) is
    // a 400 before any check; an unsigned `alg: none` token has an empty third part.
    let malformed = [
        (
            "alg none",
            format!(
                "{}.{}.",
                URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
                parts[1]
            ),
        ),
        ("not a JWS", "garbage".to_owned()),
        (
            "oversized",
            format!("{}.{}.{}", "a".repeat(10_000), parts[1], "a".repeat(10_000)),
        ),
    ];
    for (what, assertion) in &malformed {
        let r = complete(&client, &citizen, assertion);
        assert_eq!(
            r.status,
            400,
            "{what}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.problem(400, "MALFORMED_REQUEST");
    }
    for (what, assertion) in &attacks {
        let r = complete(&client, &citizen, assertion);
        assert_eq!(
            r.status,
            422,
            "{what}: {}",
            String::from_utf8_lossy(&r.body)
        );
        r.problem(422, "INVALID_ASSERTION");
    }
    assert_eq!(status(&client, &citizen), "PENDING_VALIDATION");
    assert_eq!(status(&client, &someone_else), "PENDING_VALIDATION");

    // The state survived the refused attempts (they failed before it was used): the genuine
    // assertion still works, once.
    let r = complete(&client, &citizen, &good);
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    // Replayed: the account is validated, and the state and the assertion id are used up.
    complete(&client, &citizen, &good).problem(409, "ALREADY_VALIDATED");
    let replay_elsewhere = complete(&client, &someone_else, &good);
    replay_elsewhere.problem(422, "INVALID_ASSERTION");
}

#[test]
fn the_state_is_single_use_even_under_concurrency() {
    let client = Client::new(&stack().base_url);
    let citizen = Citizen::register(&client);
    let state = start(&client, &citizen);
    let assertion = mint(&claims(&citizen, &state));
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| complete(&client, &citizen, &assertion).status))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [200, 409, 422].contains(s)),
        "{statuses:?}"
    );
}

#[test]
fn roles_and_malformed_bodies() {
    let client = Client::new(&stack().base_url);
    let citizen = Citizen::register(&client);
    let operator = client.operator_token();
    client
        .call("POST", START, Some(&operator), None)
        .problem(403, "FORBIDDEN_ROLE");
    client
        .post(COMPLETE, Some(&operator), json!({"assertion": "x"}))
        .problem(403, "FORBIDDEN_ROLE");
    client
        .call("POST", START, None, None)
        .problem(401, "UNAUTHENTICATED");
    client
        .post(START, Some(&citizen.token), json!({"x": 1}))
        .problem(400, "MALFORMED_REQUEST");
    assert_eq!(
        client.post(START, Some(&citizen.token), json!({})).status,
        201
    );
    client
        .post(COMPLETE, Some(&citizen.token), json!({}))
        .problem(400, "MALFORMED_REQUEST");
    client
        .post(COMPLETE, Some(&citizen.token), json!({"assertion": 5}))
        .problem(400, "MALFORMED_REQUEST");
    client
        .post(
            COMPLETE,
            Some(&citizen.token),
            json!({"assertion": "a.b.c", "cnp": citizen.cnp}),
        )
        .problem(400, "MALFORMED_REQUEST");
}

#[test]
fn assertion_ids_are_remembered() {
    let stack = stack();
    let sessions = stack.sessions();
    stack.runtime.block_on(async {
        let until = chrono::Utc::now() + chrono::Duration::minutes(10);
        let jti = uuid::Uuid::new_v4().to_string();
        assert!(sessions
            .remember_assertion("https://a", &jti, until)
            .await
            .unwrap());
        assert!(
            !sessions
                .remember_assertion("https://a", &jti, until)
                .await
                .unwrap(),
            "replay"
        );
        assert!(
            sessions
                .remember_assertion("https://b", &jti, until)
                .await
                .unwrap(),
            "per issuer"
        );
    });
}

trait Tap: Sized {
    fn tap(self, f: impl FnOnce(&mut Self)) -> Self;
}

impl Tap for Value {
    fn tap(mut self, f: impl FnOnce(&mut Self)) -> Self {
        f(&mut self);
        self
    }
}
