//! The certificate out of a wallet over HTTP, by OpenID4VP 1.0 against the local stack. The
//! wallet is made of independent libraries from npm: @openid4vc/openid4vci gets the
//! credential, @openid4vc/openid4vp resolves our request and posts the response, and
//! @sd-jwt/sd-jwt-vc makes the presentation and its key-binding JWT. An employer asks for
//! "valid, no entries" and reads the outcome; the holder sees who checked; a replay, a
//! revoked certificate and a holder who declines are each what the employer sees.

use cazier_e2e::wallets::{independent_wallet_credential, interop, wallet_stack};
use cazier_e2e::*;
use chrono::Datelike;
use serde_json::{json, Value};

/// The employer's request, and its outcome once `wallet` has answered it.
fn ask(client: &Client, organisation: &str) -> Value {
    let started = client.post(
        "/v1/presentation-requests",
        None,
        json!({"organisation": organisation}),
    );
    assert_eq!(
        started.status,
        201,
        "{}",
        String::from_utf8_lossy(&started.body)
    );
    assert_eq!(started.header("cache-control"), Some("no-store"));
    started.json()
}

fn outcome(client: &Client, started: &Value) -> Value {
    let answer = client.post(
        "/v1/presentation-requests/outcome",
        None,
        json!({"transaction": started["transaction"]}),
    );
    assert_eq!(answer.status, 200);
    answer.json()
}

fn publish_this_years_list(stack: &TestStack) {
    let year = chrono::Utc::now().year();
    stack
        .runtime
        .block_on(stack.status_lists().publish(year))
        .expect("published");
}

/// The wallet's answer to the link: `Err` (its error) when it refuses the request.
fn wallet_answers(
    link: &str,
    wallet: &Value,
    trusted: &str,
    mode: &[&str],
) -> Result<Value, String> {
    let holder_jwk = wallet["holder_jwk"].to_string();
    let credential = wallet["credential"].as_str().unwrap();
    let mut args = vec![link, credential, &holder_jwk, trusted];
    args.extend(mode);
    interop("oid4vp_wallet.mjs", &args)
}

