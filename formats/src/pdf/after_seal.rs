//! What may follow a seal: exactly the validation material the issuing pipeline appends
//! (`dss::append`), and nothing else. pyHanko's difference analysis is the model (a whitelist
//! of what an update after a signature may do); ours is narrower, since we know the one update
//! our pipeline makes:
//! - one incremental update, then nothing but an end of line;
//! - new object numbers only (at or above the signed revision's `/Size`), except the catalog,
//!   which may differ from the signed one by `/DSS` alone;
//! - one DSS dictionary, `<< /Type /DSS /Certs [...] /CRLs [...] >>`; every other new object a
//!   plain stream (`<< /Length n >>`: no filter, no object stream) that the DSS names exactly
//!   once and that parses as what its place says (a DER certificate, a DER CRL);
//! - a classic xref table whose entries are exactly those objects at their very offsets (no
//!   free entry but object 0), and a trailer that continues the signed one (`/Prev`, `/Root`,
//!   `/Info`, `/ID` as they were, `/Size` one past the last object) and nothing more.
//!
//! A redefined page, font, ToUnicode map, image, annotation, form or action, an object
//! nobody references, a second update, an xref stream, a `/Prev` that loops: each refused, with
//! the reason.
//! (Over 400 lines on purpose: one strict reader of what may follow a seal, rule by rule, with
//! a test for each; the whitelist and its reader belong together.)

use der::Decode;

/// Why the bytes after a seal are not only its validation material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AfterSeal {
    #[error("the signed revision's trailer cannot be read")]
    SignedRevision,
    #[error("the update after the seal cannot be read ({0})")]
    Unreadable(&'static str),
    #[error("object {0} of the signed document is redefined after the seal")]
    Redefined(u32),
    #[error("object {0} is defined twice after the seal")]
    Duplicate(u32),
    #[error("the catalog was changed beyond its validation material")]
    CatalogChanged,
    #[error("object {0} added after the seal is not validation material")]
    NotValidationMaterial(u32),
    #[error("stream {0} added after the seal is not what the DSS says it is")]
    WrongMaterial(u32),
    #[error("the update has no {0}")]
    Missing(&'static str),
    #[error("the update's cross-reference table does not match its objects")]
    CrossReference,
    #[error("the update's trailer does not continue the signed one ({0})")]
    Trailer(&'static str),
    #[error("bytes follow the update's end")]
    TrailingBytes,
    #[error("more material follows the seal than a certificate carries")]
    TooLarge,
}

/// The most that may follow a seal: the DSS of a certificate is a few KB.
pub const MAX_APPENDED_BYTES: usize = 256 * 1024;

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::rfind(haystack, needle)
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | b'\0')
}

/// What the signed revision's trailer says.
struct SignedTrailer {
    size: u32,
    root: u32,
    startxref: usize,
    info: Option<Vec<u8>>,
    id: Option<Vec<u8>>,
}

/// A dictionary's entries, by key, with their values' bytes (values as written, trimmed).
fn entries(dict: &[u8]) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    let inner = dict.strip_prefix(b"<<")?.strip_suffix(b">>")?;
    let mut out = Vec::new();
    let mut rest = inner.trim_ascii();
    while !rest.is_empty() {
        let key_end = rest[1..]
            .iter()
            .position(|b| is_space(*b) || matches!(b, b'/' | b'[' | b'<' | b'('))
            .map_or(rest.len(), |i| i + 1);
        if rest[0] != b'/' {
            return None;
        }
        let key = rest[..key_end].to_vec();
        let value_start = rest[key_end..].trim_ascii_start();
        let value_len = value_extent(value_start)?;
        out.push((key, value_start[..value_len].trim_ascii().to_vec()));
        rest = value_start[value_len..].trim_ascii();
    }
    Some(out)
}

/// The length of the one value at the start of `bytes` (a name, number, reference, array,
/// dictionary or string).
fn value_extent(bytes: &[u8]) -> Option<usize> {
    match bytes.first()? {
        b'<' if bytes.get(1) == Some(&b'<') => dictionary_extent(bytes),
        b'[' | b'(' | b'<' => dictionary_extent(bytes),
        _ => {
            // Names, numbers and `n g R` references: up to the next key.
            let end = bytes
                .iter()
                .enumerate()
                .skip(1)
                .find(|(_, b)| matches!(b, b'/' | b'[' | b'<' | b'('))
                .map_or(bytes.len(), |(i, _)| i);
            Some(end)
        }
    }
}

