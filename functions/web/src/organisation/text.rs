//! The texts of an organisation's staff pages, in both languages (the labels a consent shares
//! with the holder's pages are theirs: `Lang::c`).

use crate::i18n::Lang;

pub struct OrganisationTexts {
    pub nav: &'static str,
    pub nav_ask: &'static str,
    pub title: &'static str,
    pub lead: &'static str,
    pub none: &'static str,
    pub listed_newest: &'static str,
    pub person: &'static str,
    pub cnp_ending: &'static str,
    pub name_after_accept: &'static str,
    pub extracts: &'static str,
    pub ask_title: &'static str,
    pub ask_lead: &'static str,
    pub cnp: &'static str,
    pub cnp_hint: &'static str,
    pub purpose_hint: &'static str,
    pub reason: &'static str,
    pub reason_hint: &'static str,
    pub term: &'static str,
    pub one_off: &'static str,
    pub continuous: &'static str,
    pub until: &'static str,
    pub until_hint: &'static str,
    pub at_desk: &'static str,
    pub at_desk_hint: &'static str,
    pub send: &'static str,
    pub next: &'static str,
    pub check_title: &'static str,
    pub check_lead: &'static str,
    pub continuous_until: &'static str,
    pub change: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub cancel: &'static str,
    pub purpose_not_allowed: &'static str,
    pub desk_not_allowed: &'static str,
    pub recently_declined: &'static str,
    pub throttled: &'static str,
    pub sent: &'static str,
    pub already_waiting: &'static str,
    pub desk_code_title: &'static str,
    pub desk_code_lead: &'static str,
    pub desk_code_until: &'static str,
    pub new_desk_code: &'static str,
    pub new_desk_code_lead: &'static str,
    pub pull_title: &'static str,
    pub pull_lead: &'static str,
    pub pull: &'static str,
    pub not_given: &'static str,
    pub answered: &'static str,
    pub not_yet: &'static str,
    pub used: &'static str,
    pub err_reason_too_long: &'static str,
    pub err_more_than_a_year: &'static str,
    pub err_until_for_one_off: &'static str,
    pub err_until_missing: &'static str,
    pub ready_at_desk: &'static str,
    pub answer_by: &'static str,
    pub pull_lead_continuous: &'static str,
    pub changed: &'static str,
    pub suspended_title: &'static str,
    pub suspended: &'static str,
    pub back: &'static str,
    pub open: &'static str,
    pub sees: &'static str,
    pub sees_status: &'static str,
    pub sees_certificate: &'static str,
    pub one_off_term: &'static str,
    pub ev_accepted: &'static str,
    pub ev_declined: &'static str,
    pub ev_revoked: &'static str,
    pub ev_record_changed: &'static str,
}

impl Lang {
    pub fn o(self) -> &'static OrganisationTexts {
        match self {
            Lang::Ro => &RO,
            Lang::En => &EN,
        }
    }
}

