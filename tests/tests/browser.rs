//! The portal in a real browser: runs tests/browser/*.test.mjs (Node's test runner, Debian's
//! Chromium driven by playwright-core, axe-core for WCAG 2.2 AA) against this binary's stack.
//! Screenshots of every page land in target/screenshots/.

use cazier_e2e::wallets::wallet_stack;
use cazier_e2e::*;
use cazier_shared::wiring::PortSource;
use std::process::Command;

#[test]
fn the_portal_in_chromium_is_accessible_and_works_with_the_keyboard_alone() {
    // The issuer's identifier is the stack's own address: the journey adds a certificate to a
    // wallet, and shows it from there.
    let stack = wallet_stack();
    let root = workspace_root();
    // This year's revocation status list, as the daily job publishes it (nothing revoked yet):
    // the verification page reads it when it can reach it.
    let year = chrono::Datelike::year(&chrono::Utc::now());
    stack
        .runtime
        .block_on(stack.status_lists().publish(year))
        .expect("status list published");
    // A clerk enrolled in a second factor, as `cazier-admin operator create` makes one.
    let totp_password = "operator-totp-password";
    let totp_email = format!("clerk-{}@politia.test", uuid::Uuid::new_v4().simple());
    let created = stack
        .runtime
        .block_on(cazier_shared::services::operators::create_operator(
            &*stack.accounts(),
            &totp_email,
            totp_password,
            OPERATOR_UNIT,
            true,
            chrono::Utc::now(),
        ))
        .expect("operator created");
    let secret = created.totp.expect("enrolled").base32();
    // The employer's system, registered: it asks wallets from the API with its own key.
    let employer = cazier_e2e::wallets::Verifier::register(stack, "Dunărea Logistic SA");
    let employer = serde_json::json!({"cui": employer.cui, "jwk": employer.private_jwk()});
    // A public institution's desk clerk, as `cazier-admin organisations staff add` makes one.
    let institution = cazier_e2e::wallets::Verifier::register_as(
        stack,
        "Autoritatea Rutieră Română",
        "PUBLIC_INSTITUTION",
        &["ATESTAT_PROFESIONAL"],
    );
    let staff_password = "staff-totp-password";
    let staff_email = format!("ghiseu-{}@arr.test", uuid::Uuid::new_v4().simple());
    let staff = stack
        .runtime
        .block_on(cazier_shared::services::operators::create_staff(
            &*stack.accounts(),
            &*stack.wiring.organisations().expect("organisations"),
            &staff_email,
            staff_password,
            &institution.cui,
            true,
            chrono::Utc::now(),
        ))
        .expect("staff created");
    let staff_secret = staff.totp.expect("enrolled").base32();
    let output = Command::new("node")
        .current_dir(&root)
        .args(["--test", "--test-reporter=spec", "tests/browser/"])
        .env("CAZIER_BASE_URL", &stack.base_url)
        .env("CAZIER_EMPLOYER", employer.to_string())
        .env("CAZIER_OPERATOR_EMAIL", OPERATOR_EMAIL)
        .env("CAZIER_OPERATOR_PASSWORD", OPERATOR_PASSWORD)
        .env("CAZIER_SCREENSHOTS", root.join("target/screenshots"))
        .env("CAZIER_MAILDIR", &stack.mail.maildir)
        .env("CAZIER_TOTP_OPERATOR_EMAIL", &totp_email)
        .env("CAZIER_TOTP_OPERATOR_PASSWORD", totp_password)
        .env("CAZIER_TOTP_OPERATOR_SECRET", &secret)
        .env("CAZIER_STAFF_EMAIL", &staff_email)
        .env("CAZIER_STAFF_PASSWORD", staff_password)
        .env("CAZIER_STAFF_SECRET", &staff_secret)
        .output()
        .expect("node is installed");
    let report = String::from_utf8_lossy(&output.stdout);
    // The per-page accessibility figures, for the record.
    for line in report
        .lines()
        .filter(|l| l.contains("axe ") || l.contains("duration_ms"))
    {
        println!("{}", line.trim());
    }
    assert!(
        output.status.success(),
        "browser tests failed:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
