//! The certificate PDF as outsiders see it: checked by pdfsig (poppler), pyHanko, qpdf, openssl
//! and pdftotext on documents the stack really issued, and by `POST /v1/verifications/document`.
//! (Over 400 lines on purpose: one stack and one issued document shared by every outside
//! validator; splitting it would start a second stack.)

use cazier_e2e::*;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// Runs a tool; returns (success, stdout + stderr).
fn run(program: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} must be installed (make venv installs it): {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn pyhanko() -> String {
    workspace_root()
        .join(".venv/bin/pyhanko")
        .to_string_lossy()
        .into_owned()
}

struct Workdir(PathBuf);

impl Workdir {
    fn new() -> Workdir {
        let dir = std::env::temp_dir().join(format!("cazier-doc-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("work dir");
        Workdir(dir)
    }

    fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("write");
        path.to_string_lossy().into_owned()
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The published chain, as served to anyone.
fn published_chain(client: &Client) -> (String, Vec<String>) {
    let r = client.get("/v1/trust/certificates", None);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/pem-certificate-chain")
    );
    let pem = String::from_utf8(r.body).expect("PEM text");
    let certificates: Vec<String> = pem
        .split_inclusive("-----END CERTIFICATE-----\n")
        .map(str::to_owned)
        .collect();
    (pem, certificates)
}

/// An NSS database that trusts `root` (for pdfsig).
fn nss_trusting(dir: &Workdir, root: &str) -> String {
    let db = dir.path("nss");
    std::fs::create_dir_all(&db).expect("nss dir");
    let db = format!("sql:{db}");
    let (ok, out) = run("certutil", &["-N", "-d", &db, "--empty-password"]);
    assert!(ok, "{out}");
    let root_file = dir.write("root-for-nss.pem", root.as_bytes());
    let (ok, out) = run(
        "certutil",
        &[
            "-A",
            "-d",
            &db,
            "-n",
            "cazier-root",
            "-t",
            "CT,C,C",
            "-i",
            &root_file,
        ],
    );
    assert!(ok, "{out}");
    db
}

/// The CMS and the signed bytes of a PDF, by its /ByteRange.
fn signature_parts(pdf: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let text = String::from_utf8_lossy(pdf);
    let at = text.rfind("/ByteRange").expect("a signature") + "/ByteRange".len();
    let open = text[at..].find('[').unwrap() + at + 1;
    let close = text[at..].find(']').unwrap() + at;
    let range: Vec<usize> = text[open..close]
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    let mut signed = pdf[range[0]..range[0] + range[1]].to_vec();
    signed.extend_from_slice(&pdf[range[2]..range[2] + range[3]]);
    let hex = &pdf[range[0] + range[1] + 1..range[2] - 1];
    let mut der = hex::decode(hex).expect("hex contents");
    // Drop the zero padding: the DER length says where the CMS ends.
    let len = match der[1] {
        n if n < 0x80 => 2 + n as usize,
        0x81 => 3 + der[2] as usize,
        0x82 => 4 + ((der[2] as usize) << 8 | der[3] as usize),
        _ => panic!("unexpected CMS length"),
    };
    der.truncate(len);
    (der, signed)
}

fn issued_pdf(client: &Client, citizen: &Citizen) -> (String, Vec<u8>) {
    let request = citizen.request_and_wait(client, "EMIGRARE");
    assert_eq!(request["status"], "ISSUED", "{request}");
    let number = request["certificate_number"].as_str().unwrap().to_owned();
    let pdf = download_pdf(client, citizen, &number);
    (number, pdf)
}

fn pdfsig(nss: &str, pdf: &str) -> String {
    // pdfsig exits 0 whatever it finds: the text is what counts.
    run("pdfsig", &["-nssdir", nss, pdf]).1
}

/// pyHanko's basic validation, trusting `roots` (the seal's, and the TSA's for its tokens).
fn pyhanko_validate(roots: &[&str], pdf: &str) -> (bool, String) {
    let mut args = vec!["sign", "validate", "--trust-replace"];
    for root in roots {
        args.extend(["--trust", root]);
    }
    args.push(pdf);
    run(&pyhanko(), &args)
}

/// pyHanko's AdES validation (ETSI EN 319 102-1: revocation data required for every
/// certificate), with no network at all (an empty network namespace): what a verifier can do
/// with the document alone, years from now.
fn pyhanko_ades_offline(roots: &[&str], pdf: &str) -> (bool, String) {
    let python = pyhanko();
    let mut args = vec![
        "-rn",
        python.as_str(),
        "sign",
        "adesverify",
        "--trust-replace",
    ];
    for root in roots {
        args.extend(["--trust", root]);
    }
    args.extend(["--pretty-print", pdf]);
    run("unshare", &args)
}

#[test]
fn an_issued_certificate_is_trusted_by_pdf_validators_and_readable() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let (number, pdf) = issued_pdf(&client, &citizen);
    let dir = Workdir::new();
    let pdf_path = dir.write("certificate.pdf", &pdf);
    let (_, chain) = published_chain(&client);
    assert_eq!(
        chain.len(),
        4,
        "seal certificate, the root, then the TSA's certificate and root"
    );
    assert_eq!(chain[3], stack.tsa.root_pem, "the TSA's root last");
    let root = dir.write("root.pem", chain[1].as_bytes());
    let nss = nss_trusting(&dir, &chain[1]);

    let sig = pdfsig(&nss, &pdf_path);
    assert!(sig.contains("Signature is Valid"), "{sig}");
    assert!(sig.contains("Certificate is Trusted"), "{sig}");
    assert!(sig.contains("ETSI.CAdES.detached"), "{sig}");
    // Followed by its validation material (PAdES-B-LT), in an incremental update.
    assert!(sig.contains("Not total document signed"), "{sig}");

    let tsa_root = dir.write("tsa-root.pem", stack.tsa.root_pem.as_bytes());
    let (ok, report) = pyhanko_validate(&[&root, &tsa_root], &pdf_path);
    assert!(ok, "{report}");
    assert!(report.contains("INTACT"), "{report}");
    assert!(report.contains("TRUSTED"), "{report}");

    let (ok, out) = run("qpdf", &["--check", &pdf_path]);
    assert!(ok, "{out}");
    assert!(out.contains("No syntax or stream encoding errors"), "{out}");

    let (cms, signed) = signature_parts(&pdf);
    let cms_path = dir.write("signature.der", &cms);
    let content_path = dir.write("signed-bytes.bin", &signed);
    let (ok, out) = run(
        "openssl",
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            &cms_path,
            "-content",
            &content_path,
            "-CAfile",
            &root,
            "-out",
            "/dev/null",
        ],
    );
    assert!(ok && out.contains("Verification successful"), "{out}");
    let (ok, attrs) = run(
        "openssl",
        &[
            "cms", "-cmsout", "-print", "-inform", "DER", "-in", &cms_path,
        ],
    );
    assert!(ok, "{attrs}");
    assert!(
        attrs.contains("id-smime-aa-signingCertificateV2"),
        "{attrs}"
    );
    assert!(attrs.contains("messageDigest"), "{attrs}");
    // PAdES: no signing-time among the seal's signed attributes (the TSA's token has one).
    let seal_attributes = seal_signer(&cms).signed_attrs.expect("signed attributes");
    let signing_time = const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
    assert!(seal_attributes.iter().all(|a| a.oid != signing_time));

    let (ok, text) = run("pdftotext", &["-layout", &pdf_path, "-"]);
    assert!(ok, "{text}");
    for expected in [
        "Ștefănescu",
        "Ana-Maria",
        "Câmpulung Moldovenesc",
        "CERTIFICAT DE CAZIER JUDICIAR",
        "CRIMINAL RECORD CERTIFICATE",
        "Place of birth (as declared)",
        "Emigrare / Emigration",
        "NU ESTE ÎNSCRISĂ",
        "has no entries in the criminal record",
        number.as_str(),
        citizen.cnp.as_str(),
    ] {
        assert!(
            text.contains(expected),
            "pdftotext lacks {expected:?}:\n{text}"
        );
    }
    // The QR code, read off the rendered page, opens the verification page for this number.
    let (ok, out) = run(
        "pdftoppm",
        &[
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            &pdf_path,
            &dir.path("page"),
        ],
    );
    assert!(ok, "{out}");
    let (ok, qr) = run("zbarimg", &["-q", "--raw", &dir.path("page-1.png")]);
    assert!(ok, "{qr}");
    // …and carries the seal's signed statement, which verifies offline with the published
    // certificates: what the paper says, read back from the QR code alone.
    let expected_url = format!("https://cazier.example.ro/verificare?number={number}#CZ1:");
    let qr = qr.lines().next().unwrap_or_default().to_owned();
    assert!(qr.starts_with(&expected_url), "{qr}");
    println!("QR code: {} characters", qr.len());
    let trusted = cazier_shared::statement::trusted_keys(&published_chain(&client).0);
    let verdict = cazier_shared::statement::verify(&qr, &trusted, chrono::Utc::now());
    let cazier_shared::statement::Verdict::Valid(said) = verdict else {
        panic!("the QR code's statement: {verdict:?}");
    };
    assert_eq!(said.number.as_str(), number.as_str());
    let printed = pdf_text(&pdf);
    assert!(
        said.holder_name
            .split(' ')
            .all(|name| printed.contains(name)),
        "{said:?}"
    );
    assert!(!qr.contains(&citizen.cnp), "no CNP in the QR code");
    // An independent implementation (pycose and cbor2, from PyPI) agrees, and refuses the
    // statement with one letter changed.
    let interop = |text: &str| {
        let python = workspace_root().join(".venv/bin/python");
        let script = workspace_root().join("tests/interop/cose_verify.py");
        let (ok, out) = run(
            &python.to_string_lossy(),
            &[&script.to_string_lossy(), &dir.path("chain.pem"), text],
        );
        assert!(ok, "{out}");
        serde_json::from_str::<serde_json::Value>(out.trim()).expect(&out)
    };
    dir.write("chain.pem", published_chain(&client).0.as_bytes());
    let theirs = interop(&qr);
    println!("pycose: {theirs}");
    assert_eq!(theirs["valid"], true, "{theirs}");
    assert!(theirs["alg"].as_str().unwrap_or_default().contains("Es256"));
    assert_eq!(theirs["number"], number.as_str());
    assert_eq!(theirs["holder"], said.holder_name.as_str());
    assert_eq!(theirs["valid_until"], said.valid_until.to_string());
    let at = qr.len() - 20;
    let flipped = if &qr[at..=at] == "A" { "B" } else { "A" };
    let altered = format!("{}{flipped}{}", &qr[..at], &qr[at + 1..]);
    assert_eq!(interop(&altered)["valid"], false);
    let (ok, pages) = run("pdfinfo", &[&pdf_path]);
    let page_count = pages
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(str::trim);
    assert!(ok && page_count == Some("1"), "{pages}");
    assert!(pages.contains("595.28 x 841.89"), "A4: {pages}");
    println!("PDF: {} bytes", pdf.len());
    // 31 KB of certificate, its timestamp token and the validation material (PAdES-B-LT).
    assert!(pdf.len() <= 40 * 1024, "{} bytes", pdf.len());

    let answer = verify_document(&client, &pdf);
    assert_eq!(answer.status, 200);
    let answer = answer.json();
    assert_eq!(answer["result"], "VALID", "{answer}");
    assert_eq!(answer["signature"], "VALID");
    assert_eq!(answer["certificate_number"], number.as_str());
    assert!(answer["valid_until"].is_string());
}

/// The byte offset of `needle` in the PDF, which must lie in the signed bytes.
fn offset_of(pdf: &[u8], needle: &[u8]) -> usize {
    pdf.windows(needle.len())
        .position(|w| w == needle)
        .expect("needle in the PDF")
}

/// The seal's signer information in its CMS.
fn seal_signer(cms_der: &[u8]) -> cms::signed_data::SignerInfo {
    use der::Decode;
    let content = cms::content_info::ContentInfo::from_der(cms_der).expect("CMS");
    let signed = content
        .content
        .decode_as::<cms::signed_data::SignedData>()
        .expect("SignedData");
    let signer = signed.signer_infos.0.iter().next().expect("a signer");
    signer.clone()
}

/// The seal's timestamp token (the signer's unsigned attribute) and its signature value.
fn timestamp_token(cms_der: &[u8]) -> (Vec<u8>, Vec<u8>) {
    use der::Encode;
    let signer = seal_signer(cms_der);
    let token = signer
        .unsigned_attrs
        .as_ref()
        .and_then(|a| a.iter().next())
        .and_then(|a| a.values.iter().next())
        .expect("an unsigned attribute: the timestamp token")
        .to_der()
        .expect("DER");
    (token, signer.signature.as_bytes().to_vec())
}

#[test]
fn the_seal_is_timestamped_and_validates_long_term_without_the_network() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let (_, pdf) = issued_pdf(&client, &citizen);
    println!("PAdES-B-LT certificate: {} bytes", pdf.len());
    let dir = Workdir::new();
    let path = dir.write("certificate.pdf", &pdf);
    let (_, chain) = published_chain(&client);
    let root = dir.write("root.pem", chain[1].as_bytes());
    let tsa_root = dir.write("tsa-root.pem", stack.tsa.root_pem.as_bytes());

    // pyHanko, offline: the seal and the TSA trusted, with the revocation data in the file.
    let (ok, report) = pyhanko_ades_offline(&[&root, &tsa_root], &path);
    println!("pyhanko sign adesverify (no network):\n{report}");
    assert!(ok, "{report}");
    assert!(
        report.contains("The signer's certificate is trusted."),
        "{report}"
    );
    assert!(
        report.contains("This timestamp is backed by a time stamping authority."),
        "{report}"
    );
    assert!(
        report.contains("The TSA certificate is trusted."),
        "{report}"
    );
    assert!(
        report.contains("All modifications relate to signature maintenance"),
        "{report}"
    );
    assert!(
        report.contains("The signature is judged VALID."),
        "{report}"
    );

    // The same signature without its validation material (B-T only) is not trusted offline:
    // the DSS is what carries it.
    let signed_end = memchr::memmem::find(&pdf, b"%%EOF").expect("first revision") + 5;
    let bare = dir.write("without-dss.pdf", &pdf[..signed_end]);
    let (ok, report) = pyhanko_ades_offline(&[&root, &tsa_root], &bare);
    assert!(!ok, "{report}");
    assert!(
        report.contains("no revocation information could be found"),
        "{report}"
    );

    // openssl: the token is over this signature's value and by the TSA.
    let (cms_der, _) = signature_parts(&pdf);
    let (token, signature) = timestamp_token(&cms_der);
    // What cazier-verify prints: the time and the authority, read from the seal and judged
    // by the published trust file (which names the TSA beside the seal's chain).
    let trust = cazier_shared::statement::TrustFile::from_pem(&published_chain(&client).0);
    assert!(trust.names_timestamping_authority());
    let cazier_shared::timestamp::SealTime::Trusted { time, authority } =
        cazier_shared::timestamp::seal_time(&cms_der, &trust.certificates)
    else {
        panic!("a trusted timestamp");
    };
    assert!(
        (chrono::Utc::now() - time).num_seconds().abs() < 120,
        "{time}"
    );
    assert!(
        authority.contains("cazier local timestamping authority"),
        "{authority}"
    );
    let token_path = dir.write("token.der", &token);
    let imprint = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&signature));
    let verify = |digest: &str| {
        run(
            "openssl",
            &[
                "ts",
                "-verify",
                "-token_in",
                "-in",
                &token_path,
                "-digest",
                digest,
                "-CAfile",
                &tsa_root,
            ],
        )
    };
    let (ok, out) = verify(&imprint);
    assert!(ok && out.contains("Verification: OK"), "{out}");
    let mut other = imprint.clone().into_bytes();
    other[0] = if other[0] == b'0' { b'1' } else { b'0' };
    let (ok, out) = verify(std::str::from_utf8(&other).expect("hex"));
    assert!(!ok && out.contains("message imprint mismatch"), "{out}");
    let (_, text) = run(
        "openssl",
        &["ts", "-reply", "-token_in", "-in", &token_path, "-text"],
    );
    println!("openssl ts -reply -token_in -text:\n{text}");
    assert!(
        text.contains("cazier local timestamping authority"),
        "{text}"
    );

    // pdfsig (poppler 22 shows no RFC 3161 token): the seal valid, the update after it.
    let nss = nss_trusting(&dir, &chain[1]);
    let sig = pdfsig(&nss, &path);
    println!("pdfsig:\n{sig}");
    assert!(sig.contains("Signature is Valid"), "{sig}");
    assert!(sig.contains("Certificate is Trusted"), "{sig}");

    // cazier-verify's own check: the DSS update is accepted after the seal.
    let trusted = cazier_shared::statement::TrustFile::from_pem(&published_chain(&client).0);
    let verdict = cazier_shared::statement::verify_pdf(&pdf, &trusted, chrono::Utc::now());
    assert!(
        matches!(verdict, cazier_shared::statement::Verdict::Valid(_)),
        "{verdict:?}"
    );
}

