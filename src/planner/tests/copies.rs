//! What a preview's first publish copies from production.

use super::*;
use crate::planner::{check_preview_prefix, copies_from, Copies};
use crate::tree::{ReadFrom, Tree};

fn tree() -> Tree {
    Tree {
        uuid: "u".into(),
        path: "branches/b".into(),
        revision: 9,
        name: "/wc".into(),
        read_from: ReadFrom::WorkingCopy,
    }
}

fn production(rules: &Rules) -> State {
    State {
        path: "trunk".into(),
        ..state(7, rules, &[], &[])
    }
}

#[test]
fn a_preview_copies_from_a_production_of_its_repository_made_by_its_rules_and_at_rest() {
    let rules = gzip(&["*.css"]);
    assert_eq!(
        copies_from(&production(&rules), &tree(), &rules),
        Ok(("trunk", 7))
    );
    let other = State {
        uuid: "v".into(),
        ..production(&rules)
    };
    assert!(copies_from(&other, &tree(), &rules).is_err());
    let busy = State::claim(Some(&production(&rules)), &tree());
    assert!(copies_from(&busy, &tree(), &rules).is_err());
    let plain = Rules::new("");
    assert_eq!(
        copies_from(&production(&rules), &tree(), &plain),
        Err("production's objects were made by other rules")
    );
    let empty = State {
        revision: None,
        ..production(&rules)
    };
    assert!(copies_from(&empty, &tree(), &rules).is_err());
}

#[test]
fn only_the_objects_of_files_that_differ_in_neither_bytes_nor_headers_are_copied() {
    let rules = Rules {
        gzip: Some(Globs::new(&["*.css"]).unwrap()),
        ..Rules::new("previews/b/")
    };
    let copies = Copies {
        production: "".into(),
        own: "previews/b/".into(),
        changed: ["a.css".to_owned()].into(),
        reshaped: vec!["docs".into()],
        production_state: production(&rules),
    };
    let source = |path: &str| -> Vec<Option<String>> {
        (objects(&file(path), &rules).unwrap().uploads().iter())
            .map(|upload| copies.source_of(&file(path), upload))
            .collect()
    };
    assert_eq!(
        source("b.css"),
        [Some("b.gz.css".into()), Some("b.css".into())]
    );
    assert_eq!(source("a.css"), [None, None], "changed");
    assert_eq!(
        source("docs/x.html"),
        [None],
        "below a folder whose properties changed"
    );
    assert_eq!(source("docsx.html"), [Some("docsx.html".into())]);
    let everything = Copies {
        reshaped: vec![String::new()],
        ..copies.clone()
    };
    let upload = &uploads_of("b.css", &rules)[1];
    assert_eq!(everything.source_of(&file("b.css"), upload), None);
    let keywords = File {
        keywords: true,
        ..file("b.css")
    };
    assert_eq!(
        copies.source_of(&keywords, upload),
        None,
        "its keywords may name the branch"
    );
}

fn uploads_of(path: &str, rules: &Rules) -> Vec<Upload> {
    objects(&file(path), rules).unwrap().uploads().to_vec()
}

#[test]
fn a_preview_is_first_published_only_where_nothing_is() {
    assert_eq!(check_preview_prefix("previews/b/", &[]), Ok(()));
    let listed = Listed {
        key: "previews/b/index.html".into(),
        etag: None,
        size: 1,
    };
    let err = check_preview_prefix("previews/b/", &[listed]).unwrap_err();
    assert_eq!(
        err,
        PlanError::NotAPreview {
            prefix: "previews/b/".into(),
            count: 1
        }
    );
}
