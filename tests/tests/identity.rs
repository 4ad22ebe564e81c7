//! Issue 21's attacks over HTTP, each beside its control: someone else's validation by a link,
//! a name nobody proved, registration that tells who exists or locks a CNP, passwords, the
//! clerk's access (lookup first, audited views, disable, second factor with pyotp), tokens
//! used on the wrong channel, and HSTS on every answer.
//! (Long on purpose: issue 21's attacks, one test each, on one stack.)
//! (Over 600 lines: each attack beside its control, on one stack.)

use cazier_e2e::portal::*;
use cazier_e2e::*;
use cazier_shared::domain::{AccountId, AuditEventKind, AuditSubject, Role};
use cazier_shared::services::operators::{change_operator, create_operator, OperatorChange};
use serde_json::{json, Value};

const START: &str = "/v1/accounts/me/validations/ghiseul";
const COMPLETE: &str = "/v1/accounts/me/validations/ghiseul/complete";

fn me(client: &Client, token: &str) -> Value {
    let r = client.get("/v1/accounts/me", Some(token));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    r.json()
}

/// What the development ghiseul.ro hands a browser that passed 3-D Secure as `cnp` and
/// `names`: the assertion its return form posts to the portal.
fn ghiseul_assertion(authorize_url: &str, cnp: &str, names: (&str, &str)) -> String {
    let (origin, path_query) =
        authorize_url.split_at(authorize_url.find("/dev/").expect("the dev ghiseul.ro"));
    // localhost is this machine; the client need not guess which of its addresses listens.
    let ghiseul = Client::new(&origin.replace("//localhost:", "//127.0.0.1:"));
    let page = ghiseul.get(path_query, None);
    assert_eq!(page.status, 200);
    let query = cazier_shared::testing::provider::query(path_query);
    let field = |name: &str| query.get(name).cloned().unwrap_or_default();
    let form = [
        ("state", field("state")),
        ("client_id", field("client_id")),
        ("redirect_uri", field("redirect_uri")),
        ("cnp", cnp.to_owned()),
        ("family_name", names.0.to_owned()),
        ("given_name", names.1.to_owned()),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={}", encode(v)))
    .collect::<Vec<_>>()
    .join("&");
    let confirmed = ghiseul.raw(
        "POST",
        "/dev/ghiseul/confirmare",
        None,
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(form.as_bytes()),
    );
    let page = html(&confirmed);
    let at = page
        .find("name=\"assertion\" value=\"")
        .expect("an assertion")
        + 24;
    page[at..].split('"').next().unwrap_or_default().to_owned()
}

fn post_back(browser: &mut Browser, assertion: &str) -> Reply {
    browser.send(
        "POST",
        "/cont/ghiseul/raspuns",
        Some(&[("assertion", assertion)]),
    )
}

fn portal_registration(email: &str, cnp: &str, names: (&str, &str)) -> Vec<(String, String)> {
    [
        ("email", email),
        ("password", CITIZEN_PASSWORD),
        ("cnp", cnp),
        ("last_name", names.0),
        ("first_name", names.1),
        ("id_document", "CI"),
        ("series", "RX"),
        ("number", "123456"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

#[test]
fn a_validation_link_answered_in_the_victims_browser_validates_nothing() {
    let api = Client::new(&stack().base_url);
    let victim_cnp = random_cnp();
    // Mallory registers with Victor's CNP and her own name, and starts on the portal.
    let email = unique_email();
    let mut mallory = Browser::new("en");
    let fields = portal_registration(&email, &victim_cnp, ("Orice", "Nume"));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    mallory.register(&fields, CITIZEN_PASSWORD);
    let started = mallory.submit("/cont", "/cont/ghiseul", &[]);
    let link = location(&started).to_owned();
    assert!(link.starts_with(&stack().ghiseul_origin), "{link}");
    let flow = started
        .cookies
        .iter()
        .find(|c| c.starts_with("__Host-flow="))
        .expect("the browser is bound");
    assert!(flow.contains("SameSite=None") && flow.contains("Secure") && flow.contains("HttpOnly"));
    // Victor opens it and passes 3-D Secure; his browser (no Mallory cookies) posts it back.
    let assertion = ghiseul_assertion(&link, &victim_cnp, ("Real", "Victim"));
    let mut victor = Browser::new("en");
    let answer = post_back(&mut victor, &assertion);
    assert_eq!(answer.status, 422, "{}", html(&answer));
    assert!(html(&answer).contains("another browser"));
    let token = api.login(&email, CITIZEN_PASSWORD);
    assert_eq!(me(&api, &token)["status"], "PENDING_VALIDATION");
    // Mallory replays it in her own browser, or through the API: spent.
    assert_eq!(post_back(&mut mallory, &assertion).status, 422);
    let replayed = api.post(COMPLETE, Some(&token), json!({"assertion": assertion}));
    assert_eq!(
        replayed.status,
        422,
        "{}",
        String::from_utf8_lossy(&replayed.body)
    );
    assert_eq!(me(&api, &token)["status"], "PENDING_VALIDATION");
}

#[test]
fn the_same_flow_in_the_browser_that_started_it_validates_under_the_proven_name() {
    let api = Client::new(&stack().base_url);
    let (email, cnp) = (unique_email(), random_cnp());
    let mut browser = Browser::new("ro");
    let fields = portal_registration(&email, &cnp, ("Ştefănescu", "Ana-Maria"));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    browser.register(&fields, CITIZEN_PASSWORD);
    let started = browser.submit("/cont", "/cont/ghiseul", &[]);
    let link = location(&started).to_owned();
    let assertion = ghiseul_assertion(&link, &cnp, ("ȘTEFĂNESCU", "ANA MARIA"));
    let back = post_back(&mut browser, &assertion);
    assert_eq!(location(&back), "/cont/validare");
    let token = api.login(&email, CITIZEN_PASSWORD);
    assert_eq!(me(&api, &token)["status"], "PENDING_VALIDATION", "not yet");
    let page = html(&browser.get("/cont/validare"));
    let masked = format!("{}***@example.ro", &email[..1]);
    assert!(page.contains(&masked), "whose account: {page}");
    assert!(page.contains("ȘTEFĂNESCU ANA MARIA"));
    let done = browser.submit(
        "/cont/validare",
        "/cont/validare",
        &[("decision", "confirm")],
    );
    assert_eq!(location(&done), "/cont");
    let account = me(&api, &token);
    assert_eq!(account["status"], "VALIDATED");
    assert_eq!(account["validation"]["method"], "GHISEUL");
    assert_eq!(
        account["last_name"], "ȘTEFĂNESCU",
        "the proven spelling is sealed"
    );
    assert_eq!(account["validate_before"], Value::Null);
}

#[test]
fn an_assertion_for_other_names_is_a_name_mismatch_and_changes_nothing() {
    let api = Client::new(&stack().base_url);
    let citizen = Citizen::register(&api);
    let started = api.call("POST", START, Some(&citizen.token), None).json();
    let now = chrono::Utc::now().timestamp();
    let claims = json!({
        "iss": "https://ghiseul.local.test", "aud": "cazier-local", "iat": now, "exp": now + 300,
        "jti": uuid::Uuid::new_v4().to_string(), "nonce": started["state"], "cnp": citizen.cnp,
        "family_name": "Real", "given_name": "Victim", "auth_method": "3DS_CARD"
    });
    let assertion =
        cazier_shared::identity::sign(&claims, &dev_issuer_key(), "ghiseul-dev-1").expect("signs");
    let refused = api.post(
        COMPLETE,
        Some(&citizen.token),
        json!({"assertion": assertion}),
    );
    let problem = refused.problem(422, "NAME_MISMATCH");
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("counter"));
    let account = me(&api, &citizen.token);
    assert_eq!(account["status"], "PENDING_VALIDATION");
    assert_eq!(account["last_name"], "Ștefănescu");
}

#[test]
fn registration_tells_nobody_who_exists_and_a_stranger_cannot_hold_a_cnp() {
    let api = Client::new(&stack().base_url);
    let owner = Citizen::register(&api);
    let fresh = api.post(
        "/v1/accounts",
        None,
        registration(&unique_email(), &random_cnp()),
    );
    for body in [
        registration(&owner.email, &random_cnp()),
        registration(&unique_email(), &owner.cnp),
    ] {
        let again = api.post("/v1/accounts", None, body);
        assert_eq!(registration_answer(&again), registration_answer(&fresh));
    }
    // A stranger's unvalidated account with the same CNP exists beside the owner's; the first
    // validated takes the CNP, the other is refused.
    let stranger = Citizen::register_with(&api, &owner.cnp);
    let operator = api.operator_token();
    owner.validate_at_counter(&api, &operator);
    api.post(
        "/v1/operator/lookups",
        Some(&operator),
        json!({"counter_code": stranger.counter_code}),
    );
    api.post(
        &format!("/v1/operator/accounts/{}/validation", stranger.account_id),
        Some(&operator),
        json!({"id_document": {"type": "CI", "series": "RX", "number": "123456"}}),
    )
    .problem(409, "CNP_ALREADY_VALIDATED");
    assert_eq!(me(&api, &stranger.token)["status"], "PENDING_VALIDATION");
}

#[test]
fn five_wrong_codes_spend_a_registration_even_sent_at_once() {
    let api = Client::new(&stack().base_url);
    let email = unique_email();
    let seen = mail_to(&api.base, &email).len();
    let sent = api.post("/v1/accounts", None, registration(&email, &random_cnp()));
    assert_eq!(sent.status, 202);
    let id = sent.json()["registration_id"].clone();
    let right = confirmation_code(&api.base, &email, seen);
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let guesses: Vec<_> = (0..20)
            .map(|n| {
                let (api, id) = (&api, &id);
                scope.spawn(move || {
                    api.post(
                        "/v1/accounts/confirmation",
                        None,
                        json!({"registration_id": id, "code": format!("ZZZZ-ZZ{n:02}")}),
                    )
                    .status
                })
            })
            .collect();
        guesses.into_iter().map(|g| g.join().unwrap()).collect()
    });
    assert!(statuses.iter().all(|s| *s == 422), "{statuses:?}");
    api.post(
        "/v1/accounts/confirmation",
        None,
        json!({"registration_id": id, "code": right}),
    )
    .problem(422, "INVALID_CODE");
}

#[test]
fn a_password_reset_works_once_and_ends_every_session() {
    let api = Client::new(&stack().base_url);
    let citizen = Citizen::register(&api);
    let before = mail_to(&api.base, &citizen.email).len();
    let asked = api.post("/v1/password-resets", None, json!({"email": citizen.email}));
    assert_eq!(asked.status, 202);
    // The same answer for an address without an account.
    let unknown = api.post(
        "/v1/password-resets",
        None,
        json!({"email": unique_email()}),
    );
    assert_eq!(
        (unknown.status, unknown.json()),
        (asked.status, asked.json())
    );
    let mails = mail_to(&api.base, &citizen.email);
    assert_eq!(mails.len(), before + 1);
    let token = mails[before]
        .split("cod=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a link")
        .to_owned();
    let reset = |token: &str| {
        api.post(
            "/v1/password-resets/confirmation",
            None,
            json!({"token": token, "new_password": "a brand new password"}),
        )
    };
    assert_eq!(reset(&token).status, 204);
    reset(&token).problem(422, "INVALID_RESET_LINK");
    api.get("/v1/accounts/me", Some(&citizen.token))
        .problem(401, "UNAUTHENTICATED");
    api.post(
        "/v1/sessions",
        None,
        json!({"email": citizen.email, "password": CITIZEN_PASSWORD}),
    )
    .problem(401, "INVALID_CREDENTIALS");
    let fresh = api.login(&citizen.email, "a brand new password");
    // A change needs the current password, and also ends every session.
    api.post(
        "/v1/accounts/me/password",
        Some(&fresh),
        json!({"current_password": "wrong guess!", "new_password": "yet another password"}),
    )
    .problem(422, "WRONG_PASSWORD");
    let changed = api.post(
        "/v1/accounts/me/password",
        Some(&fresh),
        json!({"current_password": "a brand new password", "new_password": "yet another password"}),
    );
    assert_eq!(changed.status, 204);
    api.get("/v1/accounts/me", Some(&fresh))
        .problem(401, "UNAUTHENTICATED");
    let told = mail_to(&api.base, &citizen.email);
    assert!(told.iter().filter(|m| m.contains("/parola/uitata")).count() >= 2);
    assert!(told.iter().all(|m| !m.contains("yet another password")));
}

/// A new operator (not the seeded one, which other tests use); their id and TOTP secret.
fn operator(stack: &TestStack, email: &str, with_totp: bool) -> (AccountId, Option<String>) {
    let created = stack
        .runtime
        .block_on(create_operator(
            &*stack.accounts(),
            email,
            "operator-test-password",
            OPERATOR_UNIT,
            with_totp,
            chrono::Utc::now(),
        ))
        .expect("an operator");
    (created.account_id, created.totp.map(|s| s.base32()))
}

/// The current code from pyotp, an independent RFC 6238 implementation.
fn pyotp(secret: &str) -> String {
    let out = std::process::Command::new(workspace_root().join(".venv/bin/python"))
        .args([
            "-c",
            "import pyotp, sys; print(pyotp.TOTP(sys.argv[1]).now())",
            secret,
        ])
        .output()
        .expect("pyotp (infra/local/requirements.txt)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn a_clerk_signs_in_with_a_second_factor_each_code_once() {
    let stack = stack();
    let api = Client::new(&stack.base_url);
    let email = format!("clerk-{}@politia.test", uuid::Uuid::new_v4().simple());
    let (_, secret) = operator(stack, &email, true);
    let secret = secret.expect("enrolled");
    let sign_in = |totp: Option<&str>| {
        let mut body = json!({"email": email, "password": "operator-test-password"});
        if let Some(code) = totp {
            body["totp"] = json!(code);
        }
        api.post("/v1/sessions", None, body)
    };
    sign_in(None).problem(401, "TOTP_REQUIRED");
    sign_in(Some("000000")).problem(401, "INVALID_CREDENTIALS");
    let code = pyotp(&secret);
    let session = sign_in(Some(&code));
    assert_eq!(
        session.status,
        201,
        "{}",
        String::from_utf8_lossy(&session.body)
    );
    assert_eq!(session.json()["role"], "OPERATOR");
    sign_in(Some(&code)).problem(401, "INVALID_CREDENTIALS");
}

#[test]
fn a_clerk_opens_only_whom_the_code_names_every_view_audited_and_disabling_is_immediate() {
    let stack = stack();
    let api = Client::new(&stack.base_url);
    let email = format!("clerk-{}@politia.test", uuid::Uuid::new_v4().simple());
    let (clerk_id, _) = operator(stack, &email, false);
    let token = api.login(&email, "operator-test-password");
    let citizen = Citizen::register(&api);
    let validate = |token: &str| {
        api.post(
            &format!("/v1/operator/accounts/{}/validation", citizen.account_id),
            Some(token),
            json!({"id_document": {"type": "CI", "series": "RX", "number": "123456"}}),
        )
    };
    // By account id alone: refused, nothing changes.
    validate(&token).problem(403, "LOOKUP_REQUIRED");
    assert_eq!(me(&api, &citizen.token)["status"], "PENDING_VALIDATION");
    let found = api.post(
        "/v1/operator/lookups",
        Some(&token),
        json!({"counter_code": citizen.counter_code}),
    );
    assert_eq!(found.status, 200);
    assert_eq!(found.json()["cnp"], citizen.cnp);
    // Another session of the same clerk has not looked them up.
    let other_session = api.login(&email, "operator-test-password");
    validate(&other_session).problem(403, "LOOKUP_REQUIRED");
    // The lookup is in both trails: who saw whom, when.
    let history = stack.runtime.block_on(async {
        let audit = stack.audit();
        let citizen_trail = audit
            .history(&AuditSubject::Account(AccountId::from(
                citizen.account_id.clone(),
            )))
            .await
            .unwrap();
        let clerk_trail = audit
            .history(&AuditSubject::Operator(clerk_id.clone()))
            .await
            .unwrap();
        (citizen_trail, clerk_trail)
    });
    assert!(history.0.iter().any(
        |e| e.event == AuditEventKind::Viewed && e.details["operator_id"] == clerk_id.as_str()
    ));
    assert!(history.1.iter().any(
        |e| e.event == AuditEventKind::Viewed && e.details["account_id"] == citizen.account_id
    ));
    // Disabled mid-session: the next request is refused at once, and so is signing in.
    stack
        .runtime
        .block_on(change_operator(
            &*stack.accounts(),
            &*stack.sessions(),
            Role::Operator,
            &email,
            OperatorChange::Disable,
            "test",
            chrono::Utc::now(),
        ))
        .expect("disabled");
    validate(&token).problem(401, "UNAUTHENTICATED");
    api.post(
        "/v1/sessions",
        None,
        json!({"email": email, "password": "operator-test-password"}),
    )
    .problem(403, "ACCOUNT_DISABLED");
    assert_eq!(me(&api, &citizen.token)["status"], "PENDING_VALIDATION");
    stack
        .runtime
        .block_on(change_operator(
            &*stack.accounts(),
            &*stack.sessions(),
            Role::Operator,
            &email,
            OperatorChange::Enable,
            "test",
            chrono::Utc::now(),
        ))
        .expect("enabled");
    let back = api.login(&email, "operator-test-password");
    assert_eq!(
        api.post(
            "/v1/operator/lookups",
            Some(&back),
            json!({"counter_code": citizen.counter_code}),
        )
        .status,
        200
    );
    assert_eq!(validate(&back).status, 200);
}

#[test]
fn a_token_works_only_where_it_was_opened() {
    let api = Client::new(&stack().base_url);
    // An operator's API token as the portal's cookie: not signed in.
    let operator = api.operator_token();
    let mut browser = Browser::new("en");
    browser
        .cookies
        .insert("__Host-cazier".into(), operator.clone());
    assert_eq!(location(&browser.get("/ghiseu")), "/autentificare");
    // A citizen's API token as the cookie: neither.
    let citizen = Citizen::register(&api);
    let mut browser = Browser::new("en");
    browser
        .cookies
        .insert("__Host-cazier".into(), citizen.token.clone());
    assert_eq!(location(&browser.get("/cont")), "/autentificare");
}

#[test]
fn every_answer_carries_hsts() {
    let api = Client::new(&stack().base_url);
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/autentificare"),
        ("GET", "/v1/purposes"),
        ("GET", "/v1/accounts/me"),
        ("GET", "/verificare"),
        ("POST", "/v1/accounts"),
    ] {
        let r = api.call(method, path, None, None);
        let hsts = r.header("strict-transport-security").unwrap_or_default();
        assert!(
            hsts.contains("max-age=63072000") && hsts.contains("includeSubDomains"),
            "{method} {path} ({}): {hsts:?}",
            r.status
        );
        // Personal data may be in any answer: no proxy or history keeps it, no type sniffing
        // (found by the attack on issue 23's build: JSON answers had neither).
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{method} {path}"
        );
        // (The purposes list is public and the same for all: it chooses its own caching.)
        if path != "/v1/purposes" {
            assert_eq!(
                r.header("cache-control"),
                Some("no-store"),
                "{method} {path}"
            );
        }
    }
}

