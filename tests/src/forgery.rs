//! Forged certificate PDFs, made from a genuine PAdES-B-LT one as a forger with a hex editor
//! would: the incremental-update attacks of issue 22 (a page, a font program, a ToUnicode map
//! redefined next to the genuine DSS), the published shadow-attack classes (hide, replace,
//! hide-and-replace), incremental saving and signature wrapping, object and xref streams, a
//! second update after the DSS, a truncated file, bytes after `%%EOF`. Every file but the two
//! genuine ones must be refused by our verifiers and, where pyHanko refuses it, by pyHanko
//! too (infra/verify/tests/forgery.rs).
//! (Long on purpose: the corpus reads as one list, each forgery beside how it is made.)

use cazier_shared::ports::{AccountStore, BlobStore};
use cazier_shared::services::issuance::Outcome;
use cazier_shared::testing::Memory;
use cazier_shared::wiring::ServiceGraphs;
use memchr::memmem;

/// A certificate issued with the in-memory ports (its TSA and seal too).
pub struct Issued {
    pub memory: Memory,
    pub pdf: Vec<u8>,
    pub number: String,
    /// The trust file: the seal's chain and the timestamping authority's, PEM (what
    /// `GET /v1/trust/certificates` serves).
    pub chain: String,
}

/// Issues one certificate (purpose STUDII, for Ștefănescu Ana-Maria) in memory.
pub async fn issued_in_memory() -> Issued {
    let memory = Memory::new(chrono::Utc::now()).await;
    let account = crate::citizen_account(&crate::random_cnp());
    memory
        .accounts
        .create(&account, chrono::Utc::now())
        .await
        .expect("stored");
    let principal = cazier_shared::domain::Principal {
        account_id: account.account_id.clone(),
        role: account.role,
        token_hash: "session".into(),
    };
    let submission = cazier_shared::services::requests::Submission {
        purpose: cazier_shared::domain::Purpose::Studii,
        company: None,
    };
    let id = memory
        .request_service()
        .expect("wired")
        .submit(&principal, submission, None)
        .await
        .expect("submitted")
        .request_id;
    let outcome = memory
        .issuance_service()
        .expect("wired")
        .issue(&id)
        .await
        .expect("issued");
    let Outcome::Issued(number) = outcome else {
        panic!("not issued: {outcome:?}");
    };
    let certificate = memory
        .certificates
        .all()
        .into_iter()
        .find(|c| c.number == number)
        .expect("recorded");
    let pdf = memory
        .blobs
        .get(&certificate.document_key)
        .await
        .expect("read")
        .expect("stored");
    let chain = memory
        .verification_service()
        .expect("wired")
        .trust_chain_pem()
        .await
        .expect("the trust file");
    Issued {
        memory,
        pdf,
        number: number.as_str().to_owned(),
        chain,
    }
}

/// One file of the corpus.
pub struct Forgery {
    pub name: &'static str,
    /// What a verifier must answer: only the genuine files are accepted.
    pub genuine: bool,
    pub bytes: Vec<u8>,
}

/// An object of an update: its number and its body (what goes between `obj` and `endobj`).
#[derive(Clone)]
pub struct Obj {
    pub number: u32,
    pub body: Vec<u8>,
}

/// A stream's body: `<< /Length n … >>`, the data.
pub fn stream(extra: &str, data: &[u8]) -> Vec<u8> {
    let head = format!("<< /Length {}{extra} >>\nstream\n", data.len());
    [head.as_bytes(), data, b"\nendstream"].concat()
}

fn dict(text: &str) -> Obj {
    Obj {
        number: 0,
        body: text.as_bytes().to_vec(),
    }
}

impl Obj {
    fn numbered(mut self, number: u32) -> Obj {
        self.number = number;
        self
    }
}

/// The last `startxref` of a file, and the text of its last trailer dictionary.
fn last_trailer(pdf: &[u8]) -> (usize, String) {
    let at = memmem::rfind(pdf, b"startxref").expect("startxref");
    let xref: usize = String::from_utf8_lossy(&pdf[at + 9..])
        .split_ascii_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a startxref number");
    let trailer = memmem::rfind(&pdf[..at], b"trailer").expect("a trailer");
    let text = String::from_utf8_lossy(&pdf[trailer + 7..at])
        .trim()
        .to_owned();
    (xref, text)
}

/// A trailer key's value (`/Root 1 0 R` → `1 0 R`).
fn trailer_value(trailer: &str, key: &str) -> Option<String> {
    let at = trailer.find(key)? + key.len();
    let rest = &trailer[at..];
    let end = rest[1..].find(['/', '>']).map_or(rest.len(), |i| i + 1);
    Some(rest[..end].trim().to_owned())
}

