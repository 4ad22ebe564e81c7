//! `cazier-admin`: the operations tool. Talks to the same tables and keys as the functions.
//!
//! Which stack: `--outputs FILE`, the JSON of `sam list stack-outputs --output json` for a
//! deployed stack (AWS credentials and region from the usual environment or profile), or by
//! default `.local/stack-outputs.json`, written by `make up` for the local stack.

mod alarms;
mod import;
mod metric_math;
mod operators;
mod organisations;
mod records;
mod trust;
mod webhooks;

use anyhow::{anyhow, bail, Context, Result};
use cazier_shared::aws::wiring::Wiring;
use cazier_shared::domain::{AccountId, AuditSubject, CertificateNumber, Cnp};
use cazier_shared::wiring::PortSource;
use clap::{Parser, Subcommand};
use std::collections::HashMap;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "cazier-admin", about = "Operations tool for cazier")]
struct Cli {
    /// Stack outputs (JSON of `sam list stack-outputs --output json`).
    #[arg(
        long,
        global = true,
        env = "CAZIER_STACK_OUTPUTS",
        default_value = ".local/stack-outputs.json"
    )]
    outputs: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Police counter operator accounts.
    Operator {
        #[command(subcommand)]
        command: operators::OperatorCommand,
    },
    /// The audit trail of an account, a certificate, a clerk or a consent.
    Audit {
        #[arg(
            long,
            conflicts_with_all = ["certificate", "operator", "consent"],
            required_unless_present_any = ["certificate", "operator", "consent"]
        )]
        account: Option<String>,
        #[arg(long, conflicts_with_all = ["operator", "consent"])]
        certificate: Option<String>,
        /// A clerk's account: the validations they made.
        #[arg(long, conflicts_with = "consent")]
        operator: Option<String>,
        /// A consent: asked, answered, each extract pulled under it.
        #[arg(long)]
        consent: Option<String>,
    },
    /// Development helpers for the local stack (never for a deployed one).
    Dev {
        #[command(subcommand)]
        command: DevCommand,
    },
    /// Criminal-record entries.
    Records {
        #[command(subcommand)]
        command: records::RecordsCommand,
    },
    /// Legal persons and their legal representatives.
    Companies {
        #[command(subcommand)]
        command: records::CompaniesCommand,
    },
    /// Issued certificates.
    Certificates {
        #[command(subcommand)]
        command: records::CertificatesCommand,
    },
    /// Certificates issued, accounts created and accounts validated per method, per day
    /// (Europe/Bucharest), as the Ministry publishes them.
    Stats {
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD (inclusive).
        #[arg(long)]
        to: String,
    },
    /// The organisations (relying parties) that may ask wallets, and their access CA.
    Organisations {
        #[command(subcommand)]
        command: organisations::OrganisationsCommand,
    },
    /// Record changes pushed to organisations' webhooks: dead letters, redrives.
    Webhooks {
        #[command(subcommand)]
        command: webhooks::WebhooksCommand,
    },
    /// The certificate chain of the seal that signs certificates.
    Trust {
        #[command(subcommand)]
        command: trust::TrustCommand,
    },
}

#[derive(Subcommand)]
enum DevCommand {
    /// Mints the identity assertion the development ghiseul.ro issuer would hand back, for
    /// `POST /v1/accounts/me/validations/ghiseul/complete` on the local stack.
    GhiseulAssertion {
        #[arg(long)]
        cnp: String,
        /// The `state` from `POST /v1/accounts/me/validations/ghiseul`.
        #[arg(long)]
        state: String,
        #[arg(long, default_value = "Pop")]
        family_name: String,
        #[arg(long, default_value = "Ana")]
        given_name: String,
        #[arg(long, default_value = "infra/local/ghiseul-dev-key.pem")]
        key: PathBuf,
        #[arg(long, default_value = "infra/local/dev-issuers.json")]
        issuers: PathBuf,
        /// Seconds until it expires (at most 600 are accepted).
        #[arg(long, default_value_t = 300)]
        expires_in: i64,
    },
    /// The template's CloudWatch alarms, evaluated now on the local stack's logs (the
    /// functions' EMF metrics, the API's access log, the stream's set-aside records).
    Alarms {
        #[arg(long, default_value = "template.yaml")]
        template: PathBuf,
        #[arg(long, default_value = ".local/logs")]
        logs: PathBuf,
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// The stack the tool works on: its services, wired from its outputs like the functions'.
struct Stack {
    wiring: Wiring,
}

impl Stack {
    async fn load(path: &PathBuf) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| {
            format!(
                "reading stack outputs {} (is `make up` running? for a deployed stack pass \
                 --outputs with the JSON of `sam list stack-outputs --output json`)",
                path.display()
            )
        })?;
        let listed: Vec<HashMap<String, String>> =
            serde_json::from_str(&text).context("stack outputs are not the JSON sam prints")?;
        let outputs: HashMap<String, String> = listed
            .into_iter()
            .filter_map(|o| Some((o.get("OutputKey")?.clone(), o.get("OutputValue")?.clone())))
            .collect();
        let sdk = match outputs.get("LocalAwsEndpointUrl") {
            Some(endpoint) => {
                let region = outputs
                    .get("LocalRegion")
                    .cloned()
                    .unwrap_or_else(|| "eu-central-1".into());
                cazier_shared::aws::config_loader()
                    .endpoint_url(endpoint)
                    .region(aws_config::Region::new(region))
                    .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
                        "local",
                        "local",
                        None,
                        None,
                        "cazier-admin",
                    ))
                    .load()
                    .await
            }
            None => cazier_shared::aws::sdk_config().await,
        };
        let wiring = Wiring::from_outputs(sdk, &outputs)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        Ok(Self { wiring })
    }
}

