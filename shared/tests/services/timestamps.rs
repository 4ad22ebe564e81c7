//! PAdES-B-T and B-LT without AWS: every seal carries a timestamp token over its signature,
//! checked before it goes in; the document carries the chains and current CRLs after its
//! signature, and nothing else may follow a seal; no TSA, no certificate (the request waits).

use crate::common::{issued, memory, stored_citizen, submit};
use cazier_shared::crl::{self, Crl};
use cazier_shared::pdf::dss;
use cazier_shared::pdf::pades::read_signed;
use cazier_shared::ports::{BlobStore, Clock, RequestStore, TimestampAuthority};
use cazier_shared::services::issuance::IssueError;
use cazier_shared::services::sealing::SealingError;
use cazier_shared::services::trust;
use cazier_shared::timestamp::{self, check_reply, TimestampError};
use cazier_shared::wiring::ServiceGraphs;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode, Encode};
use serde_json::json;
use sha2::{Digest, Sha256};

fn split_at_signed_end(pdf: &[u8]) -> usize {
    read_signed(pdf).expect("a seal").signed_len
}

#[tokio::test]
async fn the_seal_carries_a_token_over_its_signature_and_the_validation_material_follows() {
    let memory = memory().await;
    let (certificate, _, pdf) = issued(&memory).await;
    let signed = read_signed(&pdf).unwrap();
    let content = ContentInfo::from_der(&signed.cms[..der_len(&signed.cms)]).unwrap();
    let data = content.content.decode_as::<SignedData>().unwrap();
    let info = data.signer_infos.0.iter().next().unwrap();
    assert_eq!(info.signature.as_bytes(), certificate.signature.as_slice());
    let unsigned = info.unsigned_attrs.as_ref().expect("a timestamp token");
    let token = unsigned
        .iter()
        .find(|a| a.oid == timestamp::ID_AA_SIGNATURE_TIME_STAMP_TOKEN)
        .and_then(|a| a.values.iter().next())
        .expect("the token attribute");
    let token = ContentInfo::from_der(&token.to_der().unwrap()).unwrap();
    let imprint: [u8; 32] = Sha256::digest(&certificate.signature).into();
    let time = timestamp::check_token(&token, &imprint, None, &memory.tsa.certificate).unwrap();
    assert!((time - chrono::Utc::now()).num_seconds().abs() < 60);

    // The DSS: the seal's chain, the TSA's certificate and the root's CRL (it issued both).
    let end = split_at_signed_end(&pdf);
    assert!(dss::only_validation_material(&pdf[..end], &pdf[end..]));
    let chain = trust::load(&*memory.blobs).await.unwrap().unwrap();
    for c in chain.certificates().iter().chain([&memory.tsa.certificate]) {
        let der = c.to_der().unwrap();
        assert!(
            memchr::memmem::find(&pdf[end..], &der).is_some(),
            "{}",
            c.tbs_certificate.subject
        );
    }
    let crl = memory.blobs.get(crl::ROOT_CRL_KEY).await.unwrap().unwrap();
    assert!(memchr::memmem::find(&pdf[end..], &crl).is_some());
}

/// The length of the DER value at the start (the rest of `/Contents` is padding).
fn der_len(bytes: &[u8]) -> usize {
    let mut reader = der::SliceReader::new(bytes).unwrap();
    let header = der::Header::decode(&mut reader).unwrap();
    usize::try_from((header.encoded_len().unwrap() + header.length).unwrap()).unwrap()
}

/// `bytes` with the first `from` replaced by `to`.
fn replaced(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = memchr::memmem::find(bytes, from).expect("the text to change");
    [&bytes[..at], to, &bytes[at + from.len()..]].concat()
}

#[tokio::test]
async fn anything_else_after_the_seal_is_refused() {
    let memory = memory().await;
    let (_, _, pdf) = issued(&memory).await;
    let end = split_at_signed_end(&pdf);
    let (signed, appended) = pdf.split_at(end);
    assert!(dss::only_validation_material(signed, appended));
    // A new page tree, an extra key in the catalog, a dictionary that is not a DSS, a stream
    // with a filter (could be anything once decoded): each refused.
    for (from, to) in [
        (&b"/Type /DSS"[..], &b"/Type /Pages"[..]),
        (b" /DSS ", b" /OpenAction 4 0 R /DSS "),
        (b"/Certs [", b"/Kids ["),
        (b"<< /Length ", b"<< /Filter /FlateDecode /Length "),
    ] {
        let changed = replaced(appended, from, to);
        assert!(
            !dss::only_validation_material(signed, &changed),
            "{} → {}",
            String::from_utf8_lossy(from),
            String::from_utf8_lossy(to)
        );
    }
    // The xref pointing the first object into its own stream's bytes (where anything can
    // hide), or anything after the last %%EOF.
    let first = memchr::memmem::find(appended, b" 0 obj").expect("an object");
    let number_start = appended[..first]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |n| n + 1);
    let honest = format!("{:010} 00000 n", signed.len() + number_start);
    let inside = format!("{:010} 00000 n", signed.len() + number_start + 40);
    let redirected = replaced(appended, honest.as_bytes(), inside.as_bytes());
    assert!(!dss::only_validation_material(signed, &redirected));
    let trailing = [appended, b"% a comment after the end\n"].concat();
    assert!(!dss::only_validation_material(signed, &trailing));
    let page = b"\n8 0 obj\n<< /Type /Page >>\nendobj\n";
    let with_page = [&page[..], appended].concat();
    assert!(!dss::only_validation_material(signed, &with_page));
    assert!(!dss::only_validation_material(signed, b""));
}

