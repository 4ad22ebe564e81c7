//! The API fuzzer: schemathesis (pinned in infra/local/requirements.txt) generates requests
//! from openapi.yaml, valid and invalid, and runs every check it has (server errors, status
//! codes, content types, headers, response schemas, valid data accepted, invalid data
//! rejected, undeclared methods, authentication) against a test stack. It must find nothing.
//! Its settings, and the reason for each expected 422, are in infra/local/schemathesis.toml.

use cazier_e2e::*;
use std::process::Command;

#[test]
fn the_api_does_what_its_openapi_file_says() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    // Sessions made before the run: the fuzzer's failed logins may throttle logins from this
    // address afterwards, and its logout route gets a session of its own.
    let citizen = Citizen::validated(&client);
    let logout = client.login(&citizen.email, CITIZEN_PASSWORD);
    let operator = client.operator_token();
    // A registered organisation's token for the routes that ask wallets and for consents
    // (five minutes: the run takes less).
    let organisation = cazier_e2e::wallets::Verifier::register(stack, "Fuzz SRL")
        .token_for(&client, "presentation extract:ANGAJARE");
    let root = workspace_root();
    let seed = std::env::var("CAZIER_FUZZ_SEED").unwrap_or_else(|_| "20261122".into());
    let output = Command::new(root.join(".venv/bin/schemathesis"))
        .current_dir(&stack.state_dir)
        .env("PYTHONPATH", root.join("infra/local"))
        .env("CAZIER_CITIZEN_TOKEN", &citizen.token)
        .env("CAZIER_OPERATOR_TOKEN", &operator)
        .env("CAZIER_LOGOUT_TOKEN", &logout)
        .env("CAZIER_ORGANISATION_TOKEN", &organisation)
        .env("NO_COLOR", "1")
        .arg("--config-file")
        .arg(root.join("infra/local/schemathesis.toml"))
        .arg("run")
        .arg(root.join("openapi.yaml"))
        .args(["--url", &stack.base_url, "--checks", "all", "--seed", &seed])
        .args(["--workers", "2"])
        .output()
        .expect("schemathesis is installed in .venv by make venv");
    let report = String::from_utf8_lossy(&output.stdout);
    let summary: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("generated") || l.starts_with("=="))
        .collect();
    println!("schemathesis (seed {seed}): {}", summary.join(" | "));
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
