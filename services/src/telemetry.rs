//! JSON logs for CloudWatch. Log lines carry ids and outcomes, never CNPs, names or entries.

/// Logs at the level `RUST_LOG` names (`error`, `warn`, `info`, `debug`, `trace`; `info` when
/// unset or unknown). A level, not per-module directives: those need a regex engine, which
/// would add a fifth to every deployment package.
pub fn init() {
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| {
            v.trim()
                .parse::<tracing_subscriber::filter::LevelFilter>()
                .ok()
        })
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    let _ = tracing_subscriber::fmt()
        .json()
        .with_max_level(level)
        .with_current_span(false)
        .without_time() // CloudWatch stamps each line
        .try_init();
}

/// The CloudWatch namespace of the service's metrics (`cazier/<stage>` on AWS).
fn namespace() -> &'static str {
    static NAMESPACE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAMESPACE.get_or_init(|| std::env::var("METRICS_NAMESPACE").unwrap_or_else(|_| "cazier".into()))
}

/// One CloudWatch metric event in the embedded metric format: a JSON line on standard output,
/// which CloudWatch Logs turns into a metric (no API call, no added latency). Never carries
/// personal data: names and dimension values are fixed codes.
pub fn count(metric: &'static str, dimension: Option<(&'static str, &'static str)>) {
    let timestamp = chrono::Utc::now().timestamp_millis();
    let dimensions: Vec<&str> = dimension.iter().map(|(name, _)| *name).collect();
    let mut line = serde_json::json!({
        "_aws": {
            "Timestamp": timestamp,
            "CloudWatchMetrics": [{
                "Namespace": namespace(),
                "Dimensions": [dimensions],
                "Metrics": [{"Name": metric, "Unit": "Count"}],
            }],
        },
        metric: 1,
    });
    if let (Some((name, value)), Some(object)) = (dimension, line.as_object_mut()) {
        object.insert(name.to_owned(), serde_json::Value::from(value));
    }
    println!("{line}");
}

/// Metric names, shared by the code that emits them and the alarms in template.yaml.
pub mod metrics {
    pub const ACCOUNTS_CREATED: &str = "AccountsCreated";
    /// Dimension `Method`: GHISEUL or COUNTER.
    pub const ACCOUNTS_VALIDATED: &str = "AccountsValidated";
    pub const CERTIFICATES_ISSUED: &str = "CertificatesIssued";
    /// Dimension `Reason`: the rejection code.
    pub const REQUESTS_REJECTED: &str = "RequestsRejected";
    pub const GENERATION_FAILURES: &str = "GenerationFailures";
    /// A notice e-mail could not be handed to SES.
    pub const NOTICES_FAILED: &str = "NoticesFailed";
    /// The root's published CRL runs out within 30 days (or is missing): run
    /// `cazier-admin trust crl`, or issuance stops when it does.
    pub const ROOT_CRL_EXPIRING: &str = "RootCrlExpiring";
    /// A record change could not be pushed to an organisation's webhook for two days (a
    /// dead letter): `cazier-admin webhooks dead`, then `redrive`.
    pub const WEBHOOK_DEAD_LETTERS: &str = "WebhookDeadLetters";
}
