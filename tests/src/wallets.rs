//! What the wallet tests share: a stack whose issuer identifier is its own address, and the
//! independent wallet libraries of `tests/interop` (npm), run with Node.

use crate::{dev_issuers, workspace_root, Citizen, Client, TestStack};
use serde_json::{json, Value};
use std::process::Command;

/// A stack whose PortalUrl is its own address, so that a wallet can resolve the issuer's
/// metadata from an offer, and post its presentations to the response endpoint it names.
pub fn wallet_stack() -> &'static TestStack {
    static STACK: std::sync::OnceLock<TestStack> = std::sync::OnceLock::new();
    STACK.get_or_init(|| {
        TestStack::start(&[("IdentityIssuers", &dev_issuers()), ("PortalUrl", "{base}")])
    })
}

/// Runs `tests/interop/<script>` with Node; its JSON output, or `Err(stderr and stdout)` when
/// it fails.
pub fn interop(script: &str, args: &[&str]) -> Result<Value, String> {
    assert!(
        workspace_root()
            .join("tests/interop/node_modules/@openid4vc")
            .exists(),
        "tests/interop/node_modules is missing: run `make venv` (or `make test`) first"
    );
    let out = Command::new("node")
        .arg(workspace_root().join("tests/interop").join(script))
        .args(args)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "{}\n{stdout}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(serde_json::from_str(stdout.trim()).expect("the script's JSON"))
}

/// The holder's offer for `number`, redeemed by the independent OpenID4VCI client
/// (@openid4vc/openid4vci): `{"credential", "holder_jwk"}`.
pub fn independent_wallet_credential(client: &Client, citizen: &Citizen, number: &str) -> Value {
    let offer = client
        .post(
            &format!("/v1/certificates/{number}/wallet-offer"),
            Some(&citizen.token),
            json!({}),
        )
        .json();
    interop(
        "oid4vci_wallet.mjs",
        &[
            offer["credential_offer_uri"].as_str().unwrap(),
            offer["tx_code"].as_str().unwrap(),
        ],
    )
    .unwrap_or_else(|e| panic!("the OpenID4VCI client failed:\n{e}"))
}
