//! Bulk imports of record entries and companies from JSON Lines or CSV: every line validated
//! (reported by its number), nothing written unless all are good (or `--skip-invalid`), safe to
//! run twice (ids derive from what identifies a line), a progress bar on large files.

use anyhow::{bail, Context, Result};
use cazier_shared::domain::text::normalise_romanian;
use cazier_shared::domain::{Cnp, Company, Cui, RecordEntry, RecordSubject};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    JsonLines,
    Csv,
}

impl Format {
    pub fn of(path: &Path, given: Option<&str>) -> Result<Format> {
        let name = given.map(str::to_owned).or_else(|| {
            path.extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
        });
        match name.as_deref() {
            Some("jsonl" | "ndjson" | "json") => Ok(Format::JsonLines),
            Some("csv") => Ok(Format::Csv),
            _ => bail!(
                "cannot tell the format of {}: name it .jsonl or .csv, or pass --format",
                path.display()
            ),
        }
    }
}

/// One line's fields as text (CSV cells, or JSON values), with its line number.
pub struct Line {
    pub number: usize,
    pub fields: HashMap<String, String>,
}

/// Lines that could not even be read, by number, with why.
pub type LineErrors = Vec<(usize, String)>;

/// Reads every non-empty line. A line that is not even well-formed JSON or CSV is an error of
/// that line, like any other.
pub fn read_lines(path: &Path, format: Format) -> Result<(Vec<Line>, LineErrors)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    match format {
        Format::JsonLines => {
            for (i, raw) in text.lines().enumerate() {
                let number = i + 1;
                if raw.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(raw) {
                    Ok(object) => {
                        let mut fields = HashMap::new();
                        for (k, v) in object {
                            let text = match v {
                                serde_json::Value::String(s) => s,
                                serde_json::Value::Array(items) => items
                                    .iter()
                                    .map(|i| i.as_str().map(str::to_owned).unwrap_or(i.to_string()))
                                    .collect::<Vec<_>>()
                                    .join(";"),
                                serde_json::Value::Null => continue,
                                other => other.to_string(),
                            };
                            fields.insert(k, text);
                        }
                        lines.push(Line { number, fields });
                    }
                    Err(e) => errors.push((number, format!("not a JSON object: {e}"))),
                }
            }
        }
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(false)
                .trim(csv::Trim::All)
                .from_reader(text.as_bytes());
            let headers: Vec<String> = reader
                .headers()
                .context("the CSV has no header line")?
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect();
            for record in reader.records() {
                match record {
                    Ok(record) => {
                        let number = record.position().map_or(0, |p| p.line() as usize);
                        let fields = headers
                            .iter()
                            .cloned()
                            .zip(record.iter().map(str::to_owned))
                            .filter(|(_, v)| !v.is_empty())
                            .collect();
                        lines.push(Line { number, fields });
                    }
                    Err(e) => {
                        let number = e.position().map_or(0, |p| p.line() as usize);
                        errors.push((number, format!("not a valid CSV line: {e}")));
                    }
                }
            }
        }
    }
    Ok((lines, errors))
}

fn unknown_fields(line: &Line, known: &[&str]) -> Option<String> {
    let mut unknown: Vec<&str> = line
        .fields
        .keys()
        .map(String::as_str)
        .filter(|k| !known.contains(k))
        .collect();
    unknown.sort();
    (!unknown.is_empty()).then(|| format!("unknown field(s): {}", unknown.join(", ")))
}

/// A required free-text field: trimmed, at most 500 characters, no control characters,
/// Romanian letters normalised (comma below).
pub fn text_value(field: &str, value: Option<&str>) -> Result<String, String> {
    match value.map(str::trim) {
        None | Some("") => Err(format!("{field} is missing")),
        Some(v) if v.chars().count() > 500 || v.chars().any(char::is_control) => Err(format!(
            "{field} must be at most 500 characters, with no control characters"
        )),
        Some(v) => Ok(normalise_romanian(v)),
    }
}

fn text(line: &Line, field: &str, problems: &mut Vec<String>) -> String {
    text_value(field, line.fields.get(field).map(String::as_str)).unwrap_or_else(|problem| {
        problems.push(problem);
        String::new()
    })
}