const RO: OrganisationTexts = OrganisationTexts {
    nav: "Organizație",
    nav_ask: "Cerere nouă",
    title: "Consimțămintele organizației",
    lead: "Cererile de consimțământ ale organizației și răspunsurile persoanelor. Cu un \
           consimțământ dat, descărcați de aici un extras sigilat, numai cu ce permite scopul.",
    none: "Organizația nu a cerut încă niciun consimțământ.",
    listed_newest: "Cele mai noi cereri, primele.",
    person: "Persoana",
    cnp_ending: "CNP terminat în",
    name_after_accept: "numele apare după ce acceptă",
    extracts: "Extrase descărcate",
    ask_title: "Cereți consimțământul unei persoane",
    ask_lead: "Persoana găsește cererea în portal (și primește un e-mail, dacă are cont) și \
               o acceptă sau o refuză. Până atunci nu vedeți nimic din cazierul ei; după, \
               numai ce permite scopul, cât timp nu își retrage consimțământul.",
    cnp: "CNP-ul persoanei",
    cnp_hint: "13 cifre, ca în actul de identitate.",
    purpose_hint: "Numai scopurile pentru care organizația este înregistrată.",
    reason: "Motivul",
    reason_hint: "Îl citește persoana: un rând de cel mult 200 de caractere, de exemplu \
                  „Angajare în funcția de șofer”.",
    term: "Pentru cât timp",
    one_off: "Un singur extras",
    continuous: "Continuu, până la o dată (cel mult un an), cu anunț când se schimbă cazierul",
    until: "Ultima zi",
    until_hint: "Numai pentru „Continuu”: cel târziu {last}.",
    at_desk: "Persoana este acum la ghișeul meu",
    at_desk_hint: "Primiți un cod de 8 caractere pe care persoana îl introduce în portal, pe \
                   telefonul ei; nu se trimite e-mail.",
    send: "Trimiteți cererea",
    next: "Continuați",
    check_title: "Verificați cererea înainte să o trimiteți",
    check_lead: "Verificați mai ales CNP-ul: cu o cifră greșită, cererea ar ajunge la altă \
                 persoană. Nimic nu s-a trimis încă.",
    continuous_until: "Continuu, până la",
    change: "Modificați",
    yes: "Da",
    no: "Nu",
    cancel: "Înapoi la consimțăminte",
    purpose_not_allowed: "Organizația nu poate cere consimțământ pentru acest scop.",
    desk_not_allowed: "Numai instituțiile publice cer consimțământul la ghișeu.",
    recently_declined: "Persoana a refuzat o cerere a organizației (sau și-a retras \
                        consimțământul) în ultimele 30 de zile: \
                        nu o puteți întreba din nou până atunci.",
    throttled: "Prea multe cereri într-un minut. Încercați din nou peste un minut.",
    sent: "Cererea a fost trimisă. Aici vedeți răspunsul persoanei.",
    already_waiting: "Nu s-a trimis o cerere nouă: o cerere a organizației pentru această \
                      persoană așteaptă deja răspunsul. Este cea de mai jos (cu scopul și \
                      motivul ei); după ce persoana răspunde sau cererea expiră, puteți cere din nou.",
    desk_code_title: "Codul pentru persoana de la ghișeu",
    desk_code_lead: "Arătați-i persoanei acest cod. Ea îl introduce în portal, pe telefonul \
                     ei: Consimțăminte → „Sunteți la ghișeul unei instituții? Introduceți codul \
                     afișat”, apoi răspunde acolo. Puteți reîncărca pagina peste un minut ca să \
                     vedeți răspunsul.",
    desk_code_until: "Codul funcționează până la",
    new_desk_code: "Arată un cod nou",
    new_desk_code_lead: "Persoana este la ghișeu și nu a răspuns încă? Arătați-i un cod cu \
                         care deschide cererea pe telefonul ei.",
    pull_title: "Extrasul",
    pull_lead: "Fiecare descărcare este un extras nou, numerotat și sigilat, pe care persoana \
                îl vede în istoricul ei. Un consimțământ pentru un singur extras se încheie \
                cu prima descărcare.",
    pull: "Descărcați extrasul (PDF sigilat)",
    not_given: "Consimțământul nu mai este dat: niciun extras.",
    not_yet: "Persoana nu a răspuns încă: niciun extras până nu acceptă.",
    used: "Consimțământul era pentru un singur extras, descărcat deja (numărul lui este în \
           istoric). Pentru altul, cereți din nou consimțământul persoanei.",
    err_reason_too_long: "Cel mult 200 de caractere",
    err_more_than_a_year: "Alegeți o zi în cel mult un an de azi",
    err_until_for_one_off: "Pentru o ultimă zi alegeți „Continuu”; pentru un singur extras lăsați câmpul gol",
    err_until_missing: "Scrieți ultima zi a consimțământului continuu",
    ready_at_desk: "Cererea este gata. Arătați-i persoanei codul de mai jos; nu s-a trimis niciun e-mail.",
    answer_by: "Persoana poate răspunde până la",
    pull_lead_continuous: "Fiecare descărcare este un extras nou, numerotat și sigilat, pe care \
                           persoana îl vede în istoricul ei; puteți descărca oricând până la \
                           ultima zi a consimțământului.",
    answered: "Cererea nu mai așteaptă (persoana a răspuns sau a expirat): nu mai e nevoie de cod.",
    changed: "Consimțământul s-a schimbat între timp (retras sau folosit): niciun extras.",
    suspended_title: "Organizație suspendată",
    suspended: "Ministerul a suspendat organizația: nu puteți cere consimțăminte și nici \
                descărca extrase în numele ei până nu este reactivată.",
    back: "Înapoi la consimțămintele organizației",
    open: "Deschide",
    sees: "Ce primiți",
    sees_status: "Numai dacă persoana are sau nu mențiuni în cazier (fără conținutul lor), \
                  numele și data nașterii ei.",
    sees_certificate: "Mențiunile din cazierul persoanei, ca pe certificat (instanța, \
                       hotărârea, fapta, pedeapsa), numele și data nașterii ei. Mențiunile \
                       reabilitate nu apar niciodată.",
    one_off_term: "O singură dată: un singur extras, în cel mult 30 de zile de la acceptare.",
    ev_accepted: "Persoana a acceptat",
    ev_declined: "Persoana a refuzat",
    ev_revoked: "Persoana și-a retras consimțământul",
    ev_record_changed: "Cazierul persoanei s-a schimbat (organizația a fost anunțată)",
};