/// The body of the last definition of object `n` (between `obj` and `endobj`).
pub fn body_of(pdf: &[u8], n: u32) -> Vec<u8> {
    let header = format!("\n{n} 0 obj");
    let start = memmem::rfind(pdf, header.as_bytes()).expect("the object") + header.len();
    let end = start + memmem::find(&pdf[start..], b"endobj").expect("its end");
    pdf[start..end].trim_ascii().to_vec()
}

/// How an update's cross-reference section and trailer are written (the honest way, or
/// with a forger's edit).
#[derive(Default, Clone, Copy)]
pub struct Writing {
    /// `/Prev` points at this offset instead of the previous xref.
    pub prev: Option<usize>,
    /// Object `n` is listed as free.
    pub free: Option<u32>,
    /// An entry points this many bytes into its object.
    pub shifted: Option<usize>,
    /// A cross-reference stream instead of a table.
    pub xref_stream: bool,
}

/// `base` with an incremental update of `objects` (numbered), continuing its last trailer.
pub fn update(base: &[u8], objects: &[Obj], how: Writing) -> Vec<u8> {
    let (prev_xref, trailer) = last_trailer(base);
    let mut pdf = base.to_vec();
    if !pdf.ends_with(b"\n") {
        pdf.push(b'\n');
    }
    let mut entries = Vec::new();
    for o in objects {
        entries.push((o.number, pdf.len()));
        pdf.extend_from_slice(format!("{} 0 obj\n", o.number).as_bytes());
        pdf.extend_from_slice(&o.body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    entries.sort_unstable();
    let size = trailer_value(&trailer, "/Size")
        .and_then(|s| s.parse::<u32>().ok())
        .unwrap_or(0)
        .max(entries.iter().map(|(n, _)| n + 1).max().unwrap_or(0));
    let mut keys = format!("/Size {size} /Prev {}", how.prev.unwrap_or(prev_xref));
    for key in ["/Root", "/Info", "/ID"] {
        if let Some(v) = trailer_value(&trailer, key) {
            keys.push_str(&format!(" {key} {v}"));
        }
    }
    let xref = pdf.len();
    if how.xref_stream {
        // One entry per object, 1 byte type, 4 bytes offset, 1 byte generation.
        let mut data = Vec::new();
        let mut index = String::new();
        for (n, offset) in &entries {
            index.push_str(&format!("{n} 1 "));
            data.push(1);
            data.extend_from_slice(&(*offset as u32).to_be_bytes());
            data.push(0);
        }
        let body = stream(
            &format!(
                " /Type /XRef /W [1 4 1] /Index [{}] {keys}",
                index.trim_end()
            ),
            &data,
        );
        pdf.extend_from_slice(format!("{size} 0 obj\n").as_bytes());
        pdf.extend_from_slice(&body);
        pdf.extend_from_slice(format!("\nendobj\nstartxref\n{xref}\n%%EOF\n").as_bytes());
        return pdf;
    }
    let mut table = String::from("xref\n0 1\n0000000000 65535 f\r\n");
    for (n, offset) in &entries {
        let offset = offset + how.shifted.filter(|_| Some(*n) != how.free).unwrap_or(0);
        let line = if Some(*n) == how.free {
            "0000000000 00001 f\r\n".to_owned()
        } else {
            format!("{offset:010} 00000 n\r\n")
        };
        table.push_str(&format!("{n} 1\n{line}"));
    }
    pdf.extend_from_slice(table.as_bytes());
    pdf.extend_from_slice(format!("trailer\n<< {keys} >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    pdf
}

/// The objects of the genuine DSS update (streams, the DSS, the catalog), as written.
pub fn dss_objects(pdf: &[u8], signed_len: usize) -> Vec<Obj> {
    let update = &pdf[signed_len..];
    let mut objects = Vec::new();
    let mut at = 0;
    while let Some(found) = memmem::find(&update[at..], b" 0 obj\n") {
        let header_start = update[..at + found]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let number: u32 = String::from_utf8_lossy(&update[header_start..at + found])
            .parse()
            .expect("an object number");
        let body_start = at + found + 7;
        let body_end = if update[body_start..].starts_with(b"<< /Length ") {
            let length: usize = String::from_utf8_lossy(&update[body_start + 11..])
                .split_ascii_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .expect("a length");
            let data = body_start + memmem::find(&update[body_start..], b"stream\n").unwrap() + 7;
            data + length + b"\nendstream".len()
        } else {
            body_start + memmem::find(&update[body_start..], b"\nendobj").unwrap()
        };
        objects.push(Obj {
            number,
            body: update[body_start..body_end].to_vec(),
        });
        at = body_end;
    }
    objects
}

/// The corpus, from a genuine B-LT certificate whose signed revision ends at `signed_len`.
/// `certificate` is any DER certificate (a DSS stream a forger could reuse).
pub fn corpus(genuine: &[u8], signed_len: usize, certificate: &[u8]) -> Vec<Forgery> {
    let signed = &genuine[..signed_len];
    let dss = dss_objects(genuine, signed_len);
    let size = trailer_value(&last_trailer(signed).1, "/Size")
        .and_then(|s| s.parse::<u32>().ok())
        .expect("the signed /Size");
    let next = dss.iter().map(|o| o.number).max().unwrap_or(size) + 1;
    let catalog_number = 1;
    let page = 30;
    let (contents, font, font_program, to_unicode, image, signature) = (31, 10, 13, 14, 7, 4);
    let with_dss = |extra: Vec<Obj>| {
        let mut all = dss.clone();
        all.extend(extra);
        update(signed, &all, Writing::default())
    };
    let after_dss = |extra: Vec<Obj>| update(genuine, &extra, Writing::default());
    let forged_page_text =
        b"BT /F1 14 Tf 72 700 Td (NU ESTE INSCRISA in cazierul judiciar) Tj ET".to_vec();
    let page_body = String::from_utf8_lossy(&body_of(signed, page)).into_owned();
    let catalog_body = String::from_utf8_lossy(&body_of(genuine, catalog_number)).into_owned();
    let dss_body = dss
        .iter()
        .find(|o| o.body.starts_with(b"<< /Type /DSS"))
        .map(|o| String::from_utf8_lossy(&o.body).into_owned())
        .expect("the DSS");
    let dss_number = dss
        .iter()
        .find(|o| o.body.starts_with(b"<< /Type /DSS"))
        .map(|o| o.number)
        .unwrap_or(next);
    let replace = |objects: &[Obj], number: u32, body: String| -> Vec<Obj> {
        objects
            .iter()
            .map(|o| match o.number == number {
                true => dict(&body).numbered(number),
                false => o.clone(),
            })
            .collect()
    };
    let mut files = vec![
        Forgery {
            name: "genuine-b-lt",
            genuine: true,
            bytes: genuine.to_vec(),
        },
        Forgery {
            name: "genuine-sealed-revision-alone",
            genuine: true,
            bytes: signed.to_vec(),
        },
    ];
    let mut add = |name, bytes| {
        files.push(Forgery {
            name,
            genuine: false,
            bytes,
        })
    };
    add(
        "page-content-redefined-beside-dss",
        with_dss(vec![Obj {
            number: contents,
            body: stream("", &forged_page_text),
        }]),
    );
    add(
        "font-program-redefined-beside-dss",
        with_dss(vec![Obj {
            number: font_program,
            body: stream("", &[0x42; 2048]),
        }]),
    );
    add(
        "tounicode-redefined-beside-dss",
        with_dss(vec![Obj {
            number: to_unicode,
            body: stream(
                "",
                b"/CIDInit /ProcSet findresource begin 1 begincmap beginbfrange <0001> <00ff> <0041> endbfrange endcmap end",
            ),
        }]),
    );
    add(
        "stream-referenced-from-nowhere",
        with_dss(vec![Obj {
            number: next,
            body: stream("", &forged_page_text),
        }]),
    );
    add(
        "dss-certificate-that-is-no-certificate",
        update(
            signed,
            &replace(
                &[
                    dss.clone(),
                    vec![Obj {
                        number: next,
                        body: stream("", b"not DER at all"),
                    }],
                ]
                .concat(),
                dss_number,
                dss_body.replace("/Certs [", &format!("/Certs [{next} 0 R ")),
            ),
            Writing::default(),
        ),
    );
    add(
        "dss-crl-that-is-a-certificate",
        update(
            signed,
            &replace(
                &[
                    dss.clone(),
                    vec![Obj {
                        number: next,
                        body: stream("", certificate),
                    }],
                ]
                .concat(),
                dss_number,
                dss_body.replace("/CRLs [", &format!("/CRLs [{next} 0 R ")),
            ),
            Writing::default(),
        ),
    );
    add(
        "dss-stream-filtered",
        update(
            signed,
            &dss.iter()
                .map(|o| match o.body.starts_with(b"<< /Length") {
                    true => Obj {
                        number: o.number,
                        body: [b"<< /Filter /Identity ".as_slice(), &o.body[3..]].concat(),
                    },
                    false => o.clone(),
                })
                .collect::<Vec<_>>(),
            Writing::default(),
        ),
    );
    add(
        "dss-with-vri",
        update(
            signed,
            &replace(&dss, dss_number, dss_body.replace(" >>", " /VRI << >> >>")),
            Writing::default(),
        ),
    );
    add(
        "catalog-open-action",
        update(
            signed,
            &replace(
                &dss,
                catalog_number,
                catalog_body.replace(" /DSS ", " /OpenAction [30 0 R /Fit] /DSS "),
            ),
            Writing::default(),
        ),
    );
    add(
        "catalog-acroform-changed",
        update(
            signed,
            &replace(
                &dss,
                catalog_number,
                catalog_body.replace("/SigFlags 3", "/SigFlags 3 /NeedAppearances true"),
            ),
            Writing::default(),
        ),
    );
    add(
        "page-annotation-added-after-dss",
        after_dss(vec![dict(
            &page_body.replace("/Annots [", "/Annots [6 0 R "),
        )
        .numbered(page)]),
    );
    add(
        "image-replaced-beside-dss",
        with_dss(vec![Obj {
            number: image,
            body: stream(
                " /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8",
                &[0],
            ),
        }]),
    );
    add(
        "info-replaced",
        update(
            signed,
            &[
                dss.clone(),
                vec![dict("<< /Title (Certificat fara mentiuni) >>").numbered(next)],
            ]
            .concat(),
            Writing::default(),
        ),
    );
    add(
        "object-stream-in-update",
        with_dss(vec![Obj {
            number: next,
            body: stream(
                " /Type /ObjStm /N 1 /First 4",
                format!("{page} 0 {}", page_body).as_bytes(),
            ),
        }]),
    );
    add(
        "xref-stream-update",
        update(
            signed,
            &dss,
            Writing {
                xref_stream: true,
                ..Writing::default()
            },
        ),
    );
    add("empty-second-update-after-dss", after_dss(vec![]));
    add(
        "page-redefined-in-second-update",
        after_dss(vec![Obj {
            number: contents,
            body: stream("", &forged_page_text),
        }]),
    );
    add(
        "truncated-in-the-dss",
        genuine[..genuine.len() - 200].to_vec(),
    );
    add(
        "bytes-after-eof",
        [genuine, b"% a forger's note\n".as_slice()].concat(),
    );
    add(
        "free-entry-reused",
        update(
            signed,
            &dss,
            Writing {
                free: dss.first().map(|o| o.number),
                ..Writing::default()
            },
        ),
    );
    let (genuine_xref, _) = last_trailer(genuine);
    add(
        "prev-loops-to-itself",
        update(
            signed,
            &dss,
            Writing {
                prev: Some(genuine_xref),
                ..Writing::default()
            },
        ),
    );
    add(
        "prev-points-nowhere",
        update(
            signed,
            &dss,
            Writing {
                prev: Some(0),
                ..Writing::default()
            },
        ),
    );
    add(
        "xref-points-into-a-stream",
        update(
            signed,
            &dss,
            Writing {
                shifted: Some(40),
                ..Writing::default()
            },
        ),
    );
    // Shadow attacks (Mainka, Mladenov, Rohlmann 2021), done after the seal since a forger
    // cannot prepare the sealed document: hide (the content dropped), replace (another font
    // behind the same name), hide-and-replace (a new content stream drawn over the old).
    add(
        "shadow-hide",
        with_dss(vec![
            dict(&page_body.replace(
                &format!("/Contents {contents} 0 R"),
                &format!("/Contents {next} 0 R"),
            ))
            .numbered(page),
            Obj {
                number: next,
                body: stream("", b""),
            },
        ]),
    );
    add(
        "shadow-replace",
        with_dss(vec![
            dict(
                &String::from_utf8_lossy(&body_of(signed, font))
                    .replace("/ToUnicode 14 0 R", &format!("/ToUnicode {next} 0 R")),
            )
            .numbered(font),
            Obj {
                number: next,
                body: stream("", b"begincmap endcmap"),
            },
        ]),
    );
    add(
        "shadow-hide-and-replace",
        with_dss(vec![
            dict(&page_body.replace(
                &format!("/Contents {contents} 0 R"),
                &format!("/Contents [{contents} 0 R {next} 0 R]"),
            ))
            .numbered(page),
            Obj {
                number: next,
                body: stream(
                    "",
                    b"1 g 0 0 595 842 re f 0 g BT /F1 14 Tf 72 700 Td (NU ESTE INSCRISA) Tj ET",
                ),
            },
        ]),
    );
    add(
        "signature-wrapping",
        with_dss(vec![dict(
            &String::from_utf8_lossy(&body_of(signed, signature)).replacen(
                "/ByteRange [0 ",
                "/ByteRange [0 1 ",
                1,
            ),
        )
        .numbered(signature)]),
    );
    add(
        "second-signature-field",
        update(
            signed,
            &[
                replace(
                    &dss,
                    catalog_number,
                    catalog_body.replace("/Fields [5 0 R]", &format!("/Fields [5 0 R {next} 0 R]")),
                ),
                vec![dict("<< /FT /Sig /T (Al doilea) /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 30 0 R >>").numbered(next)],
            ]
            .concat(),
            Writing::default(),
        ),
    );
    add(
        "catalog-defined-twice",
        with_dss(vec![dict(&catalog_body).numbered(catalog_number)]),
    );
    files
}

/// A sealed file followed by `n` empty updates (a verifier must give up quickly).
pub fn many_updates(genuine: &[u8], n: usize) -> Vec<u8> {
    let mut pdf = genuine.to_vec();
    for _ in 0..n {
        pdf = update(&pdf, &[], Writing::default());
    }
    pdf
}

/// Whether `needle` occurs in `haystack` (for the tests' own checks).
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    memmem::find(haystack, needle).is_some()
}

/// The genuine file with its seal's timestamp replaced by a forger's: a token over the same
/// signature, dated 2020-01-01, signed by a self-made "TSA" under the genuine one's name (the
/// token sits in the seal's unsigned attributes, outside the signed bytes). Issue 22's
/// second attack: its date was printed as fact.
pub async fn forged_timestamp(issued: &Issued) -> Forgery {
    use cms::content_info::ContentInfo;
    use cms::signed_data::SignedData;
    let pdf = &issued.pdf;
    let signed = cazier_shared::pdf::pades::read_signed(pdf).expect("a sealed file");
    let signature = {
        let mut reader = der::SliceReader::new(&signed.cms).expect("DER");
        let content = <ContentInfo as der::Decode>::decode(&mut reader).expect("CMS");
        let data = content
            .content
            .decode_as::<SignedData>()
            .expect("signed data");
        let signer = data.signer_infos.0.iter().next().expect("a signer").clone();
        signer.signature.as_bytes().to_vec()
    };
    let dated = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_577_836_800);
    let forger =
        cazier_shared::testing::tsa::MemoryTsa::forged_like(&issued.memory.tsa.certificate, dated)
            .await;
    let token = forger.token_over(&signature).await.expect("a token");
    let cms = cazier_shared::testing::tsa::with_token(&signed.cms, &token).expect("re-encoded");
    Forgery {
        name: "forged-timestamp-2020",
        genuine: false,
        bytes: with_seal_cms(pdf, &cms),
    }
}

/// The genuine file with its seal's timestamp taken out: no date at all, the signed bytes
/// untouched (found by the attack on issue 23's build: `cazier-verify` said VALID).
pub fn timestamp_removed(issued: &Issued) -> Forgery {
    let signed = cazier_shared::pdf::pades::read_signed(&issued.pdf).expect("a sealed file");
    let cms = cazier_shared::testing::tsa::without_token(&signed.cms).expect("re-encoded");
    Forgery {
        name: "timestamp-removed",
        genuine: false,
        bytes: with_seal_cms(&issued.pdf, &cms),
    }
}

/// `pdf` with `cms` written into its seal's `/Contents` placeholder (zero-padded).
fn with_seal_cms(pdf: &[u8], cms: &[u8]) -> Vec<u8> {
    // The signature's /Contents: the gap of the /ByteRange [0 a b c], `<hex…>`.
    let at = memmem::find(pdf, b"/ByteRange [").expect("a /ByteRange") + 12;
    let numbers: Vec<usize> = String::from_utf8_lossy(&pdf[at..at + 60])
        .split(']')
        .next()
        .expect("its numbers")
        .split_ascii_whitespace()
        .map(|n| n.parse().expect("a number"))
        .collect();
    let (start, end) = (numbers[1] + 1, numbers[2] - 1);
    let mut hex: Vec<u8> = cms
        .iter()
        .flat_map(|b| format!("{b:02x}").into_bytes())
        .collect();
    assert!(
        hex.len() <= end - start,
        "the forged CMS fits the placeholder"
    );
    hex.resize(end - start, b'0');
    let mut bytes = pdf.to_vec();
    bytes[start..end].copy_from_slice(&hex);
    bytes
}
