//! The forgery corpus (`cazier_e2e::forgery`) judged by every verifier of ours (the offline
//! check of `cazier-verify` and its binary, the online document route) and by an outside
//! oracle, pyHanko's difference analysis, in the same test: every file pyHanko refuses we
//! refuse; any file we accept pyHanko accepts too; the genuine files are accepted by all.
//! The table of verdicts is printed (and written to target/forgery/verdicts.txt).

use cazier_e2e::forgery::{
    corpus, forged_timestamp, issued_in_memory, many_updates, timestamp_removed,
};
use cazier_shared::domain::DocumentResult;
use cazier_shared::pdf::pades::read_signed;
use cazier_shared::statement::{verify_pdf, TrustFile, Verdict};
use cazier_shared::wiring::ServiceGraphs;
use der::Encode;
use serde_json::Value;
use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

/// pyHanko's verdict on each file (tests/interop/pdf_diff.py), by path.
fn pyhanko(root_pem: &str, files: &[String]) -> HashMap<String, Value> {
    let workspace = cazier_e2e::workspace_root();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root.pem");
    std::fs::write(&root, root_pem).unwrap();
    let out = Command::new(workspace.join(".venv/bin/python"))
        .arg(workspace.join("tests/interop/pdf_diff.py"))
        .arg(&root)
        .args(files)
        .output()
        .expect("pyHanko in .venv (make venv)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|v| (v["file"].as_str().unwrap().to_owned(), v))
        .collect()
}

fn cli(trust: &str, file: &str) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cazier-verify"))
        .args(["--trust", trust, file])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_forgery_is_refused_by_us_and_whatever_pyhanko_refuses_we_refuse() {
    let issued = issued_in_memory().await;
    let signed_len = read_signed(&issued.pdf).unwrap().signed_len;
    let chain = x509_cert::Certificate::load_pem_chain(issued.chain.as_bytes()).unwrap();
    let some_certificate = chain[0].to_der().unwrap();
    let mut files = corpus(&issued.pdf, signed_len, &some_certificate);
    files.push(forged_timestamp(&issued).await);
    files.push(timestamp_removed(&issued));
    assert!(files.len() >= 25, "{} files", files.len());

    let dir = tempfile::tempdir().unwrap();
    let trust = dir.path().join("trust.pem").to_string_lossy().into_owned();
    std::fs::write(&trust, &issued.chain).unwrap();
    let paths: Vec<String> = files
        .iter()
        .map(|f| {
            let path = dir.path().join(format!("{}.pdf", f.name));
            std::fs::write(&path, &f.bytes).unwrap();
            path.to_string_lossy().into_owned()
        })
        .collect();
    let root_pem = issued.chain[issued.chain.rfind("-----BEGIN").unwrap()..].to_owned();
    let oracle = pyhanko(&root_pem, &paths);
    let trusted = TrustFile::from_pem(&issued.chain);
    assert!(trusted.names_timestamping_authority());
    let online = issued.memory.verification_service().unwrap();

    let mut table = vec![format!(
        "{:<42} {:<8} {:<8} {:<8} pyHanko",
        "file", "offline", "cli", "online"
    )];
    for (file, path) in files.iter().zip(&paths) {
        let offline = verify_pdf(&file.bytes, &trusted, chrono::Utc::now());
        let offline_ok = matches!(offline, Verdict::Valid(_));
        let (code, printed) = cli(&trust, path);
        let online_ok = matches!(
            online
                .verify_document(&file.bytes, Some("application/pdf"), file.name)
                .await,
            Ok(answer) if answer.result == DocumentResult::Valid
        );
        let theirs = &oracle[path];
        let pyhanko_ok = theirs["accepted"] == true;
        let said = |ok: bool| if ok { "accept" } else { "refuse" };
        table.push(format!(
            "{:<42} {:<8} {:<8} {:<8} {} {}",
            file.name,
            said(offline_ok),
            said(code == 0),
            said(online_ok),
            said(pyhanko_ok),
            theirs["modification_level"]
                .as_str()
                .or(theirs["error"].as_str())
                .unwrap_or_default()
        ));
        // Ours agree with each other, and with what the file is.
        assert_eq!(
            offline_ok, file.genuine,
            "{}: offline {offline:?}",
            file.name
        );
        assert_eq!(code == 0, file.genuine, "{}: cli {printed}", file.name);
        assert_eq!(online_ok, file.genuine, "{}: online", file.name);
        // pyHanko as the oracle: what it refuses we refuse; what we accept it accepts.
        if !pyhanko_ok {
            assert!(!offline_ok, "{}: pyHanko refuses, we accept", file.name);
        }
        if offline_ok {
            assert!(
                pyhanko_ok,
                "{}: we accept, pyHanko refuses: {theirs}",
                file.name
            );
        }
        if !file.genuine {
            assert!(
                printed.starts_with("INVALID"),
                "{}: the CLI says why: {printed}",
                file.name
            );
        }
    }
    let report = table.join("\n");
    println!("{report}");
    let out = cazier_e2e::workspace_root().join("target/forgery");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("verdicts.txt"), &report).unwrap();
}