#[test]
fn one_changed_byte_is_caught_by_everyone() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let (number, pdf) = issued_pdf(&client, &citizen);
    let dir = Workdir::new();
    let (_, chain) = published_chain(&client);
    let root = dir.write("root.pem", chain[1].as_bytes());
    let nss = nss_trusting(&dir, &chain[1]);

    // The producer name in the document information: "cazier" -> "cazies".
    let mut tampered = pdf.clone();
    let at = offset_of(&tampered, b"(cazier)") + 6;
    tampered[at] = b's';
    let path = dir.write("tampered.pdf", &tampered);

    let sig = pdfsig(&nss, &path);
    assert!(!sig.contains("Signature is Valid"), "{sig}");
    assert!(
        sig.contains("Signature is Invalid") || sig.contains("Digest Mismatch"),
        "{sig}"
    );
    let (ok, report) = pyhanko_validate(&[&root], &path);
    assert!(!ok || !report.contains("INTACT"), "{report}");

    let answer = verify_document(&client, &tampered).json();
    assert_eq!(answer["result"], "TAMPERED", "{answer}");
    assert_eq!(answer["signature"], "INVALID");
    assert_eq!(answer["certificate_number"], number.as_str());

    // Bytes appended after the signed range (an incremental update) are a change too.
    let mut appended = pdf.clone();
    appended.extend_from_slice(b"\n% added later\n%%EOF\n");
    let answer = verify_document(&client, &appended).json();
    assert_eq!(answer["result"], "TAMPERED", "{answer}");

    // The genuine document still verifies.
    assert_eq!(verify_document(&client, &pdf).json()["result"], "VALID");
}

