//! The citizen portal over HTTP, as a browser without JavaScript uses it: forms, cookies,
//! redirects, CSRF, languages, and the whole journey to a downloaded certificate.

use cazier_e2e::*;
use serde_json::json;
use std::collections::BTreeMap;

/// A browser without JavaScript: keeps cookies, sends forms, does not follow redirects by
/// itself so that tests see each step.
struct Browser {
    client: Client,
    cookies: BTreeMap<String, String>,
    language: &'static str,
}

impl Browser {
    fn new(language: &'static str) -> Browser {
        Browser {
            client: Client::no_redirects(&stack().base_url),
            cookies: BTreeMap::new(),
            language,
        }
    }

    fn send(&mut self, method: &str, path: &str, form: Option<&[(&str, &str)]>) -> Reply {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let body = form.map(|f| {
            f.iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect::<Vec<_>>()
                .join("&")
        });
        let mut headers = vec![("accept-language", self.language)];
        if !cookie.is_empty() {
            headers.push(("cookie", &cookie));
        }
        if body.is_some() {
            headers.push(("content-type", "application/x-www-form-urlencoded"));
        }
        let reply = self.client.raw(
            method,
            path,
            None,
            &headers,
            body.as_deref().map(str::as_bytes),
        );
        for set in &reply.cookies {
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            if value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        reply
    }

    fn get(&mut self, path: &str) -> Reply {
        self.send("GET", path, None)
    }

    /// Opens `page`, then submits its form with its own CSRF token and `fields`.
    fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Reply {
        let form = self.get(page);
        assert_eq!(form.status, 200, "{page}");
        let token = csrf_of(&html(&form));
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.send("POST", action, Some(&all))
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn html(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.body).into_owned()
}

fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[at..].split('"').next().unwrap_or_default().to_owned()
}

fn location(reply: &Reply) -> &str {
    assert_eq!(
        reply.status,
        303,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.header("location").expect("a Location")
}

fn registration<'a>(email: &'a str, cnp: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("email", email),
        ("password", CITIZEN_PASSWORD),
        ("cnp", cnp),
        ("last_name", "Ştefănescu"),
        ("first_name", "Ana-Maria"),
        ("father_first_name", ""),
        ("mother_first_name", ""),
        ("birth_place", "Câmpulung Moldovenesc"),
        ("id_document", "CI"),
        ("series", "RX"),
        ("number", "123456"),
    ]
}

