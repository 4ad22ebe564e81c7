//! The page shell every portal page shares, and the form parts (fields with their errors, the
//! error summary) in the GOV.UK Design System's pattern. The style sheet is inline, allowed by
//! its hash in a Content-Security-Policy that allows nothing else: no scripts, no other origin.

use crate::context::{Ctx, CSRF_FIELD};
use base64::Engine;
use cazier_shared::domain::Page;
use cazier_shared::domain::{FieldError, Role};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

const STYLE: &str = include_str!("style.css");

/// What a page's policy adds for its one inline script: the script by its hash, and fetches
/// from this origin.
pub fn script_policy(script: &str) -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script));
    format!("; script-src 'sha256-{hash}'; connect-src 'self'")
}

/// The pages' policy. `form_targets`: other origins a form may lead to (the identity
/// providers' sign-in pages, where the validation start forms redirect; browsers apply
/// `form-action` to those redirects).
pub fn content_security_policy(form_targets: &[String]) -> String {
    static STYLE_HASH: OnceLock<String> = OnceLock::new();
    let hash = STYLE_HASH
        .get_or_init(|| base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE)));
    let extra: String = form_targets.iter().map(|o| format!(" {o}")).collect();
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'self'; form-action 'self'{extra}; \
         base-uri 'none'; frame-ancestors 'none'"
    )
}

/// A whole page.
pub fn page(ctx: &mut Ctx, title: &str, body: Markup) -> String {
    page_refreshing(ctx, title, body, None)
}

/// A whole page that the browser replaces after `refresh`'s seconds by its address (no
/// script needed).
pub fn page_refreshing(
    ctx: &mut Ctx,
    title: &str,
    body: Markup,
    refresh: Option<(u32, String)>,
) -> String {
    shell(ctx, title, body, refresh, None)
}

/// A whole page with one inline script (allowed by its hash alone, and to fetch from this
/// origin) and the JSON data it reads (`#page-data`, data and never run).
pub fn page_with_script(
    ctx: &mut Ctx,
    title: &str,
    body: Markup,
    script: &'static str,
    data: &str,
) -> String {
    ctx.allow_script(script);
    shell(ctx, title, body, None, Some((script, data)))
}

fn shell(
    ctx: &mut Ctx,
    title: &str,
    body: Markup,
    refresh: Option<(u32, String)>,
    script: Option<(&str, &str)>,
) -> String {
    let t = ctx.t();
    let signed_in = ctx.principal.as_ref().map(|p| p.role);
    let sign_out_csrf = signed_in.map(|_| ctx.csrf());
    let other = ctx.lang.other();
    let flash = ctx.take_flash().map(|f| ctx.lang.flash(f));
    let markup = html! {
        (DOCTYPE)
        html lang=(ctx.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title {
                    @if ctx.errors_shown.load(std::sync::atomic::Ordering::Relaxed) { (t.error_prefix) " " }
                    (title) " – " (t.service)
                }
                @if let Some((seconds, to)) = &refresh { meta http-equiv="refresh" content={(seconds) "; url=" (to)}; }
                style { (PreEscaped(STYLE)) }
            }
            body {
                a.skip href="#main" { (t.skip) }
                header {
                    // Inside the banner landmark: no content outside a landmark.
                    div.official { div.bar { (ctx.lang.info().official) } }
                    div.bar {
                        a.brand href=(Page::Home) { (t.service) small { (t.ministry) } }
                        nav aria-label=(t.service) {
                            ul {
                                @match signed_in {
                                    Some(Role::Citizen) => {
                                        (nav_link(ctx, Page::Account, t.nav_account))
                                        (nav_link(ctx, Page::NewRequest, t.nav_request))
                                        (nav_link(ctx, Page::Certificates, t.nav_certificates))
                                        (nav_link(ctx, Page::Consents, ctx.lang.c().nav))
                                    }
                                    Some(Role::Operator) => {
                                        (nav_link(ctx, Page::Console, t.nav_console))
                                        (nav_link(ctx, Page::ChangePassword, t.nav_password))
                                    }
                                    Some(Role::Staff) => {
                                        (nav_link(ctx, Page::Organisation, ctx.lang.o().nav))
                                        (nav_link(ctx, Page::OrganisationAsk, ctx.lang.o().nav_ask))
                                        (nav_link(ctx, Page::ChangePassword, t.nav_password))
                                    }
                                    None => {
                                        (nav_link(ctx, Page::SignIn, t.nav_sign_in))
                                        (nav_link(ctx, Page::Register, t.nav_register))
                                    }
                                }
                                @if let Some(csrf) = &sign_out_csrf {
                                    li {
                                        form method="post" action=(Page::SignOut) {
                                            input type="hidden" name=(CSRF_FIELD) value=(csrf);
                                            button.linkbtn type="submit" { (t.sign_out) }
                                        }
                                    }
                                }
                                li {
                                    a #lang-switch href=(ctx.other_lang_href()) lang=(other.code()) hreflang=(other.code()) {
                                        (t.switch_to)
                                    }
                                }
                            }
                        }
                    }
                }
                main #main tabindex="-1" {
                    @if let Some(message) = flash {
                        // Focused, as the error summary is: what the last action did is read
                        // first, and the page continues from there.
                        div.notice role="status" tabindex="-1" autofocus { p { (message) } }
                    }
                    (body)
                }
                footer {
                    div.bar {
                        p { (t.footer) " " a href=(Page::Verify) { (t.verify_link) } " · " a href=(Page::UseShare) { (ctx.lang.s().use_title) } " · " a href=(Page::AskWallet) { (ctx.lang.w().verify_link) } }
                        ul.footer-links {
                            @for (info, label) in crate::info::text::Info::ALL.iter().zip(ctx.lang.info().footer_links) {
                                li { a href=(info.page()) { (label) } }
                            }
                        }
                    }
                }
                @if let Some((code, data)) = script {
                    script type="application/json" #page-data { (PreEscaped(data)) }
                    script { (PreEscaped(code)) }
                }
            }
        }
    };
    markup.into_string()
}