#[test]
fn the_published_chain_is_for_the_signing_key() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let (pem, chain) = published_chain(&client);
    let dir = Workdir::new();
    let seal = dir.write("seal.pem", chain[0].as_bytes());
    let root = dir.write("root.pem", chain[1].as_bytes());
    let (ok, out) = run("openssl", &["verify", "-CAfile", &root, &seal]);
    assert!(ok, "the root signs the seal certificate: {out}");
    let (ok, text) = run("openssl", &["x509", "-in", &seal, "-noout", "-text"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("Digital Signature, Non Repudiation"),
        "{text}"
    );
    assert!(text.contains("CA:FALSE"), "{text}");

    // Its public key is the KMS signing key's.
    let (ok, seal_key) = run("openssl", &["x509", "-in", &seal, "-noout", "-pubkey"]);
    assert!(ok);
    let kms_key = stack.signing_public_key();
    let kms_pem = dir.write("kms.der", &kms_key);
    let (ok, kms_pem) = run(
        "openssl",
        &["pkey", "-pubin", "-inform", "DER", "-in", &kms_pem],
    );
    assert!(ok);
    assert_eq!(seal_key.trim(), kms_pem.trim());
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
}

/// Letters outside the font subset every certificate shares (built once per process) take the
/// document's own subset: they print, they are extracted, and the signature still holds.
#[test]
fn a_name_outside_the_common_letters_prints_and_is_extracted() {
    use cazier_shared::domain::Name;
    let mut holder = citizen_account(&random_cnp()).person.expect("a person");
    holder.last_name = Name::parse("Łukasiewicz").expect("name");
    holder.first_name = Name::parse("Jiří").expect("name");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let pdf = runtime
        .block_on(another_issuers_certificate(Some(holder)))
        .expect("a PDF");
    let dir = Workdir::new();
    let path = dir.write("foreign.pdf", &pdf);
    let (ok, text) = run("pdftotext", &["-layout", &path, "-"]);
    assert!(ok, "{text}");
    for expected in ["Łukasiewicz", "Jiří", "CERTIFICAT DE CAZIER JUDICIAR"] {
        assert!(
            text.contains(expected),
            "pdftotext lacks {expected:?}:\n{text}"
        );
    }
    let (ok, fonts) = run("pdffonts", &[&path]);
    assert!(ok, "{fonts}");
    let font = fonts.lines().nth(2).unwrap_or_default();
    assert!(
        font.contains("DejaVuSans") && font.contains("yes yes yes"),
        "{fonts}"
    );
    let (ok, out) = run("qpdf", &["--check", &path]);
    assert!(
        ok && out.contains("No syntax or stream encoding errors"),
        "{out}"
    );
    let sig = run("pdfsig", &[&path]).1;
    assert!(sig.contains("Signature is Valid"), "{sig}");
}