#[test]
fn a_citizen_gets_a_certificate_through_the_portal() {
    let mut browser = Browser::new("ro-RO,ro;q=0.9");
    let home = browser.get("/");
    assert_eq!(home.status, 200);
    assert!(html(&home).contains("<html lang=\"ro\""));
    let csp = home.header("content-security-policy").expect("a CSP");
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert!(!csp.contains("unsafe-inline"));

    // Wrong values: every error at the top and beside its field; what was typed is kept.
    let (email, cnp) = (unique_email(), random_cnp());
    let mut wrong = registration(&email, "1234567890123");
    wrong[1] = ("password", "short");
    let refused = browser.submit("/cont/nou", "/cont/nou", &wrong);
    assert_eq!(refused.status, 422);
    let page = html(&refused);
    for anchor in ["href=\"#password\"", "href=\"#cnp\""] {
        assert!(
            page.contains(anchor),
            "the summary links to the field: {anchor}"
        );
    }
    assert!(page.contains("id=\"cnp-error\"") && page.contains("aria-invalid=\"true\""));
    assert!(
        page.contains(&format!("value=\"{email}\"")),
        "the e-mail is kept"
    );
    assert!(
        !page.contains("value=\"short\""),
        "the password is never sent back"
    );

    // Right values: the account is made and the citizen is signed in.
    let created = browser.submit("/cont/nou", "/cont/nou", &registration(&email, &cnp));
    assert_eq!(location(&created), "/cont");
    let session = created
        .cookies
        .iter()
        .find(|c| c.starts_with("__Host-cazier="))
        .expect("a session cookie");
    for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(session.contains(flag), "{session} lacks {flag}");
    }
    let account = browser.get("/cont");
    assert_eq!(account.status, 200);
    let page = html(&account);
    assert!(
        page.contains("Ștefănescu"),
        "cedilla normalised to comma-below"
    );
    let code_at = page
        .find("class=\"code\"")
        .expect("the counter code, large");
    let code: String = page[code_at..]
        .split('>')
        .nth(1)
        .unwrap_or_default()
        .chars()
        .take(8)
        .collect();

    // A clerk validates the account at a counter (through the API's console routes).
    let api = Client::new(&stack().base_url);
    let operator = api.operator_token();
    let found = api.post(
        "/v1/operator/lookups",
        Some(&operator),
        json!({"counter_code": code}),
    );
    assert_eq!(found.status, 200, "{}", html(&found));
    let id = found.json()["account_id"].as_str().unwrap().to_owned();
    let validated = api.post(
        &format!("/v1/operator/accounts/{id}/validation"),
        Some(&operator),
        json!({"id_document": {"type": "CI", "series": "RX", "number": "123456"}}),
    );
    assert_eq!(validated.status, 200);

    // The request, its status page (refreshing itself while pending), the PDF.
    let sent = browser.submit("/cereri/noua", "/cereri/noua", &[("purpose", "ANGAJARE")]);
    let status_path = location(&sent).to_owned();
    let mut status = html(&browser.get(&status_path));
    for _ in 0..300 {
        if !status.contains("http-equiv=\"refresh\"") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        status = html(&browser.get(&status_path));
    }
    let at = status
        .find("href=\"/certificate/")
        .expect("a download link");
    let pdf_path = status[at + 6..].split('"').next().unwrap().to_owned();
    let pdf = browser.get(&pdf_path);
    assert_eq!(pdf.status, 200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(pdf.body.starts_with(b"%PDF-"));
    // They saw it issued: no e-mail. A request they made and left is e-mailed by the sweep,
    // a link to the portal and nothing personal.
    let left = browser.submit("/cereri/noua", "/cereri/noua", &[("purpose", "VIZA")]);
    let left_path = location(&left).to_owned();
    let later = FixedClock(chrono::Utc::now() + chrono::Duration::minutes(10));
    let sweep = issuance_service(stack(), std::sync::Arc::new(later));
    stack().runtime.block_on(sweep.sweep()).expect("sweep");
    let mails = stack().mail.wait_for(&email, 1);
    assert_eq!(
        mails.len(),
        1,
        "one notice, for the request they left: {mails:?}"
    );
    assert!(
        mails[0].contains(&left_path) && !mails[0].contains(&status_path),
        "links to the request: {}",
        mails[0]
    );
    assert!(!mails[0].contains(&cnp) && !mails[0].contains("Ștefănescu"));
    let list = html(&browser.get("/certificate"));
    assert!(list.contains("Valabil") && list.contains("Angajare"));

    // The same day, the same purpose: the earlier request is offered.
    let again = browser.submit("/cereri/noua", "/cereri/noua", &[("purpose", "ANGAJARE")]);
    assert_eq!(again.status, 409);
    assert!(html(&again).contains(&format!("href=\"{status_path}\"")));

    // Signing out ends the session at once.
    let out = browser.submit("/cont", "/iesire", &[]);
    assert_eq!(location(&out), "/");
    assert_eq!(location(&browser.get("/cont")), "/autentificare");
}

#[test]
fn forms_without_their_csrf_token_change_nothing() {
    let mut browser = Browser::new("en");
    browser.get("/cont/nou");
    let (email, cnp) = (unique_email(), random_cnp());
    let fields = registration(&email, &cnp);
    let refused = browser.send("POST", "/cont/nou", Some(&fields));
    assert_eq!(refused.status, 403);
    let mut forged = vec![("csrf", "made-up-token")];
    forged.extend_from_slice(&fields);
    assert_eq!(browser.send("POST", "/cont/nou", Some(&forged)).status, 403);
    // Nothing was created: the same details register fine with the real token.
    let created = browser.submit("/cont/nou", "/cont/nou", &fields);
    assert_eq!(location(&created), "/cont");
    // A signed-in form needs the token of this session, not of the pre-session.
    let mut other = Browser::new("en");
    let stolen = csrf_of(&html(&other.get("/autentificare")));
    let sent = browser.send(
        "POST",
        "/cereri/noua",
        Some(&[("csrf", &stolen), ("purpose", "STUDII")]),
    );
    assert_eq!(sent.status, 403);
}

