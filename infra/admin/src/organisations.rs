//! `cazier-admin organisations …`: the register of relying parties (institutions and
//! employers) that may ask wallets, and later the service itself (issue 27). Registering one
//! issues its access certificate from the access CA (KMS, the trust-admin role only).

use super::Stack;
use anyhow::{anyhow, bail, Context, Result};
use cazier_shared::domain::organisation::OrganisationStatus;
use cazier_shared::domain::Cui;
use cazier_shared::services::organisations::NewOrganisation;
use cazier_shared::wiring::ServiceGraphs;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum OrganisationsCommand {
    /// Makes the access CA's certificate (once; `trust init` makes it too).
    Ca {
        /// Replace the one there is (every access certificate it issued stops being trusted).
        #[arg(long)]
        force: bool,
        /// Also write it here (what wallets add to their trusted relying-party CAs).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Registers an organisation and issues its access certificate.
    Add {
        /// Its CUI (with or without RO).
        #[arg(long)]
        cui: String,
        /// Its name as the trade register has it: what wallets and citizens are shown.
        #[arg(long)]
        name: String,
        /// PUBLIC_INSTITUTION or EMPLOYER.
        #[arg(long)]
        kind: String,
        /// The purposes it may ask for (codes, comma-separated), e.g. ANGAJARE.
        #[arg(long, value_delimiter = ',')]
        purposes: Vec<String>,
        /// A file with its public keys as a JWKS (EC P-256, each with a kid).
        #[arg(long)]
        jwks: PathBuf,
        /// An origin of its pages (https://host[:port]), where same-device requests may send
        /// holders back; repeat for more.
        #[arg(long = "redirect-origin")]
        redirect_origins: Vec<String>,
        /// Where record changes under its continuous consents are pushed (https); without
        /// it, it polls its change feed.
        #[arg(long)]
        webhook: Option<String>,
    },
    /// Sets where an organisation's record changes are pushed, or (`--none`) stops pushing.
    Webhook {
        #[arg(long)]
        cui: String,
        #[arg(long, required_unless_present = "none", conflicts_with = "none")]
        url: Option<String>,
        #[arg(long)]
        none: bool,
    },
    /// Lists the register.
    List,
    /// Suspends one: no new token, and the tokens it holds stop working at once.
    Suspend {
        #[arg(long)]
        cui: String,
    },
    /// Reinstates a suspended one.
    Reinstate {
        #[arg(long)]
        cui: String,
    },
    /// Its staff's accounts in the portal (ask for consents, pull extracts).
    Staff {
        #[command(subcommand)]
        command: crate::operators::StaffCommand,
    },
}

pub async fn run(command: OrganisationsCommand, stack: &Stack) -> Result<()> {
    let registry = stack.wiring.organisation_registry()?;
    match command {
        OrganisationsCommand::Staff { command } => {
            crate::operators::run_staff(command, stack).await?
        }
        OrganisationsCommand::Ca { force, out } => {
            let existing = registry.access_ca().await.map_err(|e| anyhow!("{e}"))?;
            if existing.is_some() && !force {
                bail!("the access CA exists already; pass --force to replace it");
            }
            make_access_ca(stack).await?;
            if let Some(path) = out {
                write_access_ca(&registry, &path).await?;
            }
        }
        OrganisationsCommand::Add {
            cui,
            name,
            kind,
            purposes,
            jwks,
            redirect_origins,
            webhook,
        } => {
            let jwks = std::fs::read_to_string(&jwks)
                .with_context(|| format!("reading {}", jwks.display()))?;
            let ca_key = stack.wiring.access_ca_signer()?;
            let new = NewOrganisation {
                cui,
                name,
                kind,
                purposes,
                jwks,
                redirect_origins,
                webhook_url: webhook,
            };
            let added = registry
                .register(new, &*ca_key)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            println!(
                "registered {} ({}), client_id {}; its requests to wallets name it as {}",
                added.name,
                added.cui,
                added.client_id(),
                cazier_shared::services::presentation::client_id_of(&added.access.certificate)
            );
        }
        OrganisationsCommand::List => {
            for o in registry.list().await.map_err(|e| anyhow!("{e}"))? {
                let purposes: Vec<&str> = o.purposes.iter().map(|p| p.code()).collect();
                println!(
                    "{}\t{}\t{}\t{}\t{}\tregistered {}\t{}",
                    o.cui,
                    o.status.code(),
                    o.kind.code(),
                    purposes.join(","),
                    o.name,
                    o.registered_at.format("%Y-%m-%d"),
                    o.webhook_url.as_deref().unwrap_or("(feed only)")
                );
            }
        }
        OrganisationsCommand::Webhook { cui, url, none: _ } => {
            let parsed = Cui::parse(&cui).map_err(|e| anyhow!("{e}"))?;
            let set = registry
                .set_webhook(&parsed, url.as_deref())
                .await
                .map_err(|e| anyhow!("{e}"))?;
            if !set {
                bail!("no organisation {cui}");
            }
            match url {
                Some(url) => println!("{cui}: record changes are pushed to {url}"),
                None => println!("{cui}: record changes are no longer pushed (its feed has them)"),
            }
        }
        OrganisationsCommand::Suspend { cui } => {
            set(&registry, &cui, OrganisationStatus::Suspended).await?
        }
        OrganisationsCommand::Reinstate { cui } => {
            set(&registry, &cui, OrganisationStatus::Active).await?
        }
    }
    Ok(())
}

/// Makes (or replaces) the access CA's certificate with the stack's access-CA key.
pub async fn make_access_ca(stack: &Stack) -> Result<()> {
    let ca_key = stack.wiring.access_ca_signer()?;
    stack
        .wiring
        .organisation_registry()?
        .init_access_ca(&*ca_key)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    println!("access CA made (served at GET /v1/trust/access-ca)");
    Ok(())
}

async fn set(
    registry: &cazier_shared::services::organisations::OrganisationRegistry,
    cui: &str,
    status: OrganisationStatus,
) -> Result<()> {
    let cui = Cui::parse(cui).map_err(|e| anyhow!("{e}"))?;
    if !registry
        .set_status(&cui, status)
        .await
        .map_err(|e| anyhow!("{e}"))?
    {
        bail!("no organisation {cui} is registered");
    }
    println!("{cui}: {}", status.code());
    Ok(())
}

async fn write_access_ca(
    registry: &cazier_shared::services::organisations::OrganisationRegistry,
    path: &PathBuf,
) -> Result<()> {
    let certificate = registry
        .access_ca()
        .await
        .map_err(|e| anyhow!("{e}"))?
        .ok_or_else(|| anyhow!("no access CA"))?;
    let pem = der::EncodePem::to_pem(&certificate, der::pem::LineEnding::LF)?;
    std::fs::write(path, pem).with_context(|| format!("writing {}", path.display()))
}
