//! The seal and the document, without AWS: a rendered certificate carries a CMS signature that
//! verifies against the seal certificate, over exactly the signed bytes.

use crate::common::memory;
use cazier_shared::pdf::pades::read_signed;
use cazier_shared::ports::Signer;
use cazier_shared::seal::{check_cms, CmsCheck, TrustChain};
use cazier_shared::services::trust;
use cazier_shared::testing::LocalSigner;
use der::Encode;

#[tokio::test]
async fn the_chain_links_the_seal_key_to_the_root_and_round_trips_as_pem() {
    let memory = memory().await;
    let chain = trust::load(&*memory.blobs)
        .await
        .unwrap()
        .expect("installed");
    let notes = chain.check(&memory.signer.public_key_der()).unwrap();
    assert!(notes.is_empty(), "{notes:?}");
    assert!(chain
        .check(&LocalSigner::random().public_key_der())
        .is_err());
    let again = TrustChain::from_pem(&chain.to_pem().unwrap()).unwrap();
    assert_eq!(again.certificates().len(), 2);
    assert!(chain
        .root_pem()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));
}

#[tokio::test]
async fn an_issued_pdf_carries_a_signature_over_its_signed_bytes() {
    let memory = memory().await;
    let (certificate, _, pdf) = crate::common::issued(&memory).await;
    let certificate = &certificate;
    assert!(pdf.starts_with(b"%PDF-"));
    // 31 KB of certificate, room for the first timestamp token of an instance, the DSS.
    assert!(pdf.len() < 48_000, "{} bytes", pdf.len());
    assert_eq!(
        cazier_shared::crypto::sha256_hex(&pdf),
        certificate.document_sha256
    );
    let signed = read_signed(&pdf).unwrap();
    // Followed by the validation material (PAdES-B-LT), and by nothing else.
    assert!(!signed.covers_whole_file);
    assert_eq!(signed.number.as_deref(), Some(certificate.number.as_str()));
    let CmsCheck::Valid { signer } = check_cms(&signed.cms, &signed.digest) else {
        panic!("the signature verifies");
    };
    let seal_key = memory.signer.public_key().await.unwrap();
    assert_eq!(
        signer
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .unwrap(),
        seal_key
    );
    let mut other = signed.digest;
    other[0] ^= 1;
    assert!(matches!(
        check_cms(&signed.cms, &other),
        CmsCheck::Broken { .. }
    ));
    assert!(matches!(
        check_cms(b"garbage", &other),
        CmsCheck::Unreadable
    ));
}
