//! Pages that prove who someone is: the e-mailed code that confirms a registration, the
//! operators' second factor, changing and resetting a password, and confirming an online
//! validation before it changes anything.

use crate::context::Ctx;
use crate::layout::{csrf_field, error_summary, page, Input};
use cazier_shared::domain::Page;
use cazier_shared::domain::{FieldError, ValidationMethod};
use cazier_shared::services::online::AwaitingConfirmation;
use maud::html;

/// The e-mailed code's form; after a refusal it shows the code as typed, to spot the typo in.
pub fn confirm(
    ctx: &mut Ctx,
    email: &str,
    typed: &str,
    errors: &[FieldError],
    problem: Option<&str>,
) -> String {
    let i = ctx.lang.i();
    let body = html! {
        (error_summary(ctx, errors, problem))
        h1 { (i.confirm_title) }
        @if !email.is_empty() {
            p.lead { (i.confirm_sent_to) " " strong { (email) } "." }
        }
        p { (i.confirm_rules) }
        form method="post" action=(Page::Confirm) novalidate {
            (csrf_field(ctx))
            (Input { hint: Some(i.confirm_code_hint), class: "short", autocomplete: "one-time-code", ..Input::new("confirmation_code", i.confirm_code, typed) }.render(ctx, errors))
            button.primary type="submit" { (i.confirm_submit) }
        }
        p { a href=(Page::Register) { (i.confirm_again) } }
    };
    page(ctx, i.confirm_title, body)
}

pub fn second_factor(ctx: &mut Ctx, errors: &[FieldError]) -> String {
    let i = ctx.lang.i();
    let body = html! {
        (error_summary(ctx, errors, None))
        h1 { (i.second_factor_title) }
        p { (i.second_factor_lead) }
        form method="post" action=(Page::SecondFactor) novalidate {
            (csrf_field(ctx))
            (Input { class: "short", autocomplete: "one-time-code", kind: "text", inputmode: Some("numeric"), ..Input::new("totp", i.second_factor_code, "") }.render(ctx, errors))
            button.primary type="submit" { (i.second_factor_submit) }
        }
    };
    page(ctx, i.second_factor_title, body)
}

pub fn change_password(ctx: &mut Ctx, errors: &[FieldError]) -> String {
    let (t, i) = (ctx.t(), ctx.lang.i());
    let body = html! {
        (error_summary(ctx, errors, None))
        h1 { (i.change_title) }
        form method="post" action=(Page::ChangePassword) novalidate {
            (csrf_field(ctx))
            (Input { kind: "password", autocomplete: "current-password", ..Input::new("current_password", i.current_password, "") }.render(ctx, errors))
            (Input { kind: "password", autocomplete: "new-password", hint: Some(t.password_hint), ..Input::new("new_password", i.new_password, "") }.render(ctx, errors))
            button.primary type="submit" { (i.change_submit) }
        }
        @if let Some((home, label)) = crate::home_link(ctx) {
            p { a href=(home) { (label) } }
        }
    };
    page(ctx, i.change_title, body)
}

pub fn forgot(ctx: &mut Ctx, email: &str, errors: &[FieldError]) -> String {
    let (t, i) = (ctx.t(), ctx.lang.i());
    let body = html! {
        (error_summary(ctx, errors, None))
        h1 { (i.forgot_title) }
        p { (i.forgot_lead) }
        form method="post" action=(Page::ForgotPassword) novalidate {
            (csrf_field(ctx))
            (Input { kind: "email", autocomplete: "email", ..Input::new("email", t.email, email) }.render(ctx, errors))
            button.primary type="submit" { (i.forgot_submit) }
        }
    };
    page(ctx, i.forgot_title, body)
}

pub fn reset(ctx: &mut Ctx, errors: &[FieldError]) -> String {
    let (t, i) = (ctx.t(), ctx.lang.i());
    let body = html! {
        (error_summary(ctx, errors, None))
        h1 { (i.reset_title) }
        form method="post" action=(Page::NewPassword) novalidate {
            (csrf_field(ctx))
            (Input { kind: "password", autocomplete: "new-password", hint: Some(t.password_hint), ..Input::new("new_password", i.new_password, "") }.render(ctx, errors))
            button.primary type="submit" { (i.reset_submit) }
        }
    };
    page(ctx, i.reset_title, body)
}

/// What an identity provider proved, shown before anything changes: whose account, and the
/// name the certificates will carry.
pub fn proven(ctx: &mut Ctx, awaiting: &AwaitingConfirmation) -> String {
    let (t, i) = (ctx.t(), ctx.lang.i());
    let by = match awaiting.method {
        ValidationMethod::Roeid => i.proven_by_roeid,
        _ => i.proven_by_ghiseul,
    };
    let body = html! {
        h1 { (i.proven_title) }
        p.lead { (by) }
        table {
            tbody {
                tr { th scope="row" { (i.proven_account) } td { (awaiting.email_masked) } }
                tr { th scope="row" { "CNP" } td { (awaiting.cnp_masked) } }
                tr { th scope="row" { (i.proven_name) } td { strong { (awaiting.last_name) " " (awaiting.first_name) } } }
                @if let Some((last, first)) = &awaiting.declared {
                    tr { th scope="row" { (i.proven_declared) } td { (last) " " (first) } }
                }
            }
        }
        @if awaiting.declared.is_some() {
            p.warn { (i.proven_differs) }
        }
        p { (i.proven_carry) }
        div.actions {
            form method="post" action=(Page::Proven) {
                (csrf_field(ctx))
                input type="hidden" name="decision" value="confirm";
                button.primary type="submit" { (i.proven_yes) }
            }
            form method="post" action=(Page::Proven) {
                (csrf_field(ctx))
                input type="hidden" name="decision" value="cancel";
                button.secondary type="submit" { (i.proven_no) }
            }
        }
        p { a href=(Page::Account) { (t.nav_account) } }
    };
    page(ctx, i.proven_title, body)
}
