//! The embedded font: DejaVu Sans (Debian's `fonts-dejavu-core`, licence in `assets/fonts`),
//! written as a subset CID font so that every Romanian letter prints and `pdftotext` gives it
//! back through the ToUnicode map.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use std::borrow::Cow;
use std::sync::OnceLock;
use subsetter::GlyphRemapper;

static REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// A parsed face and the metrics the PDF needs, parsed once per process.
pub struct Face {
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    postscript_name: &'static str,
    units_per_em: f32,
    /// Glyph and advance of every character below [`TABLE_END`] (Latin, with Romanian's
    /// letters), looked up once: the cmap search was a tenth of a certificate's render time.
    table: Vec<(u16, f32)>,
}

/// Characters up to Latin Extended-B (ș and ț are U+0219 and U+021B).
const TABLE_END: u32 = 0x250;

impl Face {
    fn parse(data: &'static [u8], postscript_name: &'static str) -> Self {
        // The bytes are compiled in and checked by the tests: a failure here is a build mistake.
        #[allow(clippy::expect_used)]
        let face = ttf_parser::Face::parse(data, 0).expect("embedded DejaVu font parses");
        let mut parsed = Self {
            data,
            units_per_em: f32::from(face.units_per_em()),
            face,
            postscript_name,
            table: Vec::new(),
        };
        parsed.table = (0..TABLE_END)
            .map(|u| {
                let glyph = char::from_u32(u).map_or(0, |c| parsed.lookup(c));
                (glyph, parsed.advance(glyph))
            })
            .collect();
        parsed
    }

    fn lookup(&self, c: char) -> u16 {
        self.face.glyph_index(c).map(|g| g.0).unwrap_or(0)
    }

    /// DejaVu Sans. One face keeps the document small; bold is drawn by stroking the outline.
    pub fn get() -> &'static Face {
        static REGULAR: OnceLock<Face> = OnceLock::new();
        REGULAR.get_or_init(|| Face::parse(REGULAR_TTF, "DejaVuSans"))
    }

    fn glyph(&self, c: char) -> u16 {
        match self.table.get(c as usize) {
            Some((glyph, _)) => *glyph,
            None => self.lookup(c),
        }
    }

    /// Advance of a glyph in thousandths of the font size.
    fn advance(&self, glyph: u16) -> f32 {
        let units = self
            .face
            .glyph_hor_advance(ttf_parser::GlyphId(glyph))
            .unwrap_or(0);
        f32::from(units) * 1000.0 / self.units_per_em
    }

    fn scaled(&self, units: i16) -> f32 {
        f32::from(units) * 1000.0 / self.units_per_em
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| match self.table.get(c as usize) {
                Some((_, advance)) => *advance,
                None => self.advance(self.lookup(c)),
            })
            .sum::<f32>()
            * size
            / 1000.0
    }
}

include!("common_letters.rs");
include!(concat!(env!("OUT_DIR"), "/common_subset.rs"));

/// The common letters' subset font file, compressed (`formats/build.rs`).
static COMMON_SUBSET: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/common-subset.zlib"));

/// The subset font, its widths and ToUnicode map, ready to write.
struct Subset {
    remapper: GlyphRemapper,
    /// (new glyph id, character) for the ToUnicode map.
    unicode: Vec<(u16, char)>,
}

impl Subset {
    fn new() -> Self {
        Self {
            // .notdef is glyph 0 of every subset.
            remapper: GlyphRemapper::new(),
            unicode: Vec::new(),
        }
    }

    fn add(&mut self, face: &Face, c: char) -> u16 {
        let glyph = face.glyph(c);
        let cid = self.remapper.remap(glyph);
        if glyph != 0 && !self.unicode.iter().any(|(g, _)| *g == cid) {
            self.unicode.push((cid, c));
        }
        cid
    }

