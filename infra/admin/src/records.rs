//! `cazier-admin records …`, `companies …`, `certificates …` and `stats`.

use crate::import::{self, Format};
use crate::Stack;
use anyhow::{anyhow, bail, Result};
use cazier_shared::config::vars;
use cazier_shared::domain::{
    bucharest_date, CertificateNumber, Cnp, Cui, RecordEntry, RecordSubject,
};
use cazier_shared::ports::SystemClock;
use cazier_shared::services::revocation::{revoke, RevokeError};
use cazier_shared::wiring::PortSource;
use cazier_shared::wiring::ServiceGraphs;
use chrono::NaiveDate;
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Whose record: a person by CNP or a legal person by CUI.
#[derive(Args, Clone)]
#[group(required = true, multiple = false)]
pub struct SubjectArgs {
    #[arg(long)]
    cnp: Option<String>,
    #[arg(long)]
    cui: Option<String>,
}

impl SubjectArgs {
    fn parse(&self) -> Result<RecordSubject> {
        match (&self.cnp, &self.cui) {
            (Some(cnp), _) => Ok(RecordSubject::Person(
                Cnp::parse(cnp).map_err(|e| anyhow!("invalid --cnp: {e}"))?,
            )),
            (None, Some(cui)) => Ok(RecordSubject::Company(
                Cui::parse(cui).map_err(|e| anyhow!("invalid --cui: {e}"))?,
            )),
            (None, None) => bail!("give --cnp or --cui"),
        }
    }
}

fn describe(subject: &RecordSubject) -> String {
    match subject {
        RecordSubject::Person(cnp) => cnp.masked(),
        RecordSubject::Company(cui) => format!("CUI {cui}"),
    }
}

#[derive(Args)]
pub struct ImportArgs {
    /// JSON Lines (.jsonl) or CSV with a header line (.csv).
    file: PathBuf,
    /// jsonl or csv, when the file name does not say.
    #[arg(long)]
    format: Option<String>,
    /// Write the good lines even if some are bad (the bad ones are listed and skipped).
    #[arg(long)]
    skip_invalid: bool,
}

#[derive(Subcommand)]
pub enum RecordsCommand {
    /// Adds one entry to a person's (or company's) record.
    Add {
        #[command(flatten)]
        subject: SubjectArgs,
        #[arg(long)]
        court: String,
        #[arg(long)]
        decision: String,
        /// YYYY-MM-DD
        #[arg(long)]
        decision_date: String,
        #[arg(long)]
        offence: String,
        #[arg(long)]
        penalty: String,
        /// Rehabilitation removed it from certificates (kept in the record, not printed).
        #[arg(long)]
        rehabilitated: bool,
    },
    /// Loads entries from a file. Fields: cnp (or cui), court, decision, decision_date
    /// (YYYY-MM-DD), offence, penalty, and optionally rehabilitated (true/false). The same
    /// court and decision for the same person replaces the entry: running it twice is safe.
    Import {
        #[command(flatten)]
        args: ImportArgs,
        /// The register's first load, before any consent exists: tells no organisation (one
        /// lookup per person saved on millions of people).
        #[arg(long)]
        initial_load: bool,
    },
    /// Lists a person's (or company's) entries.
    List {
        #[command(flatten)]
        subject: SubjectArgs,
    },
    /// Removes one entry (its id from `records list`).
    Remove {
        #[command(flatten)]
        subject: SubjectArgs,
        #[arg(long)]
        entry: String,
    },
    /// Tells the organisations holding a person's continuous consent that their record
    /// changed (add, import and remove do it themselves; this is for when that failed).
    Notify {
        #[arg(long)]
        cnp: String,
    },
}

/// Tells the organisations with a continuous consent of each person that their record
/// changed (never what); a failure says how to do it again.
async fn notify_changes(stack: &Stack, people: &[cazier_shared::domain::Cnp]) -> Result<()> {
    let hint = "run `cazier-admin records notify --cnp <CNP>` for the people changed";
    let notices = stack.wiring.change_notices().map_err(|e| {
        anyhow!("the record was written, but telling organisations failed ({e}): {hint}")
    })?;
    let mut told = 0;
    for cnp in people {
        told += notices.record_changed(cnp).await.map_err(|e| {
            anyhow!("the record was written, but telling organisations failed ({e}): {hint}")
        })?;
    }
    if told > 0 {
        println!("{told} organisation(s) with a continuous consent told of the change");
    }
    Ok(())
}

