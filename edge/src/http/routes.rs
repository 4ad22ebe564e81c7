//! Routes, each written once. A function's table is one line a route (method, path, access,
//! handler) given to [`api_routes!`], which makes the table that dispatch and authorisation
//! read, and binds each handler with the principal its access names, by type. The whole API's
//! route keys are read from `template.yaml` when the crate is built (`build.rs`): the
//! `$default` route needs them to answer 405 with `Allow` rather than 404.

include!(concat!(env!("OUT_DIR"), "/api_routes.rs"));

/// An API function's route table, one line a route: `METHOD "/path" Access => handler,`.
/// A `Public` route's handler is `async fn(&self, Request) -> Answer`; any other's receives the
/// admitted principal first: `async fn(&self, who: Citizen, Request) -> Answer` (the type is
/// the access's name: `Authenticated`, `Citizen`, `Operator`).
#[macro_export]
macro_rules! api_routes {
    ($endpoints:ty { $($method:ident $path:literal $access:ident => $handler:ident,)+ }) => {
        impl $crate::runtime::Endpoints for $endpoints {
            const ROUTES: &'static [$crate::http::Route<$crate::runtime::Handle<Self>>] = &[$(
                $crate::http::Route {
                    key: concat!(stringify!($method), " ", $path),
                    access: $crate::http::Access::$access,
                    handler: |endpoints, principal, req| {
                        $crate::api_routes!(@bind $access, endpoints, principal, req, $handler)
                    },
                },
            )+];
        }
    };
    (@bind Public, $endpoints:ident, $principal:ident, $req:ident, $handler:ident) => {{
        let _ = $principal;
        ::std::boxed::Box::pin($endpoints.$handler($req))
    }};
    (@bind $access:ident, $endpoints:ident, $principal:ident, $req:ident, $handler:ident) => {
        ::std::boxed::Box::pin(async move {
            match <$crate::http::$access as $crate::http::Admit>::admit($principal) {
                Ok(who) => $endpoints.$handler(who, $req).await,
                Err(denied) => Err(denied.into()),
            }
        })
    };
}

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