/// The length of the dictionary, array or string at the start of `bytes`, with nesting and
/// literal strings (escapes, balanced parentheses) and hex strings honoured.
fn dictionary_extent(bytes: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => {
                let mut nested = 0usize;
                i += 1;
                while i < bytes.len() {
                    match bytes[i] {
                        b'\\' => i += 1,
                        b'(' => nested += 1,
                        b')' if nested == 0 => break,
                        b')' => nested -= 1,
                        _ => {}
                    }
                    i += 1;
                }
                if depth == 0 {
                    return (i < bytes.len()).then_some(i + 1);
                }
            }
            b'<' if bytes.get(i + 1) == Some(&b'<') => {
                depth += 1;
                i += 1;
            }
            b'>' if bytes.get(i + 1) == Some(&b'>') => {
                depth = depth.checked_sub(1)?;
                i += 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'<' => {
                let close = find(&bytes[i..], b">")?;
                i += close;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'[' => depth += 1,
            b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn value<'a>(entries: &'a [(Vec<u8>, Vec<u8>)], key: &[u8]) -> Option<&'a [u8]> {
    entries
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_slice())
}

fn number<T: std::str::FromStr>(bytes: &[u8]) -> Option<T> {
    std::str::from_utf8(bytes).ok()?.trim().parse().ok()
}

/// `n 0 R`: n.
fn reference(bytes: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(bytes).ok()?;
    match text.split_ascii_whitespace().collect::<Vec<_>>()[..] {
        [n, "0", "R"] => n.parse().ok(),
        _ => None,
    }
}

/// `[a 0 R b 0 R …]`: the numbers.
fn references(array: &[u8]) -> Option<Vec<u32>> {
    let inner = std::str::from_utf8(array.strip_prefix(b"[")?.strip_suffix(b"]")?).ok()?;
    let parts: Vec<&str> = inner.split_ascii_whitespace().collect();
    if !parts.len().is_multiple_of(3) {
        return None;
    }
    parts
        .chunks(3)
        .map(|c| match c {
            [n, "0", "R"] => n.parse().ok(),
            _ => None,
        })
        .collect()
}

fn signed_trailer(signed: &[u8]) -> Option<SignedTrailer> {
    let startxref_at = rfind(signed, b"startxref")?;
    let startxref = number(
        signed[startxref_at + 9..]
            .split(|b| is_space(*b))
            .find(|w| !w.is_empty())?,
    )?;
    let trailer_at = rfind(&signed[..startxref_at], b"trailer")?;
    let dict_start = trailer_at
        + 7
        + signed[trailer_at + 7..]
            .iter()
            .position(|b| !is_space(*b))?;
    let dict = &signed[dict_start..dict_start + dictionary_extent(&signed[dict_start..])?];
    let entries = entries(dict)?;
    Some(SignedTrailer {
        size: number(value(&entries, b"/Size")?)?,
        root: reference(value(&entries, b"/Root")?)?,
        startxref,
        info: value(&entries, b"/Info").map(<[u8]>::to_vec),
        id: value(&entries, b"/ID").map(<[u8]>::to_vec),
    })
}

/// The body (between `obj` and `endobj`) of the last definition of object `n` in `pdf`.
fn object_body(pdf: &[u8], n: u32) -> Option<&[u8]> {
    let header = format!("\n{n} 0 obj");
    let start = rfind(pdf, header.as_bytes())? + header.len();
    let end = start + find(&pdf[start..], b"endobj")?;
    Some(pdf[start..end].trim_ascii())
}

/// One object of the update.
struct Added<'a> {
    number: u32,
    /// From the start of the update.
    offset: usize,
    dict: &'a [u8],
    stream: Option<&'a [u8]>,
}

/// Reads one `n 0 obj … endobj` at the start of `rest`; the object and what follows it.
fn read_object<'a>(rest: &'a [u8], offset: usize) -> Result<(Added<'a>, &'a [u8]), AfterSeal> {
    let bad = AfterSeal::Unreadable;
    let header_end = find(rest, b"obj").ok_or(bad("an object header"))?;
    let header = std::str::from_utf8(&rest[..header_end]).map_err(|_| bad("an object header"))?;
    let id: u32 = match header.split_ascii_whitespace().collect::<Vec<_>>()[..] {
        [n, "0"] => n.parse().map_err(|_| bad("an object number"))?,
        _ => return Err(bad("an object header")),
    };
    let body = rest[header_end + 3..].trim_ascii_start();
    let dict_len = dictionary_extent(body).filter(|_| body.starts_with(b"<<"));
    let dict_len = dict_len.ok_or(bad("an object's dictionary"))?;
    let dict = &body[..dict_len];
    let after = body[dict_len..].trim_ascii_start();
    if let Some(data) = after.strip_prefix(b"stream") {
        let data = data
            .strip_prefix(b"\r\n")
            .or_else(|| data.strip_prefix(b"\n"))
            .ok_or(bad("a stream"))?;
        let entries = entries(dict).ok_or(bad("a stream's dictionary"))?;
        // A plain stream: its length and nothing else (no filter, no object stream, no
        // length by reference).
        let length: usize = match &entries[..] {
            [(key, n)] if key == b"/Length" => number(n).ok_or(bad("a stream's length"))?,
            _ => return Err(AfterSeal::NotValidationMaterial(id)),
        };
        let content = data.get(..length).ok_or(bad("a stream's data"))?;
        let tail = data[length..].trim_ascii_start();
        let tail = tail
            .strip_prefix(b"endstream")
            .ok_or(bad("a stream's end"))?;
        let tail = tail.trim_ascii_start().strip_prefix(b"endobj");
        let tail = tail.ok_or(bad("an object's end"))?;
        let object = Added {
            number: id,
            offset,
            dict,
            stream: Some(content),
        };
        return Ok((object, tail));
    }
    let tail = after
        .strip_prefix(b"endobj")
        .ok_or(bad("an object's end"))?;
    let object = Added {
        number: id,
        offset,
        dict,
        stream: None,
    };
    Ok((object, tail))
}

