//! `cazier-local`: the local API server of `make up`.

use anyhow::{Context, Result};
use cazier_local::{start, Runner, StackOptions};
use clap::Parser;
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Serves template.yaml's API on a local AWS endpoint (moto)")]
struct Args {
    #[arg(long, default_value = "template.yaml")]
    template: PathBuf,
    #[arg(
        long,
        env = "AWS_ENDPOINT_URL",
        default_value = "http://127.0.0.1:5000"
    )]
    aws_endpoint: String,
    #[arg(long, env = "AWS_REGION", default_value = "eu-central-1")]
    region: String,
    #[arg(long, default_value = "local")]
    stage: String,
    #[arg(long, default_value_t = 3000)]
    port: u16,
    #[arg(long, default_value = ".local")]
    state_dir: PathBuf,
    /// Template parameter override, e.g. --parameter IssueWithEntries=false (repeatable).
    #[arg(long = "parameter", value_parser = parse_pair)]
    parameters: Vec<(String, String)>,
    /// Seed an operator account: e-mail.
    #[arg(long)]
    operator_email: Option<String>,
    #[arg(long, env = "CAZIER_OPERATOR_PASSWORD", hide_env_values = true)]
    operator_password: Option<String>,
    #[arg(long)]
    operator_unit: Option<String>,
    /// An SMTP sink (host:port) that receives the notices instead of SES.
    #[arg(long)]
    mail_sink: Option<String>,
    /// Where the development ghiseul.ro listens (its origin, http://localhost:<port>, is the
    /// one infra/local/dev-issuers.json names).
    #[arg(long, default_value_t = 4030)]
    ghiseul_port: u16,
    /// Where the functions' binaries are (each runs as its own processes, as on Lambda);
    /// by default beside this program (`target/debug`: `cargo build --workspace --bins`).
    #[arg(long, conflicts_with = "in_process")]
    functions_from: Option<PathBuf>,
    /// At most this many processes per function at once.
    #[arg(long, default_value_t = cazier_local::lambda::DEFAULT_MAX_PROCESSES)]
    max_processes: usize,
    /// Call the handlers in-process instead (the same JSON events, no processes).
    #[arg(long)]
    in_process: bool,
    /// Write what a stack from this template would run (functions, roles, routes, streams,
    /// schedules) to this file, and start nothing: `make package` holds it against SAM's
    /// translation (infra/package/translated.py).
    #[arg(long, value_name = "FILE")]
    describe: Option<PathBuf>,
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected Name=Value, got {s}"))
}

#[tokio::main]
async fn main() -> Result<()> {
    cazier_shared::telemetry::init();
    let args = Args::parse();
    let sources = args
        .template
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_default();
    if let Some(path) = &args.describe {
        let template = cazier_local::template::Template::load(&args.template)?;
        return cazier_local::ran::write(&template, &sources, path);
    }
    let seed_operator = match (
        args.operator_email,
        args.operator_password,
        args.operator_unit,
    ) {
        (Some(e), Some(p), Some(u)) => Some((e, p, u)),
        (None, None, None) => None,
        _ => anyhow::bail!("--operator-email, --operator-password and --operator-unit go together"),
    };
    let runner = match (args.in_process, args.functions_from) {
        (true, _) => Runner::InProcess,
        (false, Some(binaries)) => Runner::Processes {
            binaries,
            max_processes: args.max_processes,
        },
        (false, None) => match Runner::beside_this_program()? {
            Runner::Processes { binaries, .. } => Runner::Processes {
                binaries,
                max_processes: args.max_processes,
            },
            in_process => in_process,
        },
    };
    let stack = start(StackOptions {
        template: args.template,
        aws_endpoint: args.aws_endpoint.clone(),
        region: args.region,
        stage: args.stage,
        port: args.port,
        state_dir: args.state_dir.clone(),
        parameters: args.parameters.iter().cloned().collect::<HashMap<_, _>>(),
        seed_operator: seed_operator.clone(),
        mail_sink: args.mail_sink.clone(),
        ghiseul_port: Some(args.ghiseul_port),
        runner,
        sources,
    })
    .await
    .context("starting the local stack")?;
    println!();
    println!("cazier local stack is up");
    println!("  API:            {}/v1/purposes", stack.base_url());
    println!("  AWS (moto):     {}", args.aws_endpoint);
    println!(
        "  stack outputs:  {}",
        args.state_dir.join("stack-outputs.json").display()
    );
    println!(
        "  sam local env:  {}",
        args.state_dir.join("sam-env.json").display()
    );
    println!("  portal:         {}/", stack.base_url());
    println!(
        "  function logs:  {}",
        args.state_dir.join("logs/<Function>.log").display()
    );
    if let Some(sink) = &args.mail_sink {
        println!(
            "  e-mail (SMTP):  {sink}, kept in {}",
            args.state_dir.join("mail/new").display()
        );
    }
    let roeid = args
        .parameters
        .iter()
        .filter(|(k, _)| k == "IdentityIssuers")
        .filter_map(|(_, v)| cazier_shared::identity::parse_issuers(v).ok())
        .flatten()
        .find(|i| i.provider == cazier_shared::oidc::PROVIDER);
    if let Some(issuer) = roeid {
        println!(
            "  ROeID (dev):    {} (oidc-provider; sign in with CNP/Surname/Given names as the login)",
            issuer.issuer
        );
    }
    println!(
        "  ghiseul.ro (dev): http://localhost:{} (type the card holder's CNP and names)",
        args.ghiseul_port
    );
    if let Some((email, _, unit)) = &seed_operator {
        println!("  operator:       {email} ({unit})");
    }
    println!(
        "  seal root:      {} (trust it to validate certificates offline)",
        args.state_dir.join("trust-root.pem").display()
    );
    println!("Ctrl-C stops it.");
    tokio::signal::ctrl_c().await.ok();
    println!("stopping…");
    stack.stop().await;
    Ok(())
}
