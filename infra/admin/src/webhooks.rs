//! `cazier-admin webhooks …`: record changes pushed to organisations' receivers that were given
//! up after two days of failures (dead letters), and sending them again once the receiver is
//! back. The organisations' feeds hold every change besides.

use super::Stack;
use anyhow::{anyhow, bail, Result};
use cazier_shared::domain::DeliveryId;
use cazier_shared::wiring::ServiceGraphs;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum WebhooksCommand {
    /// Lists dead letters, oldest first: delivery, organisation, consent, attempts, why.
    Dead {
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Makes dead letters due again (same idempotency keys): one by id, or every one.
    Redrive {
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        id: Option<String>,
        #[arg(long)]
        all: bool,
    },
    /// Delivers what is due now (what the generator's schedule does every minute).
    Deliver,
}

pub async fn run(command: WebhooksCommand, stack: &Stack) -> Result<()> {
    let deliveries = stack.wiring.webhook_deliveries()?;
    match command {
        WebhooksCommand::Dead { limit } => {
            for d in deliveries
                .dead_letters(limit)
                .await
                .map_err(|e| anyhow!("{e}"))?
            {
                println!(
                    "{}\t{}\tconsent {}\t{} attempts\tsince {}\t{}",
                    d.id,
                    d.organisation,
                    d.consent,
                    d.attempts,
                    d.first_at.format("%Y-%m-%d %H:%M"),
                    d.last_error.as_deref().unwrap_or("")
                );
            }
        }
        WebhooksCommand::Redrive { id: Some(id), .. } => {
            if !deliveries
                .redrive(&DeliveryId::from(id.as_str()))
                .await
                .map_err(|e| anyhow!("{e}"))?
            {
                bail!("{id} is not a dead letter");
            }
            println!("{id} is due again");
        }
        WebhooksCommand::Redrive { id: None, .. } => {
            let mut count = 0;
            loop {
                let dead = deliveries
                    .dead_letters(100)
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
                if dead.is_empty() {
                    break;
                }
                for d in dead {
                    if deliveries
                        .redrive(&d.id)
                        .await
                        .map_err(|e| anyhow!("{e}"))?
                    {
                        count += 1;
                    }
                }
            }
            println!("{count} dead letters due again");
        }
        WebhooksCommand::Deliver => {
            let report = deliveries.deliver_due().await.map_err(|e| anyhow!("{e}"))?;
            println!(
                "{} delivered, {} failed (to be tried again), {} given up",
                report.delivered, report.failed, report.dead
            );
        }
    }
    Ok(())
}
