// Included by `formats/build.rs`, which subsets the font to these characters and compresses it
// at build time, and by `font.rs`, which numbers their glyphs the same way at run time.

/// Characters almost every certificate is written with: ASCII, Romanian (with the comma and
/// the cedilla forms of ș and ț), the accented letters of Hungarian, German and the most common
/// others in names, and the punctuation the template prints. Their subset is built with the
/// crate, so a certificate written only with them costs no font work (it was most of a
/// certificate's render time). All of Latin-1 would add 5 KB to every PDF.
fn common_characters() -> impl Iterator<Item = char> {
    const LETTERS: &str = "ĂÂÎȘȚăâîșțŞşŢţáéíóöőúüűÁÉÍÓÖŐÚÜŰäÄßàèêëçñÀÈÊËÇÑ";
    const PUNCTUATION: &str = "§«°»–—‘’“”„•…→";
    (' '..='~').chain(LETTERS.chars()).chain(PUNCTUATION.chars())
}