#[tokio::test]
async fn a_reply_for_other_data_another_request_or_by_another_tsa_is_refused() {
    let memory = memory().await;
    let nonce = [0x41, 2, 3, 4, 5, 6, 7, 8];
    let request = timestamp::request(b"the signature", &nonce).unwrap();
    let reply = memory.tsa.exchange("memory:tsa", &request).await.unwrap();
    let tsa = &memory.tsa.certificate;
    assert!(check_reply(&reply, b"the signature", &nonce, tsa).is_ok());
    let refused = |r: Result<_, TimestampError>| matches!(r, Err(TimestampError::Invalid(_)));
    assert!(refused(check_reply(
        &reply,
        b"another signature",
        &nonce,
        tsa
    )));
    assert!(refused(check_reply(
        &reply,
        b"the signature",
        &[0x42; 8],
        tsa
    )));
    let chain = trust::load(&*memory.blobs).await.unwrap().unwrap();
    assert!(refused(check_reply(
        &reply,
        b"the signature",
        &nonce,
        chain.seal()
    )));
    // One bit of the TSTInfo's time changed: its digest in the signed attributes no longer matches.
    let mut tampered = reply.clone();
    let at = memchr::memmem::find(&tampered, b"Z\x02")
        .or_else(|| memchr::memmem::find(&tampered, b"Z"))
        .unwrap();
    tampered[at - 1] ^= 1;
    assert!(check_reply(&tampered, b"the signature", &nonce, tsa).is_err());
    assert!(check_reply(b"\x30\x03\x02\x01\x02", b"the signature", &nonce, tsa).is_err());
    assert!(check_reply(b"garbage", b"the signature", &nonce, tsa).is_err());
}

#[tokio::test]
async fn without_the_tsa_or_a_current_crl_nothing_is_issued_and_the_request_waits() {
    let memory = memory().await;
    let (_, citizen) = stored_citizen(&memory).await;
    let id = submit(&memory, &citizen, json!({"purpose": "ANGAJARE"})).await;
    let service = memory.issuance_service().unwrap();
    memory.tsa.set_failing(true);
    let error = service.issue(&id).await.unwrap_err();
    assert!(
        matches!(
            error,
            IssueError::Sealing(SealingError::Timestamp(TimestampError::Unavailable(_)))
        ),
        "{error}"
    );
    let request = memory.requests.get(&id).await.unwrap().unwrap();
    assert_eq!(request.status.as_str(), "PENDING");
    assert!(memory
        .blobs
        .keys()
        .iter()
        .all(|k| !k.starts_with("certificates/")));

    // The root's CRL has run out: the document would not validate on its own.
    memory.tsa.set_failing(false);
    memory
        .clock
        .advance(trust::ROOT_CRL_VALIDITY + chrono::Duration::days(1));
    let fresh = memory.issuance_service().unwrap();
    let error = fresh.issue(&id).await.unwrap_err();
    assert!(
        matches!(error, IssueError::Sealing(SealingError::Ltv(_))),
        "{error}"
    );

    // Ops publish the next CRL; the retry issues it.
    let chain = trust::load(&*memory.blobs).await.unwrap().unwrap();
    let crl = trust::publish_crl(&*memory.root, &chain, &*memory.blobs, memory.clock.now())
        .await
        .unwrap();
    assert!(crl.current_at(memory.clock.now()));
    assert!(fresh.issue(&id).await.is_ok());
}

#[tokio::test]
async fn a_crl_by_another_issuer_or_altered_is_refused() {
    let memory = memory().await;
    let chain = trust::load(&*memory.blobs).await.unwrap().unwrap();
    let der = memory.blobs.get(crl::ROOT_CRL_KEY).await.unwrap().unwrap();
    let root = chain.root();
    assert!(Crl::read(der.clone(), &root.tbs_certificate.subject, Some(root)).is_ok());
    assert!(Crl::read(der.clone(), &chain.seal().tbs_certificate.subject, None).is_err());
    let mut altered = der.clone();
    let n = altered.len();
    altered[n - 10] ^= 1;
    assert!(Crl::read(altered, &root.tbs_certificate.subject, Some(root)).is_err());
}

#[tokio::test]
async fn the_daily_check_sees_the_root_crl_running_out() {
    let memory = memory().await;
    let service = memory.issuance_service().unwrap();
    let left = service
        .root_crl_left()
        .await
        .unwrap()
        .expect("our root's CRL");
    assert_eq!(left, trust::ROOT_CRL_VALIDITY);
    memory
        .clock
        .advance(trust::ROOT_CRL_VALIDITY - chrono::Duration::days(10));
    let left = service
        .root_crl_left()
        .await
        .unwrap()
        .expect("our root's CRL");
    assert!(left < cazier_shared::services::issuance::ROOT_CRL_WARNING);
}