#[test]
fn a_pdf_signed_by_another_key_was_not_issued_here() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let dir = Workdir::new();
    let other = stack
        .runtime
        .block_on(another_issuers_certificate(None))
        .expect("another issuer's PDF");
    let path = dir.write("other.pdf", &other);
    // A well-formed, valid signature (pdfsig says so), just not by this service.
    let sig = run("pdfsig", &[&path]).1;
    assert!(sig.contains("Signature is Valid"), "{sig}");
    let answer = verify_document(&client, &other);
    assert_eq!(answer.status, 200);
    let answer = answer.json();
    assert_eq!(answer["result"], "NOT_ISSUED_HERE", "{answer}");
    assert_eq!(answer["signature"], "INVALID");
    assert_eq!(answer["certificate_number"], Value::Null);
}

/// A certificate rendered and sealed exactly as ours are, by a key and chain of someone else's.
/// The holder is a random citizen unless given.
async fn another_issuers_certificate(
    holder: Option<cazier_shared::domain::Person>,
) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    use cazier_shared::domain::{CertificateNumber, Purpose};
    use cazier_shared::pdf::{render, CertificateContent, Holder};
    use cazier_shared::seal;
    let key = LocalSigner::random();
    let root = seal::issue_certificate(
        &key,
        None,
        "CN=Someone else,C=RO",
        &key.public_key_der(),
        seal::Profile::Root,
        std::time::Duration::from_secs(86400),
    )
    .await?;
    let leaf = seal::issue_certificate(
        &key,
        Some(&root),
        "CN=Someone else's seal,C=RO",
        &key.public_key_der(),
        seal::Profile::Seal,
        std::time::Duration::from_secs(86400),
    )
    .await?;
    let chain = seal::TrustChain::new(vec![leaf, root])?;
    let person = match holder {
        Some(person) => person,
        None => citizen_account(&random_cnp()).person.expect("a person"),
    };
    let now = chrono::Utc::now();
    let number = CertificateNumber::new(2026, 1);
    let prepared = render(
        &CertificateContent {
            number: &number,
            issued_at: now,
            valid_until: cazier_shared::domain::valid_until(now),
            issuing_unit: "Someone else",
            holder: Holder::Person(&person),
            purpose: Purpose::Angajare,
            entries: &[],
            verification_url: "https://example.org/verify",
            qr_text: "https://example.org/verify",
        },
        seal::cms_capacity(&chain, 0)?,
    )?;
    let attributes = seal::signed_attributes(&prepared.digest(), chain.seal())?;
    use cazier_shared::ports::Signer;
    let signature = key.sign(&seal::to_be_signed(&attributes)?).await?;
    Ok(prepared.embed(&seal::signed_data(attributes, &signature, &chain, None)?)?)
}

