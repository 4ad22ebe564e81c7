//! The texts of "what your certificate contains" (the holder's page before sharing a
//! certificate), in both languages: plain, neutral words for people whose record has entries.

use crate::i18n::Lang;

pub struct EntriesTexts {
    pub link: &'static str,
    pub title: &'static str,
    pub none: &'static str,
    /// "{n}" is replaced by the count.
    pub some: &'static str,
    pub one: &'static str,
    pub some_unlisted: &'static str,
    pub who_sees: &'static str,
    pub entry: &'static str,
    pub court: &'static str,
    pub decision: &'static str,
    pub offence: &'static str,
    pub penalty: &'static str,
    pub rehabilitated: &'static str,
    pub yes: &'static str,
    pub meaning_title: &'static str,
    pub meaning: &'static str,
    pub rehabilitation_title: &'static str,
    pub rehabilitation: &'static str,
    pub contest_title: &'static str,
    pub contest: &'static str,
    pub support_title: &'static str,
    pub support: &'static str,
    pub before_sharing: &'static str,
    pub review: &'static str,
}

impl Lang {
    pub fn e(self) -> &'static EntriesTexts {
        match self {
            Lang::Ro => &RO,
            Lang::En => &EN,
        }
    }
}

static RO: EntriesTexts = EntriesTexts {
    link: "Ce conține",
    title: "Ce conține certificatul",
    none: "Certificatul arată că nu sunteți înscris(ă) în cazierul judiciar.",
    some: "Certificatul arată {n} mențiuni din cazierul judiciar.",
    one: "Certificatul arată o mențiune din cazierul judiciar.",
    some_unlisted: "Certificatul arată mențiuni din cazierul judiciar; le găsiți în PDF.",
    who_sees: "Cine primește certificatul (PDF) sau un cod de partajare (cu care îl poate descărca) vede toate mențiunile. Cine îl verifică după număr și CNP sau din portofel vede doar că există mențiuni, nu ce conțin.",
    entry: "Mențiunea",
    court: "Instanța",
    decision: "Hotărârea",
    offence: "Fapta",
    penalty: "Pedeapsa sau măsura",
    rehabilitated: "Reabilitat(ă)",
    yes: "Da",
    meaning_title: "Ce înseamnă o mențiune",
    meaning: "O mențiune este o hotărâre judecătorească definitivă înscrisă în cazierul judiciar: instanța, numărul și data hotărârii, fapta și pedeapsa. Certificatul le tipărește așa cum sunt înscrise.",
    rehabilitation_title: "Reabilitarea",
    rehabilitation: "După reabilitare (de drept sau hotărâtă de instanță, în condițiile Codului penal), condamnarea nu mai apare în certificatul de cazier judiciar. Dacă ați fost reabilitat(ă) și mențiunea apare încă, cereți îndreptarea ei.",
    contest_title: "Dacă o mențiune este greșită",
    contest: "Mergeți la orice unitate de poliție care eliberează certificate de cazier judiciar, cu actul de identitate și, dacă le aveți, hotărârile în cauză, și cereți îndreptarea. Până atunci, nu partajați certificatul; după îndreptare, cereți unul nou.",
    support_title: "Sprijin",
    support: "Un avocat vă poate ajuta; dacă nu vă permiteți unul, cereți asistență juridică gratuită la baroul din județul dumneavoastră. Serviciul de probațiune vă poate îndruma după executarea unei pedepse.",
    before_sharing: "Acest certificat arată mențiuni din cazierul judiciar. Cine primește un cod de partajare poate descărca certificatul și vede toate mențiunile.",
    review: "Citiți ce conține, înainte de a-l partaja",
};

static EN: EntriesTexts = EntriesTexts {
    link: "What it contains",
    title: "What your certificate contains",
    none: "The certificate says that you have no entries in the criminal record.",
    some: "The certificate lists {n} entries from the criminal record.",
    one: "The certificate lists one entry from the criminal record.",
    some_unlisted: "The certificate lists entries from the criminal record; they are in the PDF.",
    who_sees: "Whoever receives the certificate (the PDF) or a share code (with which they can download it) sees every entry. Whoever checks it by number and CNP or from a wallet sees only that there are entries, not what they say.",
    entry: "Entry",
    court: "Court",
    decision: "Decision",
    offence: "Offence",
    penalty: "Penalty or measure",
    rehabilitated: "Rehabilitated",
    yes: "Yes",
    meaning_title: "What an entry is",
    meaning: "An entry is a final court decision recorded in the criminal record: the court, the decision's number and date, the offence and the penalty. The certificate prints them as recorded.",
    rehabilitation_title: "Rehabilitation",
    rehabilitation: "After rehabilitation (by law, or granted by a court under the Criminal Code), a conviction no longer appears on the criminal record certificate. If you were rehabilitated and the entry still appears, ask for it to be corrected.",
    contest_title: "If an entry is wrong",
    contest: "Go to any police unit that issues criminal record certificates with your identity document and, if you have them, the decisions concerned, and ask for the correction. Until then, do not share the certificate; once corrected, ask for a new one.",
    support_title: "Support",
    support: "A lawyer can help you; if you cannot afford one, ask your county's bar for free legal aid. The probation service can guide you after a sentence.",
    before_sharing: "This certificate lists entries from the criminal record. Whoever gets a share code can download the certificate and sees every entry.",
    review: "Read what it contains before you share it",
};
