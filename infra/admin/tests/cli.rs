//! `cazier-admin` as ops run it: the real binary against a local stack (moto + handlers).
//! (Over 400 lines on purpose: one stack shared by every command's test; a second file would
//! start a second stack.)

use cazier_e2e::*;
use cazier_shared::domain::{Cnp, Cui};
use cazier_shared::wiring::PortSource;
use serde_json::json;
use std::process::Command;

struct Ran {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn admin(stack: &TestStack, args: &[&str]) -> Ran {
    let out = Command::new(env!("CARGO_BIN_EXE_cazier-admin"))
        .arg("--outputs")
        .arg(stack.state_dir.join("stack-outputs.json"))
        .args(args)
        .output()
        .expect("cazier-admin runs");
    Ran {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn file(name: &str, text: &str) -> String {
    file_bytes(name, text.as_bytes())
}

fn file_bytes(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("cazier-admin-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

fn entry_lines(stack: &TestStack, cnp: &str) -> Vec<String> {
    let listed = admin(stack, &["records", "list", "--cnp", cnp]);
    assert!(listed.ok, "{}", listed.stderr);
    listed
        .stdout
        .lines()
        .filter(|l| !l.starts_with("no entries"))
        .map(str::to_owned)
        .collect()
}

fn jsonl(cnp: &str, decision: &str, extra: serde_json::Value) -> String {
    let mut line = json!({
        "cnp": cnp, "court": "Judecătoria Cluj-Napoca", "decision": decision,
        "decision_date": "2017-06-01", "offence": "înșelăciune", "penalty": "amendă penală"
    });
    if let (Some(line), Some(extra)) = (line.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            if v.is_null() {
                line.remove(k);
            } else {
                line.insert(k.clone(), v.clone());
            }
        }
    }
    line.to_string()
}

#[test]
fn records_import_is_all_or_nothing_then_idempotent() {
    let stack = stack();
    let (a, b) = (random_cnp(), random_cnp());
    let text = [
        jsonl(&a, "1/2017", json!({})),
        jsonl("1234567890123", "2/2017", json!({})),
        jsonl(&a, "3/2017", json!({"rehabilitated": true})),
        jsonl(&b, "4/2017", json!({"penalty": null})),
        "{not json".to_owned(),
        jsonl(&b, "6/2017", json!({"decision_date": "2017-02-30"})),
        jsonl(&b, "7/2017", json!({})),
    ]
    .join("\n");
    let path = file("entries.jsonl", &text);

    let refused = admin(stack, &["records", "import", &path]);
    assert!(!refused.ok);
    for expected in [
        "line 2: cnp",
        "line 4: penalty is missing",
        "line 5: not a JSON object",
        "line 6: decision_date",
        "nothing was written",
    ] {
        assert!(
            refused.stderr.contains(expected),
            "{expected:?} in:\n{}",
            refused.stderr
        );
    }
    assert!(!refused.stderr.contains("line 1:") && !refused.stderr.contains("line 7:"));
    assert!(entry_lines(stack, &a).is_empty(), "nothing written");
    assert!(entry_lines(stack, &b).is_empty(), "nothing written");

    let partial = admin(stack, &["records", "import", &path, "--skip-invalid"]);
    assert!(partial.ok, "{}", partial.stderr);
    assert!(
        partial.stderr.contains("skipping line(s) 2, 4, 5, 6"),
        "{}",
        partial.stderr
    );
    assert!(
        partial.stdout.contains("3 entries written"),
        "{}",
        partial.stdout
    );
    let listed = entry_lines(stack, &a);
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed
        .iter()
        .any(|l| l.contains("3/2017") && l.contains("(rehabilitated)")));
    assert_eq!(entry_lines(stack, &b).len(), 1);

    // Again: the same entries, not twice as many.
    let again = admin(stack, &["records", "import", &path, "--skip-invalid"]);
    assert!(again.ok, "{}", again.stderr);
    assert_eq!(entry_lines(stack, &a).len(), 2);
    assert_eq!(entry_lines(stack, &b).len(), 1);
}

#[test]
fn csv_import_remove_and_list() {
    let stack = stack();
    let cnp = random_cnp();
    let text = format!(
        "cnp,court,decision,decision_date,offence,penalty,rehabilitated\n\
         {cnp},\"Tribunalul București, Secția I penală\",55/2012,2012-10-10,\"tâlhărie, în formă continuată\",3 ani,false\n\
         {cnp},Judecătoria Iași,56/2013,2013-01-15,lovire,amendă,da\n"
    );
    let ran = admin(stack, &["records", "import", &file("entries.csv", &text)]);
    assert!(ran.ok, "{}", ran.stderr);
    let listed = entry_lines(stack, &cnp);
    assert_eq!(listed.len(), 2, "{listed:?}");
    let first = listed
        .iter()
        .find(|l| l.contains("Tribunalul București, Secția I penală"))
        .expect("the quoted court with its comma");
    assert!(first.contains("tâlhărie, în formă continuată"));
    let id = first.split('\t').next().unwrap().to_owned();

    let removed = admin(stack, &["records", "remove", "--cnp", &cnp, "--entry", &id]);
    assert!(removed.ok, "{}", removed.stderr);
    let listed = entry_lines(stack, &cnp);
    assert_eq!(listed.len(), 1);
    assert!(listed[0].contains("Judecătoria Iași") && listed[0].contains("(rehabilitated)"));
    let twice = admin(stack, &["records", "remove", "--cnp", &cnp, "--entry", &id]);
    assert!(
        !twice.ok && twice.stderr.contains("has no entry"),
        "{}",
        twice.stderr
    );
    let bad = admin(stack, &["records", "list", "--cnp", "123"]);
    assert!(!bad.ok && bad.stderr.contains("invalid --cnp"));
}

#[test]
fn a_large_file_is_written_in_full() {
    let stack = stack();
    let people: Vec<String> = (0..300).map(|_| random_cnp()).collect();
    let text: Vec<String> = (0..3000)
        .map(|i| jsonl(&people[i % people.len()], &format!("{i}/2020"), json!({})))
        .collect();
    let ran = admin(
        stack,
        &["records", "import", &file("big.jsonl", &text.join("\n"))],
    );
    assert!(ran.ok, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("3000 entries written"),
        "{}",
        ran.stdout
    );
    assert_eq!(entry_lines(stack, &people[7]).len(), 10);
}

#[test]
fn companies_import_and_representatives() {
    let stack = stack();
    let (one, two) = (random_cnp(), random_cnp());
    let cui = random_cui();
    let bad = format!(
        "cui,name,trade_register_number,representatives\n\
         {cui},Exemplu SRL,J40/1/2020,{one};{two}\n\
         12345675,Greșit SRL,J40/2/2020,{one}\n"
    );
    let refused = admin(
        stack,
        &["companies", "import", &file("companies.csv", &bad)],
    );
    assert!(!refused.ok);
    assert!(
        refused
            .stderr
            .contains("line 3: cui: the CUI's control digit is wrong"),
        "{}",
        refused.stderr
    );
    let parsed = Cui::parse(&cui).unwrap();
    let records = stack.records();
    let is_rep = |cnp: &str| {
        stack
            .runtime
            .block_on(records.is_representative(&Cnp::parse(cnp).unwrap(), &parsed))
            .unwrap()
    };
    assert!(!is_rep(&one), "nothing written");

    let good = format!("{{\"cui\": \"RO{cui}\", \"name\": \"Exemplu SRL\", \"trade_register_number\": \"J40/1/2020\", \"representatives\": [\"{one}\", \"{two}\"]}}\n");
    let ran = admin(
        stack,
        &["companies", "import", &file("companies.jsonl", &good)],
    );
    assert!(ran.ok, "{}", ran.stderr);
    assert!(is_rep(&one) && is_rep(&two));
    // Loaded again with one representative fewer: the other loses the right.
    let fewer = format!("{{\"cui\": \"{cui}\", \"name\": \"Exemplu SRL\", \"trade_register_number\": \"J40/1/2020\", \"representatives\": [\"{one}\"]}}\n");
    assert!(admin(stack, &["companies", "import", &file("c.jsonl", &fewer)]).ok);
    assert!(is_rep(&one) && !is_rep(&two));
}

#[test]
fn revoke_a_certificate() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let request = citizen.request_and_wait(&client, "STUDII");
    let number = request["certificate_number"].as_str().unwrap().to_owned();

    let ran = admin(
        stack,
        &[
            "certificates",
            "revoke",
            "--number",
            &number,
            "--reason",
            "emis din eroare",
        ],
    );
    assert!(ran.ok, "{}", ran.stderr);
    assert!(ran.stdout.contains("revoked"));
    // …and the year's status list, published at once, tells verifiers offline.
    let year = &number[3..7];
    assert!(
        ran.stdout
            .contains(&format!("status list of {year} published")),
        "{}",
        ran.stdout
    );
    let list = client.get(&format!("/v1/status-lists/{year}"), None);
    assert_eq!(list.status, 200);
    let chain = client.get("/v1/trust/certificates", None);
    let trusted = cazier_shared::statement::trusted_keys(&String::from_utf8_lossy(&chain.body));
    let list = cazier_shared::statement::status_list::verify(
        &String::from_utf8_lossy(&list.body),
        &trusted,
        chrono::Utc::now(),
    )
    .expect("a list signed by the seal");
    let certificate = stack
        .runtime
        .block_on(
            stack
                .certificates()
                .get(&cazier_shared::domain::CertificateNumber::parse(&number).unwrap()),
        )
        .unwrap()
        .unwrap();
    assert_eq!(
        list.status_in_year(year.parse().unwrap(), certificate.status_index()),
        Ok(cazier_shared::statement::status_list::ListStatus::Revoked)
    );
    let verified = client
        .post(
            "/v1/verifications",
            None,
            json!({"certificate_number": number, "cnp": citizen.cnp}),
        )
        .json();
    assert_eq!(verified["result"], "REVOKED");
    let again = admin(
        stack,
        &[
            "certificates",
            "revoke",
            "--number",
            &number,
            "--reason",
            "x",
        ],
    );
    assert!(
        again.ok && again.stdout.contains("already revoked"),
        "{}",
        again.stdout
    );
    let audit = admin(stack, &["audit", "--certificate", &number]);
    assert!(
        audit.stdout.contains("REVOKED") && audit.stdout.contains("reason=emis din eroare"),
        "{}",
        audit.stdout
    );
    let unknown = admin(
        stack,
        &[
            "certificates",
            "revoke",
            "--number",
            "CJ-2026-99999999",
            "--reason",
            "x",
        ],
    );
    assert!(!unknown.ok && unknown.stderr.contains("no certificate"));
    let malformed = admin(
        stack,
        &["certificates", "revoke", "--number", "42", "--reason", "x"],
    );
    assert!(!malformed.ok);
    let empty_reason = admin(
        stack,
        &[
            "certificates",
            "revoke",
            "--number",
            &number,
            "--reason",
            " ",
        ],
    );
    assert!(!empty_reason.ok);
}

#[test]
fn trust_commands() {
    let stack = stack();
    let shown = admin(stack, &["trust", "show"]);
    assert!(
        shown.ok && shown.stdout.contains("certificate seal"),
        "{}",
        shown.stdout
    );
    let init = admin(stack, &["trust", "init"]);
    assert!(
        !init.ok && init.stderr.contains("already installed"),
        "refuses to replace"
    );
    let csr = admin(
        stack,
        &["trust", "csr", "--subject", "CN=Test seal,O=IGPR,C=RO"],
    );
    assert!(
        csr.ok
            && csr
                .stdout
                .starts_with("-----BEGIN CERTIFICATE REQUEST-----")
    );
    let path = file("seal.csr", &csr.stdout);
    let out = Command::new("openssl")
        .args(["req", "-in", &path, "-noout", "-verify", "-subject"])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("verify OK") && text.contains("CN = Test seal"),
        "{text}"
    );
    // A chain that is not for the signing key is refused, and nothing changes.
    let foreign =
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ0hbFhVY\n-----END CERTIFICATE-----\n";
    let import = admin(stack, &["trust", "import", &file("chain.pem", foreign)]);
    assert!(
        !import.ok && import.stderr.contains("not installed"),
        "{}",
        import.stderr
    );
    assert_eq!(admin(stack, &["trust", "show"]).stdout, shown.stdout);

