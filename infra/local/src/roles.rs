//! Each function's role grants exactly the resources its environment names: no table, bucket
//! or key the function is told about without a grant (an `AccessDenied` at the first request
//! after `sam deploy`; the enforced roles, `iam.rs`, show it only on a route a test walks),
//! and no grant on one it is not told about (privilege it cannot use, which enforcement never
//! shows). Read from `template.yaml` as written.

#[cfg(test)]
mod tests {
    use crate::template::Template;
    use serde_yaml::Value;
    use std::collections::BTreeSet;

    /// The resources a function's environment may name, and a role's grants be checked for.
    const KINDS: &[&str] = &["AWS::DynamoDB::Table", "AWS::S3::Bucket", "AWS::KMS::Key"];

    /// Every logical id a value refers to: `!Ref X`, `!GetAtt X.Attr`, `${X}` and `${X.Attr}`
    /// inside `!Sub`, at any depth.
    fn referenced(value: &Value, ids: &mut BTreeSet<String>) {
        match value {
            Value::Tagged(t) => {
                let tag = t.tag.to_string();
                match (tag.trim_start_matches('!'), &t.value) {
                    ("Ref", Value::String(id)) => {
                        ids.insert(id.clone());
                    }
                    ("GetAtt", Value::String(path)) => {
                        ids.extend(path.split('.').next().map(str::to_owned));
                    }
                    ("Sub", Value::String(text)) => {
                        for part in text.split("${").skip(1) {
                            let name = part.split('}').next().unwrap_or_default();
                            ids.extend(name.split('.').next().map(str::to_owned));
                        }
                    }
                    (_, inner) => referenced(inner, ids),
                }
            }
            Value::Sequence(items) => items.iter().for_each(|v| referenced(v, ids)),
            Value::Mapping(map) => map.values().for_each(|v| referenced(v, ids)),
            _ => {}
        }
    }

    fn refs(value: &Value) -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        referenced(value, &mut ids);
        ids
    }

    #[test]
    fn every_role_grants_exactly_the_resources_its_functions_environment_names() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
        let template = Template::load(&path).expect("template.yaml");
        let resources: BTreeSet<String> = KINDS
            .iter()
            .flat_map(|kind| template.resources_of(kind))
            .map(|(id, _)| id)
            .collect();
        let roles = template.resources_of("AWS::IAM::Role");
        let functions = template.resources_of("AWS::Serverless::Function");
        assert!(!functions.is_empty());
        for (function, properties) in &functions {
            let named: BTreeSet<String> =
                refs(properties.get("Environment").unwrap_or(&Value::Null))
                    .intersection(&resources)
                    .cloned()
                    .collect();
            let role_id = refs(
                properties
                    .get("Role")
                    .expect("every function has its own role"),
            );
            let role = roles
                .iter()
                .find(|(id, _)| role_id.contains(id))
                .unwrap_or_else(|| panic!("{function}: its role is in the template"));
            let granted: BTreeSet<String> = refs(role.1.get("Policies").unwrap_or(&Value::Null))
                .intersection(&resources)
                .cloned()
                .collect();
            let ungranted: Vec<_> = named.difference(&granted).collect();
            let unnamed: Vec<_> = granted.difference(&named).collect();
            assert!(
                ungranted.is_empty(),
                "{function}: its environment names {ungranted:?}, which {} grants nothing on",
                role.0
            );
            assert!(
                unnamed.is_empty(),
                "{}: grants {unnamed:?}, which {function}'s environment does not name",
                role.0
            );
        }
    }
}
