//! Every route of the HTTP API, across its functions, as API Gateway keys. The `$default`
//! route (whatever no route matches, a wrong method included) needs them to answer 405 with
//! `Allow` rather than 404; `infra/local`'s template test keeps the list equal to the routes
//! of `template.yaml`.

pub const API_ROUTES: &[&str] = &[
    "GET /",
    "GET /.well-known/oauth-authorization-server",
    "GET /.well-known/openid-credential-issuer",
    "GET /accesibilitate",
    "GET /ajutor",
    "GET /autentificare",
    "POST /autentificare",
    "GET /autentificare/cod",
    "POST /autentificare/cod",
    "GET /cereri/noua",
    "POST /cereri/noua",
    "GET /cereri/{request_id}",
    "GET /certificate",
    "GET /certificate/{certificate_number}/coduri",
    "POST /certificate/{certificate_number}/coduri",
    "POST /certificate/{certificate_number}/coduri/{share_id}/revocare",
    "GET /certificate/{certificate_number}/mentiuni",
    "GET /certificate/{certificate_number}/pdf",
    "GET /certificate/{certificate_number}/portofel",
    "POST /certificate/{certificate_number}/portofel",
    "GET /certificate/{certificate_number}/verificari",
    "GET /cod",
    "POST /cod",
    "GET /cod/rezultat",
    "POST /cod/pdf",
    "GET /confidentialitate",
    "GET /cont",
    "GET /cont/confirmare",
    "POST /cont/confirmare",
    "GET /cont/date",
    "POST /cont/date",
    "POST /cont/ghiseul",
    "POST /cont/ghiseul/raspuns",
    "GET /cont/nou",
    "POST /cont/nou",
    "GET /cont/parola",
    "POST /cont/parola",
    "POST /cont/roeid",
    "GET /cont/roeid/raspuns",
    "GET /cont/validare",
    "POST /cont/validare",
    "GET /cookie-uri",
    "GET /ghiseu",
    "POST /ghiseu",
    "GET /ghiseu/cont/{account_id}",
    "POST /ghiseu/cont/{account_id}",
    "POST /iesire",
    "POST /oid4vci/credential",
    "POST /oid4vci/nonce",
    "POST /oid4vci/token",
    "GET /oid4vp/requests/{request_id}",
    "POST /oid4vp/response",
    "GET /parola/noua",
    "POST /parola/noua",
    "GET /parola/uitata",
    "POST /parola/uitata",
    "POST /v1/accounts",
    "POST /v1/accounts/confirmation",
    "GET /v1/accounts/me",
    "POST /v1/accounts/me/password",
    "POST /v1/accounts/me/validations/ghiseul",
    "POST /v1/accounts/me/validations/ghiseul/complete",
    "POST /v1/certificate-requests",
    "GET /v1/certificate-requests/{request_id}",
    "GET /v1/certificates",
    "GET /v1/certificates/{certificate_number}/checks",
    "GET /v1/certificates/{certificate_number}/pdf",
    "POST /v1/certificates/{certificate_number}/shares",
    "POST /v1/certificates/{certificate_number}/wallet-offer",
    "POST /v1/operator/accounts/{account_id}/validation",
    "POST /v1/operator/lookups",
    "POST /v1/password-resets",
    "POST /v1/password-resets/confirmation",
    "POST /v1/presentation-requests",
    "POST /v1/presentation-requests/outcome",
    "GET /v1/purposes",
    "POST /v1/sessions",
    "DELETE /v1/sessions/current",
    "POST /v1/shared-certificate",
    "POST /v1/shared-certificate/pdf",
    "GET /v1/shares",
    "DELETE /v1/shares/{share_id}",
    "GET /v1/status-lists/{year}",
    "GET /v1/trust/certificates",
    "POST /v1/verifications",
    "POST /v1/verifications/document",
    "GET /verificare",
    "POST /verificare",
    "POST /verificare/declaratie",
    "POST /verificare/document",
    "GET /verificare/portofel",
    "POST /verificare/portofel",
    "POST /verificare/portofel/rezultat",
];

/// The methods `path` has routes for (`GET /cereri/{request_id}` fits `/cereri/abc`).
pub fn allowed_methods(path: &str) -> Vec<&'static str> {
    API_ROUTES
        .iter()
        .filter_map(|key| key.split_once(' '))
        .filter(|(_, template)| fits(template, path))
        .map(|(method, _)| method)
        .collect()
}

fn fits(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_fits_its_routes_templates() {
        assert_eq!(allowed_methods("/v1/accounts"), vec!["POST"]);
        assert!(allowed_methods("/cereri/abc").contains(&"GET"));
        assert!(allowed_methods("/cereri/abc/x").is_empty());
        assert!(allowed_methods("/cereri/").is_empty());
    }
}
