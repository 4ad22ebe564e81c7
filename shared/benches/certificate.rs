//! CPU time to render one certificate and prepare it for signing: layout, font subset, QR code,
//! byte range, digest, signed attributes, CMS assembly and embedding. Everything but the KMS
//! round trip (a fixed 72-byte signature stands in for KMS's answer). Also the PDF's size.
//!
//! Run: `make bench` (release profile, as deployed).

use cazier_shared::domain::{
    CertificateNumber, Cnp, IdDocument, Name, Person, Purpose, RecordEntry,
};
use cazier_shared::pdf::{render, CertificateContent, Holder};
use cazier_shared::seal::{self, TrustChain};
use cazier_shared::testing::LocalSigner;
use std::time::{Duration, Instant};

fn chain() -> TrustChain {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime.block_on(cazier_shared::testing::self_issued_chain(
        &LocalSigner::random(),
    ))
}

fn prepare(content: &CertificateContent<'_>, chain: &TrustChain) -> Vec<u8> {
    // Room for a timestamp token as the local TSA's (about 1.2 KB).
    let prepared =
        render(content, seal::cms_capacity(chain, 1_300).expect("capacity")).expect("render");
    let attributes = seal::signed_attributes(&prepared.digest(), chain.seal()).expect("attributes");
    let _to_sign = seal::to_be_signed(&attributes).expect("DER");
    let signature = [0x30u8; 72];
    let cms = seal::signed_data(attributes, &signature, chain, None).expect("cms");
    // The validation material appended as for PAdES-B-LT (the chain; CRLs add their size).
    let material = cazier_shared::pdf::dss::ValidationMaterial {
        certificates: chain
            .certificates()
            .iter()
            .map(|c| der::Encode::to_der(c).expect("DER"))
            .collect(),
        crls: Vec::new(),
    };
    cazier_shared::pdf::dss::append(prepared.embed(&cms).expect("embed"), &material).expect("DSS")
}

fn measure(label: &str, content: &CertificateContent<'_>, chain: &TrustChain) {
    for _ in 0..20 {
        prepare(content, chain);
    }
    let mut samples: Vec<Duration> = (0..300)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(prepare(content, chain));
            started.elapsed()
        })
        .collect();
    samples.sort();
    let size = prepare(content, chain).len();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label}: median {:.2} ms, p90 {:.2} ms, max {:.2} ms over {} runs; PDF {} bytes ({:.1} KB)",
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 9 / 10]),
        ms(samples[samples.len() - 1]),
        samples.len(),
        size,
        size as f64 / 1024.0
    );
}

fn main() {
    let started = Instant::now();
    cazier_shared::pdf::prepare_fonts();
    println!(
        "font parsed and the common subset's streams prepared (once per process): {:.2} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    let chain = chain();
    let person = Person {
        cnp: Cnp::parse("2911104279351").expect("cnp"),
        last_name: Name::parse("Ştefănescu").expect("name"),
        first_name: Name::parse("Ana-Maria").expect("name"),
        father_first_name: Some(Name::parse("Ion").expect("name")),
        mother_first_name: Some(Name::parse("Elena").expect("name")),
        birth_place: Some(Name::parse("Câmpulung Moldovenesc").expect("name")),
        id_document: IdDocument::parse("CI", Some("RX"), "123456").expect("document"),
    };
    let number = CertificateNumber::new(2026, 42);
    let now = chrono::Utc::now();
    let url = "https://cazier.example.ro/verificare?number=CJ-2026-00000042";
    // As long as a real one: the URL, `#CZ1:` and a signed statement (260 base64url letters).
    let qr_text = format!("{url}#CZ1:{}", "0gVDgmlsD8uK".repeat(22));
    let mut content = CertificateContent {
        number: &number,
        issued_at: now,
        valid_until: cazier_shared::domain::valid_until(now),
        issuing_unit: "Inspectoratul General al Poliției Române",
        holder: Holder::Person(&person),
        purpose: Purpose::Emigrare,
        entries: &[],
        verification_url: url,
        qr_text: &qr_text,
    };
    measure("no entries", &content, &chain);
    let entries: Vec<RecordEntry> = (1..=3)
        .map(|i| RecordEntry {
            entry_id: format!("e{i}"),
            court: "Judecătoria Sectorului 2 București".into(),
            decision: format!("{i}234/2019"),
            decision_date: chrono::NaiveDate::from_ymd_opt(2019, 3, i).expect("date"),
            offence: "Conducerea unui vehicul fără permis de conducere (art. 335 Cod penal)".into(),
            penalty: "1 an închisoare cu suspendarea executării sub supraveghere".into(),
            rehabilitated: false,
        })
        .collect();
    content.entries = &entries;
    measure("three entries", &content, &chain);

    // A name with a letter outside the prebuilt common subset: the document's own subset.
    let foreign = Person {
        last_name: Name::parse("Łukasiewicz").expect("name"),
        ..person.clone()
    };
    content.holder = Holder::Person(&foreign);
    content.entries = &[];
    measure(
        "no entries, a name outside the common letters",
        &content,
        &chain,
    );
}
