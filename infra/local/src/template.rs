//! Reads `template.yaml`: resources, parameters, each function's environment, HTTP routes and
//! stream sources, and resolves the intrinsic functions the template uses (!Ref, !GetAtt, !Sub).
//! (Over 500 lines: the template reader, what the local stack needs of each function (routes,
//! events, timeouts, roles, the access log), and the test that keeps every function's routes,
//! and the whole API's, equal to it.)

use anyhow::{anyhow, bail, Context, Result};
use serde_yaml::value::TaggedValue;
use serde_yaml::{Mapping, Value};
use std::collections::{BTreeMap, HashMap};

pub struct Template {
    root: Value,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub method: String,
    /// `/v1/accounts/{account_id}/validation`
    pub path: String,
    pub function: String,
}

/// The path of the route that takes what no other route matches.
pub const DEFAULT_ROUTE: &str = "$default";

impl Route {
    /// API Gateway's route key: `GET /v1/purposes`, or `$default`.
    pub fn key(&self) -> String {
        if self.path == DEFAULT_ROUTE {
            DEFAULT_ROUTE.to_owned()
        } else {
            format!("{} {}", self.method, self.path)
        }
    }
}

#[derive(Debug, Clone)]
pub struct StreamSource {
    pub function: String,
    pub table: String,
    pub batch_size: usize,
    pub max_retries: u32,
    /// `BisectBatchOnFunctionError`: a batch whose invocation fails is retried in halves.
    pub bisect_on_error: bool,
    /// `ParallelizationFactor`: batches of one shard delivered at once, by item key.
    pub parallelization: usize,
    /// `FilterCriteria`' patterns (JSON): a record is delivered if one matches, or if none
    /// is given.
    pub filters: Vec<serde_json::Value>,
    /// `DestinationConfig.OnFailure`: the queue (logical id) that gets what is set aside.
    pub on_failure: Option<String>,
}

/// A scheduled event: its function, its name in the template, its period, and the `Input`
/// it sends instead of EventBridge's event, if any.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub function: String,
    pub name: String,
    pub period: std::time::Duration,
    pub input: Option<serde_json::Value>,
}

#[derive(Debug, Clone)]
pub struct Function {
    pub logical_id: String,
    pub code_uri: String,
    pub environment: BTreeMap<String, Value>,
    /// `Timeout` (seconds) and `MemorySize` (MB), the function's or the globals'.
    pub timeout_secs: u64,
    pub memory_mb: u64,
    /// The logical id of its role (`Role: !GetAtt <id>.Arn`).
    pub role: Option<String>,
}

/// The physical values of deployed resources: what `!Ref` gives and what `!GetAtt` may ask.
#[derive(Debug, Default, Clone)]
pub struct Physical {
    pub refs: HashMap<String, String>,
    pub attributes: HashMap<(String, String), String>,
}

fn tag_is(t: &TaggedValue, name: &str) -> bool {
    t.tag == name
}

impl Template {
    pub fn load(path: &std::path::Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let root: Value = serde_yaml::from_str(&text).context("parsing template.yaml")?;
        Ok(Self { root })
    }

    fn section(&self, name: &str) -> Mapping {
        self.root
            .get(name)
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default()
    }