/// Found by the attack on this round's first build: a later registration of an address
/// replaced the pending one, so the owner typing the newest code in their mailbox created the
/// stranger's account (her password, her CNP) on the owner's address.
#[test]
fn a_strangers_registration_of_your_address_takes_nothing_over() {
    let api = Client::new(&stack().base_url);
    let email = unique_email();
    let seen = mail_to(&api.base, &email).len();
    let owner = api.post("/v1/accounts", None, registration(&email, &random_cnp()));
    assert_eq!(owner.status, 202);
    let owners_code = confirmation_code(&api.base, &email, seen);
    let mut hers = registration(&email, &random_cnp());
    hers["password"] = json!("mallory's own password");
    let mallory = api.post("/v1/accounts", None, hers);
    assert_eq!(mallory.status, 202);
    let mallorys_code = confirmation_code(&api.base, &email, seen + 1);
    let confirm = |reply: &Reply, code: &str| {
        api.post(
            "/v1/accounts/confirmation",
            None,
            json!({"registration_id": reply.json()["registration_id"], "code": code}),
        )
    };
    // The newest code in the owner's mailbox is Mallory's: it confirms nothing of the owner's.
    confirm(&owner, &mallorys_code).problem(422, "INVALID_CODE");
    let created = confirm(&owner, &owners_code);
    assert_eq!(created.status, 201);
    // The owner's password opens the account; Mallory's never does.
    api.post(
        "/v1/sessions",
        None,
        json!({"email": email, "password": "mallory's own password"}),
    )
    .problem(401, "INVALID_CREDENTIALS");
    api.login(&email, CITIZEN_PASSWORD);
    confirm(&mallory, &mallorys_code).problem(409, "ACCOUNT_EXISTS");
}

