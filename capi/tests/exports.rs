//! Every export is guarded by construction: its body is one call of
//! `guarded` or `boundary` (src/lib.rs), so that no panic reaches C. This
//! test reads src/lib.rs and names any export whose body starts otherwise.

use std::path::Path;

/// Each export's name and the first line of its body.
fn exports(source: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = source.lines().collect();
    let mut found = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let Some((_, rest)) = line.split_once("extern \"C\" fn ") else {
            continue;
        };
        if !line.starts_with("pub ") {
            continue; // a callback's type, not an export
        }
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // The signature ends at the first line that opens the body.
        let opens = (at..lines.len())
            .find(|&at| lines[at].ends_with('{'))
            .expect("an export has a body");
        found.push((name, lines[opens + 1].trim().to_owned()));
    }
    found
}

fn guarded(first: &str) -> bool {
    first.starts_with("guarded(err, || {") || first.starts_with("boundary(||")
}

#[test]
fn every_export_runs_its_body_inside_a_panic_boundary() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs");
    let exports = exports(&std::fs::read_to_string(path).unwrap());
    assert_eq!(
        exports.len(),
        11,
        "the exports were not all found: {exports:?}"
    );
    let unguarded: Vec<_> = exports
        .iter()
        .filter(|(_, first)| !guarded(first))
        .collect();
    assert!(
        unguarded.is_empty(),
        "exports outside a boundary: {unguarded:?}"
    );
}

#[test]
fn an_export_whose_body_starts_otherwise_is_found() {
    let source = "pub unsafe extern \"C\" fn svn2s3_x(\n    a: c_int,\n) -> c_int {\n    \
                  let b = a;\n    guarded(err, || {\n";
    let exports = exports(source);
    assert_eq!(exports, [("svn2s3_x".to_owned(), "let b = a;".to_owned())]);
    assert!(!guarded(&exports[0].1));
}
