//! `cazier-admin operator …`: police clerks' accounts. Creating one enrols its second factor
//! (the secret is printed once, as an `otpauth://` URI for the clerk's authenticator app);
//! disabling one, giving it a new password or a new second factor ends its sessions at once.

use super::{read_password, Stack};
use anyhow::{anyhow, Result};
use cazier_shared::domain::{Role, TotpSecret};
use cazier_shared::services::operators::{
    change_operator, create_operator, create_staff, OperatorChange, TOTP_ISSUER,
};
use cazier_shared::wiring::PortSource;
use clap::Subcommand;

#[derive(Subcommand)]
pub enum OperatorCommand {
    /// Creates an operator account. The password is read from standard input (prompted on a
    /// terminal), never from the command line. Prints the second factor's secret once.
    Create {
        #[arg(long)]
        email: String,
        /// The police unit, e.g. "Secția 1 Poliție București".
        #[arg(long)]
        unit: String,
        /// No second factor (local and test stacks only: deployed stacks refuse such
        /// operators unless RequireOperatorTotp is false).
        #[arg(long)]
        no_totp: bool,
    },
    /// Disables an operator: they cannot sign in, and their sessions end now.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Enables a disabled operator again.
    Enable {
        #[arg(long)]
        email: String,
    },
    /// Gives an operator a new password (read from standard input); their sessions end now.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Enrols a new second factor (the old one stops working); prints its secret once.
    Totp {
        #[arg(long)]
        email: String,
    },
}

/// Who did it, for the audit trail: the operating-system user running the tool.
fn by() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    format!("cazier-admin ({user})")
}

/// Changes an account of `role` made by ops; every session of it ends.
async fn changed(stack: &Stack, role: Role, email: &str, change: OperatorChange) -> Result<()> {
    let (accounts, sessions) = (stack.wiring.accounts()?, stack.wiring.sessions()?);
    let now = chrono::Utc::now();
    let secret = change_operator(&*accounts, &*sessions, role, email, change, &by(), now)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    println!("done: {email}; every session of the account has ended");
    if let Some(secret) = &secret {
        print_secret(email, secret);
    }
    Ok(())
}

fn print_secret(email: &str, secret: &TotpSecret) {
    println!("second factor (enter it in the person's authenticator app; shown only now):");
    println!("  secret: {}", secret.base32());
    println!("  uri:    {}", secret.otpauth_uri(TOTP_ISSUER, email));
}

pub async fn run(command: OperatorCommand, stack: &Stack) -> Result<()> {
    let accounts = stack.wiring.accounts()?;
    let now = chrono::Utc::now();
    let (email, change) = match command {
        OperatorCommand::Create {
            email,
            unit,
            no_totp,
        } => {
            let password = read_password()?;
            let created = create_operator(&*accounts, &email, &password, &unit, !no_totp, now)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            println!(
                "operator account created: {} ({email}, {unit})",
                created.account_id
            );
            if let Some(secret) = &created.totp {
                print_secret(&email, secret);
            }
            return Ok(());
        }
        OperatorCommand::Disable { email } => (email, OperatorChange::Disable),
        OperatorCommand::Enable { email } => (email, OperatorChange::Enable),
        OperatorCommand::ResetPassword { email } => {
            (email.clone(), OperatorChange::Password(read_password()?))
        }
        OperatorCommand::Totp { email } => (email, OperatorChange::NewTotp),
    };
    changed(stack, Role::Operator, &email, change).await
}

/// `cazier-admin organisations staff …`: the accounts of a registered organisation's staff,
/// who ask for consents and pull extracts in its name in the portal. Made, changed and ended
/// as clerks' accounts are.
#[derive(Subcommand)]
pub enum StaffCommand {
    /// Creates a staff account of a registered organisation. The password is read from
    /// standard input; prints the second factor's secret once.
    Add {
        /// The organisation's CUI (with or without RO).
        #[arg(long)]
        cui: String,
        #[arg(long)]
        email: String,
        /// No second factor (local and test stacks only).
        #[arg(long)]
        no_totp: bool,
    },
    /// Disables a staff member (who left): they cannot sign in, and their sessions end now.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Enables a disabled staff member again.
    Enable {
        #[arg(long)]
        email: String,
    },
    /// Gives a staff member a new password (read from standard input); their sessions end.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Enrols a new second factor (the old one stops working); prints its secret once.
    Totp {
        #[arg(long)]
        email: String,
    },
}

pub async fn run_staff(command: StaffCommand, stack: &Stack) -> Result<()> {
    let accounts = stack.wiring.accounts()?;
    let now = chrono::Utc::now();
    let (email, change) = match command {
        StaffCommand::Add {
            cui,
            email,
            no_totp,
        } => {
            let password = read_password()?;
            let organisations = stack.wiring.organisations()?;
            let created = create_staff(
                &*accounts,
                &*organisations,
                &email,
                &password,
                &cui,
                !no_totp,
                now,
            )
            .await
            .map_err(|e| anyhow!("{e}"))?;
            println!(
                "staff account created: {} ({email}, organisation {cui})",
                created.account_id
            );
            if let Some(secret) = &created.totp {
                print_secret(&email, secret);
            }
            return Ok(());
        }
        StaffCommand::Disable { email } => (email, OperatorChange::Disable),
        StaffCommand::Enable { email } => (email, OperatorChange::Enable),
        StaffCommand::ResetPassword { email } => {
            (email.clone(), OperatorChange::Password(read_password()?))
        }
        StaffCommand::Totp { email } => (email, OperatorChange::NewTotp),
    };
    changed(stack, Role::Staff, &email, change).await
}
