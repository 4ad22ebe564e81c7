//! The portal as a browser without JavaScript uses it, for the tests over HTTP: cookies kept,
//! forms sent with their CSRF token, redirects seen one by one.

use crate::{stack, Client, Reply};
use std::collections::BTreeMap;

/// A browser without JavaScript: keeps cookies, sends forms, does not follow redirects by
/// itself so that tests see each step.
pub struct Browser {
    client: Client,
    pub cookies: BTreeMap<String, String>,
    language: &'static str,
}

impl Browser {
    /// A browser signed in to the portal as the citizen with this e-mail (and the tests'
    /// password): the portal's own sign-in, since an API token is no portal cookie.
    pub fn signed_in(language: &'static str, email: &str) -> Browser {
        let mut browser = Browser::new(language);
        let done = browser.submit(
            "/autentificare",
            "/autentificare",
            &[("email", email), ("password", crate::CITIZEN_PASSWORD)],
        );
        assert_eq!(location(&done), "/cont");
        browser
    }

    /// Registers through the portal with `fields` (the registration form's), confirms the
    /// e-mailed code and signs in with `password`; ends signed in.
    pub fn register(&mut self, fields: &[(&str, &str)], password: &str) {
        let email = fields
            .iter()
            .find(|(k, _)| *k == "email")
            .map(|(_, v)| v.to_lowercase())
            .expect("an e-mail field");
        let base = stack().base_url.clone();
        let seen = crate::mail_to(&base, &email).len();
        let sent = self.submit("/cont/nou", "/cont/nou", fields);
        assert_eq!(location(&sent), "/cont/confirmare");
        let code = crate::confirmation_code(&base, &email, seen);
        let confirmed = self.submit(
            "/cont/confirmare",
            "/cont/confirmare",
            &[("confirmation_code", &code)],
        );
        assert_eq!(location(&confirmed), "/autentificare");
        // A page asked for before signing in would be returned to: here, the account page.
        self.cookies.remove("__Host-return");
        let signed = self.submit(
            "/autentificare",
            "/autentificare",
            &[("email", &email), ("password", password)],
        );
        assert_eq!(location(&signed), "/cont");
    }

    pub fn new(language: &'static str) -> Browser {
        Browser {
            client: Client::no_redirects(&stack().base_url),
            cookies: BTreeMap::new(),
            language,
        }
    }

    pub fn send(&mut self, method: &str, path: &str, form: Option<&[(&str, &str)]>) -> Reply {
        let body = form.map(|f| {
            f.iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect::<Vec<_>>()
                .join("&")
                .into_bytes()
        });
        let typed = body.map(|b| ("application/x-www-form-urlencoded".to_owned(), b));
        self.send_body(method, path, typed)
    }

    /// Sends a request with this browser's cookies and `body` (its content type, its bytes),
    /// and keeps the cookies the answer sets.
    pub fn send_body(
        &mut self,
        method: &str,
        path: &str,
        body: Option<(String, Vec<u8>)>,
    ) -> Reply {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut headers = vec![("accept-language", self.language)];
        if !cookie.is_empty() {
            headers.push(("cookie", &cookie));
        }
        if let Some((content_type, _)) = &body {
            headers.push(("content-type", content_type));
        }
        let reply = self.client.raw(
            method,
            path,
            None,
            &headers,
            body.as_ref().map(|(_, b)| b.as_slice()),
        );
        for set in &reply.cookies {
            let (pair, _) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').expect("name=value");
            if value.is_empty() || set.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        reply
    }

    /// Opens `page`, then sends its file form (`multipart/form-data`, as a browser does) with
    /// its CSRF token and `file` as the field `field`.
    pub fn upload(&mut self, page: &str, action: &str, field: &str, file: &[u8]) -> Reply {
        let form = self.get(page);
        assert_eq!(form.status, 200, "{page}");
        let token = csrf_of(&html(&form));
        let boundary = "----cazierTestBoundary7MA4YWxk";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"c.pdf\"\r\n\
             Content-Type: application/pdf\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let content_type = format!("multipart/form-data; boundary={boundary}");
        self.send_body("POST", action, Some((content_type, body)))
    }

    pub fn get(&mut self, path: &str) -> Reply {
        self.send("GET", path, None)
    }

    /// Opens `page`, then submits its form with its own CSRF token and `fields`.
    pub fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Reply {
        let form = self.get(page);
        assert_eq!(form.status, 200, "{page}");
        let token = csrf_of(&html(&form));
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.send("POST", action, Some(&all))
    }
}

/// Form values percent-encoded as the shared OpenID Connect client encodes query values.
pub fn encode(s: &str) -> String {
    cazier_shared::identity::query_value(s)
}

pub fn html(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.body).into_owned()
}

pub fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    page[at..].split('"').next().unwrap_or_default().to_owned()
}

pub fn location(reply: &Reply) -> &str {
    assert_eq!(
        reply.status,
        303,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    reply.header("location").expect("a Location")
}
