//! Pilot mode (IssueWithEntries=false, as in 2023): certificates that would list entries are
//! not issued online; the citizen is told to visit a counter. Its own stack, with the parameter.

use cazier_e2e::*;

#[test]
fn entries_send_the_citizen_to_a_counter() {
    let stack = TestStack::start(&[("IssueWithEntries", "false")]);
    let client = Client::new(&stack.base_url);

    let with_entries = Citizen::validated(&client);
    add_entries(&stack, &with_entries.cnp, &[entry("p1", "900/2020", false)]);
    let request = with_entries.request_and_wait(&client, "ANGAJARE");
    assert_eq!(request["status"], "REJECTED", "{request}");
    assert_eq!(request["rejection_code"], "HAS_ENTRIES_VISIT_COUNTER");
    assert_eq!(request["certificate_number"], serde_json::Value::Null);
    let list = client
        .get("/v1/certificates", Some(&with_entries.token))
        .json();
    assert_eq!(list, serde_json::json!([]), "no certificate was made");

    // Rehabilitated entries are not printed, so they do not stop online issue.
    let rehabilitated = Citizen::validated(&client);
    add_entries(&stack, &rehabilitated.cnp, &[entry("p2", "901/2005", true)]);
    assert_eq!(
        rehabilitated.request_and_wait(&client, "ANGAJARE")["status"],
        "ISSUED"
    );
    let clean = Citizen::validated(&client);
    assert_eq!(
        clean.request_and_wait(&client, "ANGAJARE")["status"],
        "ISSUED"
    );
}
