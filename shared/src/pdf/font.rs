//! The embedded font: DejaVu Sans (Debian's `fonts-dejavu-core`, licence in `assets/fonts`),
//! written as a subset CID font so that every Romanian letter prints and `pdftotext` gives it
//! back through the ToUnicode map.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
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

/// The glyphs one document uses from one face, numbered as they will be in the subset.
pub struct FontUse {
    pub face: &'static Face,
    remapper: GlyphRemapper,
    /// (new glyph id, character) for the ToUnicode map.
    unicode: Vec<(u16, char)>,
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
            // .notdef is glyph 0 of every subset.
            remapper: GlyphRemapper::new(),
            unicode: Vec::new(),
        }
    }

    /// The string to show `text` with this font: two-byte CIDs (Identity-H).
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let glyph = self.face.glyph(c);
            let cid = self.remapper.remap(glyph);
            if glyph != 0 && !self.unicode.iter().any(|(g, _)| *g == cid) {
                self.unicode.push((cid, c));
            }
            out.extend_from_slice(&cid.to_be_bytes());
        }
        out
    }

    /// Writes the Type0 font, its CID font, descriptor, subset font file and ToUnicode map;
    /// `first` is the Type0 font's id and the next four ids are taken after it.
    pub fn write(&self, pdf: &mut Pdf, first: Ref) -> Result<(), subsetter::Error> {
        let (cid_ref, descriptor_ref, file_ref, cmap_ref) = (
            Ref::new(first.get() + 1),
            Ref::new(first.get() + 2),
            Ref::new(first.get() + 3),
            Ref::new(first.get() + 4),
        );
        let subset = subsetter::subset(self.face.data, 0, &self.remapper)?;
        let base_font = format!("{}+{}", self.subset_tag(), self.face.postscript_name);
        let base_font = Name(base_font.as_bytes());
        let system_info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };

        pdf.type0_font(first)
            .base_font(base_font)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid_ref)
            .to_unicode(cmap_ref);

        let mut cid = pdf.cid_font(cid_ref);
        cid.subtype(CidFontType::Type2)
            .base_font(base_font)
            .system_info(system_info)
            .font_descriptor(descriptor_ref)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        let widths: Vec<f32> = self
            .remapper
            .remapped_gids()
            .map(|old| self.face.advance(old))
            .collect();
        cid.widths().consecutive(0, widths);
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

        // The fastest level: the font is most of the compression work. Measured (`make
        // bench`): level 6 1.49 ms and 22.3 KB per certificate, level 3 1.36 ms and 22.4 KB,
        // level 1 1.17 ms and 25.4 KB.
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&subset, 1);
        pdf.stream(file_ref, &compressed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);

        let mut cmap = UnicodeCmap::new(Name(b"Custom"), system_info);
        for (cid, c) in &self.unicode {
            cmap.pair(*cid, *c);
        }
        let cmap = miniz_oxide::deflate::compress_to_vec_zlib(&cmap.finish(), 6);
        pdf.cmap(cmap_ref, &cmap).filter(Filter::FlateDecode);
        Ok(())
    }

    /// Six capital letters naming this subset (PDF 32000-1, 9.6.4), derived from its glyphs.
    fn subset_tag(&self) -> String {
        let mut hash: u32 = 2166136261;
        for glyph in self.remapper.remapped_gids() {
            for b in glyph.to_be_bytes() {
                hash = (hash ^ u32::from(b)).wrapping_mul(16777619);
            }
        }
        (0..6)
            .map(|i| char::from(b'A' + ((hash >> (i * 5)) % 26) as u8))
            .collect()
    }
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
    fn glyphs_are_numbered_in_order_of_use() {
        let mut font = FontUse::new();
        let first = font.encode("ab");
        let again = font.encode("ba");
        assert_eq!(first, vec![0, 1, 0, 2]);
        assert_eq!(again, vec![0, 2, 0, 1]);
    }
}