/// The subject of a line: `cnp` (a person) or `cui` (a legal person), exactly one.
fn subject(line: &Line, problems: &mut Vec<String>) -> Option<RecordSubject> {
    match (line.fields.get("cnp"), line.fields.get("cui")) {
        (Some(cnp), None) => match Cnp::parse(cnp) {
            Ok(cnp) => Some(RecordSubject::Person(cnp)),
            Err(e) => {
                problems.push(format!("cnp: {e}"));
                None
            }
        },
        (None, Some(cui)) => match Cui::parse(cui) {
            Ok(cui) => Some(RecordSubject::Company(cui)),
            Err(e) => {
                problems.push(format!("cui: {e}"));
                None
            }
        },
        (Some(_), Some(_)) => {
            problems.push("give either cnp or cui, not both".into());
            None
        }
        (None, None) => {
            problems.push("cnp (or cui for a company) is missing".into());
            None
        }
    }
}

const RECORD_FIELDS: &[&str] = &[
    "cnp",
    "cui",
    "court",
    "decision",
    "decision_date",
    "offence",
    "penalty",
    "rehabilitated",
];

/// What identifies an entry: its subject (by keyed hash), court and decision number. Importing
/// the same decision again (say, now rehabilitated) replaces the entry instead of adding one.
fn entry_id(subject_key: &str, court: &str, decision: &str) -> String {
    let digest = Sha256::digest(format!("{subject_key}\n{court}\n{decision}").as_bytes());
    hex::encode(&digest[..16])
}

/// Validates one line of a records file. `subject_key` gives the keyed hash of a subject.
pub fn record_line(
    line: &Line,
    today: NaiveDate,
    subject_key: &dyn Fn(&RecordSubject) -> String,
) -> Result<(RecordSubject, RecordEntry), Vec<String>> {
    let mut problems = Vec::new();
    if let Some(unknown) = unknown_fields(line, RECORD_FIELDS) {
        problems.push(unknown);
    }
    let subject = subject(line, &mut problems);
    let court = text(line, "court", &mut problems);
    let decision = text(line, "decision", &mut problems);
    let offence = text(line, "offence", &mut problems);
    let penalty = text(line, "penalty", &mut problems);
    let decision_date = match line.fields.get("decision_date") {
        None => {
            problems.push("decision_date is missing".into());
            None
        }
        Some(d) => match NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d") {
            Ok(date) if date > today => {
                problems.push(format!("decision_date {date} is in the future"));
                None
            }
            Ok(date) => Some(date),
            Err(_) => {
                problems.push(format!(
                    "decision_date {d:?} is not a real date (YYYY-MM-DD)"
                ));
                None
            }
        },
    };
    let rehabilitated = match line
        .fields
        .get("rehabilitated")
        .map(|v| v.trim().to_ascii_lowercase())
        .as_deref()
    {
        None | Some("false" | "0" | "nu" | "no") => false,
        Some("true" | "1" | "da" | "yes") => true,
        Some(other) => {
            problems.push(format!(
                "rehabilitated must be true or false, not {other:?}"
            ));
            false
        }
    };
    match (subject, decision_date) {
        (Some(subject), Some(decision_date)) if problems.is_empty() => {
            let entry = RecordEntry {
                entry_id: entry_id(&subject_key(&subject), &court, &decision),
                court,
                decision,
                decision_date,
                offence,
                penalty,
                rehabilitated,
            };
            Ok((subject, entry))
        }
        _ => Err(problems),
    }
}

const COMPANY_FIELDS: &[&str] = &["cui", "name", "trade_register_number", "representatives"];

/// Validates one line of a companies file: `cui`, `name`, `trade_register_number` and
/// `representatives` (CNPs; a JSON array, or separated by `;` in CSV).
pub fn company_line(line: &Line) -> Result<Company, Vec<String>> {
    let mut problems = Vec::new();
    if let Some(unknown) = unknown_fields(line, COMPANY_FIELDS) {
        problems.push(unknown);
    }
    let cui = match line.fields.get("cui").map(|c| Cui::parse(c)) {
        Some(Ok(cui)) => Some(cui),
        Some(Err(e)) => {
            problems.push(format!("cui: {e}"));
            None
        }
        None => {
            problems.push("cui is missing".into());
            None
        }
    };
    let name = text(line, "name", &mut problems);
    let trade_register_number = text(line, "trade_register_number", &mut problems);
    let mut representatives = Vec::new();
    for (i, raw) in line
        .fields
        .get("representatives")
        .map(String::as_str)
        .unwrap_or("")
        .split([';', ','])
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .enumerate()
    {
        match Cnp::parse(raw) {
            Ok(cnp) if !representatives.contains(&cnp) => representatives.push(cnp),
            Ok(_) => {}
            Err(e) => problems.push(format!("representative {}: {e}", i + 1)),
        }
    }
    if representatives.is_empty() && !line.fields.contains_key("representatives") {
        problems.push("representatives is missing (at least one CNP)".into());
    }
    match cui {
        Some(cui) if problems.is_empty() => Ok(Company {
            cui,
            name,
            trade_register_number,
            representatives,
        }),
        _ => Err(problems),
    }
}

