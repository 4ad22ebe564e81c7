//! OpenID Connect sign-in with ROeID / the electronic identity card (CEI): the authorization
//! request (code flow with PKCE S256, `state` and `nonce`) and the checks on the ID token the
//! provider's token endpoint hands back (OpenID Connect Core 1.0 §3.1.3.7).

use crate::crypto::constant_time_eq;
use crate::identity::{
    audience_includes, query_value, split, verify_signature, AssertionError, Issuer,
    CLOCK_SKEW_SECS,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The provider kind in `IDENTITY_ISSUERS` for ROeID / CEI.
pub use crate::identity::ROEID_PROVIDER as PROVIDER;
/// Longest ID-token lifetime accepted (`exp - iat`): the token is used at once.
pub const MAX_ID_TOKEN_LIFETIME_SECS: i64 = 3600;

/// The PKCE S256 challenge of a verifier (RFC 7636 §4.2).
pub fn pkce_challenge(code_verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(code_verifier.as_bytes()))
}

/// Where the browser goes to sign in.
pub fn authorize_url(
    issuer: &Issuer,
    redirect_uri: &str,
    state: &str,
    nonce: &str,
    code_verifier: &str,
) -> String {
    let separator = if issuer.authorize_url.contains('?') {
        '&'
    } else {
        '?'
    };
    format!(
        "{}{separator}response_type=code&client_id={}&redirect_uri={}&scope={}&state={}\
         &nonce={}&code_challenge={}&code_challenge_method=S256",
        issuer.authorize_url,
        query_value(&issuer.audience),
        query_value(redirect_uri),
        query_value(&issuer.scope),
        query_value(state),
        query_value(nonce),
        pkce_challenge(code_verifier),
    )
}

/// What a verified ID token says about the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdClaims {
    pub sub: String,
    pub cnp: String,
    /// OpenID Connect's standard name claims, as the population register spells them.
    pub family_name: String,
    pub given_name: String,
}

