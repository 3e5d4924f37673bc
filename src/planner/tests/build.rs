//! A build folder's publish: what it writes and deletes against the last
//! build's manifest, or a listing.

use super::*;
use crate::manifest::{Entry, Manifest};
use crate::planner::build::{blocks, entry, redirects as follow, Build, Deletes};
use crate::state::Touched;

/// The object of a file at `path` under `rules`, and its twins.
fn uploads(path: &str, rules: &Rules) -> Vec<Upload> {
    objects(&file(path), rules).unwrap().uploads().to_vec()
}

/// What the manifest records of the objects of `path`, of `bytes`.
fn entries(path: &str, bytes: &str, rules: &Rules) -> Vec<(String, Entry)> {
    let md5 = md5::compute(bytes).0;
    (uploads(path, rules).iter())
        .map(|up| (up.key.clone(), entry(up, md5, bytes.len() as u64)))
        .collect()
}

fn manifest(files: &[(&str, &str)], rules: &Rules) -> Manifest {
    Manifest::new(
        files
            .iter()
            .flat_map(|(path, bytes)| entries(path, bytes, rules)),
    )
}

fn build<'a>(
    rules: &'a Rules,
    manifest: Option<&'a Manifest>,
    distrusted: &'a Touched,
    nested: &'a BTreeSet<String>,
) -> Build<'a> {
    Build {
        rules,
        manifest,
        distrusted,
        listing: None,
        nested,
        full: false,
        max_delete: usize::MAX,
    }
}

fn listed(keys: &[&str]) -> Vec<Listed> {
    (keys.iter())
        .map(|key| Listed {
            key: key.to_string(),
            etag: None,
            size: 1,
        })
        .collect()
}

fn none() -> (Touched, BTreeSet<String>) {
    (Touched::default(), BTreeSet::new())
}

#[test]
fn an_object_is_written_when_its_bytes_size_or_headers_differ_from_the_manifest() {
    let rules = Rules::new("");
    let before = manifest(&[("a.html", "one"), ("b.css", "two")], &rules);
    let (distrusted, nested) = none();
    let cx = build(&rules, Some(&before), &distrusted, &nested);
    let [(key, same)] = &entries("a.html", "one", &rules)[..] else {
        panic!()
    };
    assert!(
        !cx.must_write(key, same),
        "a rebuild with the same bytes writes nothing"
    );
    let [(key, other)] = &entries("a.html", "two", &rules)[..] else {
        panic!()
    };
    assert!(cx.must_write(key, other));
    let [(key, new)] = &entries("new.html", "one", &rules)[..] else {
        panic!()
    };
    assert!(cx.must_write(key, new));
    let cached = HeaderRule::new("*.css", [(Name::CacheControl, "max-age=60")]);
    let headed = Rules {
        headers: HeaderRules::new(vec![cached]).unwrap(),
        ..Rules::new("")
    };
    let [(key, reheaded)] = &entries("b.css", "two", &headed)[..] else {
        panic!()
    };
    assert!(cx.must_write(key, reheaded), "new headers are written");
    let first = build(&rules, None, &distrusted, &nested);
    assert!(
        first.must_write(key, same),
        "without a manifest, everything is"
    );
}

#[test]
fn a_key_a_publish_cut_off_may_have_written_is_written_whatever_the_manifest_says() {
    let rules = Rules::new("");
    let before = manifest(&[("a.html", "one")], &rules);
    let distrusted = Touched::Keys(["a.html".to_owned()].into());
    let nested = BTreeSet::new();
    let cx = build(&rules, Some(&before), &distrusted, &nested);
    let [(key, same)] = &entries("a.html", "one", &rules)[..] else {
        panic!()
    };
    assert!(cx.must_write(key, same));
    let every = Touched::Every;
    let cx = build(&rules, Some(&before), &every, &nested);
    assert!(cx.must_write(key, same));
}

#[test]
fn a_twin_and_its_file_are_told_apart_and_a_redirect_by_where_it_leads() {
    let rules = gzip(&["*.css"]);
    let made = entries("a.css", "body{}", &rules);
    assert_eq!(made.len(), 2);
    assert_eq!(made[0].0, "a.gz.css");
    assert_eq!(made[0].1.md5, made[1].1.md5, "both are made from the file");
    assert_ne!(made[0].1.digest, made[1].1.digest);
    let headers = plan::moved_headers("old.html", &rules).unwrap();
    let one = Upload::redirect("old.html".into(), "/a.html".into(), headers.clone());
    let other = Upload::redirect("old.html".into(), "/b.html".into(), headers);
    let (one, other) = (entry(&one, [0; 16], 0), entry(&other, [0; 16], 0));
    assert_ne!(one, other);
    assert_eq!(one.md5, md5::compute("/a.html").0);
}