/// Checks that `appended` (what follows the signed revision `signed`) is only the validation
/// material of the seal, as the module says.
pub fn check(signed: &[u8], appended: &[u8]) -> Result<(), AfterSeal> {
    if appended.len() > MAX_APPENDED_BYTES {
        return Err(AfterSeal::TooLarge);
    }
    let trailer = signed_trailer(signed).ok_or(AfterSeal::SignedRevision)?;
    let start = appended.len() - appended.trim_ascii_start().len();
    let mut rest = &appended[start..];
    let mut objects: Vec<Added> = Vec::new();
    while !rest.starts_with(b"xref") {
        if rest.is_empty() {
            return Err(AfterSeal::Missing("cross-reference table"));
        }
        let offset = appended.len() - rest.len();
        let (object, tail) = read_object(rest, offset)?;
        if objects.iter().any(|o| o.number == object.number) {
            return Err(AfterSeal::Duplicate(object.number));
        }
        objects.push(object);
        rest = tail.trim_ascii_start();
    }
    let xref_at = appended.len() - rest.len();
    check_objects(signed, &trailer, &objects)?;
    check_tail(&trailer, &objects, rest, signed.len(), xref_at)?;
    Ok(())
}

/// The catalog, the DSS and the material it names, and nothing else.
fn check_objects(
    signed: &[u8],
    trailer: &SignedTrailer,
    objects: &[Added],
) -> Result<(), AfterSeal> {
    for o in objects {
        if o.number < trailer.size && o.number != trailer.root {
            return Err(AfterSeal::Redefined(o.number));
        }
    }
    let catalog = objects
        .iter()
        .find(|o| o.number == trailer.root)
        .ok_or(AfterSeal::Missing("catalog with its DSS"))?;
    let original = object_body(signed, trailer.root).ok_or(AfterSeal::SignedRevision)?;
    let dss_number = same_catalog(original, catalog.dict).ok_or(AfterSeal::CatalogChanged)?;
    let dss = objects
        .iter()
        .find(|o| o.number == dss_number && o.stream.is_none())
        .ok_or(AfterSeal::Missing("DSS"))?;
    let entries = entries(dss.dict).ok_or(AfterSeal::NotValidationMaterial(dss.number))?;
    let keys: Vec<&[u8]> = entries.iter().map(|(k, _)| k.as_slice()).collect();
    if keys != [&b"/Type"[..], b"/Certs", b"/CRLs"] || value(&entries, b"/Type") != Some(b"/DSS") {
        return Err(AfterSeal::NotValidationMaterial(dss.number));
    }
    let list = |key: &[u8]| {
        value(&entries, key)
            .and_then(references)
            .ok_or(AfterSeal::NotValidationMaterial(dss.number))
    };
    let (certs, crls) = (list(b"/Certs")?, list(b"/CRLs")?);
    for o in objects {
        if o.number == trailer.root || o.number == dss.number {
            continue;
        }
        let Some(content) = o.stream else {
            return Err(AfterSeal::NotValidationMaterial(o.number));
        };
        let named = |list: &[u32]| list.iter().filter(|n| **n == o.number).count();
        let parses = match (named(&certs), named(&crls)) {
            (1, 0) => x509_cert::Certificate::from_der(content).is_ok(),
            (0, 1) => x509_cert::crl::CertificateList::from_der(content).is_ok(),
            (0, 0) => return Err(AfterSeal::NotValidationMaterial(o.number)),
            _ => false,
        };
        if !parses {
            return Err(AfterSeal::WrongMaterial(o.number));
        }
    }
    // Everything the DSS names is in this update.
    let streams = objects.iter().filter(|o| o.stream.is_some()).count();
    if certs.len() + crls.len() != streams {
        return Err(AfterSeal::Missing("material the DSS names"));
    }
    Ok(())
}