#[test]
fn unreadable_documents_get_a_clear_4xx() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let (_, pdf) = issued_pdf(&client, &citizen);

    verify_document(&client, b"hello, this is not a PDF").problem(400, "NOT_A_PDF");
    verify_document(&client, b"").problem(400, "NOT_A_PDF");
    verify_document(&client, &pdf[..pdf.len() / 2]).problem(400, "TRUNCATED_PDF");
    verify_document(&client, &pdf[..pdf.len() - 7]).problem(400, "TRUNCATED_PDF");
    let mut huge = pdf.clone();
    huge.resize(
        cazier_shared::services::verification::MAX_PDF_BYTES + 1,
        b' ',
    );
    verify_document(&client, &huge).problem(413, "PAYLOAD_TOO_LARGE");
    // Larger still, the event would pass Lambda's 6 MB: API Gateway answers itself, as
    // deployed (the function never sees it).
    huge.resize(5 * 1024 * 1024, b' ');
    let refused = verify_document(&client, &huge);
    assert_eq!(refused.status, 413);
    assert_eq!(refused.json()["message"], "Request Entity Too Large");
    client
        .raw(
            "POST",
            "/v1/verifications/document",
            None,
            &[("content-type", "application/json")],
            Some(b"{}"),
        )
        .problem(400, "UNSUPPORTED_MEDIA_TYPE");
    // A PDF without any signature.
    let unsigned =
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
    let answer = verify_document(&client, unsigned).json();
    assert_eq!(answer["result"], "NOT_ISSUED_HERE");
    assert_eq!(answer["signature"], "INVALID");
    // Signature bytes replaced by garbage hex.
    let mut garbled = pdf.clone();
    let at = offset_of(&garbled, b"/Contents <") + "/Contents <".len();
    garbled[at..at + 40].copy_from_slice(&[b'A'; 40]);
    let answer = verify_document(&client, &garbled);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["signature"], "INVALID");
}

