//! Keys set from text, folders named in a file, bucket names: what other
//! front ends (the Python package, the C API) give the settings.

use super::*;

#[test]
fn a_build_folder_the_file_names_is_beside_the_file_whatever_is_set_over_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(CONFIG_FILE);
    std::fs::write(
        &path,
        "bucket: b\nbuild: public\ntargets:\n  docs:\n    build: out\n",
    )
    .unwrap();
    let mut builder = Settings::with_flags(&Flags {
        wc: dir.path().to_path_buf(),
        ..Flags::default()
    })
    .unwrap();
    // A key set over the file leaves the merged settings without one file
    // to name: the folder must not become the current directory's.
    builder.set("workers", "4").unwrap();
    let settings = builder.build().unwrap();
    assert_eq!(
        settings.build.as_deref(),
        Some(dir.path().join("public").as_path())
    );
    let target = builder.target("docs").build().unwrap();
    assert_eq!(
        target.build.as_deref(),
        Some(dir.path().join("out").as_path())
    );
}

#[test]
fn a_bucket_name_with_a_control_character_is_refused_at_once() {
    for name in ["media\n", "media\t", "média", "a/b", "a b"] {
        let err = message(load(&format!("bucket: {name:?}\n"), Flags::default(), &[]));
        assert!(err.contains("is not a bucket name"), "{name:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn a_key_set_from_text_is_named_without_its_value() {
    let mut builder = Settings::builder("/tmp", "b");
    for (key, value) in [
        ("secret_access_key", "\"SKSECRET\""),
        ("workers", "\"SKSECRET\""),
        ("cloudfront", "{\"secret\": \"SKSECRET\"}"),
    ] {
        let Err(err) = builder.set(key, value) else {
            panic!("{key} was taken");
        };
        let said = format!("{err:#}");
        assert!(said.starts_with(&format!("setting {key}: ")), "{said}");
        assert!(!said.contains("SKSECRET"), "{said}");
    }
}