    /// Logical id and properties of every resource of `kind`, in template order.
    pub fn resources_of(&self, kind: &str) -> Vec<(String, Value)> {
        self.section("Resources")
            .into_iter()
            .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some(kind))
            .filter_map(|(id, r)| {
                Some((
                    id.as_str()?.to_owned(),
                    r.get("Properties").cloned().unwrap_or(Value::Null),
                ))
            })
            .collect()
    }

    /// The statements of the role's inline policies, as written (intrinsics unresolved): what
    /// the local stack enforces (`iam.rs`) and records (`ran.rs`). Managed policies are
    /// refused: they would not be enforced locally.
    pub fn role_statements(&self, role: &str) -> Result<Vec<Value>> {
        let (_, properties) = self
            .resources_of("AWS::IAM::Role")
            .into_iter()
            .find(|(id, _)| id == role)
            .ok_or_else(|| anyhow!("no role {role} in the template"))?;
        if properties.get("ManagedPolicyArns").is_some() {
            bail!("{role}: managed policies are not enforced locally; write the grants inline");
        }
        let mut all = Vec::new();
        for policy in properties
            .get("Policies")
            .and_then(Value::as_sequence)
            .into_iter()
            .flatten()
        {
            match policy
                .get("PolicyDocument")
                .and_then(|d| d.get("Statement"))
            {
                Some(Value::Sequence(statements)) => all.extend(statements.iter().cloned()),
                Some(statement @ Value::Mapping(_)) => all.push(statement.clone()),
                _ => bail!("{role}: a policy without statements"),
            }
        }
        Ok(all)
    }

    /// The HTTP API's access log format (`AccessLogSettings.Format`): `$context.…` variables
    /// in JSON, one line per request.
    pub fn access_log_format(&self) -> Option<String> {
        self.resources_of("AWS::Serverless::HttpApi")
            .into_iter()
            .find_map(|(_, p)| {
                Some(
                    p.get("AccessLogSettings")?
                        .get("Format")?
                        .as_str()?
                        .to_owned(),
                )
            })
    }

    /// Every parameter, with or without a default.
    pub fn parameter_names(&self) -> Vec<String> {
        self.section("Parameters")
            .into_iter()
            .filter_map(|(k, _)| Some(k.as_str()?.to_owned()))
            .collect()
    }

    pub fn parameter_defaults(&self) -> HashMap<String, String> {
        self.section("Parameters")
            .into_iter()
            .filter_map(|(k, v)| {
                let default = match v.get("Default")? {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return None,
                };
                Some((k.as_str()?.to_owned(), default))
            })
            .collect()
    }

    pub fn functions(&self) -> Vec<Function> {
        let globals: BTreeMap<String, Value> = self
            .root
            .get("Globals")
            .and_then(|g| g.get("Function"))
            .and_then(|f| f.get("Environment"))
            .and_then(|e| e.get("Variables"))
            .and_then(|v| serde_yaml::from_value(v.clone()).ok())
            .unwrap_or_default();
        let global = |name: &str| {
            self.root
                .get("Globals")
                .and_then(|g| g.get("Function"))
                .and_then(|f| f.get(name))
                .and_then(Value::as_u64)
        };
        self.resources_of("AWS::Serverless::Function")
            .into_iter()
            .map(|(id, props)| {
                let own = |name: &str| props.get(name).and_then(Value::as_u64).or(global(name));
                let mut environment = globals.clone();
                if let Some(vars) = props
                    .get("Environment")
                    .and_then(|e| e.get("Variables"))
                    .and_then(|v| serde_yaml::from_value::<BTreeMap<String, Value>>(v.clone()).ok())
                {
                    environment.extend(vars);
                }
                Function {
                    logical_id: id,
                    code_uri: props
                        .get("CodeUri")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .trim_end_matches('/')
                        .to_owned(),
                    environment,
                    // Lambda's defaults when neither the function nor the globals say.
                    timeout_secs: own("Timeout").unwrap_or(3),
                    memory_mb: own("MemorySize").unwrap_or(128),
                    role: match props.get("Role") {
                        Some(Value::Tagged(t)) if tag_is(t, "GetAtt") => t
                            .value
                            .as_str()
                            .and_then(|p| p.split('.').next())
                            .map(str::to_owned),
                        _ => None,
                    },
                }
            })
            .collect()
    }

    /// Every function's events: (function, event name, event).
    fn named_events(&self) -> Vec<(String, String, Value)> {
        self.resources_of("AWS::Serverless::Function")
            .into_iter()
            .flat_map(|(id, props)| {
                props
                    .get("Events")
                    .and_then(Value::as_mapping)
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .map(move |(name, e)| {
                        let name = name.as_str().unwrap_or_default().to_owned();
                        (id.clone(), name, e)
                    })
            })
            .collect()
    }

    /// Every function's events: (function, event).
    fn events(&self) -> Vec<(String, Value)> {
        self.named_events()
            .into_iter()
            .map(|(function, _, event)| (function, event))
            .collect()
    }

    /// Every HTTP route; the `$default` route, if one is declared, as `ANY $default`.
    pub fn routes(&self) -> Vec<Route> {
        self.events()
            .into_iter()
            .filter(|(_, e)| e.get("Type").and_then(Value::as_str) == Some("HttpApi"))
            .filter_map(|(function, e)| {
                let p = e.get("Properties")?;
                // An event without a path and method is the API's `$default` route: whatever
                // no other route matches (SAM's rule).
                if p.get("Path").is_none() && p.get("Method").is_none() {
                    return Some(Route {
                        method: "ANY".into(),
                        path: DEFAULT_ROUTE.into(),
                        function,
                    });
                }
                Some(Route {
                    method: p.get("Method")?.as_str()?.to_ascii_uppercase(),
                    path: p.get("Path")?.as_str()?.to_owned(),
                    function,
                })
            })
            .collect()
    }

    pub fn stream_sources(&self) -> Vec<StreamSource> {
        self.events()
            .into_iter()
            .filter(|(_, e)| e.get("Type").and_then(Value::as_str) == Some("DynamoDB"))
            .filter_map(|(function, e)| {
                let p = e.get("Properties")?;
                // Stream: !GetAtt Table.StreamArn
                let table = match p.get("Stream")? {
                    Value::Tagged(t) if tag_is(t, "GetAtt") => {
                        t.value.as_str()?.split('.').next()?.to_owned()
                    }
                    _ => return None,
                };
                let filters = p
                    .get("FilterCriteria")
                    .and_then(|c| c.get("Filters"))
                    .and_then(Value::as_sequence)
                    .into_iter()
                    .flatten()
                    .filter_map(|f| f.get("Pattern")?.as_str())
                    .filter_map(|pattern| serde_json::from_str(pattern).ok())
                    .collect();
                Some(StreamSource {
                    function,
                    table,
                    batch_size: p.get("BatchSize").and_then(Value::as_u64).unwrap_or(100) as usize,
                    // Lambda's default for streams: retry until the record expires; a day.
                    max_retries: p
                        .get("MaximumRetryAttempts")
                        .and_then(Value::as_u64)
                        .unwrap_or(10_000) as u32,
                    bisect_on_error: p
                        .get("BisectBatchOnFunctionError")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    parallelization: p
                        .get("ParallelizationFactor")
                        .and_then(Value::as_u64)
                        .unwrap_or(1)
                        .clamp(1, 10) as usize,
                    filters,
                    on_failure: match p
                        .get("DestinationConfig")
                        .and_then(|d| d.get("OnFailure"))
                        .and_then(|o| o.get("Destination"))
                    {
                        Some(Value::Tagged(t)) if tag_is(t, "GetAtt") => t
                            .value
                            .as_str()
                            .and_then(|v| v.split('.').next())
                            .map(str::to_owned),
                        _ => None,
                    },
                })
            })
            .collect()
    }

    /// Each `Schedule: rate(…)` event of a function.
    pub fn schedules(&self) -> Vec<Schedule> {
        self.named_events()
            .into_iter()
            .filter(|(_, _, e)| e.get("Type").and_then(Value::as_str) == Some("Schedule"))
            .filter_map(|(function, name, e)| {
                let properties = e.get("Properties")?;
                let rate = properties.get("Schedule")?.as_str()?;
                let input = properties
                    .get("Input")
                    .and_then(Value::as_str)
                    .and_then(|i| serde_json::from_str(i).ok());
                Some(Schedule {
                    function,
                    name,
                    period: parse_rate(rate)?,
                    input,
                })
            })
            .collect()
    }

    /// Outputs, resolved: what `sam list stack-outputs` would print for a deployed stack.
    pub fn outputs(&self, ctx: &Resolver<'_>) -> Result<Vec<(String, String)>> {
        self.section("Outputs")
            .into_iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_owned(), v.get("Value")?.clone())))
            .map(|(k, v)| {
                Ok((
                    k.clone(),
                    ctx.resolve(&v).with_context(|| format!("output {k}"))?,
                ))
            })
            .collect()
    }
}