#[test]
fn pages_speak_the_visitors_language_and_remember_a_switch() {
    let mut browser = Browser::new("en-GB,en;q=0.8");
    let page = html(&browser.get("/autentificare"));
    assert!(page.contains("<html lang=\"en\"") && page.contains("Sign in"));
    let switched = browser.get("/autentificare?lang=ro");
    assert!(html(&switched).contains("<html lang=\"ro\""));
    assert!(switched
        .cookies
        .iter()
        .any(|c| c.starts_with("__Host-lang=ro")));
    assert!(
        html(&browser.get("/")).contains("<html lang=\"ro\""),
        "remembered"
    );
}

#[test]
fn private_pages_ask_to_sign_in_and_wrong_sign_ins_say_why() {
    let mut browser = Browser::new("ro");
    for path in [
        "/cont",
        "/cereri/noua",
        "/certificate",
        "/certificate/CJ-2026-00000001/pdf",
    ] {
        assert_eq!(location(&browser.get(path)), "/autentificare", "{path}");
    }
    assert_eq!(browser.get("/nu-exista").status, 404);
    let wrong = browser.submit(
        "/autentificare",
        "/autentificare",
        &[
            ("email", "nobody@example.ro"),
            ("password", "not the password"),
        ],
    );
    assert_eq!(wrong.status, 401);
    assert!(html(&wrong).contains("Adresa de e-mail sau parola este greșită"));
    assert!(html(&wrong).contains("value=\"nobody@example.ro\""));

    // A citizen who is not validated yet is told how to validate before asking.
    let (email, cnp) = (unique_email(), random_cnp());
    browser.submit("/cont/nou", "/cont/nou", &registration(&email, &cnp));
    let refused = browser.submit("/cereri/noua", "/cereri/noua", &[("purpose", "STUDII")]);
    assert_eq!(refused.status, 403);
    assert!(html(&refused).contains("href=\"/cont\""));
    let nothing = browser.submit("/cereri/noua", "/cereri/noua", &[]);
    assert!(matches!(nothing.status, 403 | 422));
    // The clerk console is not for citizens.
    assert_eq!(browser.get("/ghiseu").status, 403);
    assert_eq!(browser.get("/ghiseu/cont/x").status, 403);
}

#[test]
fn the_roeid_routes_refuse_forged_starts_and_answers() {
    let stack = stack();
    let mut browser = Browser::new("ro");
    // Not signed in: the provider's answer leads to the sign-in page, nothing else.
    let anonymous = browser.get("/cont/roeid/raspuns?state=s&code=c");
    assert_eq!(location(&anonymous), "/autentificare");
    let (email, cnp) = (unique_email(), random_cnp());
    browser.submit("/cont/nou", "/cont/nou", &registration(&email, &cnp));
    // The account page lets its start form lead to the provider, and nowhere else.
    let account = browser.get("/cont");
    let csp = account.header("content-security-policy").expect("a CSP");
    assert!(
        csp.contains(&format!("form-action 'self' {};", stack.roeid.origin)),
        "{csp}"
    );
    assert_eq!(browser.send("POST", "/cont/roeid", Some(&[])).status, 403);
    let started = browser.submit("/cont", "/cont/roeid", &[]);
    let to = location(&started);
    assert!(to.starts_with(&format!("{}/auth?response_type=code&", stack.roeid.origin)));
    assert!(to.contains("&code_challenge_method=S256") && to.contains("&nonce="));
    assert!(to.contains(&format!(
        "redirect_uri={}",
        encode(&format!("{}/cont/roeid/raspuns", stack.base_url))
    )));
    // Made-up and malformed answers: refused, the account stays pending.
    let made_up = browser.get("/cont/roeid/raspuns?state=made-up&code=made-up");
    assert_eq!(made_up.status, 422);
    assert!(html(&made_up).contains("ROeID"));
    assert_eq!(
        browser.get("/cont/roeid/raspuns?state=a&state=b").status,
        400
    );
    assert_eq!(browser.get("/cont/roeid/raspuns").status, 422);
    let long = format!("/cont/roeid/raspuns?state={}&code=c", "x".repeat(4000));
    assert!(matches!(browser.get(&long).status, 414 | 422 | 431));
    let account = html(&browser.get("/cont"));
    assert!(
        account.contains("action=\"/cont/roeid\""),
        "still offered: not validated"
    );
}
