//! The extract an organisation pulls under a holder's consent, as a PDF sealed like a
//! certificate (PAdES): the same claims as its JWS, laid out in Romanian with English beneath,
//! and the JWS itself inside the signed bytes (the document catalog's `CazierExtract`: a later
//! revision that changes the catalog is refused by PDF validators, one that changes the
//! document information is not), so that `cazier-verify` checks both offline.
//! No QR code: an extract is no certificate anyone checks by its number at the portal.

use super::{assemble, ro_date, About, Layout, PreparedPdf, RenderError, Style};
use crate::domain::Purpose;
use crate::extract::ExtractClaims;
use chrono::{DateTime, NaiveDate, Utc};

/// The document catalog's key holding the sealed JWS.
pub const EXTRACT_KEY: &[u8] = b"CazierExtract";

pub struct ExtractDocument<'a> {
    pub claims: &'a ExtractClaims,
    /// The same claims as a sealed JWS (`crate::extract::seal`).
    pub sealed: &'a str,
    pub purpose: Purpose,
    pub issued_at: DateTime<Utc>,
    pub issuing_unit: &'a str,
    /// The portal's address: its document check (`/verificare`) and the trust file
    /// (`/v1/trust/certificates`), printed in full.
    pub portal: &'a str,
}

/// Renders the extract with an empty signature of `signature_capacity` bytes.
pub fn render_extract(
    e: &ExtractDocument<'_>,
    signature_capacity: usize,
) -> Result<PreparedPdf, RenderError> {
    let title = format!("Extras din cazierul judiciar {}", e.claims.number);
    let about = About {
        title: &title,
        number: &e.claims.number,
        issued_at: e.issued_at,
        issuing_unit: e.issuing_unit,
        link: None,
        catalog: &[(EXTRACT_KEY, e.sealed)],
    };
    assemble(lay_out(e), &about, signature_capacity)
}

/// A date of the claims (`YYYY-MM-DD`) written day first.
fn day(text: &str) -> String {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_or_else(|_| text.to_owned(), ro_date)
}