#[test]
fn an_independent_wallet_presents_the_certificate_to_an_employer() {
    let stack = wallet_stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let request = citizen.request_and_wait(&client, "ANGAJARE");
    let number = request["certificate_number"].as_str().unwrap().to_owned();
    let wallet = independent_wallet_credential(&client, &citizen, &number);
    publish_this_years_list(stack);
    // The wallet's trusted list of relying parties' CAs: our root.
    let trusted = String::from_utf8(client.get("/v1/trust/certificates", None).body).unwrap();

    let started = ask(&client, "Dunărea SA");
    assert_eq!(outcome(&client, &started)["state"], "PENDING");
    let link = started["wallet_uri"].as_str().unwrap();
    println!("OpenID4VP link (the QR code): {} characters", link.len());

    // A wallet that does not trust our CA refuses the request: it checks who asks.
    let distrust = wallet_answers(link, &wallet, "", &[]).expect_err("an unknown verifier");
    println!(
        "a wallet that does not trust our CA: {}",
        distrust.lines().next().unwrap_or_default()
    );
    assert!(distrust.contains("verification of jwt"), "{distrust}");

    let answered = wallet_answers(link, &wallet, &trusted, &[])
        .unwrap_or_else(|e| panic!("the wallet failed:\n{e}"));
    println!("@openid4vc/openid4vp 0.4.6 + @sd-jwt/sd-jwt-vc 0.17.1: {answered}");
    // The library fetched and verified the signed request, read it as OpenID4VP 1.0
    // (version 100) by the x509_hash prefix, asking for exactly the three claims.
    assert_eq!(answered["version"], 100);
    assert_eq!(answered["client_prefix"], "x509_hash");
    assert_eq!(
        answered["asked"],
        json!(["has_entries", "expiry_date", "holder_name"])
    );
    assert_eq!(answered["status"], 200, "{}", answered["body"]);

    let seen = outcome(&client, &started);
    assert_eq!(seen["state"], "VERIFIED", "{seen}");
    assert_eq!(seen["status"], "VALID");
    assert_eq!(seen["certificate_number"], number.as_str());
    assert_eq!(seen["claims"]["has_entries"], false);
    assert!(seen["claims"]["holder_name"]
        .as_str()
        .unwrap()
        .ends_with("Ana-Maria"));
    assert!(
        seen["claims"].get("birth_date").is_none(),
        "not asked, not shown"
    );

    // The holder's "who checked".
    let checks = client
        .get(
            &format!("/v1/certificates/{number}/checks"),
            Some(&citizen.token),
        )
        .json();
    let check = &checks["checks"][0];
    assert_eq!(
        (&check["channel"], &check["result"], &check["organisation"]),
        (&json!("WALLET"), &json!("VALID"), &json!("Dunărea SA"))
    );

    // Answered: the request is no longer served, and its state takes no second answer.
    let again = wallet_answers(link, &wallet, &trusted, &[]).expect_err("spent");
    assert!(again.contains("404"), "{again}");
    let state = started["authorization_request"]["state"].as_str().unwrap();
    let replay = client.raw(
        "POST",
        "/oid4vp/response",
        None,
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(format!("state={state}&error=access_denied").as_bytes()),
    );
    assert_eq!(replay.status, 400);
    assert_eq!(outcome(&client, &started)["status"], "VALID");

    // Another secret reads nothing.
    let other = client.post(
        "/v1/presentation-requests/outcome",
        None,
        json!({"transaction": "guessed"}),
    );
    assert_eq!(other.status, 404);

    // The holder declines a request.
    let declined = ask(&client, "Alt angajator SRL");
    let link = declined["wallet_uri"].as_str().unwrap();
    let said_no = wallet_answers(link, &wallet, &trusted, &["decline"]).unwrap();
    assert_eq!(said_no["status"], 200);
    let seen = outcome(&client, &declined);
    assert_eq!(
        (&seen["state"], &seen["error"]),
        (&json!("DECLINED"), &json!("access_denied"))
    );

    // Revoked, and the list republished: the employer sees REVOKED.
    assert!(stack.revoke(&number));
    publish_this_years_list(stack);
    let after = ask(&client, "Dunărea SA");
    let link = after["wallet_uri"].as_str().unwrap();
    let answered = wallet_answers(link, &wallet, &trusted, &[]).unwrap();
    assert_eq!(answered["status"], 200);
    let seen = outcome(&client, &after);
    assert_eq!(
        (&seen["state"], &seen["status"]),
        (&json!("VERIFIED"), &json!("REVOKED"))
    );
}

#[test]
fn the_response_endpoint_refuses_what_is_not_an_answer_to_a_request() {
    let stack = wallet_stack();
    let client = Client::new(&stack.base_url);
    let form = |body: &str| {
        client.raw(
            "POST",
            "/oid4vp/response",
            None,
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(body.as_bytes()),
        )
    };
    let unknown = form("state=made-up&vp_token=%7B%7D");
    assert_eq!(
        (unknown.status, unknown.json()["error"].clone()),
        (400, json!("invalid_request"))
    );
    let started = ask(&client, "");
    let state = started["authorization_request"]["state"].as_str().unwrap();
    let forged = form(&format!(
        "state={state}&vp_token=%7B%22cazier%22%3A%5B%22e30.e30.AA~%22%5D%7D"
    ));
    assert_eq!(forged.status, 400);
    let seen = outcome(&client, &started);
    assert_eq!(seen["state"], "REFUSED", "{seen}");
    let json_body = client.post("/oid4vp/response", None, json!({"state": state}));
    assert_eq!(
        (json_body.status, json_body.json()["code"].clone()),
        (400, json!("UNSUPPORTED_MEDIA_TYPE"))
    );
}
