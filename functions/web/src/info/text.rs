//! The start page's content and the information pages linked from every footer (help and
//! contact, privacy, cookies, accessibility), in both languages. Text only: `view.rs`
//! lays them out.

use crate::i18n::Lang;
use cazier_shared::domain::Page;

/// A section of an information page: a heading and its paragraphs (or list items).
pub struct Section {
    pub heading: &'static str,
    pub paragraphs: &'static [&'static str],
    /// Shown as a bulleted list rather than paragraphs.
    pub list: bool,
}

const fn text(heading: &'static str, paragraphs: &'static [&'static str]) -> Section {
    Section {
        heading,
        paragraphs,
        list: false,
    }
}

const fn list(heading: &'static str, paragraphs: &'static [&'static str]) -> Section {
    Section {
        heading,
        paragraphs,
        list: true,
    }
}

/// One information page.
pub struct InfoPage {
    pub title: &'static str,
    pub lead: &'static str,
    pub sections: &'static [Section],
}

/// The information pages, by their path.
#[derive(Debug, Clone, Copy)]
pub enum Info {
    Help,
    Privacy,
    Cookies,
    Accessibility,
}

impl Info {
    pub const ALL: [Info; 4] = [
        Info::Help,
        Info::Privacy,
        Info::Cookies,
        Info::Accessibility,
    ];

    pub fn page(self) -> Page {
        match self {
            Info::Help => Page::Help,
            Info::Privacy => Page::Privacy,
            Info::Cookies => Page::Cookies,
            Info::Accessibility => Page::Accessibility,
        }
    }
}

pub struct InfoTexts {
    /// The start page: what the service is, for whom, what one needs.
    pub start: InfoPage,
    pub start_now: &'static str,
    pub official: &'static str,
    pub footer_links: [&'static str; 4],
    help: InfoPage,
    privacy: InfoPage,
    cookies: InfoPage,
    accessibility: InfoPage,
}

impl InfoTexts {
    pub fn page(&self, info: Info) -> &InfoPage {
        match info {
            Info::Help => &self.help,
            Info::Privacy => &self.privacy,
            Info::Cookies => &self.cookies,
            Info::Accessibility => &self.accessibility,
        }
    }
}

impl Lang {
    pub fn info(self) -> &'static InfoTexts {
        match self {
            Lang::Ro => &RO,
            Lang::En => &EN,
        }
    }
}

static RO: InfoTexts = InfoTexts {
    start: InfoPage {
        title: "Obțineți online certificatul de cazier judiciar",
        lead: "Gratuit. După ce v-ați dovedit o dată identitatea, certificatul este gata în câteva secunde; poartă sigiliul electronic al Ministerului Afacerilor Interne și are aceeași valoare ca cel eliberat la ghișeu.",
        sections: &[
            list("Cine poate folosi serviciul", &[
                "Orice persoană cu cod numeric personal (CNP) românesc, pentru propriul certificat.",
                "Reprezentantul legal al unei firme cu sediul în România, pentru certificatul firmei.",
                "Certificatul arată și mențiunile din cazier, dacă există.",
            ]),
            list("De ce aveți nevoie", &[
                "O adresă de e-mail și actul de identitate (carte de identitate sau pașaport).",
                "O singură dată, dovada identității: un card bancar românesc cu 3-D Secure, prin ghiseul.ro (cardul nu este debitat), sau cartea de identitate electronică / aplicația ROeID, sau o vizită la un ghișeu de cazier judiciar al Poliției.",
            ]),
            list("Cum funcționează", &[
                "Vă creați contul și confirmați adresa de e-mail cu codul primit.",
                "Vă dovediți identitatea, o singură dată: imediat online, sau la un ghișeu. Un cont a cărui identitate nu este dovedită în 30 de zile se șterge.",
                "Alegeți scopul certificatului; îl descărcați în câteva secunde, ca PDF semnat.",
            ]),
            text("Cât este valabil", &[
                "Certificatul este valabil 6 luni de la eliberare. Îl puteți descărca din nou oricând în acest timp, îl puteți arăta cu un cod de partajare sau îl puteți adăuga în portofelul digital european. Oricine îl poate verifica gratuit, și fără internet, cu codul QR.",
            ]),
            list("Alte căi", &[
                "La ghișeul oricărei unități de poliție care eliberează certificate: pe loc sau în cel mult 3 zile lucrătoare.",
                "Din străinătate, la consulatul României: în până la 30 de zile.",
                "Prin reprezentant, la ghișeu: cu procură notarială (făcută în străinătate, cu apostilă), cu împuternicire avocațială sau, pentru un copil sub 14 ani, de părinte sau tutore.",
            ]),
        ],
    },
    start_now: "Începeți acum",
    official: "Serviciu public oficial al Ministerului Afacerilor Interne · gratuit",
    footer_links: ["Ajutor și contact", "Confidențialitate", "Cookie-uri", "Accesibilitate"],
    help: InfoPage {
        title: "Ajutor și contact",
        lead: "Răspunsuri la întrebările frecvente și cum ne contactați.",
        sections: &[
            text("Nu am primit codul de confirmare", &[
                "Căutați mesajul de la „Cazier judiciar online” și în dosarul de mesaje nedorite. Codul este valabil 30 de minute; dacă a expirat, creați contul din nou cu aceeași adresă.",
            ]),
            text("Am uitat parola", &[
                "Folosiți „Ați uitat parola?” pe pagina de autentificare: primiți pe e-mail o legătură care funcționează o singură dată.",
            ]),
            text("Nu am card bancar cu 3-D Secure", &[
                "Folosiți cartea de identitate electronică sau aplicația ROeID, ori mergeți o singură dată la un ghișeu de cazier judiciar cu actul de identitate și codul de ghișeu din pagina contului.",
            ]),
            text("Certificatul are mențiuni greșite", &[
                "Puteți cere îndreptarea lor la orice unitate de poliție care eliberează certificate de cazier judiciar, cu actul de identitate și, dacă le aveți, hotărârile judecătorești în cauză. Până atunci, nu partajați certificatul.",
            ]),
            text("Cineva îmi cere bani pentru verificare", &[
                "Verificarea este gratuită, la /verificare. Site-urile care cer bani pentru certificat sau pentru verificare nu sunt ale Ministerului.",
            ]),
            text("Contact", &[
                "Telefon: 021 9590 (luni–vineri, 8:00–20:00). E-mail: cazier.online@mai.gov.ro. Nu vă cerem niciodată parola sau datele cardului, nici la telefon, nici pe e-mail.",
            ]),
        ],
    },
    privacy: InfoPage {
        title: "Confidențialitatea datelor",
        lead: "Ce date personale păstrăm, de ce, cât timp și ce drepturi aveți.",
        sections: &[
            text("Cine răspunde de date", &[
                "Ministerul Afacerilor Interne, prin Inspectoratul General al Poliției Române, care ține cazierul judiciar (Legea nr. 290/2004), este operatorul datelor. Responsabilul cu protecția datelor: dpo@mai.gov.ro.",
            ]),
            list("Ce păstrăm", &[
                "Contul: adresa de e-mail; parola, doar ca amprentă care nu poate fi întoarsă în parolă; CNP-ul, numele, prenumele părinților, locul nașterii și actul de identitate, criptate.",
                "Cererile și certificatele eliberate, cu mențiunile tipărite pe ele.",
                "Jurnalul verificărilor certificatelor dumneavoastră: când, pe ce cale și cu ce rezultat; nu cine verifică, în afara organizației pe care o declară cine folosește un cod de partajare sau portofelul.",
                "Jurnalul de securitate: autentificări, validări și consultări ale datelor de către funcționari.",
            ]),
            list("De ce și în temeiul cărui act", &[
                "Pentru a elibera și a permite verificarea certificatului de cazier judiciar: îndeplinirea unei sarcini de interes public (art. 6 alin. (1) lit. e) și art. 10 din Regulamentul (UE) 2016/679), potrivit Legii nr. 290/2004.",
            ]),
            list("Cât timp", &[
                "Un cont a cărui identitate nu a fost dovedită se șterge după 30 de zile.",
                "Codurile de confirmare: 30 de minute; legăturile pentru schimbarea parolei: 30 de minute; sesiunile: până la ieșire sau expirare.",
                "Certificatele și jurnalul verificărilor: cel puțin cât timp certificatul poate fi verificat, apoi cât cer normele de arhivare ale Poliției Române.",
            ]),
            text("Organizații care vă cer consimțământul", &[
                "Instituțiile și angajatorii înregistrați la minister vă pot cere consimțământul pentru a obține direct un extras din cazier (Legea 290/2004, art. 20 alin. 7). Vedeți cererile la „Consimțăminte”: cine cere, de ce și ce ar primi. Nimic nu pleacă fără acceptul dumneavoastră; un angajator află doar dacă aveți mențiuni, o instituție publică vede mențiunile ca pe certificat, iar mențiunile pentru care a intervenit reabilitarea nu sunt date nimănui. Puteți retrage oricând consimțământul, cu efect imediat, și vedeți fiecare extras obținut. Cererile și răspunsurile se păstrează un an după încheiere.",
            ]),
            text("Drepturile dumneavoastră", &[
                "Puteți cere accesul la date, rectificarea lor și restricționarea prelucrării, la dpo@mai.gov.ro sau la orice unitate de poliție. Puteți depune plângere la Autoritatea Națională de Supraveghere a Prelucrării Datelor cu Caracter Personal (dataprotection.ro).",
            ]),
            text("Ce nu facem", &[
                "Nu trimitem CNP-ul, numele sau mențiunile în e-mailuri și nu le punem în adrese de pagini. Nu folosim datele pentru altceva și nu le dăm nimănui fără temei legal.",
            ]),
        ],
    },
    cookies: InfoPage {
        title: "Cookie-uri",
        lead: "Folosim doar cookie-urile fără de care serviciul nu funcționează. Nu folosim cookie-uri de analiză sau de publicitate, deci nu vă cerem acordul pentru ele.",
        sections: &[
            list("Cookie-urile folosite", &[
                "__Host-cazier: vă ține autentificat; până la ieșire sau expirarea sesiunii.",
                "__Host-device: recunoaște un dispozitiv pe care v-ați autentificat deja, ca să nu fie blocat de încercările altora; 90 de zile.",
                "__Host-csrf: protejează formularele înainte de autentificare; două ore.",
                "__Host-flow, __Host-registration, __Host-reset, __Host-second-factor: leagă un pas (validarea, confirmarea contului, parola nouă, codul de autentificare) de browserul care l-a început; minute.",
                "__Host-flash, __Host-return: un mesaj pentru pagina următoare și pagina la care reveniți după autentificare; minute.",
                "__Host-lang: limba aleasă; un an.",
            ]),
        ],
    },
    accessibility: InfoPage {
        title: "Declarație de accesibilitate",
        lead: "Vrem ca oricine să poată folosi acest serviciu, inclusiv cu cititor de ecran, doar cu tastatura, pe un ecran mic sau mărit până la 400%.",
        sections: &[
            text("Cât de accesibil este", &[
                "Serviciul respectă Ghidul de accesibilitate WCAG 2.2, nivelul AA: fiecare pagină este verificată automat cu axe-core și parcursă doar cu tastatura, la 320 de pixeli lățime și la 200% mărire. Paginile funcționează fără JavaScript.",
            ]),
            list("Ce știm că nu este încă accesibil", &[
                "Certificatul PDF are text care poate fi citit și copiat, dar nu este încă etichetat (PDF/UA).",
                "Codul QR al certificatului se citește cu camera; același conținut se verifică și cu numărul și CNP-ul.",
            ]),
            text("Semnalați o problemă", &[
                "Scrieți-ne la cazier.online@mai.gov.ro: vă răspundem în cel mult 10 zile lucrătoare. Dacă nu sunteți mulțumit de răspuns, vă puteți adresa Autorității pentru Digitalizarea României.",
            ]),
            text("Cum am evaluat", &[
                "Declarația a fost întocmită pe baza testelor automate și a parcurgerilor din decembrie 2026.",
            ]),
        ],
    },
};

static EN: InfoTexts = InfoTexts {
    start: InfoPage {
        title: "Get your criminal record certificate online",
        lead: "Free. Once you have proved who you are, the certificate is ready in seconds; it carries the electronic seal of the Ministry of Internal Affairs and is worth the same as one from a counter.",
        sections: &[
            list("Who can use this service", &[
                "Anyone with a Romanian personal numeric code (CNP), for their own certificate.",
                "The legal representative of a company based in Romania, for the company's certificate.",
                "The certificate also shows any entries in the criminal record.",
            ]),
            list("What you need", &[
                "An e-mail address and your identity document (identity card or passport).",
                "Once, proof of who you are: a Romanian bank card with 3-D Secure, through ghiseul.ro (nothing is charged), or the electronic identity card / the ROeID app, or one visit to a police criminal-record counter.",
            ]),
            list("How it works", &[
                "Create your account and confirm your e-mail address with the code we send.",
                "Prove who you are, once: online straight away, or at a counter. An account whose holder has not proved who they are within 30 days is deleted.",
                "Choose the certificate's purpose; download it in seconds, as a sealed PDF.",
            ]),
            text("How long it is valid", &[
                "The certificate is valid for 6 months from issue. You can download it again at any time meanwhile, show it with a share code or add it to a European digital wallet. Anyone can check it for free, even offline, with its QR code.",
            ]),
            list("Other ways", &[
                "At the counter of any police unit that issues certificates: on the spot or within 3 working days.",
                "From abroad, at a Romanian consulate: within 30 days.",
                "Through a representative, at a counter: with a notarial power of attorney (made abroad: with an apostille), a lawyer's mandate or, for a child under 14, a parent or guardian.",
            ]),
        ],
    },
    start_now: "Start now",
    official: "An official public service of the Ministry of Internal Affairs · free",
    footer_links: ["Help and contact", "Privacy", "Cookies", "Accessibility"],
    help: InfoPage {
        title: "Help and contact",
        lead: "Answers to common questions, and how to reach us.",
        sections: &[
            text("I did not get the confirmation code", &[
                "Look for the message from \"Cazier judiciar online\", in the spam folder too. The code works for 30 minutes; if it expired, create the account again with the same address.",
            ]),
            text("I forgot my password", &[
                "Use \"Forgot your password?\" on the sign-in page: we e-mail you a link that works once.",
            ]),
            text("I have no bank card with 3-D Secure", &[
                "Use the electronic identity card or the ROeID app, or go once to a criminal-record counter with your identity document and the counter code on your account page.",
            ]),
            text("My certificate lists wrong entries", &[
                "You can ask for them to be corrected at any police unit that issues criminal record certificates, with your identity document and, if you have them, the court decisions concerned. Until then, do not share the certificate.",
            ]),
            text("Someone asks me to pay for a check", &[
                "Checking is free, at /verificare. Sites that ask for money for a certificate or a check are not the Ministry's.",
            ]),
            text("Contact", &[
                "Phone: 021 9590 (Monday to Friday, 8:00–20:00). E-mail: cazier.online@mai.gov.ro. We never ask for your password or card details, by phone or by e-mail.",
            ]),
        ],
    },
    privacy: InfoPage {
        title: "Privacy notice",
        lead: "What personal data we keep, why, for how long, and your rights.",
        sections: &[
            text("Who is responsible", &[
                "The Ministry of Internal Affairs, through the General Inspectorate of the Romanian Police, which keeps the criminal record (Law 290/2004), is the controller. Data protection officer: dpo@mai.gov.ro.",
            ]),
            list("What we keep", &[
                "Your account: your e-mail address; your password, only as a fingerprint that cannot be turned back into it; your CNP, names, parents' first names, place of birth and identity document, encrypted.",
                "Your requests and the certificates issued, with the entries printed on them.",
                "The log of checks of your certificates: when, how and with what answer; not who checks, apart from the organisation someone using a share code or a wallet declares.",
                "The security log: sign-ins, validations and clerks' views of your data.",
            ]),
            list("Why, and under which law", &[
                "To issue your criminal record certificate and let it be checked: a task in the public interest (Articles 6(1)(e) and 10 of Regulation (EU) 2016/679), under Law 290/2004.",
            ]),
            list("For how long", &[
                "An account whose holder never proved who they are is deleted after 30 days.",
                "Confirmation codes: 30 minutes; password reset links: 30 minutes; sessions: until you sign out or they expire.",
                "Certificates and the log of checks: at least as long as the certificate can be checked, then as long as the Romanian Police's archiving rules require.",
            ]),
            text("Organisations that ask for your consent", &[
                "Institutions and employers registered with the ministry may ask for your consent to obtain an extract of your record directly (Law 290/2004, art. 20(7)). You see the requests under \"Consents\": who asks, why, and what they would receive. Nothing leaves without your acceptance; an employer learns only whether your record lists entries, a public institution sees the entries as a certificate prints them, and entries you were rehabilitated for are given to nobody. You may withdraw your consent at any time, with immediate effect, and you see every extract obtained. Requests and answers are kept for a year after they end.",
            ]),
            text("Your rights", &[
                "You can ask for access to your data, its correction and restriction of its processing, at dpo@mai.gov.ro or at any police unit. You can complain to the National Supervisory Authority for Personal Data Processing (dataprotection.ro).",
            ]),
            text("What we do not do", &[
                "We never put your CNP, your name or your entries in e-mails or in page addresses. We use the data for nothing else and give it to nobody without a legal basis.",
            ]),
        ],
    },
    cookies: InfoPage {
        title: "Cookies",
        lead: "We use only the cookies without which the service cannot work. We use no analytics or advertising cookies, so we do not ask for your consent to any.",
        sections: &[
            list("The cookies we use", &[
                "__Host-cazier: keeps you signed in; until you sign out or the session ends.",
                "__Host-device: recognises a device you signed in from, so that others' wrong guesses do not lock it out; 90 days.",
                "__Host-csrf: protects forms before you sign in; two hours.",
                "__Host-flow, __Host-registration, __Host-reset, __Host-second-factor: tie a step (validation, confirming the account, a new password, the sign-in code) to the browser that started it; minutes.",
                "__Host-flash, __Host-return: a message for the next page, and the page to return to after signing in; minutes.",
                "__Host-lang: the language you chose; a year.",
            ]),
        ],
    },
    accessibility: InfoPage {
        title: "Accessibility statement",
        lead: "We want everyone to be able to use this service, with a screen reader, with the keyboard alone, on a small screen or zoomed to 400%.",
        sections: &[
            text("How accessible it is", &[
                "The service meets the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA: every page is checked with axe-core and walked with the keyboard alone, at 320 pixels wide and at 200% zoom. The pages work without JavaScript.",
            ]),
            list("What we know is not yet accessible", &[
                "The PDF certificate has text that can be read and copied, but it is not yet tagged (PDF/UA).",
                "The certificate's QR code is read with a camera; the same certificate can be checked with its number and CNP.",
            ]),
            text("Report a problem", &[
                "Write to cazier.online@mai.gov.ro: we answer within 10 working days. If you are not satisfied with the answer, you can turn to the Romanian Digitalisation Authority.",
            ]),
            text("How we assessed it", &[
                "This statement was prepared from automated tests and walk-throughs in December 2026.",
            ]),
        ],
    },
};
