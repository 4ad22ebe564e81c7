//! The certificate document: A4, Romanian with every label also in English, DejaVu Sans
//! embedded as a subset, a QR code to the public verification page, and a PAdES signature
//! field whose `/Contents` is filled in once KMS has signed (see [`pades`]). (Over 400 lines:
//! the page's layout reads top to bottom as the certificate does.)

pub mod after_seal;
pub mod dss;
pub mod extract;
pub mod font;
pub mod pades;

use crate::domain::{CertificateNumber, Person, Purpose, RecordEntry};
use chrono::{DateTime, NaiveDate, Utc};
use font::FontUse;
use pdf_writer::types::{
    ActionType, AnnotationFlags, AnnotationType, FieldType, SigFlags, TextRenderingMode,
};
use pdf_writer::{Content, Date, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use unicode_normalization::UnicodeNormalization;

pub use pades::{PreparedPdf, RenderError};

/// Who the certificate is about.
pub enum Holder<'a> {
    Person(&'a Person),
    Company(&'a CompanyHolder),
}

/// A legal person as printed on its certificate.
pub struct CompanyHolder {
    pub name: String,
    pub cui: String,
    pub trade_register_number: String,
}

pub struct CertificateContent<'a> {
    pub number: &'a CertificateNumber,
    pub issued_at: DateTime<Utc>,
    pub valid_until: NaiveDate,
    pub issuing_unit: &'a str,
    pub holder: Holder<'a>,
    pub purpose: Purpose,
    /// Entries to print (rehabilitated ones already left out).
    pub entries: &'a [RecordEntry],
    /// The public verification page for this certificate, printed under the QR code.
    pub verification_url: &'a str,
    /// What the QR code holds: the verification URL and, after `#`, the signed statement
    /// (`crate::statement`), which a verifier checks offline.
    pub qr_text: &'a str,
}

const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 56.0;
const BOTTOM: f32 = 70.0;
const VALUE_X: f32 = 250.0;
const GREY: f32 = 0.35;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Regular,
    /// The regular face, filled and stroked.
    Bold,
}

/// Romanian dates are written day first.
fn ro_date(date: NaiveDate) -> String {
    date.format("%d.%m.%Y").to_string()
}

/// Lays text out top to bottom, starting new pages as needed.
struct Layout {
    pages: Vec<Content>,
    content: Content,
    y: f32,
    font: FontUse,
    qr: Option<QrImage>,
}

/// The QR code's modules, one bit each, rows padded to whole bytes.
struct QrImage {
    width: usize,
    bits: Vec<u8>,
}

/// The QR image's name in the first page's resources.
const QR_IMAGE: &[u8] = b"QR";

impl Layout {
    fn new() -> Self {
        Self {
            pages: Vec::new(),
            content: Content::new(),
            y: PAGE_HEIGHT - MARGIN,
            font: FontUse::new(),
            qr: None,
        }
    }