/// Validates every line; prints each bad one by number. Returns the good ones, or an error if
/// any was bad and `skip_invalid` is off (nothing is written then).
pub fn validate_all<T>(
    lines: Vec<Line>,
    read_errors: LineErrors,
    skip_invalid: bool,
    check: impl Fn(&Line) -> Result<T, Vec<String>>,
) -> Result<Vec<T>> {
    let total = lines.len() + read_errors.len();
    let mut good = Vec::new();
    let mut bad: Vec<(usize, String)> = read_errors;
    for line in &lines {
        match check(line) {
            Ok(value) => good.push(value),
            Err(problems) => bad.push((line.number, problems.join("; "))),
        }
    }
    bad.sort_by_key(|(n, _)| *n);
    for (number, problem) in &bad {
        eprintln!("line {number}: {problem}");
    }
    if !bad.is_empty() {
        if !skip_invalid {
            bail!(
                "{} bad line(s) of {}; nothing was written (fix them, or pass --skip-invalid to \
                 write the {} good ones)",
                bad.len(),
                total,
                good.len()
            );
        }
        let skipped: Vec<String> = bad.iter().map(|(n, _)| n.to_string()).collect();
        eprintln!("skipping line(s) {}", skipped.join(", "));
    }
    Ok(good)
}

pub fn progress(total: usize, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(&format!(
        "{{bar:40}} {{pos}}/{{len}} {what} ({{eta}} left)"
    )) {
        bar.set_style(style);
    }
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(fields: &[(&str, &str)]) -> Line {
        Line {
            number: 7,
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn key(s: &RecordSubject) -> String {
        format!("{s:?}")
    }

    const GOOD: &[(&str, &str)] = &[
        ("cnp", "1960229400018"),
        ("court", "Judecătoria Sectorului 1"),
        ("decision", "1234/2019"),
        ("decision_date", "2019-05-14"),
        ("offence", "furt"),
        ("penalty", "amendă"),
    ];

    #[test]
    fn a_good_line_and_its_stable_id() {
        let (_, a) = record_line(&line(GOOD), today(), &key).unwrap();
        let mut changed = GOOD.to_vec();
        changed.push(("rehabilitated", "true"));
        let (_, b) = record_line(&line(&changed), today(), &key).unwrap();
        assert_eq!(a.entry_id, b.entry_id, "the same decision keeps its id");
        assert!(b.rehabilitated && !a.rehabilitated);
    }

    #[test]
    fn every_problem_of_a_line_is_reported() {
        let bad = line(&[
            ("cnp", "1960229400019"),
            ("court", ""),
            ("decision_date", "2019-02-30"),
            ("offence", "x"),
            ("colour", "blue"),
        ]);
        let problems = record_line(&bad, today(), &key).unwrap_err();
        let text = problems.join("\n");
        for expected in [
            "unknown field(s): colour",
            "cnp:",
            "court is missing",
            "decision is missing",
            "not a real date",
            "penalty is missing",
        ] {
            assert!(text.contains(expected), "{expected} in {text}");
        }
    }

    #[test]
    fn future_decisions_and_odd_flags_are_refused() {
        let mut fields = GOOD.to_vec();
        fields[3] = ("decision_date", "2027-01-01");
        fields.push(("rehabilitated", "maybe"));
        let problems = record_line(&line(&fields), today(), &key).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn companies_need_a_valid_cui_and_representatives() {
        let problems = company_line(&line(&[("cui", "12345675"), ("name", "X SRL")])).unwrap_err();
        let text = problems.join("\n");
        assert!(text.contains("control digit"), "{text}");
        assert!(text.contains("trade_register_number is missing"), "{text}");
        assert!(text.contains("representatives is missing"), "{text}");
        let company = company_line(&line(&[
            ("cui", "RO12345674"),
            ("name", "Exemplu SRL"),
            ("trade_register_number", "J40/1/2020"),
            ("representatives", "1960229400018; 1960229400018"),
        ]))
        .unwrap();
        assert_eq!(company.cui.as_str(), "12345674");
        assert_eq!(company.representatives.len(), 1);
    }
}
