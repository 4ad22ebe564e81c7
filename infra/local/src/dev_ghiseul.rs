//! A development stand-in for ghiseul.ro's identity check, served by the local stack only
//! (never deployed, not in template.yaml) on an origin of its own, another site than the
//! portal's (`http://localhost:<port>` beside the portal's `http://127.0.0.1:<port>`), so
//! that the portal's CSP `form-action`, its `SameSite` cookies and the cross-site form post
//! back behave as they will with the real ghiseul.ro: a page where the tester confirms the
//! 3-D Secure step, then a form that posts an assertion signed with the committed development
//! key (`ghiseul-dev-key.pem`, trusted through `dev-issuers.json`) back to the portal.

use async_trait::async_trait;
use cazier_edge::runtime::HttpFunction;
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use maud::{html, Markup, DOCTYPE};
use serde_json::json;

pub const AUTHORIZE_PATH: &str = "/dev/ghiseul/autentificare";
pub const CONFIRM_PATH: &str = "/dev/ghiseul/confirmare";
/// The origin `infra/local/dev-issuers.json` names (what `make up` serves it on); the tests
/// serve it on a free port and put that in its place.
pub const DEV_ORIGIN: &str = "http://localhost:4030";
const ISSUER: &str = "https://ghiseul.local.test";
const KID: &str = "ghiseul-dev-1";

pub struct DevGhiseul {
    key_pem: String,
    /// The only origin it posts assertions back to (a real provider checks the redirect
    /// against the client's registration).
    portal_origin: String,
}

impl DevGhiseul {
    pub fn new(key_pem: String, portal_origin: String) -> Self {
        Self {
            key_pem,
            portal_origin,
        }
    }
}

fn fields(raw: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(raw).unwrap_or_default()
}

fn field<'a>(all: &'a [(String, String)], name: &str) -> &'a str {
    all.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

fn page(title: &str, body: Markup) -> Response<Body> {
    let markup = html! {
        (DOCTYPE)
        html lang="ro" {
            head { meta charset="utf-8"; title { (title) } }
            body {
                main {
                    p { strong { "ghiseul.ro — development stand-in (local stack only)" } }
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    let mut response = Response::new(Body::Text(markup.into_string()));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// Only back to the portal's return page on its own origin, never elsewhere.
fn safe_return<'a>(uri: &'a str, portal_origin: &str) -> Option<&'a str> {
    let path = uri.strip_prefix(portal_origin)?;
    (path.starts_with('/') && !path.starts_with("//")).then_some(uri)
}

#[async_trait]
impl HttpFunction for DevGhiseul {
    async fn handle(&self, req: Request) -> Response<Body> {
        if req.method() == "GET" {
            let query = fields(req.uri().query().unwrap_or(""));
            return page(
                "Confirmați identitatea (3-D Secure)",
                html! {
                    p { "A real ghiseul.ro asks the bank for a 3-D Secure confirmation of the card holder. Here, type whose card it is." }
                    form method="post" action=(CONFIRM_PATH) {
                        input type="hidden" name="state" value=(field(&query, "state"));
                        input type="hidden" name="client_id" value=(field(&query, "client_id"));
                        input type="hidden" name="redirect_uri" value=(field(&query, "redirect_uri"));
                        p { label for="cnp" { "CNP" } br; input #cnp name="cnp" autocomplete="off"; }
                        p { label for="family_name" { "Nume" } br; input #family_name name="family_name"; }
                        p { label for="given_name" { "Prenume" } br; input #given_name name="given_name"; }
                        p { button #confirm type="submit" { "Confirm 3-D Secure" } }
                    }
                },
            );
        }
        let body = String::from_utf8_lossy(cazier_edge::http::body_bytes(&req)).into_owned();
        let form = fields(&body);
        let Some(back) = safe_return(field(&form, "redirect_uri"), &self.portal_origin) else {
            let mut refused = page(
                "Unknown return address",
                html! { p { "Start again from cazier." } },
            );
            *refused.status_mut() = StatusCode::BAD_REQUEST;
            return refused;
        };
        let now = chrono::Utc::now().timestamp();
        let claims = json!({
            "iss": ISSUER, "aud": field(&form, "client_id"), "iat": now, "exp": now + 300,
            "jti": uuid::Uuid::new_v4().to_string(), "nonce": field(&form, "state"),
            "cnp": field(&form, "cnp").trim(), "family_name": field(&form, "family_name"),
            "given_name": field(&form, "given_name"), "auth_method": "3DS_CARD",
        });
        match cazier_shared::identity::sign(&claims, &self.key_pem, KID) {
            Ok(assertion) => page(
                "Identitate confirmată",
                html! {
                    form method="post" action=(back) {
                        input type="hidden" name="assertion" value=(assertion);
                        button #return type="submit" { "Înapoi la cazier" }
                    }
                },
            ),
            Err(e) => {
                let mut failed = page("Signing failed", html! { p { (e) } });
                *failed.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                failed
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::safe_return;

    #[test]
    fn returns_only_to_the_portal() {
        let portal = "http://127.0.0.1:3000";
        assert!(safe_return("http://127.0.0.1:3000/cont/ghiseul/raspuns", portal).is_some());
        for bad in [
            "/cont/ghiseul/raspuns",
            "http://127.0.0.1:30001/cont/ghiseul/raspuns",
            "http://127.0.0.1:3000//evil.example/x",
            "https://evil.example/x",
            "//evil.example/x",
            "",
            "javascript:alert(1)",
        ] {
            assert!(safe_return(bad, portal).is_none(), "{bad}");
        }
    }
}
