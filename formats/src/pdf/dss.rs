//! PAdES-B-LT: the validation material (certificates and CRLs) appended to a sealed
//! certificate as a Document Security Store (ISO 32000-2, 12.8.4.3; ETSI EN 319 142-1, 5.4),
//! in an incremental update that leaves the signed bytes as they are (`after_seal` checks that
//! what follows a seal is such an update and nothing else).

use super::pades::RenderError;

/// What a verifier needs, besides its trust anchors, to validate the seal and its timestamp
/// without calling anyone: certificates and CRLs, DER.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationMaterial {
    pub certificates: Vec<Vec<u8>>,
    pub crls: Vec<Vec<u8>>,
}

/// The catalog's object number in the documents we render (`pdf::render`).
const CATALOG: u32 = 1;

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(haystack, needle)
}

/// The dictionary of object `number` (between its `obj` and `endobj`), trimmed.
fn object_body(pdf: &[u8], number: u32) -> Option<&[u8]> {
    let header = format!("\n{number} 0 obj");
    let start = find(pdf, header.as_bytes())? + header.len();
    let end = start + find(&pdf[start..], b"endobj")?;
    Some(pdf[start..end].trim_ascii())
}

/// The value after `key` in the last trailer, up to the next `/` or `>>`.
fn trailer_value<'a>(trailer: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let at = find(trailer, key)? + key.len();
    let rest = &trailer[at..];
    let end = rest
        .iter()
        .enumerate()
        .skip(1)
        .find(|(i, b)| **b == b'/' || (**b == b'>' && rest.get(i + 1) == Some(&b'>')))
        .map_or(rest.len(), |(i, _)| i);
    Some(rest[..end].trim_ascii())
}

/// `pdf` (a sealed certificate as rendered and signed here) with `material` appended in a DSS.
pub fn append(mut pdf: Vec<u8>, material: &ValidationMaterial) -> Result<Vec<u8>, RenderError> {
    let bad = || RenderError::Placeholder;
    let startxref = rfind(&pdf, b"startxref").ok_or_else(bad)?;
    let prev: usize = std::str::from_utf8(&pdf[startxref + 9..])
        .ok()
        .and_then(|s| s.split_ascii_whitespace().next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(bad)?;
    let trailer_at = rfind(&pdf[..startxref], b"trailer").ok_or_else(bad)?;
    let trailer = pdf[trailer_at..startxref].to_vec();
    let size: u32 = trailer_value(&trailer, b"/Size")
        .and_then(|v| std::str::from_utf8(v).ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(bad)?;
    let catalog = object_body(&pdf, CATALOG).ok_or_else(bad)?;
    let close = rfind(catalog, b">>").ok_or_else(bad)?;
    let catalog_open = catalog[..close].to_vec();

    if !pdf.ends_with(b"\n") {
        pdf.push(b'\n');
    }
    let mut offsets = Vec::new();
    let mut next = size;
    let mut stream_refs = |pdf: &mut Vec<u8>, items: &[Vec<u8>]| {
        let mut refs = String::new();
        for der in items {
            offsets.push(pdf.len());
            pdf.extend_from_slice(
                format!("{next} 0 obj\n<< /Length {} >>\nstream\n", der.len()).as_bytes(),
            );
            pdf.extend_from_slice(der);
            pdf.extend_from_slice(b"\nendstream\nendobj\n");
            refs.push_str(&format!("{next} 0 R "));
            next += 1;
        }
        refs
    };
    let certs = stream_refs(&mut pdf, &material.certificates);
    let crls = stream_refs(&mut pdf, &material.crls);
    let dss = next;
    offsets.push(pdf.len());
    pdf.extend_from_slice(
        format!(
            "{dss} 0 obj\n<< /Type /DSS /Certs [{}] /CRLs [{}] >>\nendobj\n",
            certs.trim_end(),
            crls.trim_end()
        )
        .as_bytes(),
    );
    let catalog_offset = pdf.len();
    pdf.extend_from_slice(format!("{CATALOG} 0 obj\n").as_bytes());
    pdf.extend_from_slice(&catalog_open);
    pdf.extend_from_slice(format!(" /DSS {dss} 0 R >>\nendobj\n").as_bytes());

    let xref = pdf.len();
    let mut table = format!(
        "xref\n0 1\n0000000000 65535 f\r\n{CATALOG} 1\n{catalog_offset:010} 00000 n\r\n{size} {}\n",
        offsets.len()
    );
    for offset in &offsets {
        table.push_str(&format!("{offset:010} 00000 n\r\n"));
    }
    let mut new_trailer = format!("trailer\n<< /Size {} /Prev {prev}", dss + 1);
    for key in [&b"/Root"[..], b"/Info", b"/ID"] {
        if let Some(value) = trailer_value(&trailer, key) {
            new_trailer.push(' ');
            new_trailer.push_str(&String::from_utf8_lossy(key));
            new_trailer.push(' ');
            new_trailer.push_str(&String::from_utf8_lossy(value));
        }
    }
    new_trailer.push_str(&format!(" >>\nstartxref\n{xref}\n%%EOF\n"));
    pdf.extend_from_slice(table.as_bytes());
    pdf.extend_from_slice(new_trailer.as_bytes());
    Ok(pdf)
}

/// Whether `appended` (what follows the signed revision `signed`) is only the DSS update that
/// [`append`] writes ([`super::after_seal::check`] says why not).
pub fn only_validation_material(signed: &[u8], appended: &[u8]) -> bool {
    super::after_seal::check(signed, appended).is_ok()
}