    // The root's next CRL: published, signed by the root (openssl checks it), shown.
    let crl = admin(stack, &["trust", "crl"]);
    assert!(
        crl.ok && crl.stdout.contains("published trust/root.crl"),
        "{}",
        crl.stderr
    );
    let published = stack.runtime.block_on(async {
        stack
            .wiring
            .documents()
            .expect("bucket")
            .get(cazier_shared::crl::ROOT_CRL_KEY)
            .await
            .expect("read")
            .expect("the CRL")
    });
    let chain = stack.runtime.block_on(async {
        cazier_shared::services::trust::load(&*stack.wiring.documents().expect("bucket"))
            .await
            .expect("read")
            .expect("a chain")
    });
    let root = file("root.pem", &chain.root_pem().expect("PEM"));
    let out = Command::new("openssl")
        .args([
            "crl",
            "-inform",
            "DER",
            "-in",
            &file_bytes("root.crl", &published),
        ])
        .args(["-CAfile", &root, "-noout", "-verify", "-nextupdate"])
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && text.contains("verify OK"), "{text}");
    let shown = admin(stack, &["trust", "show"]);
    assert!(
        shown.stdout.contains("CRL: current from"),
        "{}",
        shown.stdout
    );
}

/// `records add` tells the organisations holding the person's continuous consent (their feed)
/// and the person (an e-mail), as ops run it: found missing by the attack on issue 27, where the
/// tool could not build its notices from a stack's outputs.
#[test]
fn a_record_added_is_told_to_continuous_consents() {
    use cazier_shared::domain::consent::ConsentDecision;
    use cazier_shared::services::client_auth::Admitted;
    use cazier_shared::services::consents::AskConsentDto;
    use cazier_shared::wiring::ServiceGraphs;
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let employer = cazier_e2e::wallets::Verifier::register(stack, "Depozitul Nord SRL");
    let organisation = stack
        .runtime
        .block_on(
            stack
                .wiring
                .organisations()
                .unwrap()
                .get(&Cui::parse(&employer.cui).unwrap()),
        )
        .unwrap()
        .unwrap();
    let who = Admitted {
        organisation,
        scopes: vec!["extract:ANGAJARE".into()],
    };
    let asked = AskConsentDto {
        cnp: citizen.cnp.clone(),
        purpose: "ANGAJARE".into(),
        reason: "Gestionar".into(),
        until: Some("2027-06-30".into()),
        at_desk: false,
    }
    .try_into_domain(chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap())
    .unwrap();
    let requests = stack.wiring.consent_requests().unwrap();
    let id = stack
        .runtime
        .block_on(requests.ask(&who, asked))
        .unwrap()
        .consent_id;
    let holder = citizen_principal(&citizen.account_id);
    stack
        .runtime
        .block_on(stack.wiring.holder_consents().unwrap().decide(
            &holder,
            &id,
            ConsentDecision::Accept,
        ))
        .unwrap();

    let ran = admin(
        stack,
        &[
            "records",
            "add",
            "--cnp",
            &citizen.cnp,
            "--court",
            "Judecătoria Cluj-Napoca",
            "--decision",
            "9/2026",
            "--decision-date",
            "2026-10-01",
            "--offence",
            "furt",
            "--penalty",
            "amendă",
        ],
    );
    assert!(ran.ok, "{}", ran.stderr);
    assert!(ran.stdout.contains("1 organisation(s)"), "{}", ran.stdout);
    let feed = stack
        .runtime
        .block_on(stack.wiring.change_feeds().unwrap().feed(&who, None))
        .unwrap();
    assert_eq!(feed.changes.len(), 1);
    assert_eq!(feed.changes[0].consent_id, id);
    let mails = mail_to(&stack.base_url, &citizen.email);
    assert!(mails
        .iter()
        .any(|m| m.contains("Your criminal record was updated")));
    // The register's first load tells nobody (no consent exists yet; a lookup per person saved).
    let line = jsonl(&citizen.cnp, "10/2026", json!({}));
    let path = file("initial.jsonl", &line);
    let ran = admin(stack, &["records", "import", &path, "--initial-load"]);
    assert!(ran.ok, "{}", ran.stderr);
    let feed = stack
        .runtime
        .block_on(stack.wiring.change_feeds().unwrap().feed(&who, None))
        .unwrap();
    assert_eq!(feed.changes.len(), 1, "still the one change");

    // Its webhook, set by ops: a URL that is not https is refused; then a change is queued for
    // it, and a delivery to a receiver that is not there fails, to be tried again.
    let bad = admin(
        stack,
        &[
            "organisations",
            "webhook",
            "--cui",
            &employer.cui,
            "--url",
            "ftp://depozit.ro/x",
        ],
    );
    assert!(
        !bad.ok && bad.stderr.contains("not a webhook URL"),
        "{}",
        bad.stderr
    );
    let hook = format!("http://127.0.0.1:{}/hooks", cazier_e2e::free_port());
    let set = admin(
        stack,
        &[
            "organisations",
            "webhook",
            "--cui",
            &employer.cui,
            "--url",
            &hook,
        ],
    );
    assert!(set.ok && set.stdout.contains(&hook), "{}", set.stderr);
    let listed = admin(stack, &["organisations", "list"]);
    assert!(listed.stdout.contains(&hook), "{}", listed.stdout);
    let ran = admin(stack, &["records", "notify", "--cnp", &citizen.cnp]);
    assert!(ran.ok, "{}", ran.stderr);
    let delivered = admin(stack, &["webhooks", "deliver"]);
    assert!(delivered.ok, "{}", delivered.stderr);
    // (By this run or the schedule's, which runs every minute beside it.)
    let cui = Cui::parse(&employer.cui).unwrap();
    let later = chrono::Utc::now() + chrono::Duration::days(3);
    let waiting: Vec<_> = stack
        .runtime
        .block_on(stack.wiring.webhook_outbox().unwrap().due(later, 1000))
        .unwrap()
        .into_iter()
        .filter(|d| d.organisation == cui)
        .collect();
    assert_eq!(waiting.len(), 1, "{}", delivered.stdout);
    assert!(waiting[0].attempts >= 1 && waiting[0].last_error.is_some());
    let dead = admin(stack, &["webhooks", "dead"]);
    assert!(
        dead.ok && !dead.stdout.contains(&employer.cui),
        "{}",
        dead.stdout
    );
    let nothing = admin(stack, &["webhooks", "redrive", "--id", "no-such-delivery"]);
    assert!(!nothing.ok && nothing.stderr.contains("not a dead letter"));
}
