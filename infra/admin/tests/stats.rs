//! `cazier-admin stats` on a stack of its own, so the figures are exactly this test's.

use cazier_e2e::*;
use cazier_shared::domain::{AccountId, AuditEvent, Validation, ValidationMethod};
use std::process::Command;

fn today_row(stack: &TestStack) -> Vec<u64> {
    let today = cazier_shared::domain::bucharest_date(chrono::Utc::now());
    let (from, to) = (today - chrono::Duration::days(2), today);
    let out = Command::new(env!("CARGO_BIN_EXE_cazier-admin"))
        .arg("--outputs")
        .arg(stack.state_dir.join("stack-outputs.json"))
        .args([
            "stats",
            "--from",
            &from.to_string(),
            "--to",
            &to.to_string(),
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 3 + 1, "header, three days, total:\n{text}");
    lines
        .iter()
        .find(|l| l.starts_with(&today.to_string()))
        .expect("today's row")
        .split('\t')
        .skip(1)
        .map(|n| n.parse().unwrap())
        .collect()
}

#[test]
fn stats_count_what_happened() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    assert_eq!(
        today_row(stack),
        vec![0, 0, 0, 0, 0],
        "the operator account is not counted"
    );

    let validated = Citizen::validated(&client);
    validated.request_and_wait(&client, "ANGAJARE");
    validated.request_and_wait(&client, "STUDII");
    let _registered_only = Citizen::register(&client);
    let online = Citizen::validated_via_ghiseul(&client);
    online.request_and_wait(&client, "VIZA");
    // A ROeID validation, recorded as the portal's service records it (the sign-in itself is
    // tested in the browser against the real provider).
    let by_roeid = Citizen::register(&client);
    let validation = Validation {
        method: ValidationMethod::Roeid,
        validated_at: chrono::Utc::now(),
        operator_id: None,
        operator_unit: None,
    };
    let id = AccountId::from(by_roeid.account_id.clone());
    let audit = AuditEvent::validated(&id, &validation);
    stack.runtime.block_on(async {
        let account = stack.accounts().get(&id).await.unwrap().expect("stored");
        let outcome = stack
            .accounts()
            .mark_validated(&account, &validation, &audit)
            .await
            .expect("validated");
        assert_eq!(outcome, cazier_shared::ports::ValidateOutcome::Validated);
    });
    // issued, accounts created, validated via ghiseul.ro, at a counter, with ROeID
    assert_eq!(today_row(stack), vec![3, 4, 1, 1, 1]);
}