#[test]
fn the_verification_page_is_served_locked_down() {
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let page = client.get("/verificare?number=CJ-2026-00000001&lang=ro", None);
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = String::from_utf8(page.body.clone()).unwrap();
    // The portal's page: its header and footer, one language, the number from the QR code.
    assert!(html.contains("Verificați un certificat de cazier judiciar"));
    assert!(html.contains("class=\"brand\""));
    assert!(html.contains("value=\"CJ-2026-00000001\""));
    // Opened from a QR code by a browser without JavaScript: what is missing, said.
    assert!(html.contains(
        "Pentru a verifica certificatul CJ-2026-00000001, introduceți mai jos CNP-ul titularului."
    ));
    // Every check is a POST: nothing typed reaches a URL.
    assert!(!html.contains("method=\"get\""), "{html}");
    for action in [
        "/verificare",
        "/verificare/document",
        "/verificare/declaratie",
    ] {
        assert!(
            html.contains(&format!("method=\"post\" action=\"{action}\"")),
            "{action}"
        );
    }
    let policy = page
        .header("content-security-policy")
        .expect("a CSP")
        .to_owned();
    assert!(policy.starts_with("default-src 'none'"), "{policy}");
    // The one inline script is allowed by its hash, and nothing else may run.
    let script = html
        .split_once("<script>")
        .unwrap()
        .1
        .split_once("</script>")
        .unwrap()
        .0;
    use base64::Engine;
    use sha2::Digest;
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script));
    assert!(
        policy.contains(&format!("script-src 'sha256-{hash}'")),
        "{policy}"
    );
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
}