fn lay_out(e: &ExtractDocument<'_>) -> Layout {
    let c = e.claims;
    let mut l = Layout::new();
    l.letterhead(
        e.issuing_unit,
        "EXTRAS DIN CAZIERUL JUDICIAR",
        "CRIMINAL RECORD EXTRACT",
    );
    l.bilingual(
        Style::Regular,
        9.0,
        "eliberat cu acordul persoanei (Legea nr. 290/2004, art. 20 alin. (7))",
        "issued with the person's consent (Law 290/2004, article 20(7))",
    );
    l.gap(6.0);
    // What it is not, before anything else: a second employer or a border officer shown it
    // must not take it for a certificate.
    l.bilingual(
        Style::Bold,
        10.0,
        "Nu ține loc de certificat de cazier judiciar. Arată situația din cazier la data \
         eliberării, numai pentru organizația și scopul de mai jos.",
        "Not a criminal record certificate. It shows the record as it stood on the date of \
         issue, for the organisation and purpose below only.",
    );
    l.gap(8.0);
    l.rule();
    l.field("Numărul", "Number", &c.number);
    l.field(
        "Data eliberării",
        "Date of issue",
        &ro_date(crate::domain::bucharest_date(e.issued_at)),
    );
    l.field(
        "Răspuns valabil până la",
        "Answer valid until",
        &day(&c.valid_until),
    );
    l.rule();
    l.field("Numele", "Name", &c.holder_name);
    l.field("Data nașterii", "Date of birth", &day(&c.holder_birth_date));
    l.rule();
    l.field(
        "Eliberat către",
        "Issued to",
        &format!("{} (CUI {})", c.organisation.name, c.organisation.cui),
    );
    l.field(
        "Scopul",
        "Purpose",
        &format!("{} / {}", e.purpose.label_ro(), e.purpose.label_en()),
    );
    l.field("Acordul nr.", "Consent no.", &c.consent);
    let entries_shown = c.level == "CERTIFICATE";
    l.field(
        "Conținutul",
        "Content",
        if entries_shown {
            "Mențiunile din cazier / The entries in the record"
        } else {
            "Doar dacă există mențiuni / Whether there are entries, no more"
        },
    );
    l.rule();
    l.gap(6.0);
    let (ro, en) = match (c.has_entries, entries_shown) {
        (false, _) => (
            "Persoana NU ESTE ÎNSCRISĂ în cazierul judiciar.",
            "The person has no entries in the criminal record.",
        ),
        (true, false) => (
            "Persoana ESTE ÎNSCRISĂ în cazierul judiciar. Scopul nu îndreptățește la mențiuni.",
            "The person has entries in the criminal record. The purpose does not entitle to them.",
        ),
        (true, true) => (
            "Persoana ESTE ÎNSCRISĂ în cazierul judiciar cu următoarele mențiuni:",
            "The person has the following entries in the criminal record:",
        ),
    };
    l.bilingual(Style::Bold, 11.0, ro, en);
    if entries_shown {
        for (i, entry) in c.entries.iter().enumerate() {
            let date = day(&entry.decision_date);
            l.entry(
                i + 1,
                &entry.court,
                &entry.decision,
                &date,
                &entry.offence,
                &entry.penalty,
            );
        }
    }
    l.gap(18.0);
    let portal = e.portal.trim_end_matches('/');
    l.bilingual(
        Style::Regular,
        8.0,
        &format!(
            "Document semnat electronic cu sigiliul electronic al emitentului, pentru organizația \
             numită mai sus. Autenticitatea se verifică încărcând fișierul la {portal}/verificare \
             sau offline, cu certificatele publicate la {portal}/v1/trust/certificates. Persoana \
             vede fiecare extras eliberat în numele ei."
        ),
        &format!(
            "Electronically sealed by the issuing authority, for the organisation named above. \
             Check it by uploading the file at {portal}/verificare or offline with the \
             certificates published at {portal}/v1/trust/certificates. The person sees every \
             extract issued about them."
        ),
    );
    l
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::{ExtractEntry, ExtractOrganisation};

    fn claims(level: &str, entries: Vec<ExtractEntry>) -> ExtractClaims {
        ExtractClaims {
            number: "EX-2026-0123456789AB".into(),
            issued_at: "2026-12-07T10:00:00Z".into(),
            organisation: ExtractOrganisation {
                cui: "14399840".into(),
                name: "Școala Gimnazială nr. 5 Brăila".into(),
            },
            purpose: "ANGAJARE".into(),
            level: level.into(),
            consent: "c-1".into(),
            holder_name: "Ștefănescu Ana-Maria".into(),
            holder_birth_date: "1990-04-02".into(),
            valid_until: "2027-06-07".into(),
            has_entries: !entries.is_empty(),
            entries,
        }
    }

    fn text_of(claims: &ExtractClaims) -> Vec<u8> {
        let document = ExtractDocument {
            claims,
            sealed: "eyJhbGciOiJFUzI1NiJ9.e30.c2ln",
            purpose: Purpose::Angajare,
            issued_at: "2026-12-07T10:00:00Z".parse().unwrap(),
            issuing_unit: "Inspectoratul General al Poliției Române",
            portal: "https://cazier.test",
        };
        render_extract(&document, 8192).unwrap().embed(&[]).unwrap()
    }

    #[test]
    fn an_extract_renders_with_its_number_and_a_seal_field() {
        let entry = ExtractEntry {
            court: "Judecătoria Brăila".into(),
            decision: "123/2020".into(),
            decision_date: "2020-03-01".into(),
            offence: "furt".into(),
            penalty: "amendă".into(),
        };
        for claims in [
            claims("STATUS", vec![]),
            claims("STATUS", vec![entry.clone()]),
            claims("CERTIFICATE", vec![entry.clone(); 40]),
        ] {
            let pdf = text_of(&claims);
            let text = String::from_utf8_lossy(&pdf);
            assert!(text.starts_with("%PDF-"));
            let signed = crate::pdf::pades::read_signed(&pdf).unwrap();
            assert_eq!(signed.number.as_deref(), Some("EX-2026-0123456789AB"));
            assert!(signed.covers_whole_file);
            assert!(text.contains("/SubFilter /ETSI.CAdES.detached"));
            assert!(!text.contains("/URI"), "no link: an extract has no QR code");
            assert!(text.contains("/CazierExtract (eyJhbGciOiJFUzI1NiJ9.e30.c2ln)"));
        }
    }
}
