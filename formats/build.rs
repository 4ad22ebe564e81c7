//! Builds the font subset of the common letters (`src/pdf/common_letters.rs`) once, with the
//! crate: subsetting and compressing it took 1.5 ms of every generator's cold start.

use std::error::Error;
use std::path::PathBuf;

include!("src/pdf/common_letters.rs");

const FONT: &str = "assets/fonts/DejaVuSans.ttf";

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=src/pdf/common_letters.rs");
    println!("cargo::rerun-if-changed={FONT}");
    let data = std::fs::read(FONT)?;
    let face = ttf_parser::Face::parse(&data, 0)?;
    let mut remapper = subsetter::GlyphRemapper::new();
    for c in common_characters() {
        remapper.remap(face.glyph_index(c).map_or(0, |g| g.0));
    }
    let subset = subsetter::subset(&data, 0, &remapper).map_err(|e| format!("{e:?}"))?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    // Built once, so compressed hardest: smaller than a per-document subset at level 1.
    std::fs::write(
        out.join("common-subset.zlib"),
        miniz_oxide::deflate::compress_to_vec_zlib(&subset, 10),
    )?;
    std::fs::write(
        out.join("common_subset.rs"),
        format!("const COMMON_SUBSET_LENGTH: usize = {};\n", subset.len()),
    )?;
    Ok(())
}
