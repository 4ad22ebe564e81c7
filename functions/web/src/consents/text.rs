//! The texts of the consents pages, in both languages.

use crate::i18n::Lang;

pub struct ConsentTexts {
    pub title: &'static str,
    pub intro: &'static str,
    pub not_validated: &'static str,
    pub validate_link: &'static str,
    pub pending_title: &'static str,
    pub active_title: &'static str,
    pub ended_title: &'static str,
    pub none: &'static str,
    pub organisation: &'static str,
    pub purpose: &'static str,
    pub reason: &'static str,
    pub sees: &'static str,
    pub term: &'static str,
    pub asked_at: &'static str,
    pub status: &'static str,
    pub open: &'static str,
    pub asks_you: &'static str,
    pub sees_status: &'static str,
    pub sees_certificate: &'static str,
    pub one_off: &'static str,
    pub until: &'static str,
    pub until_after: &'static str,
    pub pending: &'static str,
    pub accepted: &'static str,
    pub declined: &'static str,
    pub revoked: &'static str,
    pub used: &'static str,
    pub expired: &'static str,
    pub decide_lead: &'static str,
    pub accept: &'static str,
    pub decline: &'static str,
    pub revoke_lead: &'static str,
    pub revoke: &'static str,
    pub settled: &'static str,
    pub history: &'static str,
    pub when: &'static str,
    pub what: &'static str,
    pub ev_asked: &'static str,
    pub ev_accepted: &'static str,
    pub ev_declined: &'static str,
    pub ev_revoked: &'static str,
    pub ev_extract: &'static str,
    pub ev_record_changed: &'static str,
    pub back: &'static str,
    pub flash_accepted: &'static str,
    pub flash_declined: &'static str,
    pub flash_revoked: &'static str,
    pub answer_by: &'static str,
    pub works_until: &'static str,
    pub ended_used: &'static str,
    pub settled_title: &'static str,
    pub code_link: &'static str,
    pub code_title: &'static str,
    pub code_lead: &'static str,
    pub code_label: &'static str,
    pub code_hint: &'static str,
    pub code_open: &'static str,
    pub code_wrong: &'static str,
    pub code_throttled: &'static str,
    pub nav: &'static str,
    pub suspended: &'static str,
}

impl Lang {
    /// "1 request for consent waits for your answer", by number (Romanian plurals: "de" from 20).
    pub fn consents_waiting(self, n: usize) -> String {
        match (self, n) {
            (Lang::Ro, 1) => "O cerere de consimțământ așteaptă răspunsul dumneavoastră".into(),
            (Lang::Ro, n) if n % 100 < 20 && n % 100 > 0 => {
                format!("{n} cereri de consimțământ așteaptă răspunsul dumneavoastră")
            }
            (Lang::Ro, n) => {
                format!("{n} de cereri de consimțământ așteaptă răspunsul dumneavoastră")
            }
            (Lang::En, 1) => "1 request for consent waits for your answer".into(),
            (Lang::En, n) => format!("{n} requests for consent wait for your answer"),
        }
    }

    pub fn c(self) -> &'static ConsentTexts {
        match self {
            Lang::Ro => &RO,
            Lang::En => &EN,
        }
    }
}

const RO: ConsentTexts = ConsentTexts {
    title: "Consimțăminte",
    intro: "Instituțiile și angajatorii înregistrați la Ministerul Afacerilor Interne vă pot cere \
            consimțământul pentru a obține direct un extras din cazierul dumneavoastră judiciar, \
            în loc să le aduceți un certificat. Aici vedeți cine cere și de ce, acceptați sau \
            refuzați, și puteți retrage oricând un consimțământ dat.",
    not_validated: "Cererile de consimțământ sunt făcute pentru un CNP. Le vedeți aici după ce vă \
                    validați contul.",
    validate_link: "Validați contul",
    pending_title: "Așteaptă răspunsul dumneavoastră",
    active_title: "Consimțăminte date",
    ended_title: "Încheiate",
    none: "Nu aveți nicio cerere de consimțământ.",
    organisation: "Organizația",
    purpose: "Scopul",
    reason: "Motivul declarat",
    sees: "Ce va primi",
    term: "Durata",
    asked_at: "Cerută la",
    status: "Stare",
    open: "Deschideți",
    asks_you: "vă cere consimțământul",
    sees_status: "Doar dacă aveți sau nu mențiuni în cazier (fără conținutul lor), numele și \
                  data nașterii dumneavoastră.",
    sees_certificate: "Mențiunile din cazier, ca pe certificat (instanța, hotărârea, fapta, \
                       pedeapsa), numele și data nașterii dumneavoastră. Mențiunile pentru care \
                       a intervenit reabilitarea nu apar niciodată.",
    one_off: "O singură dată: un singur extras, în cel mult 30 de zile de la acceptare.",
    until: "Până la",
    until_after: "inclusiv: extrase oricând în acest timp.",
    pending: "Așteaptă răspuns",
    accepted: "Acceptat",
    declined: "Refuzat",
    revoked: "Retras",
    used: "Folosit",
    expired: "Expirat",
    decide_lead: "Dacă acceptați, organizația de mai sus primește un extras sigilat electronic, \
                  cu doar informațiile de mai sus. Dacă refuzați, nu primește nimic și află \
                  doar că ați refuzat.",
    accept: "Accept",
    decline: "Refuz",
    revoke_lead: "Retragerea are efect imediat: organizația nu mai poate obține extrase. \
                  Extrasele deja obținute rămân la ea.",
    revoke: "Retrag consimțământul",
    settled: "Această cerere nu mai poate fi schimbată: starea ei este afișată mai jos.",
    history: "Istoric",
    when: "Când",
    what: "Ce s-a întâmplat",
    ev_asked: "Organizația a cerut consimțământul",
    ev_accepted: "Ați acceptat",
    ev_declined: "Ați refuzat",
    ev_revoked: "Ați retras consimțământul",
    ev_extract: "Organizația a obținut extrasul",
    ev_record_changed: "Cazierul s-a schimbat; organizația a fost anunțată, fără să afle ce",
    back: "Înapoi la consimțăminte",
    flash_accepted: "Ați acceptat. Organizația poate obține extrasul în condițiile de mai jos.",
    flash_declined: "Ați refuzat. Organizația nu primește nimic.",
    flash_revoked: "Ați retras consimțământul. Organizația nu mai poate obține extrase.",
    answer_by: "Răspundeți până la",
    works_until: "Valabil până la",
    ended_used: "Extrasul a fost obținut; consimțământul s-a încheiat.",
    settled_title: "Ați răspuns deja acestei cereri, probabil din altă fereastră. Starea ei este cea de mai jos.",
    code_link: "Sunteți la ghișeul unei instituții? Introduceți codul afișat",
    code_title: "Codul de la ghișeu",
    code_lead: "Funcționarul instituției a introdus cererea la ghișeu și vă arată un cod de 8 caractere. Introduceți-l aici pentru a vedea cererea și a răspunde. Codul este valabil 15 minute.",
    code_label: "Codul afișat la ghișeu",
    code_hint: "De exemplu ABCD-1234",
    code_open: "Vedeți cererea",
    code_wrong: "Codul este greșit sau a expirat, ori cererea nu este pentru CNP-ul dumneavoastră. Cereți funcționarului un cod nou.",
    code_throttled: "Ați încercat prea multe coduri. Încercați din nou peste un minut.",
    nav: "Consimțăminte",
    suspended: "Ministerul a suspendat această organizație: acum nu poate obține extrase. Cererea ei poate fi refuzată, nu acceptată.",
};