    fn ensure_room(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            let full = std::mem::replace(&mut self.content, Content::new());
            self.pages.push(full);
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    fn show(&mut self, style: Style, size: f32, grey: bool, x: f32, y: f32, text: &str) {
        let text: String = text.nfc().collect();
        let encoded = self.font.encode(&text);
        let content = &mut self.content;
        content.begin_text();
        if grey {
            content.set_fill_gray(GREY);
        }
        if style == Style::Bold {
            content.set_text_rendering_mode(TextRenderingMode::FillStroke);
            content.set_line_width(size * 0.035);
        }
        content.set_font(Name(b"F1"), size);
        content.next_line(x, y);
        content.show(Str(&encoded));
        if style == Style::Bold {
            content.set_text_rendering_mode(TextRenderingMode::Fill);
        }
        if grey {
            content.set_fill_gray(0.0);
        }
        content.end_text();
    }

    /// Splits `text` into lines no wider than `width`, at spaces where possible.
    fn wrap(&self, size: f32, width: f32, text: &str) -> Vec<String> {
        let face = font::Face::get();
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if face.width(&candidate, size) <= width || line.is_empty() {
                line = candidate;
            } else {
                lines.push(std::mem::replace(&mut line, word.to_owned()));
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// A paragraph at the left margin.
    fn paragraph(&mut self, style: Style, size: f32, grey: bool, text: &str) {
        for line in self.wrap(size, PAGE_WIDTH - 2.0 * MARGIN, text) {
            self.ensure_room(size * 1.35);
            self.y -= size * 1.35;
            self.show(style, size, grey, MARGIN, self.y, &line);
        }
    }

    /// A field: the Romanian label in bold with the English one beneath, the value beside.
    fn field(&mut self, label_ro: &str, label_en: &str, value: &str) {
        let value_lines = self.wrap(10.0, PAGE_WIDTH - MARGIN - VALUE_X, value);
        let height = (value_lines.len() as f32 * 13.0).max(24.0) + 4.0;
        self.ensure_room(height);
        let top = self.y;
        self.show(Style::Bold, 9.0, false, MARGIN, top - 10.0, label_ro);
        self.show(Style::Regular, 8.0, true, MARGIN, top - 20.0, label_en);
        for (i, line) in value_lines.iter().enumerate() {
            self.show(
                Style::Regular,
                10.0,
                false,
                VALUE_X,
                top - 10.0 - 13.0 * i as f32,
                line,
            );
        }
        self.y = top - height;
    }

    /// The issuer's heading and the document's title, Romanian with English beneath.
    fn letterhead(&mut self, issuing_unit: &str, title_ro: &str, title_en: &str) {
        self.paragraph(Style::Bold, 11.0, false, "ROMÂNIA");
        self.paragraph(Style::Bold, 11.0, false, "MINISTERUL AFACERILOR INTERNE");
        self.paragraph(
            Style::Regular,
            8.0,
            true,
            "Romania, Ministry of Internal Affairs",
        );
        self.paragraph(Style::Regular, 10.0, false, issuing_unit);
        self.paragraph(Style::Regular, 8.0, true, "Issuing authority");
        self.gap(22.0);
        self.paragraph(Style::Bold, 17.0, false, title_ro);
        self.paragraph(Style::Regular, 11.0, true, title_en);
    }

    /// A sentence in Romanian (`size`, `style`), the English in grey beneath, smaller down to
    /// 8 points.
    fn bilingual(&mut self, style: Style, size: f32, ro: &str, en: &str) {
        self.paragraph(style, size, false, ro);
        self.paragraph(Style::Regular, (size - 2.0).max(8.0), true, en);
    }

    /// The `n`th entry of the record: court, decision (its date written day first), offence,
    /// penalty.
    fn entry(
        &mut self,
        n: usize,
        court: &str,
        decision: &str,
        date: &str,
        offence: &str,
        penalty: &str,
    ) {
        self.gap(6.0);
        self.paragraph(Style::Bold, 10.0, false, &format!("{n}."));
        self.field("Instanța", "Court", court);
        self.field(
            "Hotărârea nr. / din",
            "Decision no. / of",
            &format!("{decision} / {date}"),
        );
        self.field("Infracțiunea", "Offence", offence);
        self.field("Pedeapsa", "Penalty", penalty);
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    fn rule(&mut self) {
        self.gap(6.0);
        self.content
            .set_line_width(0.5)
            .move_to(MARGIN, self.y)
            .line_to(PAGE_WIDTH - MARGIN, self.y)
            .stroke();
        self.gap(4.0);
    }

    /// The QR code as a 1-bit image, `size` points wide with its quiet zone, top-left at
    /// (x, y): a few hundred bytes, where a version-13 code drawn as squares took 5 KB.
    fn qr(&mut self, text: &str, x: f32, y: f32, size: f32) {
        // fast_qr: it chooses the mask as qrcode did (ISO/IEC 18004 penalty rules) in a fifth
        // of the time; the choice was a third of a certificate's render time.
        let Ok(code) = fast_qr::QRBuilder::new(text).ecl(fast_qr::ECL::M).build() else {
            return; // only an impossibly long text fails; the number is printed anyway
        };
        let modules = code.size;
        // Each module as SCALE × SCALE pixels: a rasteriser then shades the modules' edges as
        // it does a drawn square's, which scanners read at 150 dpi; one pixel per module it
        // samples them unevenly (2 or 3 pixels each) and zbar misses the code.
        const SCALE: usize = 4;
        let width = modules * SCALE;
        let row_bytes = width.div_ceil(8);
        // DeviceGray, one bit: 0 is black (a dark module), 1 white.
        let mut bits = vec![0xFF; row_bytes * width];
        for (module_row, rows) in bits.chunks_exact_mut(row_bytes * SCALE).enumerate() {
            let (first, copies) = rows.split_at_mut(row_bytes);
            for (col, module) in code[module_row].iter().enumerate().take(modules) {
                if module.value() {
                    for x in col * SCALE..(col + 1) * SCALE {
                        first[x / 8] &= !(0x80 >> (x % 8));
                    }
                }
            }
            for copy in copies.chunks_exact_mut(row_bytes) {
                copy.copy_from_slice(first);
            }
        }
        // The quiet zone ISO/IEC 18004 asks for: four modules of white around the code.
        let quiet = 4.0;
        let cell = size / (modules as f32 + 2.0 * quiet);
        let side = modules as f32 * cell;
        self.content.save_state();
        self.content.transform([
            side,
            0.0,
            0.0,
            side,
            x + quiet * cell,
            y - quiet * cell - side,
        ]);
        self.content.x_object(Name(QR_IMAGE));
        self.content.restore_state();
        self.qr = Some(QrImage { width, bits });
    }

    fn finish(mut self) -> (Vec<Content>, FontUse, Option<QrImage>) {
        self.pages.push(self.content);
        (self.pages, self.font, self.qr)
    }
}

/// The QR code's square, top right of the first page (also the link over it).
const QR_SIZE: f32 = 96.0;
const QR_LEFT: f32 = PAGE_WIDTH - MARGIN - QR_SIZE + 8.0;
const QR_TOP: f32 = PAGE_HEIGHT - MARGIN + 8.0;

fn lay_out(c: &CertificateContent<'_>) -> Layout {
    let mut l = Layout::new();
    l.qr(c.qr_text, QR_LEFT, QR_TOP, QR_SIZE);

    l.letterhead(
        c.issuing_unit,
        "CERTIFICAT DE CAZIER JUDICIAR",
        "CRIMINAL RECORD CERTIFICATE",
    );
    l.gap(8.0);
    l.rule();

    l.field("Seria și numărul", "Series and number", c.number.as_str());
    l.field(
        "Data eliberării",
        "Date of issue",
        &ro_date(crate::domain::bucharest_date(c.issued_at)),
    );
    l.field("Valabil până la", "Valid until", &ro_date(c.valid_until));
    l.rule();
    match &c.holder {
        Holder::Person(p) => {
            l.field("Nume", "Surname", p.last_name.as_str());
            l.field("Prenume", "Given names", p.first_name.as_str());
            let parents = match (&p.father_first_name, &p.mother_first_name) {
                (Some(f), Some(m)) => format!("{} și / and {}", f.as_str(), m.as_str()),
                (Some(one), None) | (None, Some(one)) => one.as_str().to_owned(),
                (None, None) => "—".to_owned(),
            };
            // No identity evidence proves the parents' names or the place of birth (the CNP
            // proves the date): the certificate says they are the holder's declaration.
            l.field(
                "Prenumele părinților (declarate)",
                "Parents' given names (as declared)",
                &parents,
            );
            l.field(
                "Data nașterii",
                "Date of birth",
                &ro_date(p.cnp.birth_date()),
            );
            if let Some(place) = &p.birth_place {
                l.field(
                    "Locul nașterii (declarat)",
                    "Place of birth (as declared)",
                    place.as_str(),
                );
            }
            l.field("CNP", "Personal numeric code", &p.cnp.as_string());
        }
        Holder::Company(company) => {
            l.field("Denumirea", "Company name", &company.name);
            l.field("CUI", "Fiscal identification code", &company.cui);
            l.field(
                "Nr. de ordine în registrul comerțului",
                "Trade register number",
                &company.trade_register_number,
            );
        }
    }
    l.field(
        "Scopul",
        "Purpose",
        &format!("{} / {}", c.purpose.label_ro(), c.purpose.label_en()),
    );
    l.rule();
    l.gap(6.0);

    let (subject_ro, subject_en) = match c.holder {
        Holder::Person(_) => ("Persoana", "The person"),
        Holder::Company(_) => ("Persoana juridică", "The legal person"),
    };
    if c.entries.is_empty() {
        l.paragraph(
            Style::Bold,
            11.0,
            false,
            &format!("{subject_ro} NU ESTE ÎNSCRISĂ în cazierul judiciar."),
        );
        l.paragraph(
            Style::Regular,
            9.0,
            true,
            &format!("{subject_en} has no entries in the criminal record."),
        );
    } else {
        l.paragraph(
            Style::Bold,
            11.0,
            false,
            &format!("{subject_ro} ESTE ÎNSCRISĂ în cazierul judiciar cu următoarele mențiuni:"),
        );
        l.paragraph(
            Style::Regular,
            9.0,
            true,
            &format!("{subject_en} has the following entries in the criminal record:"),
        );
        for (i, e) in c.entries.iter().enumerate() {
            let date = ro_date(e.decision_date);
            l.entry(i + 1, &e.court, &e.decision, &date, &e.offence, &e.penalty);
        }
    }

    l.gap(18.0);
    l.paragraph(
        Style::Regular,
        8.0,
        false,
        "Document semnat electronic cu sigiliul electronic al emitentului. Autenticitatea se \
         verifică scanând codul QR, la adresa de mai jos, sau offline, cu certificatele publicate \
         la /v1/trust/certificates.",
    );
    l.paragraph(
        Style::Regular,
        8.0,
        true,
        "Electronically sealed by the issuing authority. Check it by scanning the QR code, at the \
         address below, or offline with the certificates published at /v1/trust/certificates.",
    );
    l.paragraph(Style::Regular, 8.0, false, c.verification_url);
    l
}

/// Parses the font and builds the common letters' subset now, during a cold start's init (which
/// has a full CPU), instead of in the first certificate's render (about 2 ms).
pub fn prepare_fonts() {
    font::prepare();
}

/// Renders the certificate with an empty signature of `signature_capacity` bytes, ready for
/// [`PreparedPdf::digest`] and [`PreparedPdf::embed`].
pub fn render(
    c: &CertificateContent<'_>,
    signature_capacity: usize,
) -> Result<PreparedPdf, RenderError> {
    let title = format!("Certificat de cazier judiciar {}", c.number.as_str());
    let about = About {
        title: &title,
        number: c.number.as_str(),
        issued_at: c.issued_at,
        issuing_unit: c.issuing_unit,
        link: Some(c.qr_text),
        catalog: &[],
    };
    assemble(lay_out(c), &about, signature_capacity)
}

/// What the document's metadata and seal say, whatever its pages.
struct About<'a> {
    title: &'a str,
    number: &'a str,
    issued_at: DateTime<Utc>,
    issuing_unit: &'a str,
    /// The QR code's text, a link over it on screen (documents without a QR code: none).
    link: Option<&'a str>,
    /// More entries of the document catalog, inside the signed bytes. Not of the document
    /// information: PDF validators allow a later revision to change that (pyHanko judges
    /// such an update "acceptable"), and a reader takes its latest revision's.
    catalog: &'a [(&'a [u8], &'a str)],
}

/// The pages laid out, with the font subset, the QR image, the invisible seal field and the
/// document's information around them.
fn assemble(
    layout: Layout,
    about: &About<'_>,
    signature_capacity: usize,
) -> Result<PreparedPdf, RenderError> {
    let (pages, font, qr) = layout.finish();
    let title = about.title;

    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    let signature = Ref::new(4);
    let field = Ref::new(5);
    let qr_link = Ref::new(6);
    let qr_image = Ref::new(7);
    let font_id = Ref::new(10);
    let first_page = 30;
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(first_page + 2 * i as i32))
        .collect();

    let mut pdf = Pdf::new();
    let mut cat = pdf.catalog(catalog);
    cat.pages(tree);
    cat.pair(Name(b"Lang"), TextStr("ro-RO"));
    cat.form()
        .fields([field])
        .sig_flags(SigFlags::SIGNATURES_EXIST | SigFlags::APPEND_ONLY);
    for (key, value) in about.catalog {
        cat.pair(Name(key), Str(value.as_bytes()));
    }
    cat.finish();
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);

    for (i, (content, page_id)) in pages.into_iter().zip(&page_ids).enumerate() {
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT));
        page.parent(tree);
        page.contents(content_id);
        if i == 0 && about.link.is_some() {
            page.annotations([field, qr_link]);
        } else if i == 0 {
            page.annotations([field]);
        }
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), font_id);
        fonts.finish();
        if i == 0 && qr.is_some() {
            resources.x_objects().pair(Name(QR_IMAGE), qr_image);
        }
        resources.finish();
        page.finish();
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&content.finish(), 6);
        pdf.stream(content_id, &compressed)
            .filter(Filter::FlateDecode);
    }
    font.write(&mut pdf, font_id)?;
    if let Some(qr) = &qr {
        // Long runs of equal bytes: the fastest level compresses them as well.
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&qr.bits, 1);
        let side = i32::try_from(qr.width).unwrap_or(i32::MAX);
        let mut image = pdf.image_xobject(qr_image, &compressed);
        image.filter(Filter::FlateDecode);
        image.width(side);
        image.height(side);
        image.color_space().device_gray();
        image.bits_per_component(1);
        image.interpolate(false);
        image.finish();
    }

    // The invisible signature field of the seal, locked once signed.
    let mut annotation = pdf.form_field(field);
    annotation
        .field_type(FieldType::Signature)
        .partial_name(TextStr("Sigiliu"))
        .pair(Name(b"V"), signature);
    let mut annotation = annotation.into_annotation();
    annotation
        .rect(Rect::new(0.0, 0.0, 0.0, 0.0))
        .flags(AnnotationFlags::PRINT | AnnotationFlags::LOCKED)
        .page(page_ids[0]);
    annotation.finish();

    // On screen the QR code is a link: its text (the statement included) opens the page.
    if let Some(text) = about.link {
        let mut link = pdf.annotation(qr_link);
        link.subtype(AnnotationType::Link)
            .rect(Rect::new(
                QR_LEFT,
                QR_TOP - QR_SIZE,
                QR_LEFT + QR_SIZE,
                QR_TOP,
            ))
            .contents(TextStr("Verificare / Verification"))
            .border(0.0, 0.0, 0.0, None)
            .flags(AnnotationFlags::PRINT)
            .page(page_ids[0]);
        link.action()
            .action_type(ActionType::Uri)
            .uri(Str(text.as_bytes()));
        link.finish();
    }

    let at = about.issued_at;
    let mut sig = pdf.indirect(signature).dict();
    sig.pair(Name(b"Type"), Name(b"Sig"));
    sig.pair(Name(b"Filter"), Name(b"Adobe.PPKLite"));
    sig.pair(Name(b"SubFilter"), Name(b"ETSI.CAdES.detached"));
    sig.insert(Name(b"ByteRange"))
        .array()
        .items(pades::BYTE_RANGE_PLACEHOLDER);
    sig.pair(
        Name(b"Contents"),
        Str(&vec![pades::CONTENTS_FILL; signature_capacity]),
    );
    sig.pair(Name(b"M"), pdf_date(at));
    sig.pair(Name(b"Name"), TextStr(about.issuing_unit));
    sig.pair(Name(b"Reason"), TextStr(title));
    sig.pair(Name(b"Location"), TextStr("România"));
    sig.finish();

    let mut doc_info = pdf.document_info(info);
    doc_info
        .title(TextStr(title))
        .author(TextStr(about.issuing_unit))
        .producer(TextStr("cazier"))
        .creation_date(pdf_date(at));
    // Found by document verification inside the signed bytes.
    doc_info.pair(Name(pades::NUMBER_KEY), Str(about.number.as_bytes()));
    doc_info.finish();

    PreparedPdf::new(pdf.finish(), signature_capacity)
}

fn pdf_date(at: DateTime<Utc>) -> Date {
    use chrono::{Datelike, Timelike};
    Date::new(at.year() as u16)
        .month(at.month() as u8)
        .day(at.day() as u8)
        .hour(at.hour() as u8)
        .minute(at.minute() as u8)
        .second(at.second() as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}
