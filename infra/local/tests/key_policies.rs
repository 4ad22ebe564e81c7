//! The signing keys' policies, read from `template.yaml` (moto does not evaluate key policies,
//! so this is where they are checked): only the roles whose own policies sign with a key are
//! let through its key policy's deny, by the names those roles really have, and nobody else.

use cazier_local::template::Template;
use serde_yaml::Value;
use std::collections::BTreeSet;

fn template() -> Template {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
    Template::load(&path).expect("template.yaml")
}

/// A value as text, intrinsic functions included (`!GetAtt SigningKey.Arn`).
fn text(v: &Value) -> String {
    match v {
        Value::Tagged(t) => format!("{} {}", t.tag, text(&t.value)),
        Value::String(s) => s.clone(),
        Value::Sequence(items) => items.iter().map(text).collect::<Vec<_>>().join(","),
        other => serde_yaml::to_string(other).unwrap_or_default(),
    }
}

fn list(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::Sequence(items)) => items.clone(),
        Some(other) => vec![other.clone()],
        None => Vec::new(),
    }
}

/// The names (`cazier-${Stage}-${AWS::Region}-generator`) of the roles whose policies allow
/// `kms:Sign` on `key`.
fn roles_signing_with(template: &Template, key: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (id, role) in template.resources_of("AWS::IAM::Role") {
        let statements: Vec<Value> = list(role.get("Policies"))
            .iter()
            .flat_map(|p| list(p.get("PolicyDocument").and_then(|d| d.get("Statement"))))
            .collect();
        let signs = statements.iter().any(|s| {
            let actions: Vec<String> = list(s.get("Action")).iter().map(text).collect();
            let resources = text(s.get("Resource").unwrap_or(&Value::Null));
            s.get("Effect").and_then(Value::as_str) == Some("Allow")
                && actions.iter().any(|a| a == "kms:Sign" || a == "kms:*")
                && resources.contains(&format!("{key}.Arn"))
        });
        if signs {
            let name = role
                .get("RoleName")
                .map(text)
                .unwrap_or_else(|| panic!("{id} signs with {key} but has no RoleName"));
            names.insert(name.trim_start_matches("!Sub ").to_owned());
        }
    }
    names
}

/// The role names a key's policy exempts from its deny of `kms:Sign`.
fn exempt_from_deny(template: &Template, key: &str) -> BTreeSet<String> {
    let (_, properties) = template
        .resources_of("AWS::KMS::Key")
        .into_iter()
        .find(|(id, _)| id == key)
        .unwrap_or_else(|| panic!("no key {key}"));
    let statements = list(properties.get("KeyPolicy").and_then(|p| p.get("Statement")));
    let deny: Vec<&Value> = statements
        .iter()
        .filter(|s| {
            s.get("Effect").and_then(Value::as_str) == Some("Deny")
                && list(s.get("Action")).iter().any(|a| text(a) == "kms:Sign")
                && text(s.get("Principal").unwrap_or(&Value::Null)) == "*"
        })
        .collect();
    assert_eq!(
        deny.len(),
        1,
        "{key} denies kms:Sign to all but a list, once"
    );
    let arns = deny[0]
        .get("Condition")
        .and_then(|c| c.get("ArnNotEquals"))
        .and_then(|c| c.get("aws:PrincipalArn"))
        .unwrap_or_else(|| panic!("{key}: the deny names its exceptions by aws:PrincipalArn"));
    list(Some(arns))
        .iter()
        .map(|arn| {
            let arn = text(arn);
            arn.split(":role/")
                .nth(1)
                .unwrap_or_else(|| panic!("{arn} is not a role ARN"))
                .to_owned()
        })
        .collect()
}

#[test]
fn only_the_sealers_sign_with_the_seal() {
    let template = template();
    let signers = roles_signing_with(&template, "SigningKey");
    assert_eq!(
        signers,
        BTreeSet::from([
            // Extracts under a person's consent are sealed (issue 27).
            "cazier-${Stage}-${AWS::Region}-consents".to_owned(),
            "cazier-${Stage}-${AWS::Region}-generator".to_owned(),
            "cazier-${Stage}-${AWS::Region}-trust-admin".to_owned(),
            // Receipts of checks by number are sealed (issue 27).
            "cazier-${Stage}-${AWS::Region}-verification".to_owned(),
            "cazier-${Stage}-${AWS::Region}-wallet".to_owned(),
            // An organisation's staff pull extracts, sealed, from the portal (issue 27).
            "cazier-${Stage}-${AWS::Region}-web".to_owned(),
        ])
    );
    assert_eq!(exempt_from_deny(&template, "SigningKey"), signers);
}

#[test]
fn only_the_trust_admin_signs_with_the_root() {
    let template = template();
    let signers = roles_signing_with(&template, "TrustRootKey");
    assert_eq!(
        signers,
        BTreeSet::from(["cazier-${Stage}-${AWS::Region}-trust-admin".to_owned()])
    );
    assert_eq!(exempt_from_deny(&template, "TrustRootKey"), signers);
}