/// Verifies an ID token from `issuer` for the sign-in that expects `nonce`: signature by the
/// issuer's key, `iss`, `aud` (and `azp` when there are several audiences), `exp`, `iat`,
/// `nonce`, and the presence of the CNP and name claims. Whose they are, is the caller's
/// question.
pub fn verify_id_token(
    token: &str,
    issuer: &Issuer,
    nonce: &str,
    now: DateTime<Utc>,
) -> Result<IdClaims, AssertionError> {
    let jws = split(token)?;
    verify_signature(&jws, issuer)?;
    let claims: Value = jws.payload()?;
    let text = |name: &str| claims.get(name).and_then(Value::as_str);
    if text("iss") != Some(issuer.issuer.as_str()) {
        return Err(AssertionError::Issuer);
    }
    let aud = claims.get("aud").ok_or(AssertionError::Audience)?;
    if !audience_includes(aud, &issuer.audience) {
        return Err(AssertionError::Audience);
    }
    let several = aud.as_array().is_some_and(|a| a.len() > 1);
    if (several || text("azp").is_some()) && text("azp") != Some(issuer.audience.as_str()) {
        return Err(AssertionError::Audience);
    }
    let (Some(iat), Some(exp)) = (
        claims.get("iat").and_then(Value::as_i64),
        claims.get("exp").and_then(Value::as_i64),
    ) else {
        return Err(AssertionError::Time);
    };
    let now = now.timestamp();
    if exp <= iat
        || exp - iat > MAX_ID_TOKEN_LIFETIME_SECS
        || iat > now + CLOCK_SKEW_SECS
        || exp < now - CLOCK_SKEW_SECS
    {
        return Err(AssertionError::Time);
    }
    let sent = text("nonce").ok_or(AssertionError::Nonce)?;
    if !constant_time_eq(sent.as_bytes(), nonce.as_bytes()) {
        return Err(AssertionError::Nonce);
    }
    let claim = |name: &str| text(name).map(str::to_owned).ok_or(AssertionError::Claim);
    Ok(IdClaims {
        sub: claim("sub")?,
        cnp: claim(&issuer.cnp_claim)?,
        family_name: claim("family_name")?,
        given_name: claim("given_name")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{parse_issuers, sign};
    use serde_json::json;

    const KEY: &str = include_str!("../../infra/local/ghiseul-dev-key.pem");

    fn issuer() -> Issuer {
        // The ghiseul.ro dev key stands in for a provider key in these unit tests.
        let issuers = include_str!("../../infra/local/dev-issuers.json");
        let mut all = parse_issuers(issuers).unwrap();
        let mut i = all.remove(0);
        i.provider = PROVIDER.into();
        i.issuer = "https://roeid.test".into();
        i.token_url = Some("https://roeid.test/token".into());
        i
    }

    fn claims(now: i64) -> Value {
        json!({"iss": "https://roeid.test", "aud": "cazier-local", "sub": "s1", "iat": now,
               "exp": now + 300, "nonce": "n1", "cnp": "1630615123457",
               "family_name": "POP", "given_name": "ANA"})
    }

    fn check(c: &Value) -> Result<IdClaims, AssertionError> {
        let token = sign(c, KEY, "ghiseul-dev-1").unwrap();
        verify_id_token(&token, &issuer(), "n1", Utc::now())
    }

    #[test]
    fn a_good_token_verifies() {
        let ok = check(&claims(Utc::now().timestamp())).unwrap();
        assert_eq!(ok.cnp, "1630615123457");
    }

    #[test]
    fn every_claim_is_checked() {
        let now = Utc::now().timestamp();
        let with = |k: &str, v: Value| {
            let mut c = claims(now);
            c[k] = v;
            c
        };
        let without = |k: &str| {
            let mut c = claims(now);
            c.as_object_mut().unwrap().remove(k);
            c
        };
        use AssertionError::*;
        assert_eq!(check(&with("iss", json!("https://evil"))), Err(Issuer));
        assert_eq!(check(&with("aud", json!("other"))), Err(Audience));
        assert_eq!(
            check(&with("aud", json!(["cazier-local", "x"]))),
            Err(Audience)
        );
        let mut shared = with("aud", json!(["cazier-local", "x"]));
        shared["azp"] = json!("cazier-local");
        assert!(check(&shared).is_ok());
        assert_eq!(check(&with("azp", json!("x"))), Err(Audience));
        assert_eq!(check(&with("exp", json!(now - 120))), Err(Time));
        assert_eq!(check(&with("iat", json!(now + 3600))), Err(Time));
        assert_eq!(check(&with("exp", json!(now + 7200))), Err(Time));
        assert_eq!(check(&without("exp")), Err(Time));
        assert_eq!(check(&with("nonce", json!("n2"))), Err(Nonce));
        assert_eq!(check(&without("nonce")), Err(Nonce));
        assert_eq!(check(&without("cnp")), Err(Claim));
        assert_eq!(check(&with("cnp", json!(1630615123457u64))), Err(Claim));
        assert_eq!(check(&without("family_name")), Err(Claim));
        assert_eq!(check(&with("given_name", json!(null))), Err(Claim));
    }

    #[test]
    fn forged_tokens_fail() {
        let now = Utc::now().timestamp();
        let good = sign(&claims(now), KEY, "ghiseul-dev-1").unwrap();
        let parts: Vec<&str> = good.split('.').collect();
        let mut other = claims(now);
        other["cnp"] = json!("2850101400019");
        let altered = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(other.to_string()),
            parts[2]
        );
        let verify = |t: &str| verify_id_token(t, &issuer(), "n1", Utc::now());
        assert_eq!(verify(&altered), Err(AssertionError::Signature));
        let none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#);
        assert_eq!(
            verify(&format!("{none}.{}.", parts[1])),
            Err(AssertionError::Algorithm)
        );
        let hs = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","kid":"ghiseul-dev-1"}"#);
        assert_eq!(
            verify(&format!("{hs}.{}.{}", parts[1], parts[2])),
            Err(AssertionError::Algorithm)
        );
        assert_eq!(
            verify(&sign(&claims(now), KEY, "unknown").unwrap()),
            Err(AssertionError::Key)
        );
    }

    #[test]
    fn the_authorization_request_carries_pkce_state_and_nonce() {
        let url = authorize_url(&issuer(), "https://p/cont/roeid/raspuns", "s t", "n", "v");
        assert!(
            url.starts_with(
                "http://localhost:4030/dev/ghiseul/autentificare?response_type=code&client_id=cazier-local"
            )
        );
        assert!(url.contains("&redirect_uri=https%3A%2F%2Fp%2Fcont%2Froeid%2Fraspuns&"));
        assert!(url.contains("&state=s%20t&nonce=n&"));
        // RFC 7636 Appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(url.ends_with(&format!(
            "&code_challenge={}&code_challenge_method=S256",
            pkce_challenge("v")
        )));
    }

    #[test]
    fn the_local_provider_is_trusted_with_its_own_key() {
        let issuers = parse_issuers(include_str!("../../infra/local/dev-issuers.json")).unwrap();
        let roeid = issuers.iter().find(|i| i.provider == PROVIDER).unwrap();
        let private: Value =
            serde_json::from_str(include_str!("../../infra/local/oidc/roeid-dev-jwks.json"))
                .unwrap();
        let key = &private["keys"][0];
        let trusted = &roeid.jwks.keys[0];
        assert_eq!(Some(trusted.x.as_str()), key["x"].as_str());
        assert_eq!(Some(trusted.y.as_str()), key["y"].as_str());
        assert_eq!(trusted.kid.as_deref(), key["kid"].as_str());
    }

    #[test]
    fn an_oidc_issuer_needs_a_safe_token_url() {
        let base = r#"{"provider":"roeid","issuer":"https://r","audience":"c","authorize_url":"https://r/auth","jwks":{"keys":[]}"#;
        assert!(parse_issuers(&format!("[{base}}}]")).is_err());
        assert!(parse_issuers(&format!(r#"[{base},"token_url":"http://r/token"}}]"#)).is_err());
        assert!(parse_issuers(&format!(r#"[{base},"token_url":"https://r/token"}}]"#)).is_ok());
        assert!(parse_issuers(&format!(
            r#"[{base},"token_url":"http://127.0.0.1:4010/token"}}]"#
        ))
        .is_ok());
        assert!(parse_issuers(&format!(
            r#"[{base},"token_url":"https://r/token","scope":"cnp"}}]"#
        ))
        .is_err());
    }
}