/// The people among `subjects`, once each.
fn people<'a>(
    subjects: impl Iterator<Item = &'a RecordSubject>,
) -> Vec<cazier_shared::domain::Cnp> {
    let mut cnps: Vec<cazier_shared::domain::Cnp> = Vec::new();
    for subject in subjects {
        if let RecordSubject::Person(cnp) = subject {
            if !cnps.contains(cnp) {
                cnps.push(cnp.clone());
            }
        }
    }
    cnps
}

#[derive(Subcommand)]
pub enum CompaniesCommand {
    /// Loads legal persons and their legal representatives. Fields: cui, name,
    /// trade_register_number, representatives (CNPs: a JSON array, or `;`-separated in CSV).
    /// A company loaded again is replaced, its representatives included.
    Import(ImportArgs),
}

#[derive(Subcommand)]
pub enum CertificatesCommand {
    /// Revokes a certificate issued in error. Listings and verifications then say REVOKED.
    Revoke {
        #[arg(long)]
        number: String,
        /// Why (kept in the audit trail; no personal data).
        #[arg(long)]
        reason: String,
        /// Who asks (kept in the audit trail).
        #[arg(long, env = "USER", default_value = "ops")]
        by: String,
    },
}

pub async fn run_records(command: RecordsCommand, stack: &Stack) -> Result<()> {
    let today = bucharest_date(chrono::Utc::now());
    match command {
        RecordsCommand::Add {
            subject,
            court,
            decision,
            decision_date,
            offence,
            penalty,
            rehabilitated,
        } => {
            let subject = subject.parse()?;
            let line = import::Line {
                number: 0,
                fields: [
                    ("court", court),
                    ("decision", decision),
                    ("decision_date", decision_date),
                    ("offence", offence),
                    ("penalty", penalty),
                    ("rehabilitated", rehabilitated.to_string()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .chain(std::iter::once(match &subject {
                    RecordSubject::Person(cnp) => ("cnp".to_owned(), cnp.as_string()),
                    RecordSubject::Company(cui) => ("cui".to_owned(), cui.to_string()),
                }))
                .collect(),
            };
            let privacy = stack.wiring.privacy();
            let key = |s: &RecordSubject| subject_key(&privacy, s);
            let (subject, entry) = import::record_line(&line, today, &key)
                .map_err(|problems| anyhow!("{}", problems.join("; ")))?;
            stack
                .wiring
                .records()?
                .add(&subject, &entry)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            println!("entry written: {}", entry.entry_id);
            notify_changes(stack, &people(std::iter::once(&subject))).await?;
        }
        RecordsCommand::Import { args, initial_load } => {
            let format = Format::of(&args.file, args.format.as_deref())?;
            let (lines, read_errors) = import::read_lines(&args.file, format)?;
            // Validation needs only the lookup key; load keys before reading all lines.
            let privacy = stack.wiring.privacy();
            let key = |s: &RecordSubject| subject_key(&privacy, s);
            let good: Vec<(RecordSubject, RecordEntry)> =
                import::validate_all(lines, read_errors, args.skip_invalid, |line| {
                    import::record_line(line, today, &key)
                })?;
            let store = stack.wiring.records()?;
            let bar = import::progress(good.len(), "entries");
            for chunk in good.chunks(100) {
                store.put_entries(chunk).await.map_err(|e| {
                    anyhow!(
                        "writing failed after {} entries (run again: it is safe): {e}",
                        bar.position()
                    )
                })?;
                bar.inc(chunk.len() as u64);
            }
            bar.finish_and_clear();
            println!("{} entries written", good.len());
            if !initial_load {
                notify_changes(stack, &people(good.iter().map(|(s, _)| s))).await?;
            }
        }
        RecordsCommand::List { subject } => {
            let subject = subject.parse()?;
            let entries = stack
                .wiring
                .records()?
                .list(&subject)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            if entries.is_empty() {
                println!("no entries for {}", describe(&subject));
            }
            for e in entries {
                println!(
                    "{}\t{}\t{} / {}\t{}\t{}{}",
                    e.entry_id,
                    e.court,
                    e.decision,
                    e.decision_date,
                    e.offence,
                    e.penalty,
                    if e.rehabilitated {
                        "\t(rehabilitated)"
                    } else {
                        ""
                    }
                );
            }
        }
        RecordsCommand::Remove { subject, entry } => {
            let subject = subject.parse()?;
            let removed = stack
                .wiring
                .records()?
                .remove(&subject, entry.trim())
                .await
                .map_err(|e| anyhow!("{e}"))?;
            if !removed {
                bail!("{} has no entry {}", describe(&subject), entry.trim());
            }
            println!("entry removed: {}", entry.trim());
            notify_changes(stack, &people(std::iter::once(&subject))).await?;
        }
        RecordsCommand::Notify { cnp } => {
            let cnp =
                cazier_shared::domain::Cnp::parse(cnp.trim()).map_err(|e| anyhow!("--cnp: {e}"))?;
            notify_changes(stack, &[cnp]).await?;
        }
    }
    Ok(())
}

fn subject_key(privacy: &cazier_shared::privacy::Privacy, subject: &RecordSubject) -> String {
    match subject {
        RecordSubject::Person(cnp) => privacy.lookup_hash(&cnp.as_string()),
        RecordSubject::Company(cui) => format!("CUI{cui}"),
    }
}

pub async fn run_companies(command: CompaniesCommand, stack: &Stack) -> Result<()> {
    let CompaniesCommand::Import(args) = command;
    let format = Format::of(&args.file, args.format.as_deref())?;
    let (lines, read_errors) = import::read_lines(&args.file, format)?;
    let companies =
        import::validate_all(lines, read_errors, args.skip_invalid, import::company_line)?;
    let store = stack.wiring.records()?;
    let bar = import::progress(companies.len(), "companies");
    for company in &companies {
        store.put_company(company).await.map_err(|e| {
            anyhow!(
                "writing {} failed (run again: it is safe): {e}",
                company.cui
            )
        })?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!("{} companies written", companies.len());
    Ok(())
}

pub async fn run_certificates(command: CertificatesCommand, stack: &Stack) -> Result<()> {
    let CertificatesCommand::Revoke { number, reason, by } = command;
    let number = CertificateNumber::parse(number.trim())
        .ok_or_else(|| anyhow!("--number is not a certificate number (CJ-YYYY-NNNNNNNN)"))?;
    let reason = import::text_value("--reason", Some(&reason)).map_err(|e| anyhow!("{e}"))?;
    let certificates = stack.wiring.certificates()?;
    match revoke(&*certificates, &SystemClock, &number, &reason, &by).await {
        Ok(true) => println!("{number} revoked"),
        Ok(false) => println!("{number} was already revoked"),
        Err(e @ (RevokeError::NotFound(_) | RevokeError::EmptyReason)) => bail!("{e}"),
        Err(e) => bail!("revoking {number}: {e}"),
    }
    // Verifiers offline learn it from the year's status list, published again now (again on
    // a repeated revoke, so running it twice repairs a publication that failed).
    let (year, _) = number.year_and_sequence();
    stack
        .wiring
        .status_list_service()?
        .publish(year)
        .await
        .map_err(|e| {
            anyhow!("{number} is revoked, but the status list of {year} was not published (run the same command again, or the daily job will): {e}")
        })?;
    println!("status list of {year} published");
    Ok(())
}

pub async fn run_stats(from: &str, to: &str, stack: &Stack) -> Result<()> {
    let parse = |flag: &str, v: &str| {
        NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
            .map_err(|_| anyhow!("--{flag} must be a real date, YYYY-MM-DD"))
    };
    let (from, to) = (parse("from", from)?, parse("to", to)?);
    if to < from {
        bail!("--to is before --from");
    }
    if (to - from).num_days() > 366 {
        bail!("at most a year at a time");
    }
    let days = cazier_shared::aws::stats::collect(
        stack.wiring.sdk(),
        &stack.wiring.setting(vars::ACCOUNTS_TABLE)?,
        &stack.wiring.setting(vars::CERTIFICATES_TABLE)?,
        from,
        to,
    )
    .await
    .map_err(|e| anyhow!("{e}"))?;
    println!(
        "date\tcertificates_issued\taccounts_created\tvalidated_ghiseul\tvalidated_counter\tvalidated_roeid"
    );
    let row = |label: &str, f: &cazier_shared::aws::stats::DayFigures| {
        println!(
            "{label}\t{}\t{}\t{}\t{}\t{}",
            f.certificates_issued,
            f.accounts_created,
            f.validated_ghiseul,
            f.validated_counter,
            f.validated_roeid
        )
    };
    let mut total = cazier_shared::aws::stats::DayFigures::default();
    for (day, f) in &days {
        row(&day.to_string(), f);
        total.certificates_issued += f.certificates_issued;
        total.accounts_created += f.accounts_created;
        total.validated_ghiseul += f.validated_ghiseul;
        total.validated_counter += f.validated_counter;
        total.validated_roeid += f.validated_roeid;
    }
    row("total", &total);
    Ok(())
}
