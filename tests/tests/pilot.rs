//! Pilot mode (IssueWithEntries=false, as in 2023): certificates that would list entries are
//! not issued online; the citizen is told to visit a counter. Its own stack, with the parameter.
//! And stacks of altered templates, which must not start.

use cazier_e2e::*;

#[test]
fn entries_send_the_citizen_to_a_counter() {
    let stack = TestStack::start(&[("IssueWithEntries", "false")]);
    let client = Client::new(&stack.base_url);

    let with_entries = Citizen::validated(&client);
    add_entries(&stack, &with_entries.cnp, &[entry("p1", "900/2020", false)]);
    let request = with_entries.request_and_wait(&client, "ANGAJARE");
    assert_eq!(request["status"], "REJECTED", "{request}");
    assert_eq!(request["rejection_code"], "HAS_ENTRIES_VISIT_COUNTER");
    assert_eq!(request["certificate_number"], serde_json::Value::Null);
    let list = client
        .get("/v1/certificates", Some(&with_entries.token))
        .json();
    assert_eq!(list, serde_json::json!([]), "no certificate was made");

    // Rehabilitated entries are not printed, so they do not stop online issue.
    let rehabilitated = Citizen::validated(&client);
    add_entries(&stack, &rehabilitated.cnp, &[entry("p2", "901/2005", true)]);
    assert_eq!(
        rehabilitated.request_and_wait(&client, "ANGAJARE")["status"],
        "ISSUED"
    );
    let clean = Citizen::validated(&client);
    assert_eq!(
        clean.request_and_wait(&client, "ANGAJARE")["status"],
        "ISSUED"
    );
}

