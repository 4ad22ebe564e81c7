//! CPU time of the wallet protocols' cryptography, as the wallet function spends it per call:
//! issuing a credential (everything but the KMS round trip: a local P-256 key signs), and
//! checking a presentation as the OpenID4VP response endpoint does (issuer signature,
//! disclosures, key-binding JWT), and reading its bit in a year's status list. Also the sizes.
//!
//! Run: `make bench` (release profile, as deployed).

use cazier_shared::statement::{seal_key_id, status_list, trusted_in};
use cazier_shared::testing::wallet::present;
use cazier_shared::testing::LocalSigner;
use cazier_shared::wallet::sd_jwt::{self, CredentialFacts, StatusReference};
use p256::ecdsa::SigningKey;
use std::time::{Duration, Instant};

fn median_us<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    for _ in 0..runs / 10 {
        std::hint::black_box(f());
    }
    let mut samples: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(f());
            started.elapsed()
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2].as_secs_f64() * 1e6
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let key = LocalSigner::random();
    let chain = runtime.block_on(cazier_shared::testing::self_issued_chain(&key));
    let kid = seal_key_id(&chain).expect("kid");
    let now = chrono::Utc::now();
    let facts = CredentialFacts {
        number: "CJ-2026-00000042".into(),
        issued_at: now,
        valid_until: cazier_shared::domain::valid_until(now),
        purpose: "ANGAJARE".into(),
        has_entries: false,
        holder_name: "Ştefănescu Ana-Maria".into(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1991, 11, 4),
        entries: Vec::new(),
    };
    let status = StatusReference {
        uri: "https://cazier.example.ro/v1/status-lists/2026".into(),
        idx: 5_000_042,
    };
    let holder = SigningKey::random(&mut rand::rngs::OsRng);
    let holder_jwk = cazier_shared::jose::public_jwk(holder.verifying_key());
    let expires = now + chrono::Duration::days(180);
    let cazier_type =
        cazier_shared::wallet::credential_type::CredentialType::of("https://cazier.example.ro");
    let issue = || {
        runtime.block_on(sd_jwt::issue(
            &facts,
            &status,
            "https://cazier.example.ro",
            &cazier_type,
            &holder_jwk,
            chain.x5c_ders(),
            &key,
            expires,
        ))
    };
    let credential = issue().expect("credential");
    let issuing = median_us(300, issue);

    let aud = "redirect_uri:https://cazier.example.ro/oid4vp/response";
    let asked = ["has_entries", "expiry_date", "holder_name"];
    let iat = now.timestamp();
    let presentation = present(&credential, Some(&asked), &holder, aud, "n-0123456789", iat);
    let trusted = trusted_in(chain.certificates());
    let checking = median_us(1000, || {
        sd_jwt::verify_presentation(
            &presentation,
            &trusted,
            &cazier_type.vct,
            aud,
            "n-0123456789",
            now,
        )
        .expect("verified")
    });
    let mut list = status_list::StatusList::new();
    for i in (0..100_000).step_by(97) {
        list.revoke(i);
    }
    let token = runtime
        .block_on(status_list::sign(
            &list,
            &status.uri,
            now,
            2 * 86_400,
            &kid,
            &chain.ders()[..1],
            &key,
        ))
        .expect("list");
    let reading = median_us(300, || {
        status_list::verify(&token, &trusted, now)
            .expect("list")
            .status_of(&status.uri, status.idx)
            .expect("covered")
    });
    println!(
        "credential issued (one local P-256 signature, no KMS): median {issuing:.0} µs; {} bytes",
        credential.len()
    );
    println!("presentation of {asked:?} checked (issuer, disclosures, key binding): median {checking:.0} µs; {} bytes", presentation.len());
    println!(
        "status list of 100,000 numbers (1,031 revoked) verified and its bit read: median {reading:.0} µs; token {} bytes",
        token.len()
    );
}