    /// The streams of this subset: the font file (compressed at `level`) and the rest.
    fn streams(&self, face: &Face, level: u8) -> Result<Streams, subsetter::Error> {
        let subset = subsetter::subset(face.data, 0, &self.remapper)?;
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&subset, level);
        Ok(self.streams_around(face, Cow::Owned(compressed), subset.len()))
    }

    /// The streams of this subset around its compressed font file of `length` bytes unpacked:
    /// widths, ToUnicode map and name tag.
    fn streams_around(&self, face: &Face, font_file: Cow<'static, [u8]>, length: usize) -> Streams {
        let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info());
        for (cid, c) in &self.unicode {
            cmap.pair(*cid, *c);
        }
        Streams {
            font_file,
            length,
            cmap: miniz_oxide::deflate::compress_to_vec_zlib(&cmap.finish(), 6),
            widths: self
                .remapper
                .remapped_gids()
                .map(|old| face.advance(old))
                .collect(),
            tag: subset_tag(&self.remapper),
        }
    }
}

struct Streams {
    font_file: Cow<'static, [u8]>,
    length: usize,
    cmap: Vec<u8>,
    widths: Vec<f32>,
    tag: String,
}

/// The common characters' subset: its font file built with the crate, the rest once per process.
struct Common {
    subset: Subset,
    streams: Streams,
}

impl Common {
    fn get() -> &'static Common {
        static COMMON: OnceLock<Common> = OnceLock::new();
        COMMON.get_or_init(|| {
            let face = Face::get();
            let mut subset = Subset::new();
            for c in common_characters() {
                subset.add(face, c);
            }
            let streams =
                subset.streams_around(face, Cow::Borrowed(COMMON_SUBSET), COMMON_SUBSET_LENGTH);
            Common { subset, streams }
        })
    }
}

/// Builds the common letters' subset (see [`super::prepare_fonts`]).
pub fn prepare() {
    Common::get();
}

/// The glyphs one document uses from one face, numbered as they will be in the subset: the
/// common characters first, in a fixed order, then any other character in order of use.
pub struct FontUse {
    pub face: &'static Face,
    common: &'static Common,
    /// The common subset extended with this document's other characters, once it has any.
    extended: Option<Subset>,
}

impl Default for FontUse {
    fn default() -> Self {
        Self::new()
    }
}

impl FontUse {
    pub fn new() -> Self {
        Self {
            face: Face::get(),
            common: Common::get(),
            extended: None,
        }
    }

    /// The string to show `text` with this font: two-byte CIDs (Identity-H).
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let cid = match &mut self.extended {
                Some(extended) => extended.add(self.face, c),
                None => match self.common.subset.remapper.get(self.face.glyph(c)) {
                    Some(cid) => cid,
                    None => {
                        let mut extended = Subset {
                            remapper: self.common.subset.remapper.clone(),
                            unicode: self.common.subset.unicode.clone(),
                        };
                        let cid = extended.add(self.face, c);
                        self.extended = Some(extended);
                        cid
                    }
                },
            };
            out.extend_from_slice(&cid.to_be_bytes());
        }
        out
    }

    /// Writes the Type0 font, its CID font, descriptor, subset font file and ToUnicode map;
    /// `first` is the Type0 font's id and the next four ids are taken after it.
    pub fn write(&self, pdf: &mut Pdf, first: Ref) -> Result<(), subsetter::Error> {
        let built;
        let streams = match &self.extended {
            None => &self.common.streams,
            Some(extended) => {
                // The fastest level: compressing the font is most of this path's work.
                built = extended.streams(self.face, 1)?;
                &built
            }
        };
        let (cid_ref, descriptor_ref, file_ref, cmap_ref) = (
            Ref::new(first.get() + 1),
            Ref::new(first.get() + 2),
            Ref::new(first.get() + 3),
            Ref::new(first.get() + 4),
        );
        let base_font = format!("{}+{}", streams.tag, self.face.postscript_name);
        let base_font = Name(base_font.as_bytes());

        pdf.type0_font(first)
            .base_font(base_font)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_ref)
            .to_unicode(cmap_ref);

        let mut cid = pdf.cid_font(cid_ref);
        cid.subtype(CidFontType::Type2)
            .base_font(base_font)
            .system_info(system_info())
            .font_descriptor(descriptor_ref)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid.widths().consecutive(0, streams.widths.iter().copied());
        cid.finish();

        let face = &self.face.face;
        let bbox = face.global_bounding_box();
        pdf.font_descriptor(descriptor_ref)
            .name(base_font)
            .flags(FontFlags::SYMBOLIC)
            .bbox(Rect::new(
                self.face.scaled(bbox.x_min),
                self.face.scaled(bbox.y_min),
                self.face.scaled(bbox.x_max),
                self.face.scaled(bbox.y_max),
            ))
            .italic_angle(0.0)
            .ascent(self.face.scaled(face.ascender()))
            .descent(self.face.scaled(face.descender()))
            .cap_height(
                self.face
                    .scaled(face.capital_height().unwrap_or(face.ascender())),
            )
            .stem_v(80.0)
            .font_file2(file_ref);

        pdf.stream(file_ref, &streams.font_file)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), streams.length as i32);
        pdf.cmap(cmap_ref, &streams.cmap)
            .filter(Filter::FlateDecode);
        Ok(())
    }
}