#[tokio::test]
async fn hostile_files_are_refused_quickly_in_bounded_memory() {
    let issued = issued_in_memory().await;
    let trusted = TrustFile::from_pem(&issued.chain);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("ten thousand updates", many_updates(&issued.pdf, 10_000)),
        (
            "fifty megabytes appended",
            [issued.pdf.as_slice(), &vec![b'%'; 50 * 1024 * 1024]].concat(),
        ),
        (
            "a huge stream declared",
            [
                &issued.pdf[..issued.pdf.len() - 6],
                b"\n99 0 obj\n<< /Length 99999999999 >>\nstream\n",
            ]
            .concat(),
        ),
    ];
    for (what, bytes) in cases {
        let started = Instant::now();
        let verdict = verify_pdf(&bytes, &trusted, chrono::Utc::now());
        assert!(
            matches!(verdict, Verdict::Invalid(_)),
            "{what}: {verdict:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{what}: {:?}",
            started.elapsed()
        );
    }
}

/// The CLI prints a timestamp's time and authority only when the trust file names that
/// authority: with a trust file saved before timestamps were published, it says it could not
/// check one, and a forger's is never shown as fact.
#[tokio::test]
async fn a_timestamp_is_printed_only_when_a_trusted_authority_signed_it() {
    let issued = issued_in_memory().await;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_string_lossy().into_owned()
    };
    let full = write("trust.pem", issued.chain.as_bytes());
    // The seal's chain alone (as published before): its last certificate is the root, so
    // the first two are the seal and the root.
    let seal_chain = cazier_shared::services::trust::load(&*issued.memory.blobs)
        .await
        .unwrap()
        .unwrap()
        .to_pem()
        .unwrap();
    let old = write("old-trust.pem", seal_chain.as_bytes());
    let genuine = write("genuine.pdf", &issued.pdf);
    let forged = write("forged.pdf", &forged_timestamp(&issued).await.bytes);

    let (code, printed) = cli(&full, &genuine);
    assert_eq!(code, 0, "{printed}");
    assert!(printed.contains("timestamped:  20"), "{printed}");
    assert!(printed.contains("by CN=cazier test TSA"), "{printed}");

    let (code, printed) = cli(&full, &forged);
    assert_eq!(code, 2, "{printed}");
    assert!(
        printed.starts_with("INVALID: the seal's timestamp is not from a trusted"),
        "{printed}"
    );
    assert!(!printed.contains("2020-01-01"), "{printed}");

    // A trust file without the authority's certificate cannot confirm the forger's token:
    // "not checked", never its date. (The in-memory TSA is issued by the seal's root, which
    // the old file names, so the genuine token still verifies there.)
    let (code, printed) = cli(&old, &forged);
    assert_eq!(code, 0, "{printed}");
    assert!(printed.contains("timestamped:  not checked"), "{printed}");
    assert!(!printed.contains("2020-01-01"), "{printed}");
    let (code, printed) = cli(&old, &genuine);
    assert_eq!(code, 0, "{printed}");
    assert!(printed.contains("by CN=cazier test TSA"), "{printed}");
}
