//! The certificate document. A simple one-page layout for now: a standard PDF font, so letters
//! outside WinAnsi (ă ș ț) are written without their marks until the embedded font arrives.

use crate::domain::{CertificateNumber, Person, Purpose, RecordEntry};
use chrono::{DateTime, NaiveDate, Utc};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};
use unicode_normalization::UnicodeNormalization;

pub struct CertificateContent<'a> {
    pub number: &'a CertificateNumber,
    pub issued_at: DateTime<Utc>,
    pub valid_until: NaiveDate,
    pub issuing_unit: &'a str,
    pub person: &'a Person,
    pub purpose: Purpose,
    /// Entries to print (rehabilitated ones already left out).
    pub entries: &'a [RecordEntry],
}

/// Text for a WinAnsi-encoded standard font: Latin-1 letters kept (â î), others without their
/// marks (ă ș ț become a s t).
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .flat_map(|c| match c as u32 {
            0x20..=0x7E | 0xA0..=0xFF => vec![c as u8],
            _ => c
                .to_string()
                .nfd()
                .filter(|d| d.is_ascii() && !d.is_ascii_control())
                .map(|d| d as u8)
                .collect(),
        })
        .collect()
}

pub fn render(c: &CertificateContent<'_>) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let page = Ref::new(3);
    let font = Ref::new(4);
    let bold = Ref::new(5);
    let contents = Ref::new(6);
    let info = Ref::new(7);

    let mut lines: Vec<(bool, f32, String)> = vec![
        (true, 14.0, "ROMANIA - MINISTERUL AFACERILOR INTERNE".into()),
        (
            true,
            12.0,
            "Inspectoratul General al Politiei Romane".into(),
        ),
        (
            false,
            10.0,
            format!("Unitatea emitenta / Issuing unit: {}", c.issuing_unit),
        ),
        (false, 10.0, String::new()),
        (true, 16.0, "CERTIFICAT DE CAZIER JUDICIAR".into()),
        (false, 11.0, "Criminal record certificate".into()),
        (false, 10.0, String::new()),
        (
            false,
            10.0,
            format!(
                "Seria si numarul / Series and number: {}",
                c.number.as_str()
            ),
        ),
        (
            false,
            10.0,
            format!(
                "Data eliberarii / Date of issue: {}",
                crate::domain::bucharest_date(c.issued_at)
            ),
        ),
        (
            false,
            10.0,
            format!("Valabil pana la / Valid until: {}", c.valid_until),
        ),
        (false, 10.0, String::new()),
        (
            false,
            10.0,
            format!("Nume / Surname: {}", c.person.last_name.as_str()),
        ),
        (
            false,
            10.0,
            format!("Prenume / Given names: {}", c.person.first_name.as_str()),
        ),
    ];
    if let Some(f) = &c.person.father_first_name {
        lines.push((
            false,
            10.0,
            format!("Prenumele tatalui / Father's given name: {}", f.as_str()),
        ));
    }
    if let Some(m) = &c.person.mother_first_name {
        lines.push((
            false,
            10.0,
            format!("Prenumele mamei / Mother's given name: {}", m.as_str()),
        ));
    }
    lines.push((
        false,
        10.0,
        format!(
            "Data nasterii / Date of birth: {}",
            c.person.cnp.birth_date()
        ),
    ));
    if let Some(p) = &c.person.birth_place {
        lines.push((
            false,
            10.0,
            format!("Locul nasterii / Place of birth: {}", p.as_str()),
        ));
    }
    lines.push((
        false,
        10.0,
        format!("CNP / Personal numeric code: {}", c.person.cnp.as_string()),
    ));
    lines.push((
        false,
        10.0,
        format!(
            "Scopul / Purpose: {} / {}",
            c.purpose.label_ro(),
            c.purpose.label_en()
        ),
    ));
    lines.push((false, 10.0, String::new()));
    if c.entries.is_empty() {
        lines.push((true, 11.0, "NU ESTE CUNOSCUT CU ANTECEDENTE PENALE.".into()));
        lines.push((false, 10.0, "Has no entries in the criminal record.".into()));
    } else {
        lines.push((
            true,
            11.0,
            "ESTE CUNOSCUT CU URMATOARELE ANTECEDENTE PENALE:".into(),
        ));
        lines.push((
            false,
            10.0,
            "Has the following entries in the criminal record:".into(),
        ));
        for (i, e) in c.entries.iter().enumerate() {
            lines.push((
                false,
                9.0,
                format!(
                    "{}. {}, hot. nr. {} din {}: {}; pedeapsa / penalty: {}",
                    i + 1,
                    e.court,
                    e.decision,
                    e.decision_date,
                    e.offence,
                    e.penalty
                ),
            ));
        }
    }
    lines.push((false, 10.0, String::new()));
    lines.push((
        false,
        8.0,
        "Document semnat electronic. Verificati autenticitatea cu numarul certificatului si CNP-ul."
            .into(),
    ));
    lines.push((
        false,
        8.0,
        "Electronically signed. Check authenticity with the certificate number and the CNP.".into(),
    ));

    let mut content = Content::new();
    let mut y = 790.0;
    for (is_bold, size, text) in &lines {
        y -= size * 1.6;
        if text.is_empty() {
            continue;
        }
        content.begin_text();
        content.set_font(Name(if *is_bold { b"F2" } else { b"F1" }), *size);
        content.next_line(56.0, y);
        content.show(Str(&win_ansi(text)));
        content.end_text();
    }

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids([page]).count(1);
    let mut p = pdf.page(page);
    p.media_box(Rect::new(0.0, 0.0, 595.0, 842.0));
    p.parent(tree);
    p.contents(contents);
    let mut resources = p.resources();
    let mut fonts = resources.fonts();
    fonts.pair(Name(b"F1"), font);
    fonts.pair(Name(b"F2"), bold);
    fonts.finish();
    resources.finish();
    p.finish();
    for (id, base) in [(font, b"Helvetica".as_slice()), (bold, b"Helvetica-Bold")] {
        pdf.type1_font(id)
            .base_font(Name(base))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    pdf.stream(contents, &content.finish());
    pdf.document_info(info)
        .title(pdf_writer::TextStr(&format!(
            "Certificat de cazier judiciar {}",
            c.number.as_str()
        )))
        .producer(pdf_writer::TextStr("cazier"));
    pdf.finish()
}
