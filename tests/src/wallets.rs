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

/// A registered organisation as the tests drive it: its CUI, and the private key of the JWKS
/// it registered, with which it signs its client assertions (RFC 7523).
pub struct Verifier {
    pub cui: String,
    pub name: String,
    pub key: p256::ecdsa::SigningKey,
    pub kid: String,
}

impl Verifier {
    /// Registers `name` under a new CUI as `cazier-admin organisations add` does: an
    /// employer, for employment.
    pub fn register(stack: &TestStack, name: &str) -> Verifier {
        Self::register_as(stack, name, "EMPLOYER", &["ANGAJARE"])
    }

    /// The same, of `kind`, for `purposes`.
    pub fn register_as(stack: &TestStack, name: &str, kind: &str, purposes: &[&str]) -> Verifier {
        let key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
        let verifier = Verifier {
            cui: crate::random_cui(),
            name: name.to_owned(),
            kid: "k1".into(),
            key,
        };
        use cazier_shared::wiring::ServiceGraphs;
        let registry = stack.wiring.organisation_registry().expect("registry");
        let ca_key = stack.wiring.access_ca_signer().expect("access CA key");
        let new = cazier_shared::services::organisations::NewOrganisation {
            cui: verifier.cui.clone(),
            name: name.into(),
            kind: kind.into(),
            purposes: purposes.iter().map(|p| p.to_string()).collect(),
            jwks: verifier.jwks().to_string(),
            redirect_origins: vec!["https://angajari.example".into()],
            webhook_url: None,
        };
        stack
            .runtime
            .block_on(registry.register(new, &*ca_key))
            .expect("registered");
        verifier
    }

    /// Its private key as a JWK (for an independent client library to sign with).
    pub fn private_jwk(&self) -> Value {
        let mut jwk = self.jwks()["keys"][0].clone();
        jwk["d"] = json!(cazier_shared::jose::b64(self.key.to_bytes()));
        jwk
    }

    /// The public JWKS it registers.
    pub fn jwks(&self) -> Value {
        let mut jwk = cazier_shared::jose::public_jwk(self.key.verifying_key());
        jwk["kid"] = json!(self.kid);
        json!({ "keys": [jwk] })
    }

    /// A fresh client assertion for `audience`, with `claims` over the usual ones.
    pub fn assertion(&self, audience: &str, claims: Value) -> String {
        use p256::ecdsa::signature::Signer as _;
        let now = chrono::Utc::now().timestamp();
        let mut body = json!({"iss": self.cui, "sub": self.cui, "aud": audience,
            "iat": now, "exp": now + 120, "jti": uuid::Uuid::new_v4().to_string()});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), claims.as_object()) {
            body.extend(extra.clone());
        }
        use cazier_shared::jose::b64;
        let header = json!({"alg": "ES256", "typ": "JWT", "kid": self.kid});
        let input = format!("{}.{}", b64(header.to_string()), b64(body.to_string()));
        let signature: p256::ecdsa::Signature = self.key.sign(input.as_bytes());
        format!("{input}.{}", b64(signature.to_bytes()))
    }

    /// The token endpoint's answer to `assertion`.
    pub fn token_reply(client: &Client, assertion: &str) -> crate::Reply {
        Self::scoped_token_reply(client, assertion, "")
    }

    /// The token endpoint's answer to `assertion` asking for `scope` (none if empty).
    pub fn scoped_token_reply(client: &Client, assertion: &str, scope: &str) -> crate::Reply {
        let scope = match scope {
            "" => String::new(),
            scope => format!("&scope={}", crate::portal::encode(scope)),
        };
        let body = format!(
            "grant_type=client_credentials&client_assertion_type={}&client_assertion={assertion}{scope}",
            "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
        );
        client.raw(
            "POST",
            "/oauth2/token",
            None,
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(body.as_bytes()),
        )
    }

    /// An access token, from a fresh assertion.
    pub fn token(&self, client: &Client) -> String {
        self.token_for(client, "presentation")
    }

    /// An access token for `scope` (space-separated), from a fresh assertion.
    pub fn token_for(&self, client: &Client, scope: &str) -> String {
        let assertion = self.assertion(&format!("{}/oauth2/token", client.base), json!({}));
        let reply = Self::scoped_token_reply(client, &assertion, scope);
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        reply.json()["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }

    /// A new request to a wallet, as the organisation's system makes it.
    pub fn ask(&self, client: &Client) -> Value {
        let token = self.token(client);
        let started = client.post("/v1/presentation-requests", Some(&token), json!({}));
        assert_eq!(
            started.status,
            201,
            "{}",
            String::from_utf8_lossy(&started.body)
        );
        assert_eq!(started.header("cache-control"), Some("no-store"));
        started.json()
    }
}