const EN: ConsentTexts = ConsentTexts {
    title: "Consents",
    intro: "Institutions and employers registered with the Ministry of Internal Affairs may ask \
            for your consent to obtain an extract of your criminal record directly, instead of \
            you bringing them a certificate. Here you see who asks and why, accept or decline, \
            and may withdraw a consent you gave at any time.",
    not_validated: "Requests for consent are made for a CNP. You see them here once your \
                    account is validated.",
    validate_link: "Validate your account",
    pending_title: "Waiting for your answer",
    active_title: "Consents given",
    ended_title: "Ended",
    none: "You have no requests for consent.",
    organisation: "Organisation",
    purpose: "Purpose",
    reason: "Reason given",
    sees: "What it receives",
    term: "Duration",
    asked_at: "Asked on",
    status: "Status",
    open: "Open",
    asks_you: "asks for your consent",
    sees_status: "Only whether your record lists entries (not what they are), your name and \
                  your date of birth.",
    sees_certificate: "The entries of your record, as a certificate prints them (court, \
                       decision, offence, penalty), your name and your date of birth. Entries \
                       you were rehabilitated for never appear.",
    one_off: "Once: one extract, within 30 days of your acceptance.",
    until: "Until",
    until_after: "inclusive: extracts at any time until then.",
    pending: "Waiting",
    accepted: "Accepted",
    declined: "Declined",
    revoked: "Withdrawn",
    used: "Used",
    expired: "Expired",
    decide_lead: "If you accept, the organisation above receives an electronically sealed \
                  extract with only the information above. If you decline, it receives nothing \
                  and learns only that you declined.",
    accept: "Accept",
    decline: "Decline",
    revoke_lead: "Withdrawing takes effect at once: the organisation can obtain no more \
                  extracts. Extracts it already obtained stay with it.",
    revoke: "Withdraw consent",
    settled: "This request can no longer be changed: its status is shown below.",
    history: "History",
    when: "When",
    what: "What happened",
    ev_asked: "The organisation asked for consent",
    ev_accepted: "You accepted",
    ev_declined: "You declined",
    ev_revoked: "You withdrew consent",
    ev_extract: "The organisation obtained the extract",
    ev_record_changed: "Your record changed; the organisation was told, not what",
    back: "Back to consents",
    flash_accepted: "You accepted. The organisation may obtain the extract on the terms below.",
    flash_declined: "You declined. The organisation receives nothing.",
    flash_revoked: "You withdrew your consent. The organisation can obtain no more extracts.",
    answer_by: "Answer by",
    works_until: "Valid until",
    ended_used: "The extract was obtained; the consent has ended.",
    settled_title: "You have already answered this request, probably in another window. Its status is shown below.",
    code_link: "At an institution's desk? Enter the code you are shown",
    code_title: "The code from the desk",
    code_lead: "The institution's clerk entered the request at the desk and shows you an 8-character code. Enter it here to see the request and answer it. The code works for 15 minutes.",
    code_label: "The code shown at the desk",
    code_hint: "For example ABCD-1234",
    code_open: "See the request",
    code_wrong: "The code is wrong or has expired, or the request is not for your CNP. Ask the clerk for a new code.",
    code_throttled: "You have tried too many codes. Try again in a minute.",
    nav: "Consents",
    suspended: "The Ministry has suspended this organisation: it cannot get extracts now. Its request may be declined, not accepted.",
};