/// The error summary at the top of a form: each error links to its field.
pub fn error_summary(ctx: &Ctx, errors: &[FieldError], extra: Option<&str>) -> Markup {
    let t = ctx.t();
    let shown = !errors.is_empty() || extra.is_some();
    if shown {
        // The page's title says so too (GOV.UK: "Error: …").
        ctx.errors_shown
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
    html! {
        @if shown {
            // Focused on load, so that screen readers and keyboards start at the problems.
            div.summary role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus {
                h2 #error-summary-title { (t.error_summary) }
                ul {
                    @if let Some(message) = extra { li { (message) } }
                    @for e in errors {
                        li {
                            a href={ "#" (field_id(&e.field)) } {
                                @if let Some(label) = ctx.lang.field_label(&e.field) { (label) ": " }
                                (ctx.lang.field_error(e.code))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The input's id for an API field name (`id_document` → `id_document`).
pub fn field_id(field: &str) -> String {
    field.replace('.', "_")
}

/// A text input with its label, hint and error.
pub struct Input<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub kind: &'a str,
    pub value: &'a str,
    pub hint: Option<&'a str>,
    pub autocomplete: &'a str,
    pub class: &'a str,
    /// The phone keyboard to show (`numeric` for a CNP or a document number).
    pub inputmode: Option<&'a str>,
}

impl<'a> Input<'a> {
    pub fn new(name: &'a str, label: &'a str, value: &'a str) -> Self {
        Input {
            name,
            label,
            kind: "text",
            value,
            hint: None,
            autocomplete: "off",
            class: "",
            inputmode: None,
        }
    }

    pub fn render(&self, ctx: &Ctx, errors: &[FieldError]) -> Markup {
        let id = field_id(self.name);
        let error = errors.iter().find(|e| field_id(&e.field) == id);
        let hint_id = format!("{id}-hint");
        let error_id = format!("{id}-error");
        let described: Vec<&str> = [
            self.hint.map(|_| hint_id.as_str()),
            error.map(|_| error_id.as_str()),
        ]
        .into_iter()
        .flatten()
        .collect();
        html! {
            div.field.has-error[error.is_some()] {
                label for=(id) { (self.label) }
                @if let Some(hint) = self.hint { span.hint #(hint_id) { (hint) } }
                @if let Some(e) = error { span.field-error #(error_id) { (ctx.lang.field_error(e.code)) } }
                input #(id) name=(self.name) type=(self.kind) value=(self.value)
                    class=(self.class) autocomplete=(self.autocomplete) inputmode=[self.inputmode]
                    aria-describedby=[(!described.is_empty()).then(|| described.join(" "))]
                    aria-invalid=[error.map(|_| "true")];
            }
        }
    }
}

/// The identity document's fields (type, series, number) in one fieldset, with its hint and
/// error: the registration form and the clerk's form for the document in hand.
pub fn document_fields(
    ctx: &Ctx,
    typed: (&str, &str, &str),
    hint: Option<&str>,
    error: Option<&str>,
) -> Markup {
    let t = ctx.t();
    let (kind, series, number) = typed;
    let passport = kind == "PASSPORT";
    let described: Vec<&str> = [
        hint.map(|_| "id_document-hint"),
        error.map(|_| "id_document-error"),
    ]
    .into_iter()
    .flatten()
    .collect();
    html! {
        div.field.has-error[error.is_some()] #id_document tabindex="-1" {
            fieldset aria-describedby=[(!described.is_empty()).then(|| described.join(" "))] {
                legend { (t.id_document) }
                @if let Some(hint) = hint { span.hint #id_document-hint { (hint) } }
                @if let Some(error) = error { span.field-error #id_document-error { (error) } }
                div.choice {
                    input #doc-ci type="radio" name="id_document" value="CI" checked[!passport];
                    label for="doc-ci" { (t.id_ci) }
                }
                div.choice {
                    input #doc-passport type="radio" name="id_document" value="PASSPORT" checked[passport];
                    label for="doc-passport" { (t.id_passport) }
                }
                (Input { class: "short", ..Input::new("series", t.id_series, series) }.render(ctx, &[]))
                (Input { class: "short", ..Input::new("number", t.id_number, number) }.render(ctx, &[]))
            }
        }
    }
}

/// A code to copy or read out (a share code, a desk code), large, its groups on one line (a
/// hyphen at a line's end would read as part of it); screen readers hear it spelled, character
/// by character, from a hidden twin (an `aria-label` on a paragraph is not read).
pub fn code_shown(code: &str) -> Markup {
    html! {
        p.code {
            span aria-hidden="true" {
                @for (i, group) in code.split('-').enumerate() {
                    @if i > 0 { "-" }
                    span { (group) }
                }
            }
            span.skip { (crate::account::view::spelled(code)) }
        }
    }
}

/// The hidden CSRF field of a form.
pub fn csrf_field(ctx: &mut Ctx) -> Markup {
    let token = ctx.csrf();
    html! { input type="hidden" name=(CSRF_FIELD) value=(token); }
}

/// A menu item; the page being shown is marked as the current one (`aria-current`), so a
/// screen reader says where the user is (found by the walk of issue 27).
fn nav_link(ctx: &Ctx, page: Page, label: &str) -> Markup {
    let current = ctx.path == page.to_string();
    html! {
        li {
            @if current {
                a href=(page) aria-current="page" { (label) }
            } @else {
                a href=(page) { (label) }
            }
        }
    }
}