/// Each function's environment in `template.yaml` and what its code reads agree, or the stack
/// does not start (issue 25): a variable given that nothing reads (here a misspelt one) is a
/// setting that does nothing once deployed, and one a function needs and is not given fails
/// its cold start there. Both are said with the function's and the variable's names.
#[test]
fn a_template_whose_environment_and_code_disagree_does_not_start() {
    let template = std::fs::read_to_string(workspace_root().join("template.yaml")).unwrap();
    let function = template
        .find("\n  VerificationFunction:")
        .expect("the function");
    let needed = "          SHARES_TABLE: !Ref SharesTable\n";
    let at = function + template[function..].find(needed).expect("its shares table");
    let dir = std::env::temp_dir().join(format!("cazier-template-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "misspelt",
            format!(
                "{}          SHARES_TABEL: !Ref SharesTable\n{}",
                &template[..at],
                &template[at..]
            ),
            "template.yaml gives VerificationFunction environment variables its code never reads: SHARES_TABEL",
        ),
        (
            "missing",
            format!("{}{}", &template[..at], &template[at + needed.len()..]),
            "missing environment variable SHARES_TABLE",
        ),
    ];
    for (name, altered, said) in cases {
        let path = dir.join(format!("{name}.yaml"));
        std::fs::write(&path, altered).unwrap();
        match TestStack::start_from(&path, &[]) {
            Ok(_) => panic!("{name}: the stack started"),
            Err(e) => assert!(format!("{e:#}").contains(said), "{name}: {e:#}"),
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The functions CloudFormation will run, as SAM's own translator makes them from the
/// template, are the ones this stack ran: the same environment variable names, timeouts,
/// memory and roles (the template's own, with the same grants), routes, stream mapping and
/// schedules (issue 25, item 6; `make package` holds `sam build`'s template to the same).
#[test]
fn cloudformation_will_run_the_functions_the_local_stack_ran() {
    let stack = TestStack::start(&[]);
    let ran = stack.state_dir.join("ran.json");
    let check = |record: &std::path::Path| {
        std::process::Command::new(workspace_root().join(".venv/bin/python"))
            .arg(workspace_root().join("infra/package/translated.py"))
            .arg(workspace_root().join("template.yaml"))
            .arg(record)
            .output()
            .expect("python from .venv")
    };
    let same = check(&ran);
    assert!(
        same.status.success(),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    // What the local stack ran and CloudFormation would not is said, with where.
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&ran).unwrap()).unwrap();
    type Alteration = fn(&mut serde_json::Value);
    let cases: [(&str, Alteration, &str); 3] = [
        (
            "a variable",
            |r| {
                r["functions"]["VerificationFunction"]["environment"]
                    .as_array_mut()
                    .unwrap()
                    .push("UNDEPLOYED_SETTING".into())
            },
            "VerificationFunction: deployed with [] that the local stack did not give, and without ['UNDEPLOYED_SETTING']",
        ),
        (
            "a grant",
            |r| {
                r["roles"]["VerificationRole"].as_array_mut().unwrap().pop();
            },
            "VerificationRole: deployed grants",
        ),
        (
            "a batch size",
            |r| r["streams"][0]["batch_size"] = 1.into(),
            "streams: deployed",
        ),
    ];
    for (name, alter, said) in cases {
        let mut altered = record.clone();
        alter(&mut altered);
        let path = stack.state_dir.join("ran-altered.json");
        std::fs::write(&path, altered.to_string()).unwrap();
        let differs = check(&path);
        assert!(!differs.status.success(), "{name}");
        let told = String::from_utf8_lossy(&differs.stderr);
        assert!(told.contains(said), "{name}: {told}");
    }
}

/// Each function's processes sign with credentials of their own, and the local AWS enforces
/// that function's role from the template (issue 25, item 2): a grant taken out of a copy of
/// the template fails exactly the route that needs it, with a 503 to the caller and AWS's
/// `AccessDeniedException` in that function's log, as it would after `sam deploy`.
#[test]
fn a_grant_missing_from_the_template_fails_its_route_as_after_deploy() {
    let template = std::fs::read_to_string(workspace_root().join("template.yaml")).unwrap();
    let role = template.find("\n  VerificationRole:").expect("the role");
    let grant = "              - Sid: CertificatesTable\n                Effect: Allow\n                Action: [dynamodb:GetItem]\n                Resource: !GetAtt CertificatesTable.Arn\n";
    let at = role
        + template[role..]
            .find(grant)
            .expect("its certificates grant");
    let dir = std::env::temp_dir().join(format!("cazier-template-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("template.yaml");
    let altered = format!("{}{}", &template[..at], &template[at + grant.len()..]);
    std::fs::write(&path, altered).unwrap();
    let stack = TestStack::start_from(&path, &[]).expect("the stack starts");
    let client = Client::new(&stack.base_url);

    let body = serde_json::json!({"certificate_number": "CJ-2026-00000001", "cnp": random_cnp()});
    let refused = client.post("/v1/verifications", None, body);
    refused.problem(503, "SERVICE_UNAVAILABLE");
    assert!(refused.header("retry-after").is_some());
    let log = std::fs::read_to_string(stack.state_dir.join("logs/VerificationFunction.log"))
        .expect("the function's log");
    assert!(
        log.contains("AccessDeniedException")
            && log.contains("dynamodb:GetItem")
            && log.contains("table/"),
        "{log}"
    );
    // Its other routes, which need no such grant, still answer.
    assert_eq!(client.get("/v1/trust/certificates", None).status, 200);
    // And only that function is refused: the same table is read by the requests function.
    let citizen = Citizen::validated(&client);
    assert_eq!(
        client.get("/v1/certificates", Some(&citizen.token)).status,
        200
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The enforcer refuses what a role does not grant however the call is put (found by the
/// attack on issue 25: it let through calls it could not read, so the verification
/// function's key read the accounts table with PartiQL). Its own rules are unit-tested by
/// `python roles_enforced.py`.
#[test]
fn a_role_cannot_reach_another_table_through_partiql_or_listings() {
    let checked = std::process::Command::new(workspace_root().join(".venv/bin/python"))
        .arg(workspace_root().join("infra/local/roles_enforced.py"))
        .output()
        .expect("python from .venv");
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    let stack = stack();
    let accounts = stack.outputs["AccountsTableName"].clone();
    let verification = stack.runtime.block_on(async {
        let config = cazier_shared::aws::config_loader()
            .endpoint_url(&stack.moto.endpoint)
            .region(aws_config::Region::new("eu-central-1"))
            .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                "local-VerificationFunction",
                "local",
                None,
                None,
                "test",
            ))
            .load()
            .await;
        aws_sdk_dynamodb::Client::new(&config)
    });
    let denied = |e: String| assert!(e.contains("AccessDenied"), "{e}");
    stack.runtime.block_on(async {
        let select = verification
            .execute_statement()
            .statement(format!("SELECT * FROM \"{accounts}\""))
            .send()
            .await;
        denied(format!(
            "{:?}",
            select.expect_err("PartiQL on the accounts table")
        ));
        let listing = verification.list_tables().send().await;
        denied(format!("{:?}", listing.expect_err("the account's tables")));
        let scan = verification.scan().table_name(&accounts).send().await;
        denied(format!("{:?}", scan.expect_err("a scan")));
    });
}
