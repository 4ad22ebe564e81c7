//! The texts of "your details" (what the citizen declared, as the certificate will print it,
//! changeable until validation) and of a validation refused because they changed meanwhile.

use crate::i18n::Lang;

pub struct DeclaredTexts {
    pub link_pending: &'static str,
    pub link_validated: &'static str,
    pub title: &'static str,
    pub lead_pending: &'static str,
    pub lead_validated: &'static str,
    pub new_document: &'static str,
    pub change_title: &'static str,
    pub check_title: &'static str,
    pub check_lead: &'static str,
    pub change_lead: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    pub not_declared: &'static str,
    pub saved: &'static str,
    pub conflict: &'static str,
    pub validated_title: &'static str,
    pub changed_title: &'static str,
    pub changed_citizen: &'static str,
    pub changed_clerk: &'static str,
}

impl Lang {
    pub fn d(self) -> &'static DeclaredTexts {
        match self {
            Lang::Ro => &RO,
            Lang::En => &EN,
        }
    }
}

static RO: DeclaredTexts = DeclaredTexts {
    link_pending: "Verificați sau corectați datele declarate (apar pe certificat)",
    link_validated: "Datele care apar pe certificat",
    title: "Datele dumneavoastră",
    lead_pending: "Așa vor apărea pe certificat. Numele, CNP-ul și actul de identitate trebuie să fie exact ca pe act: la validare sunt comparate cu el. Le puteți corecta până la validare.",
    lead_validated: "Contul este validat: datele de mai jos nu mai pot fi schimbate aici. Numele și CNP-ul sunt cele verificate; pentru orice corectură mergeți la un ghișeu de cazier judiciar, cu actul de identitate.",
    new_document: "Aveți un act de identitate nou? Mergeți cu el la orice ghișeu de cazier judiciar: funcționarul îl înregistrează în cont, fără un cont nou.",
    change_title: "Corectați datele",
    check_title: "Verificați ce va apărea pe certificat",
    check_lead: "Așa ați declarat datele. Numele, CNP-ul și actul trebuie să fie exact ca pe actul de identitate: la validare sunt comparate cu el. Părinții și locul nașterii apar pe certificat așa cum le declarați.",
    change_lead: "Dacă le schimbați după ce un funcționar v-a căutat contul sau după ce v-ați identificat online, validarea începută nu mai este valabilă și trebuie reluată.",
    save: "Salvați datele",
    cancel: "Înapoi la cont",
    not_declared: "nedeclarat",
    saved: "Datele au fost salvate.",
    conflict: "Datele s-au schimbat între timp (din altă fereastră sau prin validare). Verificați-le mai jos și încercați din nou.",
    validated_title: "Contul este deja validat",
    changed_title: "Datele s-au schimbat",
    changed_citizen: "Datele contului s-au schimbat după ce v-ați identificat, deci identificarea nu mai este valabilă. Validați din nou contul.",
    changed_clerk: "Cetățeanul și-a modificat datele după ce ați deschis contul. Mai jos sunt datele de acum: comparați-le din nou cu actul, apoi bifați.",
};

static EN: DeclaredTexts = DeclaredTexts {
    link_pending: "Check or correct the details you declared (they print on the certificate)",
    link_validated: "The details your certificate prints",
    title: "Your details",
    lead_pending: "This is how your certificate will print them. Your names, CNP and identity document must be exactly as on the document: validation compares them with it. You can correct them until your account is validated.",
    lead_validated: "Your account is validated: the details below can no longer be changed here. Your names and CNP are the ones checked; for any correction, go to a criminal record counter with your identity document.",
    new_document: "Do you have a new identity document? Take it to any criminal record counter: the clerk records it in your account, no new account needed.",
    change_title: "Correct your details",
    check_title: "Check what your certificate will print",
    check_lead: "This is what you declared. Your names, CNP and document must be exactly as on your identity document: validation compares them with it. Your parents' names and place of birth print as you declare them.",
    change_lead: "If you change them after a clerk looked your account up or after you proved your identity online, that validation no longer counts and must be started again.",
    save: "Save details",
    cancel: "Back to my account",
    not_declared: "not declared",
    saved: "Your details were saved.",
    conflict: "Your details changed meanwhile (in another window, or by a validation). Check them below and try again.",
    validated_title: "The account is validated already",
    changed_title: "The details changed",
    changed_citizen: "Your account's details changed after you proved your identity, so that proof no longer counts. Validate your account again.",
    changed_clerk: "The citizen changed their details after you opened the account. Below are the details now registered: compare them with the document again, then tick.",
};