/// The QR code's text in an issued PDF (its link's fragment).
fn statement_in(pdf: &[u8]) -> String {
    let text = String::from_utf8_lossy(pdf);
    let at = text.find("#CZ1:").expect("the QR code's link") + 1;
    text[at..].split(')').next().unwrap_or_default().to_owned()
}

#[test]
fn the_verification_page_answers_each_check_in_plain_words_without_javascript() {
    use cazier_e2e::portal::{html, Browser};
    let stack = stack();
    let client = Client::new(&stack.base_url);
    let citizen = Citizen::validated(&client);
    let (number, pdf) = issued_pdf(&client, &citizen);
    let page = format!("/verificare?number={number}");
    let mut browser = Browser::new("ro");

    // By number and CNP: the answer in words, the purpose's name, Romanian dates.
    let found = browser.submit(
        &page,
        "/verificare",
        &[
            ("certificate_number", &number),
            ("identifier", &citizen.cnp),
        ],
    );
    assert_eq!(found.status, 200);
    assert_eq!(found.header("cache-control"), Some("no-store"));
    let text = html(&found);
    assert!(
        text.contains("Valabil — fără mențiuni în cazierul judiciar"),
        "{text}"
    );
    assert!(
        text.contains("<title>Valabil — fără mențiuni"),
        "the outcome is the title"
    );
    assert!(text.contains("Emigrare"), "the purpose's name");
    assert!(!text.contains("EMIGRARE<"), "no purpose code shown");
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Bucharest)
        .format("%d.%m.%Y")
        .to_string();
    assert!(text.contains(&today), "the issue date as dd.mm.yyyy");
    assert!(text.contains("<details>"), "technical details folded away");
    assert!(
        !text.contains(&citizen.cnp),
        "the CNP is not left in the form once answered"
    );

    // A wrong CNP says "not found" and nothing about the certificate.
    let other = random_cnp();
    let missing = browser.submit(
        &page,
        "/verificare",
        &[("certificate_number", &number), ("identifier", &other)],
    );
    let text = html(&missing);
    assert!(text.contains("Nu am găsit certificatul"));
    assert!(!text.contains("Emigrare<"));

    // A CNP with a wrong check digit is told so, as a field error, and checks nothing.
    let mut wrong = citizen.cnp.clone().into_bytes();
    wrong[12] = if wrong[12] == b'9' {
        b'0'
    } else {
        wrong[12] + 1
    };
    let wrong = String::from_utf8(wrong).unwrap();
    let refused = browser.submit(
        &page,
        "/verificare",
        &[("certificate_number", &number), ("identifier", &wrong)],
    );
    assert_eq!(refused.status, 422);
    let text = html(&refused);
    assert!(text.contains("<title>Eroare:"), "the title says error");
    assert!(text.contains("cifra de control"), "{text}");
    assert!(
        text.contains(&format!("value=\"{wrong}\"")),
        "the typed value kept"
    );
    let empty = browser.submit(
        &page,
        "/verificare",
        &[("certificate_number", ""), ("identifier", "")],
    );
    assert_eq!(empty.status, 422);
    let text = html(&empty);
    assert!(text.contains("Introduceți seria și numărul certificatului"));
    assert!(text.contains("Introduceți CNP-ul titularului"));

    // The PDF, as a file form: genuine; one byte changed: tampered.
    let genuine = browser.upload(&page, "/verificare/document", "document", &pdf);
    assert_eq!(genuine.status, 200);
    assert!(html(&genuine).contains("documentul este cel emis de acest serviciu, nemodificat"));
    assert!(
        html(&genuine).contains("<title>Valabil — documentul"),
        "the outcome is the title"
    );
    let mut changed = pdf.clone();
    let at = offset_of(&changed, b"(cazier)") + 6;
    changed[at] = b's';
    let tampered = browser.upload(&page, "/verificare/document", "document", &changed);
    assert!(html(&tampered).contains("Documentul a fost modificat după emitere"));
    let not_pdf = browser.upload(&page, "/verificare/document", "document", b"hello");
    assert_eq!(not_pdf.status, 422);
    assert!(html(&not_pdf).contains("Fișierul ales nu este un PDF"));

    // The QR code's text, checked by the service when the page has no script.
    let statement = statement_in(&pdf);
    let checked = browser.submit(
        &page,
        "/verificare/declaratie",
        &[("statement", &statement)],
    );
    let text = html(&checked);
    assert!(text.contains("data-result=\"VALID\""), "{text}");
    assert!(text.contains("Valabil — fără mențiuni"));
    let at = statement.len() - 20;
    let mut altered = statement.clone().into_bytes();
    altered[at] = if altered[at] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    let forged = browser.submit(&page, "/verificare/declaratie", &[("statement", &altered)]);
    let text = html(&forged);
    assert!(text.contains("data-result=\"INVALID\""), "{text}");

    // Revoked since: said in words, by the number and by the QR text alike.
    assert!(stack.revoke(&number));
    let revoked = browser.submit(
        &page,
        "/verificare",
        &[
            ("certificate_number", &number),
            ("identifier", &citizen.cnp),
        ],
    );
    assert!(html(&revoked).contains("Revocat: nu îl acceptați"));
    let revoked = browser.submit(
        &page,
        "/verificare/declaratie",
        &[("statement", &statement)],
    );
    assert!(html(&revoked).contains("data-result=\"REVOKED\""));

    // In English, on request.
    let mut english = Browser::new("en");
    let found = english.submit(
        &page,
        "/verificare",
        &[
            ("certificate_number", &number),
            ("identifier", &citizen.cnp),
        ],
    );
    assert!(html(&found).contains("Revoked: do not accept it"));
}
