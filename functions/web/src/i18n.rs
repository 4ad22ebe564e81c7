//! The portal's two languages: Romanian (the default) and English. Every text a page shows is
//! a field here, so a missing translation does not compile.

use cazier_shared::domain::{Purpose, RejectionCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ro,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ro => "ro",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ro" => Some(Lang::Ro),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The preferred of the two in an `Accept-Language` header (Romanian when neither).
    pub fn from_accept_language(header: &str) -> Self {
        let mut best = (Lang::Ro, -1.0_f32);
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse().ok())
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("ro") => Lang::Ro,
                Some("en") => Lang::En,
                _ => continue,
            };
            if q > best.1 {
                best = (lang, q);
            }
        }
        best.0
    }

    pub fn other(self) -> Self {
        match self {
            Lang::Ro => Lang::En,
            Lang::En => Lang::Ro,
        }
    }

    pub fn t(self) -> &'static Texts {
        match self {
            Lang::Ro => &RO,
            Lang::En => &EN,
        }
    }

    pub fn purpose(self, p: Purpose) -> &'static str {
        match self {
            Lang::Ro => p.label_ro(),
            Lang::En => p.label_en(),
        }
    }

    /// What a citizen is told about a field error, by its stable code.
    pub fn field_error(self, code: &str) -> &'static str {
        let t = self.t();
        match code {
            "INVALID_EMAIL" => t.err_email,
            "INVALID_PASSWORD" => t.err_password,
            "INVALID_CNP" => t.err_cnp,
            "INVALID_NAME" => t.err_name,
            "INVALID_ID_DOCUMENT" => t.err_document,
            "UNKNOWN_PURPOSE" => t.err_purpose,
            "INVALID_COUNTER_CODE" => t.code_invalid,
            "NOT_FOUND" => t.code_not_found,
            "DOCUMENT_MISMATCH" => t.mismatch,
            _ => t.err_generic,
        }
    }

    /// A field's label, for the error summary where the field is not beside the message.
    pub fn field_label(self, field: &str) -> Option<&'static str> {
        let t = self.t();
        Some(match field {
            "last_name" => t.last_name,
            "first_name" => t.first_name,
            "father_first_name" => t.father_first_name,
            "mother_first_name" => t.mother_first_name,
            "birth_place" => t.birth_place,
            _ => return None,
        })
    }

    pub fn rejection(self, code: RejectionCode) -> &'static str {
        let t = self.t();
        match code {
            RejectionCode::HasEntriesVisitCounter => t.rejected_entries,
            RejectionCode::GenerationFailed => t.rejected_failed,
            RejectionCode::CompanyNotRegistered => t.rejected_company,
        }
    }
}