fn system_info() -> SystemInfo<'static> {
    SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    }
}

/// Six capital letters naming a subset (PDF 32000-1, 9.6.4), derived from its glyphs.
fn subset_tag(remapper: &GlyphRemapper) -> String {
    let mut hash: u32 = 2166136261;
    for glyph in remapper.remapped_gids() {
        for b in glyph.to_be_bytes() {
            hash = (hash ^ u32::from(b)).wrapping_mul(16777619);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((hash >> (i * 5)) % 26) as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_has_every_romanian_letter() {
        let face = Face::get();
        for c in "ĂÂÎȘȚăâîșț".chars() {
            assert_ne!(face.glyph(c), 0, "{c} has a glyph");
        }
        assert!(face.width("Ștefănescu", 10.0) > 40.0);
    }

    #[test]
    fn every_common_character_has_its_own_glyph_in_the_prebuilt_subset() {
        let common = Common::get();
        let face = Face::get();
        for c in common_characters() {
            assert_ne!(face.glyph(c), 0, "{c:?} has a glyph");
            assert!(common.subset.remapper.get(face.glyph(c)).is_some());
        }
    }

    #[test]
    fn the_subset_built_with_the_crate_is_the_one_the_glyphs_are_numbered_for() {
        let common = Common::get();
        let face = Face::get();
        let expected = subsetter::subset(face.data, 0, &common.subset.remapper).expect("subset");
        let built = miniz_oxide::inflate::decompress_to_vec_zlib(COMMON_SUBSET).expect("zlib");
        assert_eq!(built.len(), COMMON_SUBSET_LENGTH);
        assert!(
            built == expected,
            "formats/build.rs and font.rs number the glyphs alike"
        );
    }

    #[test]
    fn common_text_uses_the_prebuilt_subset_and_other_text_extends_it() {
        let mut font = FontUse::new();
        let common = font.encode("Ștefănescu Gábor Őrs");
        assert!(font.extended.is_none(), "no font work for common text");
        let before = Common::get().subset.remapper.num_gids();
        let other = font.encode("Łukasz Ω");
        // Codes given before the extension keep their meaning.
        assert_eq!(font.encode("Ștefănescu Gábor Őrs"), common);
        assert_eq!(&other[0..2], &before.to_be_bytes());
        let extended = font.extended.as_ref().expect("extended");
        assert_eq!(
            extended.remapper.num_gids(),
            before + 2,
            "Ł and Ω added once"
        );
        assert!(extended.unicode.iter().any(|(_, c)| *c == 'Ω'));
    }
}
