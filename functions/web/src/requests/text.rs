//! The texts of the request page beyond the purpose: for whom (the citizen, or a company they
//! represent) and what the certificate will print, in both languages.

use crate::i18n::Lang;

pub struct RequestTexts {
    pub for_whom: &'static str,
    pub for_me: &'static str,
    pub for_company: &'static str,
    pub for_company_hint: &'static str,
    pub cui: &'static str,
    pub cui_hint: &'static str,
    pub preview_title: &'static str,
    pub preview_lead: &'static str,
    pub holder: &'static str,
    pub father: &'static str,
    pub mother: &'static str,
    pub birth_place: &'static str,
    pub declared: &'static str,
    pub not_given: &'static str,
    pub company_preview: &'static str,
    pub wrong_details: &'static str,
    pub err_missing_cui: &'static str,
    pub err_not_representative: &'static str,
}

impl Lang {
    pub fn r(self) -> &'static RequestTexts {
        match self {
            Lang::Ro => &RO,
            Lang::En => &EN,
        }
    }
}

static RO: RequestTexts = RequestTexts {
    for_whom: "Pentru cine este certificatul",
    for_me: "Pentru mine",
    for_company: "Pentru o firmă pe care o reprezint legal",
    for_company_hint: "Doar dacă figurați ca reprezentant legal în registrul comerțului.",
    cui: "CUI-ul firmei",
    cui_hint: "Doar pentru o firmă: 2–10 cifre, fără RO.",
    preview_title: "Ce va apărea pe certificat",
    preview_lead: "Certificatul tipărește aceste date despre dumneavoastră, apoi dacă sunteți sau nu înscris(ă) în cazierul judiciar.",
    holder: "Nume și prenume",
    father: "Prenumele tatălui",
    mother: "Prenumele mamei",
    birth_place: "Locul nașterii",
    declared: "(declarat de dumneavoastră)",
    not_given: "nedeclarat: apare ca „—”",
    company_preview: "Pentru o firmă, certificatul poartă denumirea și CUI-ul ei, din registrul comerțului, și mențiunile firmei.",
    wrong_details: "Dacă ceva este greșit, nu trimiteți cererea: la ghișeu, funcționarul poate îndrepta numele după actul de identitate.",
    err_missing_cui: "Introduceți CUI-ul firmei",
    err_not_representative: "Nu figurați ca reprezentant legal al acestei firme (sau CUI-ul nu este în registrul comerțului)",
};

static EN: RequestTexts = RequestTexts {
    for_whom: "Who the certificate is for",
    for_me: "For me",
    for_company: "For a company I legally represent",
    for_company_hint: "Only if you are its legal representative in the trade register.",
    cui: "The company's CUI",
    cui_hint: "Only for a company: 2 to 10 digits, without RO.",
    preview_title: "What the certificate will show",
    preview_lead: "The certificate prints these details of yours, then whether or not you have entries in the criminal record.",
    holder: "Full name",
    father: "Father's given name",
    mother: "Mother's given name",
    birth_place: "Place of birth",
    declared: "(as you declared it)",
    not_given: "not declared: shown as \"—\"",
    company_preview: "For a company, the certificate bears its name and CUI from the trade register, and the company's entries.",
    wrong_details: "If something is wrong, do not send the request: at a counter, the clerk can correct the names from your identity document.",
    err_missing_cui: "Enter the company's CUI",
    err_not_representative: "You are not a legal representative of this company (or the CUI is not in the trade register)",
};