fn read_password() -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let first = rpassword::prompt_password("Password (at least 12 characters): ")?;
        let second = rpassword::prompt_password("Repeat the password: ")?;
        if first != second {
            bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

fn dev_assertion(command: DevCommand) -> Result<String> {
    let DevCommand::GhiseulAssertion {
        cnp,
        state,
        family_name,
        given_name,
        key,
        issuers,
        expires_in,
    } = command
    else {
        bail!("not an assertion");
    };
    let cnp = Cnp::parse(&cnp).map_err(|e| anyhow!("invalid --cnp: {e}"))?;
    let issuers = cazier_shared::identity::parse_issuers(
        &std::fs::read_to_string(&issuers)
            .with_context(|| format!("reading {}", issuers.display()))?,
    )
    .map_err(|e| anyhow!("{}: {e}", issuers.display()))?;
    let issuer = issuers
        .iter()
        .find(|i| i.provider == "ghiseul")
        .context("no ghiseul issuer in the issuers file")?;
    let kid = issuer
        .jwks
        .keys
        .first()
        .and_then(|k| k.kid.clone())
        .unwrap_or_default();
    let pem =
        std::fs::read_to_string(&key).with_context(|| format!("reading {}", key.display()))?;
    let now = chrono::Utc::now().timestamp();
    let claims = serde_json::json!({
        "iss": issuer.issuer, "aud": issuer.audience, "iat": now, "exp": now + expires_in,
        "jti": uuid::Uuid::new_v4().to_string(), "nonce": state, "cnp": cnp.as_string(),
        "family_name": family_name, "given_name": given_name, "auth_method": "3DS_CARD",
    });
    cazier_shared::identity::sign(&claims, &pem, &kid).map_err(|e| anyhow!("signing: {e}"))
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Dev {
            command:
                DevCommand::Alarms {
                    template,
                    logs,
                    json,
                },
        } => {
            let states =
                alarms::evaluate_all(&template, &logs, chrono::Utc::now().timestamp_millis())?;
            if json {
                println!("{}", serde_json::Value::Array(states));
            } else {
                for s in states {
                    let value = match s["value"].as_f64() {
                        Some(v) => v.to_string(),
                        None => "no data".into(),
                    };
                    println!(
                        "{:<18} {:<28} {value} (threshold {}, {})",
                        s["state"].as_str().unwrap_or_default(),
                        s["alarm"].as_str().unwrap_or_default(),
                        s["threshold"],
                        s["comparison"].as_str().unwrap_or_default()
                    );
                }
            }
        }
        Command::Dev { command } => println!("{}", dev_assertion(command)?),
        Command::Organisations { command } => {
            organisations::run(command, &Stack::load(&cli.outputs).await?).await?
        }
        Command::Webhooks { command } => {
            webhooks::run(command, &Stack::load(&cli.outputs).await?).await?
        }
        Command::Trust { command } => {
            trust::run(command, &Stack::load(&cli.outputs).await?).await?
        }
        Command::Audit {
            account,
            certificate,
            operator,
            consent,
        } => {
            let subject = match (account, certificate, operator, consent) {
                (Some(a), ..) => AuditSubject::Account(AccountId::from(a.trim())),
                (None, Some(n), ..) => AuditSubject::Certificate(
                    CertificateNumber::parse(&n)
                        .ok_or_else(|| anyhow!("--certificate is not a certificate number"))?,
                ),
                (None, None, Some(o), _) => AuditSubject::Operator(AccountId::from(o.trim())),
                (None, None, None, Some(c)) => AuditSubject::Consent(c.trim().into()),
                (None, None, None, None) => {
                    bail!("give --account, --certificate, --operator or --consent")
                }
            };
            let stack = Stack::load(&cli.outputs).await?;
            let audit = stack.wiring.audit()?;
            let events = audit.history(&subject).await.map_err(|e| anyhow!("{e}"))?;
            if events.is_empty() {
                match &subject {
                    AuditSubject::Account(id) => println!("no audit entries for account {id}"),
                    AuditSubject::Certificate(n) => println!("no audit entries for {n}"),
                    AuditSubject::Operator(id) => println!("no audit entries for operator {id}"),
                    AuditSubject::Consent(id) => println!("no audit entries for consent {id}"),
                    AuditSubject::ChangeFeed(cui) => println!("no changes told to {cui}"),
                }
            }
            for e in events {
                let details: Vec<String> =
                    e.details.iter().map(|(k, v)| format!("{k}={v}")).collect();
                println!(
                    "{}\t{}\t{}",
                    e.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    e.event,
                    details.join(" ")
                );
            }
        }
        Command::Operator { command } => {
            operators::run(command, &Stack::load(&cli.outputs).await?).await?
        }
        Command::Records { command } => {
            records::run_records(command, &Stack::load(&cli.outputs).await?).await?
        }
        Command::Companies { command } => {
            records::run_companies(command, &Stack::load(&cli.outputs).await?).await?
        }
        Command::Certificates { command } => {
            records::run_certificates(command, &Stack::load(&cli.outputs).await?).await?
        }
        Command::Stats { from, to } => {
            records::run_stats(&from, &to, &Stack::load(&cli.outputs).await?).await?
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