/// Resolves intrinsic functions against parameters, pseudo parameters and physical resources.
pub struct Resolver<'a> {
    pub parameters: &'a HashMap<String, String>,
    pub physical: &'a Physical,
    pub region: &'a str,
    pub account_id: &'a str,
}

impl Resolver<'_> {
    fn reference(&self, name: &str) -> Result<String> {
        match name {
            "AWS::Region" => return Ok(self.region.to_owned()),
            "AWS::AccountId" => return Ok(self.account_id.to_owned()),
            "AWS::Partition" => return Ok("aws".to_owned()),
            "AWS::URLSuffix" => return Ok("localhost".to_owned()),
            "AWS::StackName" => return Ok("cazier-local".to_owned()),
            _ => {}
        }
        self.parameters
            .get(name)
            .or_else(|| self.physical.refs.get(name))
            .cloned()
            .ok_or_else(|| anyhow!("!Ref {name}: no such parameter or local resource"))
    }

    fn attribute(&self, path: &str) -> Result<String> {
        let (id, attr) = path
            .split_once('.')
            .ok_or_else(|| anyhow!("!GetAtt {path}: expected Resource.Attribute"))?;
        self.physical
            .attributes
            .get(&(id.to_owned(), attr.to_owned()))
            .cloned()
            .ok_or_else(|| anyhow!("!GetAtt {path}: not available locally"))
    }

    pub fn resolve(&self, value: &Value) -> Result<String> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Tagged(t) if tag_is(t, "Ref") => {
                self.reference(t.value.as_str().unwrap_or_default())
            }
            Value::Tagged(t) if tag_is(t, "GetAtt") => {
                self.attribute(t.value.as_str().unwrap_or_default())
            }
            Value::Tagged(t) if tag_is(t, "Sub") => {
                let text = t
                    .value
                    .as_str()
                    .ok_or_else(|| anyhow!("!Sub takes a string here"))?;
                self.substitute(text)
            }
            other => bail!("cannot resolve {other:?} locally"),
        }
    }

    fn substitute(&self, text: &str) -> Result<String> {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..]
                .find('}')
                .ok_or_else(|| anyhow!("unclosed ${{ in !Sub"))?;
            let name = &rest[start + 2..start + end];
            if name.contains('.') {
                out.push_str(&self.attribute(name)?);
            } else {
                out.push_str(&self.reference(name)?);
            }
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// `rate(5 minutes)` → 300 s. Cron expressions are not run locally.
pub fn parse_rate(expression: &str) -> Option<std::time::Duration> {
    let inner = expression.trim().strip_prefix("rate(")?.strip_suffix(')')?;
    let (value, unit) = inner.trim().split_once(' ')?;
    let value: u64 = value.parse().ok()?;
    let seconds = match unit.trim().trim_end_matches('s') {
        "minute" => 60,
        "hour" => 3600,
        "day" => 86400,
        _ => return None,
    };
    Some(std::time::Duration::from_secs(value * seconds))
}