/// Found by the same attack: the portal's second page took TOTP guesses without end (70 in a
/// row, none refused). Now five wrong codes in fifteen minutes stop it, the right one too.
#[test]
fn a_clerks_second_factor_cannot_be_guessed_through_the_portal() {
    let stack = stack();
    let email = format!("clerk-{}@politia.test", uuid::Uuid::new_v4().simple());
    let (_, secret) = operator(stack, &email, true);
    let secret = secret.expect("enrolled");
    let mut browser = Browser::new("ro");
    let mut guess = |code: &str| {
        let first = browser.submit(
            "/autentificare",
            "/autentificare",
            &[("email", &email), ("password", "operator-test-password")],
        );
        assert_eq!(location(&first), "/autentificare/cod");
        browser
            .submit(
                "/autentificare/cod",
                "/autentificare/cod",
                &[("totp", code)],
            )
            .status
    };
    let right = pyotp(&secret);
    let wrong = if right == "000000" {
        "111111"
    } else {
        "000000"
    };
    let statuses: Vec<u16> = (0..5).map(|_| guess(wrong)).collect();
    assert_eq!(statuses, [401; 5]);
    assert_eq!(guess(wrong), 429);
    assert_eq!(guess(&right), 429, "not even the right code, for now");
}

/// Found by the same attack: links asked for before a reset or a change still reset the
/// password afterwards.
#[test]
fn a_reset_link_dies_with_the_password_it_was_sent_for() {
    let api = Client::new(&stack().base_url);
    let citizen = Citizen::register(&api);
    let links: Vec<String> = (0..2)
        .map(|_| {
            let before = mail_to(&api.base, &citizen.email).len();
            let asked = api.post("/v1/password-resets", None, json!({"email": citizen.email}));
            assert_eq!(asked.status, 202);
            let mails = mail_to(&api.base, &citizen.email);
            mails[before]
                .split("cod=")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .expect("a link")
                .to_owned()
        })
        .collect();
    let reset = |token: &str, password: &str| {
        api.post(
            "/v1/password-resets/confirmation",
            None,
            json!({"token": token, "new_password": password}),
        )
    };
    assert_eq!(reset(&links[0], "the owner's new password").status, 204);
    reset(&links[1], "an intruder's password").problem(422, "INVALID_RESET_LINK");
    api.login(&citizen.email, "the owner's new password");
}
