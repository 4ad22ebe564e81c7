//! `cazier-admin trust …`: the seal's certificate chain.

use crate::Stack;
use anyhow::{anyhow, bail, Context, Result};
use cazier_shared::seal::{self, TrustChain};
use cazier_shared::services::trust;
use cazier_shared::wiring::{PortSource, ServiceGraphs};
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum TrustCommand {
    /// Creates a root certificate self-signed by the stack's KMS root key and a seal
    /// certificate for the signing key signed by it, and installs the chain. For local and test
    /// deployments; production imports a qualified provider's chain.
    Init {
        /// Subject of the seal certificate (RFC 4514).
        #[arg(long, default_value = trust::SEAL_SUBJECT)]
        subject: String,
        /// Replace a chain that is already installed.
        #[arg(long)]
        force: bool,
        /// Also write the root certificate here (what verifiers add to their trust store).
        #[arg(long)]
        root_out: Option<PathBuf>,
    },
    /// Prints a PKCS#10 request for the signing key, to give to a qualified trust service
    /// provider. Signed by KMS; the private key never leaves it.
    Csr {
        /// Subject (RFC 4514), e.g. "CN=Certificat cazier judiciar,O=IGPR,C=RO".
        #[arg(long)]
        subject: String,
    },
    /// Installs the chain the provider returned (PEM: the seal certificate first, then its
    /// issuers), after checking it is for the signing key and each certificate signs the last.
    Import { file: PathBuf },
    /// Signs and publishes the next CRL of the root (trust/root.crl, current for 180 days),
    /// which every certificate carries for long-term validation (PAdES-B-LT). Run it again
    /// before the last one runs out: the generator's daily job warns a month ahead.
    Crl,
    /// Shows the installed chain and when the published CRL runs out.
    Show,
}

pub async fn run(command: TrustCommand, stack: &Stack) -> Result<()> {
    let seal_key = stack.wiring.signer()?;
    let blobs = stack.wiring.documents()?;
    let installed = trust::load(&*blobs).await.map_err(|e| anyhow!("{e}"))?;
    match command {
        TrustCommand::Init {
            subject,
            force,
            root_out,
        } => {
            if installed.is_some() && !force {
                bail!(
                    "a chain is already installed (see `trust show`); pass --force to replace it"
                );
            }
            let root_key = stack.wiring.trust_root_signer()?;
            let chain = trust::init(
                &*root_key,
                &*seal_key,
                &*blobs,
                &subject,
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| anyhow!("{e}"))?;
            if let Some(path) = root_out {
                let root = chain.root_pem().map_err(|e| anyhow!("{e}"))?;
                std::fs::write(&path, root)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            // The access CA for wallets' requests, apart from the seal's chain.
            let registry = stack.wiring.organisation_registry()?;
            if registry
                .access_ca()
                .await
                .map_err(|e| anyhow!("{e}"))?
                .is_none()
                || force
            {
                crate::organisations::make_access_ca(stack).await?;
            }
            println!("installed:");
            show(&chain);
        }
        TrustCommand::Csr { subject } => {
            let pem = seal::certificate_request(&*seal_key, &subject)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            print!("{pem}");
        }
        TrustCommand::Import { file } => {
            let pem = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let (chain, notes) = trust::import(&pem, &*seal_key, &*blobs)
                .await
                .map_err(|e| anyhow!("the chain was not installed: {e}"))?;
            for note in notes {
                eprintln!("note: {note}");
            }
            println!("installed:");
            show(&chain);
        }
        TrustCommand::Crl => {
            let Some(chain) = installed else {
                bail!("no chain installed: run `trust init` or `trust import`");
            };
            let root_key = stack.wiring.trust_root_signer()?;
            let crl = trust::publish_crl(&*root_key, &chain, &*blobs, chrono::Utc::now())
                .await
                .map_err(|e| anyhow!("the CRL was not published: {e}"))?;
            println!(
                "published {}: current from {} until {}",
                cazier_shared::crl::ROOT_CRL_KEY,
                crl.this_update,
                crl.next_update.map_or("(no end)".into(), |t| t.to_string())
            );
        }
        TrustCommand::Show => match installed {
            Some(chain) => {
                show(&chain);
                match trust::published_crl(&chain, &*blobs).await {
                    Ok(Some(crl)) => println!(
                        "CRL: current from {} until {}",
                        crl.this_update,
                        crl.next_update.map_or("(no end)".into(), |t| t.to_string())
                    ),
                    Ok(None) => println!("CRL: none published: run `trust crl`"),
                    Err(e) => println!("CRL: unreadable ({e}): run `trust crl`"),
                }
            }
            None => bail!("no chain installed: run `trust init` or `trust import`"),
        },
    }
    Ok(())
}

fn show(chain: &TrustChain) {
    for (i, c) in chain.certificates().iter().enumerate() {
        let tbs = &c.tbs_certificate;
        println!(
            "{i}: {}\n   issued by {}\n   valid {} to {}",
            tbs.subject, tbs.issuer, tbs.validity.not_before, tbs.validity.not_after
        );
    }
}