const EN: OrganisationTexts = OrganisationTexts {
    nav: "Organisation",
    nav_ask: "New request",
    title: "Your organisation's consents",
    lead: "Your organisation's requests for consent and the people's answers. With a consent \
           given, download a sealed extract here, showing only what the purpose allows.",
    none: "Your organisation has not asked for any consent yet.",
    listed_newest: "Newest requests first.",
    person: "Person",
    cnp_ending: "CNP ending in",
    name_after_accept: "the name shows once they accept",
    extracts: "Extracts downloaded",
    ask_title: "Ask a person for consent",
    ask_lead: "The person finds the request in the portal (and gets an e-mail if they have an \
               account) and accepts or declines it. Until then you see nothing of their \
               record; after, only what the purpose allows, until they withdraw.",
    cnp: "The person's CNP",
    cnp_hint: "13 digits, as on their identity document.",
    purpose_hint: "Only the purposes your organisation is registered for.",
    reason: "Reason",
    reason_hint: "The person reads it: one line of at most 200 characters, for example \
                  \"Hiring a driver\".",
    term: "For how long",
    one_off: "One extract",
    continuous: "Continuously, until a date (at most a year), told when the record changes",
    until: "Last day",
    until_hint: "Only for \"Continuously\": {last} at the latest.",
    at_desk: "The person is at my desk now",
    at_desk_hint: "You get an 8-character code the person types into the portal on their own \
                   phone; no e-mail is sent.",
    send: "Send the request",
    next: "Continue",
    check_title: "Check the request before you send it",
    check_lead: "Check the CNP above all: with one digit wrong, the request would reach \
                 someone else. Nothing has been sent yet.",
    continuous_until: "Continuously, until",
    change: "Change",
    yes: "Yes",
    no: "No",
    cancel: "Back to the consents",
    purpose_not_allowed: "Your organisation may not ask for consent for this purpose.",
    desk_not_allowed: "Only public institutions ask for consent at a desk.",
    recently_declined: "The person declined a request of your organisation (or withdrew their \
                        consent) in the last 30 \
                        days: you cannot ask them again until then.",
    throttled: "Too many requests in a minute. Try again in a minute.",
    sent: "The request was sent. The person's answer shows here.",
    already_waiting: "No new request was sent: a request of your organisation for this person \
                      already waits for their answer. It is the one below (with its own purpose \
                      and reason); once the person answers or it expires, you may ask again.",
    desk_code_title: "The code for the person at your desk",
    desk_code_lead: "Show the person this code. They type it into the portal on their own \
                     phone: Consents → \"At an institution's desk? Enter the code you are \
                     shown\", and answer there. Reload this page in a minute to see the answer.",
    desk_code_until: "The code works until",
    new_desk_code: "Show a new code",
    new_desk_code_lead: "The person is at your desk and has not answered yet? Show them a code \
                         that opens the request on their phone.",
    pull_title: "The extract",
    pull_lead: "Each download is a new extract, numbered and sealed, which the person sees in \
                their history. A consent for one extract ends with the first download.",
    pull: "Download the extract (sealed PDF)",
    not_given: "The consent is no longer given: no extract.",
    not_yet: "The person has not answered yet: no extract until they accept.",
    used: "The consent was for one extract, already downloaded (its number is in the history). \
           For another, ask the person for consent again.",
    err_reason_too_long: "At most 200 characters",
    err_more_than_a_year: "Choose a day at most a year from today",
    err_until_for_one_off: "For a last day choose \"Continuously\"; for one extract leave it empty",
    err_until_missing: "Enter the continuous consent's last day",
    ready_at_desk: "The request is ready. Show the person the code below; no e-mail was sent.",
    answer_by: "The person may answer until",
    pull_lead_continuous: "Each download is a new extract, numbered and sealed, which the person \
                           sees in their history; you may download at any time until the \
                           consent's last day.",
    answered: "The request no longer waits (the person answered, or it expired): no code needed.",
    changed: "The consent changed meanwhile (withdrawn or used): no extract.",
    suspended_title: "Organisation suspended",
    suspended: "The Ministry suspended your organisation: you cannot ask for consents or \
                download extracts in its name until it is reinstated.",
    back: "Back to your organisation's consents",
    open: "Open",
    sees: "What you receive",
    sees_status: "Only whether the person's record lists entries (not what they are), their \
                  name and date of birth.",
    sees_certificate: "The entries of the person's record, as a certificate prints them \
                       (court, decision, offence, penalty), their name and date of birth. \
                       Rehabilitated entries never appear.",
    one_off_term: "Once: one extract, within 30 days of the person's acceptance.",
    ev_accepted: "The person accepted",
    ev_declined: "The person declined",
    ev_revoked: "The person withdrew consent",
    ev_record_changed: "The person's record changed (your organisation was told)",
};