#[cfg(test)]
mod tests {
    use super::parse_rate;
    use std::time::Duration;

    #[test]
    fn rates() {
        assert_eq!(
            parse_rate("rate(5 minutes)"),
            Some(Duration::from_secs(300))
        );
        assert_eq!(parse_rate("rate(1 hour)"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_rate("cron(0 12 * * ? *)"), None);
    }
}

#[cfg(test)]
mod access_tests {
    use super::Template;

    /// Each function's declared routes are exactly the template's routes for that function:
    /// no template route without an access rule, no rule without a route.
    #[test]
    fn every_function_declares_exactly_its_template_routes() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
        let template = Template::load(&path).expect("template.yaml");
        let declared = crate::declared_routes();
        let functions = template.functions();
        for function in &functions {
            let mut in_template: Vec<String> = template
                .routes()
                .iter()
                .filter(|r| r.function == function.logical_id)
                .map(|r| r.key())
                .collect();
            let mut in_code: Vec<String> = declared
                .iter()
                .find(|(code_uri, _)| *code_uri == function.code_uri)
                .map(|(_, routes)| routes.iter().map(|k| k.to_string()).collect())
                .unwrap_or_default();
            in_template.sort();
            in_code.sort();
            assert_eq!(in_code, in_template, "{}", function.code_uri);
        }
        for (code_uri, _) in &declared {
            assert!(
                functions.iter().any(|f| f.code_uri == *code_uri),
                "{code_uri} is not in template.yaml"
            );
        }
        // The whole API's routes, as the `$default` route's 405 answers know them.
        let mut in_template: Vec<String> = template
            .routes()
            .iter()
            .filter(|r| r.path != super::DEFAULT_ROUTE)
            .map(|r| r.key())
            .collect();
        let mut listed: Vec<String> = cazier_edge::http::routes::API_ROUTES
            .iter()
            .map(|k| k.to_string())
            .collect();
        in_template.sort();
        listed.sort();
        assert_eq!(listed, in_template, "edge/build.rs");
    }
}
