//! The API's route keys, read from `template.yaml` at build time: the `$default` route's 405
//! answers need every route of every function, and the template is where they are written
//! (each function's own table is checked against it by `infra/local`'s template test).

use std::fmt::Write as _;

fn main() {
    let template = "../template.yaml";
    println!("cargo:rerun-if-changed={template}");
    let text = std::fs::read_to_string(template).expect("template.yaml beside the workspace");
    let mut keys = Vec::new();
    let mut path: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(p) = line.strip_prefix("Path: ") {
            path = Some(p.to_owned());
        } else if let (Some(method), Some(p)) = (line.strip_prefix("Method: "), path.take()) {
            keys.push(format!("{method} {p}"));
        }
    }
    keys.sort();
    let mut out = String::from("pub const API_ROUTES: &[&str] = &[\n");
    for key in &keys {
        let _ = writeln!(out, "    {key:?},");
    }
    out.push_str("];\n");
    let dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    std::fs::write(format!("{dir}/api_routes.rs"), out).expect("OUT_DIR is writable");
}
