//! PAdES-B-LT: the validation material (certificates and CRLs) appended to a sealed
//! certificate as a Document Security Store (ISO 32000-2, 12.8.4.3; ETSI EN 319 142-1, 5.4),
//! in an incremental update that leaves the signed bytes as they are; and the check that what
//! follows a seal is such an update and nothing else.

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

/// Whether `appended` (what follows the signed revision `signed`) is only a DSS update as
/// [`append`] writes it: streams, one DSS dictionary, and the same catalog with `/DSS`, and an
/// xref section that points at exactly those objects. Any other change (a page, an annotation,
/// a form value, an xref entry pointing into a stream's bytes) after the seal is refused.
pub fn only_validation_material(signed: &[u8], appended: &[u8]) -> bool {
    let Some(body_end) = rfind(appended, b"\nxref\n") else {
        return false;
    };
    let Some(objects) = update_objects(signed, &appended[..body_end]) else {
        return false;
    };
    xref_points_at(
        &appended[body_end + 1..],
        &objects,
        signed.len(),
        body_end + 1,
    )
}

/// The objects of an update's body, by number and offset in it, if they are only what
/// [`append`] writes.
fn update_objects(signed: &[u8], body: &[u8]) -> Option<Vec<(u32, usize)>> {
    let original = object_body(signed, CATALOG)?;
    let offset_of = |part: &[u8]| part.as_ptr() as usize - body.as_ptr() as usize;
    let mut rest = body.trim_ascii();
    let mut objects = Vec::new();
    let mut saw_catalog = false;
    while !rest.is_empty() {
        let obj = find(rest, b" 0 obj")?;
        let number: u32 = std::str::from_utf8(rest[..obj].trim_ascii())
            .ok()?
            .parse()
            .ok()?;
        objects.push((number, offset_of(rest)));
        let body_start = obj + b" 0 obj".len();
        // A stream (one flat dictionary, then `stream`): its bytes may hold anything, so they
        // are skipped by their declared length.
        let first_close = body_start + find(&rest[body_start..], b">>")? + 2;
        let flat = rest[body_start..first_close].trim_ascii();
        let after = rest[first_close..].trim_ascii_start();
        let consumed = if after.starts_with(b"stream") && !flat[2..].windows(2).any(|w| w == b"<<")
        {
            let length = plain_length(flat)?;
            let data_start = rest.len() - after.len() + b"stream\n".len();
            let tail = rest.get(data_start + length..)?.trim_ascii_start();
            let after_stream = tail.strip_prefix(b"endstream")?.trim_ascii_start();
            if !after_stream.starts_with(b"endobj") {
                return None;
            }
            rest.len() - after_stream.len() + b"endobj".len()
        } else {
            let end = body_start + find(&rest[body_start..], b"endobj")?;
            let dict = rest[body_start..end].trim_ascii();
            let is_dss = number != CATALOG
                && dict.starts_with(b"<< /Type /DSS ")
                && !dict[2..].windows(2).any(|w| w == b"<<")
                && !dict.windows(6).any(|w| w == b"stream");
            let is_catalog = number == CATALOG && !saw_catalog && same_catalog(original, dict);
            if !is_dss && !is_catalog {
                return None;
            }
            saw_catalog |= is_catalog;
            end + b"endobj".len()
        };
        rest = rest[consumed..].trim_ascii();
    }
    saw_catalog.then_some(objects)
}

/// The update's xref section and trailer (`tail`, from `xref`): each entry in use is one of
/// `objects` at its very offset, the root is the catalog, `startxref` points here, and nothing
/// follows `%%EOF`.
fn xref_points_at(tail: &[u8], objects: &[(u32, usize)], base: usize, xref_at: usize) -> bool {
    let Ok(text) = std::str::from_utf8(tail) else {
        return false;
    };
    let Some((table, trailer)) = text.split_once("trailer") else {
        return false;
    };
    let mut lines = table.lines().map(str::trim).filter(|l| !l.is_empty());
    if lines.next() != Some("xref") {
        return false;
    }
    while let Some(header) = lines.next() {
        let numbers: Vec<u32> = header.split(' ').filter_map(|n| n.parse().ok()).collect();
        let [first, count] = numbers[..] else {
            return false;
        };
        for number in first..first.saturating_add(count) {
            let Some(entry) = lines.next() else {
                return false;
            };
            let fields: Vec<&str> = entry.split_ascii_whitespace().collect();
            let ok = match fields[..] {
                [_, _, "f"] => number == 0,
                [offset, "00000", "n"] => offset.parse::<usize>().is_ok_and(|offset| {
                    objects
                        .iter()
                        .any(|(n, at)| *n == number && base + at == offset)
                }),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    let Some((dict, end)) = trailer.split_once("startxref") else {
        return false;
    };
    let pointer = end.trim().strip_suffix("%%EOF").map(str::trim);
    dict.contains(&format!("/Root {CATALOG} 0 R"))
        && pointer.and_then(|p| p.parse::<usize>().ok()) == Some(base + xref_at)
}

/// `<< /Length n >>`, and nothing else (no filter, no reference to other objects).
fn plain_length(dict: &[u8]) -> Option<usize> {
    let inner = dict.strip_prefix(b"<<")?.strip_suffix(b">>")?.trim_ascii();
    let n = inner.strip_prefix(b"/Length")?.trim_ascii();
    std::str::from_utf8(n).ok()?.parse().ok()
}

/// The updated catalog is the signed one with `/DSS n 0 R` added at its end.
fn same_catalog(original: &[u8], updated: &[u8]) -> bool {
    let Some(close) = rfind(original, b">>") else {
        return false;
    };
    let Some(rest) = updated.strip_prefix(&original[..close]) else {
        return false;
    };
    let Some(reference) = rest
        .trim_ascii()
        .strip_prefix(b"/DSS")
        .and_then(|r| r.strip_suffix(b">>"))
    else {
        return false;
    };
    let parts: Vec<&str> = std::str::from_utf8(reference)
        .unwrap_or("")
        .split_ascii_whitespace()
        .collect();
    matches!(parts[..], [n, "0", "R"] if n.parse::<u32>().is_ok())
}