/// Every text of the portal, in one language.
pub struct Texts {
    pub service: &'static str,
    pub ministry: &'static str,
    pub skip: &'static str,
    pub switch_to: &'static str,
    pub nav_account: &'static str,
    pub nav_request: &'static str,
    pub nav_certificates: &'static str,
    pub nav_sign_in: &'static str,
    pub nav_register: &'static str,
    pub sign_out: &'static str,
    pub verify_link: &'static str,
    pub footer: &'static str,
    pub home_title: &'static str,
    pub home_lead: &'static str,
    pub home_steps: [&'static str; 3],
    pub start: &'static str,
    pub have_account: &'static str,
    pub error_summary: &'static str,
    pub register_title: &'static str,
    pub register_lead: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub password_hint: &'static str,
    pub cnp: &'static str,
    pub cnp_hint: &'static str,
    pub last_name: &'static str,
    pub first_name: &'static str,
    pub father_first_name: &'static str,
    pub mother_first_name: &'static str,
    pub birth_place: &'static str,
    pub optional: &'static str,
    pub id_document: &'static str,
    pub id_ci: &'static str,
    pub id_passport: &'static str,
    pub id_series: &'static str,
    pub id_number: &'static str,
    pub create_account: &'static str,
    pub account_exists: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in: &'static str,
    pub bad_credentials: &'static str,
    pub no_account: &'static str,
    pub account_title: &'static str,
    pub status: &'static str,
    pub status_pending: &'static str,
    pub status_validated: &'static str,
    pub validated_by_counter: &'static str,
    pub validated_by_ghiseul: &'static str,
    pub validate_title: &'static str,
    pub counter_code: &'static str,
    pub counter_how: &'static str,
    pub counter_bring: &'static str,
    pub validate_online: &'static str,
    pub validate_online_how: &'static str,
    pub request_title: &'static str,
    pub request_lead: &'static str,
    pub purpose: &'static str,
    pub submit_request: &'static str,
    pub status_title: &'static str,
    pub req_pending: &'static str,
    pub req_pending_hint: &'static str,
    pub req_issued: &'static str,
    pub req_rejected: &'static str,
    pub download: &'static str,
    pub certificates_title: &'static str,
    pub no_certificates: &'static str,
    pub number: &'static str,
    pub issued_on: &'static str,
    pub valid_until: &'static str,
    pub cert_status: &'static str,
    pub cert_valid: &'static str,
    pub cert_expired: &'static str,
    pub cert_revoked: &'static str,
    pub daily_limit_title: &'static str,
    pub daily_limit: &'static str,
    pub see_earlier: &'static str,
    pub not_validated_title: &'static str,
    pub not_validated: &'static str,
    pub throttled_title: &'static str,
    pub throttled: &'static str,
    pub not_found_title: &'static str,
    pub not_found: &'static str,
    pub forbidden_title: &'static str,
    pub forbidden: &'static str,
    pub expired_form_title: &'static str,
    pub expired_form: &'static str,
    pub unavailable_title: &'static str,
    pub unavailable: &'static str,
    pub bad_request_title: &'static str,
    pub bad_request: &'static str,
    pub back_home: &'static str,
    pub rejected_entries: &'static str,
    pub rejected_failed: &'static str,
    pub rejected_company: &'static str,
    pub nav_console: &'static str,
    pub console_title: &'static str,
    pub console_lead: &'static str,
    pub lookup_submit: &'static str,
    pub code_not_found: &'static str,
    pub code_invalid: &'static str,
    pub registered_title: &'static str,
    pub in_hand: &'static str,
    pub in_hand_hint: &'static str,
    pub validate_submit: &'static str,
    pub mismatch: &'static str,
    pub validated_title: &'static str,
    pub validated_text: &'static str,
    pub already_validated: &'static str,
    pub today_title: &'static str,
    pub none_today: &'static str,
    pub time: &'static str,
    pub account_id: &'static str,
    pub next_citizen: &'static str,
    pub err_email: &'static str,
    pub err_password: &'static str,
    pub err_cnp: &'static str,
    pub err_name: &'static str,
    pub err_document: &'static str,
    pub err_purpose: &'static str,
    pub err_generic: &'static str,
}

pub const RO: Texts = Texts {
    service: "Cazier judiciar online",
    ministry: "Ministerul Afacerilor Interne",
    skip: "Salt la conținut",
    switch_to: "English",
    nav_account: "Contul meu",
    nav_request: "Cerere nouă",
    nav_certificates: "Certificatele mele",
    nav_sign_in: "Autentificare",
    nav_register: "Creează cont",
    sign_out: "Ieșire",
    verify_link: "Verifică un certificat",
    footer: "Certificatele sunt semnate electronic și pot fi verificate de oricine.",
    home_title: "Certificat de cazier judiciar, online",
    home_lead: "Obțineți certificatul de cazier judiciar semnat electronic, în câteva secunde, fără să mergeți la ghișeu.",
    home_steps: [
        "Creați un cont cu datele din actul de identitate.",
        "Validați contul o singură dată: la orice ghișeu de poliție sau online.",
        "Alegeți scopul și descărcați certificatul semnat (PDF).",
    ],
    start: "Începeți",
    have_account: "Aveți deja cont? Autentificați-vă",
    error_summary: "Sunt probleme în formular",
    register_title: "Creați un cont",
    register_lead: "Datele trebuie să fie cele din actul de identitate pe care îl veți prezenta la validare.",
    email: "Adresa de e-mail",
    password: "Parola",
    password_hint: "Cel puțin 12 caractere.",
    cnp: "Codul numeric personal (CNP)",
    cnp_hint: "13 cifre, ca în actul de identitate.",
    last_name: "Nume",
    first_name: "Prenume",
    father_first_name: "Prenumele tatălui",
    mother_first_name: "Prenumele mamei",
    birth_place: "Locul nașterii",
    optional: "(opțional)",
    id_document: "Actul de identitate",
    id_ci: "Carte de identitate",
    id_passport: "Pașaport",
    id_series: "Seria (doar pentru cartea de identitate)",
    id_number: "Numărul",
    create_account: "Creează contul",
    account_exists: "Există deja un cont cu această adresă de e-mail sau cu acest CNP. Autentificați-vă.",
    sign_in_title: "Autentificare",
    sign_in: "Autentificare",
    bad_credentials: "Adresa de e-mail sau parola este greșită.",
    no_account: "Nu aveți cont? Creați unul",
    account_title: "Contul meu",
    status: "Starea contului",
    status_pending: "Nevalidat: validați contul înainte de prima cerere.",
    status_validated: "Validat",
    validated_by_counter: "validat la ghișeu",
    validated_by_ghiseul: "validat prin ghiseul.ro",
    validate_title: "Validați contul la ghișeu",
    counter_code: "Codul de ghișeu",
    counter_how: "Spuneți acest cod la orice ghișeu de poliție care eliberează certificate de cazier.",
    counter_bring: "Aduceți actul de identitate înscris în cont.",
    validate_online: "Validați online",
    validate_online_how: "Validarea online prin ghiseul.ro (card bancar cu 3-D Secure) sau ROeID va fi disponibilă în portal; până atunci, validați-vă la ghișeu.",
    request_title: "Cerere de certificat",
    request_lead: "Alegeți scopul pentru care vă trebuie certificatul. Puteți face o cerere pe zi pentru fiecare scop.",
    purpose: "Scopul",
    submit_request: "Trimite cererea",
    status_title: "Cererea dumneavoastră",
    req_pending: "Certificatul se generează.",
    req_pending_hint: "Pagina se actualizează singură în câteva secunde.",
    req_issued: "Certificatul a fost eliberat.",
    req_rejected: "Cererea nu a putut fi soluționată online.",
    download: "Descarcă certificatul (PDF)",
    certificates_title: "Certificatele mele",
    no_certificates: "Nu aveți încă certificate.",
    number: "Număr",
    issued_on: "Eliberat la",
    valid_until: "Valabil până la",
    cert_status: "Stare",
    cert_valid: "Valabil",
    cert_expired: "Expirat",
    cert_revoked: "Revocat",
    daily_limit_title: "Ați făcut deja o cerere azi pentru acest scop",
    daily_limit: "Se poate face o singură cerere pe zi pentru fiecare scop. Certificatul cerut azi este mai jos.",
    see_earlier: "Vedeți cererea de azi",
    not_validated_title: "Contul nu este validat",
    not_validated: "Înainte de prima cerere, validați contul: la ghișeu, cu codul de pe pagina contului.",
    throttled_title: "Prea multe încercări",
    throttled: "Din motive de siguranță, încercați din nou peste câteva minute.",
    not_found_title: "Pagina nu există",
    not_found: "Verificați adresa sau reveniți la pagina principală.",
    forbidden_title: "Acces interzis",
    forbidden: "Această pagină nu este pentru tipul dumneavoastră de cont.",
    expired_form_title: "Formularul a expirat",
    expired_form: "Din motive de siguranță, formularul nu a fost trimis. Încărcați din nou pagina și reîncercați.",
    unavailable_title: "Serviciul este temporar indisponibil",
    unavailable: "Nu s-a pierdut nimic. Încercați din nou peste câteva momente.",
    bad_request_title: "Cererea nu a putut fi citită",
    bad_request: "Reîncărcați pagina și completați din nou formularul.",
    back_home: "Înapoi la pagina principală",
    rejected_entries: "Cazierul are înscrieri: certificatul se eliberează la ghișeu.",
    rejected_failed: "Certificatul nu a putut fi generat. Faceți o cerere nouă.",
    rejected_company: "Firma nu mai este în registru.",
    nav_console: "Ghișeu",
    console_title: "Validare la ghișeu",
    console_lead: "Introduceți codul de ghișeu pe care vi-l spune cetățeanul.",
    lookup_submit: "Caută",
    code_not_found: "Niciun cont nu are acest cod. Verificați-l cu cetățeanul.",
    code_invalid: "Codul are 8 litere și cifre (fără I, L, O, U)",
    registered_title: "Datele din cont",
    in_hand: "Actul de identitate prezentat",
    in_hand_hint: "Introduceți datele de pe actul pe care îl aveți în mână, nu pe cele de mai sus.",
    validate_submit: "Validează contul",
    mismatch: "Actul prezentat nu este cel înscris în cont. Nu validați: cetățeanul trebuie să vină cu actul înscris sau să-și facă alt cont.",
    validated_title: "Contul a fost validat",
    validated_text: "Cetățeanul poate cere acum certificate online. Validarea este înregistrată pe numele dumneavoastră.",
    already_validated: "Contul este deja validat.",
    today_title: "Validările mele de azi",
    none_today: "Nicio validare azi.",
    time: "Ora",
    account_id: "Contul",
    next_citizen: "Următorul cetățean",
    err_email: "Introduceți o adresă de e-mail validă, de forma nume@exemplu.ro",
    err_password: "Parola trebuie să aibă între 12 și 256 de caractere",
    err_cnp: "Introduceți un CNP valid: 13 cifre, ca în actul de identitate",
    err_name: "Completați câmpul (cel mult 100 de caractere)",
    err_document: "Introduceți seria (2 litere) și numărul (6 cifre) cărții de identitate, sau numărul pașaportului",
    err_purpose: "Alegeți un scop din listă",
    err_generic: "Valoarea nu este validă",
};

pub const EN: Texts = Texts {
    service: "Criminal record certificate online",
    ministry: "Ministry of Internal Affairs",
    skip: "Skip to content",
    switch_to: "Română",
    nav_account: "My account",
    nav_request: "New request",
    nav_certificates: "My certificates",
    nav_sign_in: "Sign in",
    nav_register: "Create account",
    sign_out: "Sign out",
    verify_link: "Check a certificate",
    footer: "Certificates are electronically signed and anyone can check them.",
    home_title: "Criminal record certificate, online",
    home_lead: "Get your electronically signed criminal record certificate in seconds, without going to a counter.",
    home_steps: [
        "Create an account with the details of your identity document.",
        "Validate it once: at any police counter, or online.",
        "Choose the purpose and download the signed certificate (PDF).",
    ],
    start: "Start now",
    have_account: "Already have an account? Sign in",
    error_summary: "There is a problem",
    register_title: "Create an account",
    register_lead: "Use the details of the identity document you will show when your account is validated.",
    email: "Email address",
    password: "Password",
    password_hint: "At least 12 characters.",
    cnp: "Personal numeric code (CNP)",
    cnp_hint: "13 digits, as on your identity document.",
    last_name: "Surname",
    first_name: "Given names",
    father_first_name: "Father's given name",
    mother_first_name: "Mother's given name",
    birth_place: "Place of birth",
    optional: "(optional)",
    id_document: "Identity document",
    id_ci: "Identity card",
    id_passport: "Passport",
    id_series: "Series (identity card only)",
    id_number: "Number",
    create_account: "Create account",
    account_exists: "There is already an account with this email address or CNP. Sign in instead.",
    sign_in_title: "Sign in",
    sign_in: "Sign in",
    bad_credentials: "The email address or the password is wrong.",
    no_account: "No account yet? Create one",
    account_title: "My account",
    status: "Account status",
    status_pending: "Not validated: validate your account before your first request.",
    status_validated: "Validated",
    validated_by_counter: "validated at a police counter",
    validated_by_ghiseul: "validated through ghiseul.ro",
    validate_title: "Validate your account at a counter",
    counter_code: "Counter code",
    counter_how: "Give this code at any police counter that issues criminal record certificates.",
    counter_bring: "Bring the identity document registered in your account.",
    validate_online: "Validate online",
    validate_online_how: "Online validation through ghiseul.ro (a bank card with 3-D Secure) or ROeID is coming to the portal; until then, validate at a counter.",
    request_title: "Request a certificate",
    request_lead: "Choose what you need the certificate for. You can make one request a day for each purpose.",
    purpose: "Purpose",
    submit_request: "Send request",
    status_title: "Your request",
    req_pending: "Your certificate is being issued.",
    req_pending_hint: "This page updates itself in a few seconds.",
    req_issued: "Your certificate has been issued.",
    req_rejected: "Your request could not be completed online.",
    download: "Download the certificate (PDF)",
    certificates_title: "My certificates",
    no_certificates: "You have no certificates yet.",
    number: "Number",
    issued_on: "Issued on",
    valid_until: "Valid until",
    cert_status: "Status",
    cert_valid: "Valid",
    cert_expired: "Expired",
    cert_revoked: "Revoked",
    daily_limit_title: "You already asked today for this purpose",
    daily_limit: "You can make one request a day for each purpose. Today's request is below.",
    see_earlier: "See today's request",
    not_validated_title: "Your account is not validated",
    not_validated: "Before your first request, validate your account at a police counter with the code on your account page.",
    throttled_title: "Too many attempts",
    throttled: "For your security, try again in a few minutes.",
    not_found_title: "Page not found",
    not_found: "Check the address or go back to the home page.",
    forbidden_title: "Not allowed",
    forbidden: "This page is not for your kind of account.",
    expired_form_title: "The form has expired",
    expired_form: "For your security the form was not sent. Reload the page and try again.",
    unavailable_title: "The service is temporarily unavailable",
    unavailable: "Nothing was lost. Try again in a few moments.",
    bad_request_title: "The request could not be read",
    bad_request: "Reload the page and fill in the form again.",
    back_home: "Back to the home page",
    rejected_entries: "Your record has entries: the certificate is issued at a counter.",
    rejected_failed: "The certificate could not be generated. Please make a new request.",
    rejected_company: "The company is no longer registered.",
    nav_console: "Counter",
    console_title: "Validation at the counter",
    console_lead: "Enter the counter code the citizen gives you.",
    lookup_submit: "Find",
    code_not_found: "No account has this code. Check it with the citizen.",
    code_invalid: "The code has 8 letters and digits (no I, L, O, U)",
    registered_title: "Registered details",
    in_hand: "The identity document shown",
    in_hand_hint: "Enter the details of the document in your hand, not the ones above.",
    validate_submit: "Validate the account",
    mismatch: "The document shown is not the one registered. Do not validate: the citizen must bring the registered document or create another account.",
    validated_title: "The account is validated",
    validated_text: "The citizen can now request certificates online. The validation is recorded under your name.",
    already_validated: "The account is validated already.",
    today_title: "My validations today",
    none_today: "No validations today.",
    time: "Time",
    account_id: "Account",
    next_citizen: "Next citizen",
    err_email: "Enter an email address in the right format, like name@example.com",
    err_password: "The password must have 12 to 256 characters",
    err_cnp: "Enter a valid CNP: 13 digits, as on your identity document",
    err_name: "Fill in this field (at most 100 characters)",
    err_document: "Enter the identity card's series (2 letters) and number (6 digits), or the passport number",
    err_purpose: "Choose a purpose from the list",
    err_generic: "The value is not valid",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_of_the_two() {
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9"), Lang::En);
        assert_eq!(
            Lang::from_accept_language("de-DE,en;q=0.5,ro;q=0.8"),
            Lang::Ro
        );
        assert_eq!(Lang::from_accept_language("fr-FR"), Lang::Ro);
        assert_eq!(Lang::from_accept_language(""), Lang::Ro);
        assert_eq!(Lang::from_accept_language("ro-RO;q=0.2,en-US"), Lang::En);
    }
}
