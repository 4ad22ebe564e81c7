//! How long a verifier offline takes to check a certificate: the whole PDF (its seal, what
//! follows it, its timestamp, its QR code's statement) and the QR code's text alone, against
//! the trust file, in a release build on one core. A genuine PAdES-B-LT certificate issued
//! with the in-memory ports (the same pipeline, TSA and validation material included).

use cazier_e2e::forgery::issued_in_memory;
use cazier_shared::statement::{verify, verify_pdf, TrustFile, Verdict};
use std::time::Instant;

fn median_us(runs: usize, mut f: impl FnMut() -> bool) -> (f64, f64) {
    let mut samples: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            assert!(f(), "verified");
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    (samples[runs / 2], samples[runs * 9 / 10])
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let issued = runtime.block_on(issued_in_memory());
    let trust = TrustFile::from_pem(&issued.chain);
    let now = chrono::Utc::now();
    let text = String::from_utf8_lossy(&issued.pdf).into_owned();
    let at = text.find("#CZ1:").expect("a statement") + 1;
    let statement: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-_:".contains(*c))
        .collect();
    let (pdf_median, pdf_p90) = median_us(300, || {
        matches!(verify_pdf(&issued.pdf, &trust, now), Verdict::Valid(_))
    });
    let (qr_median, qr_p90) = median_us(1000, || {
        matches!(verify(&statement, &trust.keys, now), Verdict::Valid(_))
    });
    println!(
        "offline PDF check ({} KB, PAdES-B-LT): median {:.0} µs, p90 {:.0} µs",
        issued.pdf.len() / 1024,
        pdf_median,
        pdf_p90
    );
    println!("offline QR statement check: median {qr_median:.0} µs, p90 {qr_p90:.0} µs");
}