#[test]
fn what_the_last_build_had_and_this_one_does_not_is_deleted_but_never_others_keys() {
    let rules = Rules {
        exclude: Globs::new(&["keep/**"]).unwrap(),
        ..Rules::new("site/")
    };
    let before = Manifest::new(
        [
            "site/a.html",
            "site/gone.html",
            "site/keep/x",
            "site/in/y",
            "site/.svn2s3/z",
        ]
        .map(|key| (key.to_owned(), entry(&uploads("p", &rules)[0], [0; 16], 1))),
    );
    let built = manifest(&[("a.html", "one")], &rules);
    let distrusted = Touched::Keys(["site/half-written.html".to_owned()].into());
    let nested = BTreeSet::from(["site/in/".to_owned()]);
    let cx = build(&rules, Some(&before), &distrusted, &nested);
    assert_eq!(
        cx.deletes(&built).unwrap(),
        Deletes {
            keys: vec!["site/gone.html".into(), "site/half-written.html".into()],
            notes: vec![],
        }
    );
    let most = Build {
        max_delete: 1,
        ..cx
    };
    let err = most.deletes(&built).unwrap_err();
    assert!(
        matches!(err, PlanError::TooManyDeletes { count: 2, most: 1 }),
        "{err}"
    );
}

#[test]
fn a_survey_leaves_strays_alone_unless_full_or_repairing_and_fences_other_publishes() {
    let rules = Rules::new("");
    let listing = listed(&[
        "a.html",
        "stray.txt",
        "inner/.svn2s3/state.yaml",
        "inner/x",
        ".svn2s3/state.yaml",
    ]);
    let built = manifest(&[("a.html", "one")], &rules);
    let distrusted = Touched::default();
    let nested = foreign_prefixes(listing.iter().map(|l| l.key.as_str()), "");
    let cx = Build {
        listing: Some(&listing),
        ..build(&rules, None, &distrusted, &nested)
    };
    let survey = cx.deletes(&built).unwrap();
    assert_eq!(survey.keys, Vec::<String>::new());
    assert_eq!(
        survey.notes,
        [
            "holds another publish's state at inner/.svn2s3/state.yaml: 2 objects under inner/ \
             left alone",
            "holds 1 object the build does not have, left alone (--full deletes them)",
        ]
    );
    let every = Touched::Every;
    let repair = Build {
        distrusted: &every,
        ..cx
    };
    assert_eq!(
        repair.deletes(&built).unwrap().keys,
        ["stray.txt"],
        "a publish cut off may have written it, and its manifest lost the last build's keys"
    );
    let full = Build { full: true, ..cx };
    assert_eq!(full.deletes(&built).unwrap().keys, ["stray.txt"]);
    assert!(full.check_key("inner/x", "inner/x").is_err());
    assert!(full.check_key("innerx", "innerx").is_ok());
}

#[test]
fn a_key_that_a_written_key_goes_beneath_or_above_is_deleted_first() {
    let rules = Rules::new("");
    let built = manifest(&[("a/b.html", "x"), ("c", "y")], &rules);
    assert!(blocks("a", &built), "a file that became a folder");
    assert!(blocks("c/d", &built), "a folder that became a file");
    assert!(!blocks("a-b", &built) && !blocks("b", &built));
}

#[test]
fn links_are_followed_through_the_build_to_a_file_or_folder_or_skipped() {
    let rules = with_redirects();
    let link = |path: &str, to: &str| match objects(&symlink(path, to), &rules).unwrap() {
        Objects::Redirect(link) => *link,
        other => panic!("{other:?}"),
    };
    let files: BTreeSet<String> = ["index.html", "docs/a.html"].map(String::from).into();
    let links = vec![
        link("home.html", "index.html"),
        link("manual", "docs"),
        link("via.html", "home.html"),
        link("nowhere.html", "gone.html"),
        link("loop1", "loop2"),
        link("loop2", "loop1"),
    ];
    let (written, skipped) = follow(links, &files, &rules).unwrap();
    let written: Vec<(&str, &str)> = (written.iter())
        .map(|up| (up.key.as_str(), up.location().unwrap()))
        .collect();
    assert_eq!(
        written,
        [
            ("home.html", "/index.html"),
            ("manual", "/docs/"),
            ("via.html", "/index.html"),
        ]
    );
    let skipped: Vec<(&str, &str)> = (skipped.iter())
        .map(|s| (s.path.as_str(), s.reason))
        .collect();
    assert_eq!(
        skipped,
        [
            ("nowhere.html", "a symbolic link to nothing published"),
            ("loop1", "a symbolic link in a loop of redirects"),
            ("loop2", "a symbolic link in a loop of redirects"),
        ]
    );
}
