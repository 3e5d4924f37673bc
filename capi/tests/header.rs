//! include/svn2s3.h is generated from src/lib.rs by cbindgen and committed,
//! so that C programs build without Rust's tools. This test generates it
//! again and fails when the committed one differs; `SVN2S3_BLESS=1 cargo
//! test -p svn2s3-capi` writes the new one.

use std::path::Path;

#[test]
fn the_committed_header_is_what_the_code_says() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).unwrap();
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/lib.rs"))
        .generate()
        .expect("cbindgen reads src/lib.rs")
        .write(&mut generated);
    let generated = String::from_utf8(generated).unwrap();
    let header = root.join("include/svn2s3.h");
    if std::env::var_os("SVN2S3_BLESS").is_some() {
        std::fs::write(&header, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&header).unwrap_or_default();
    assert!(
        committed == generated,
        "{} differs from what src/lib.rs says; run SVN2S3_BLESS=1 cargo test -p svn2s3-capi \
         and commit it",
        header.display()
    );
}