/// The updated catalog is the signed one with `/DSS n 0 R` added at its end: n.
fn same_catalog(original: &[u8], updated: &[u8]) -> Option<u32> {
    let close = rfind(original, b">>")?;
    let rest = updated.strip_prefix(&original[..close])?;
    let reference_text = rest
        .trim_ascii()
        .strip_prefix(b"/DSS")?
        .strip_suffix(b">>")?;
    reference(reference_text.trim_ascii())
}

/// The xref table (at `xref_at` in the update, which starts at `signed_len` in the file), the
/// trailer, `startxref` and `%%EOF`, then nothing.
fn check_tail(
    trailer: &SignedTrailer,
    objects: &[Added],
    tail: &[u8],
    signed_len: usize,
    xref_at: usize,
) -> Result<(), AfterSeal> {
    let trailer_at = find(tail, b"trailer").ok_or(AfterSeal::Missing("trailer"))?;
    let table = std::str::from_utf8(&tail[4..trailer_at]).map_err(|_| AfterSeal::CrossReference)?;
    let mut lines = table.lines().map(str::trim).filter(|l| !l.is_empty());
    let mut listed: Vec<(u32, usize)> = Vec::new();
    while let Some(header) = lines.next() {
        let [first, count] = header
            .split(' ')
            .map(str::parse)
            .collect::<Result<Vec<u32>, _>>()
            .map_err(|_| AfterSeal::CrossReference)?[..]
        else {
            return Err(AfterSeal::CrossReference);
        };
        for number in first..first.checked_add(count).ok_or(AfterSeal::CrossReference)? {
            let entry = lines.next().ok_or(AfterSeal::CrossReference)?;
            match entry.split_ascii_whitespace().collect::<Vec<_>>()[..] {
                ["0000000000", "65535", "f"] if number == 0 => {}
                [offset, "00000", "n"] if offset.len() == 10 => {
                    let offset = offset.parse().map_err(|_| AfterSeal::CrossReference)?;
                    listed.push((number, offset));
                }
                _ => return Err(AfterSeal::CrossReference),
            }
        }
    }
    let mut expected: Vec<(u32, usize)> = objects
        .iter()
        .map(|o| (o.number, signed_len + o.offset))
        .collect();
    expected.sort_unstable();
    listed.sort_unstable();
    if listed != expected {
        return Err(AfterSeal::CrossReference);
    }
    let after = tail[trailer_at + 7..].trim_ascii_start();
    let dict_len = dictionary_extent(after)
        .filter(|_| after.starts_with(b"<<"))
        .ok_or(AfterSeal::Trailer("unreadable"))?;
    let dict = entries(&after[..dict_len]).ok_or(AfterSeal::Trailer("unreadable"))?;
    let largest = objects.iter().map(|o| o.number).max().unwrap_or(0);
    let size: u32 = value(&dict, b"/Size")
        .and_then(number)
        .ok_or(AfterSeal::Trailer("/Size"))?;
    if size != (largest + 1).max(trailer.size) {
        return Err(AfterSeal::Trailer("/Size"));
    }
    let prev: usize = value(&dict, b"/Prev")
        .and_then(number)
        .ok_or(AfterSeal::Trailer("/Prev"))?;
    if prev != trailer.startxref {
        return Err(AfterSeal::Trailer("/Prev"));
    }
    if value(&dict, b"/Root").and_then(reference) != Some(trailer.root) {
        return Err(AfterSeal::Trailer("/Root"));
    }
    if value(&dict, b"/Info") != trailer.info.as_deref() {
        return Err(AfterSeal::Trailer("/Info"));
    }
    if value(&dict, b"/ID") != trailer.id.as_deref() {
        return Err(AfterSeal::Trailer("/ID"));
    }
    let known = [&b"/Size"[..], b"/Prev", b"/Root", b"/Info", b"/ID"];
    if dict.iter().any(|(k, _)| !known.contains(&k.as_slice())) {
        return Err(AfterSeal::Trailer("a key the pipeline does not write"));
    }
    let end = after[dict_len..].trim_ascii_start();
    let end = end
        .strip_prefix(b"startxref")
        .ok_or(AfterSeal::Missing("startxref"))?;
    let end = end.trim_ascii_start();
    let digits = end.iter().take_while(|b| b.is_ascii_digit()).count();
    let pointer: usize = number(&end[..digits]).ok_or(AfterSeal::Missing("startxref"))?;
    if pointer != signed_len + xref_at {
        return Err(AfterSeal::CrossReference);
    }
    let end = end[digits..].trim_ascii_start();
    let end = end
        .strip_prefix(b"%%EOF")
        .ok_or(AfterSeal::Missing("%%EOF"))?;
    if !matches!(end, b"" | b"\n" | b"\r\n" | b"\r") {
        return Err(AfterSeal::TrailingBytes);
    }
    Ok(())
}
