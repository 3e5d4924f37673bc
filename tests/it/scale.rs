//! The cost of a publish grows with the change, not with the tree.

use std::collections::BTreeMap;
use std::fs;

use crate::harness::*;

/// 200 folders of 100 files.
fn twenty_thousand_files(root: &std::path::Path) {
    for dir in 0..200 {
        let dir_path = root.join(format!("d{dir:03}"));
        fs::create_dir(&dir_path).unwrap();
        for file in 0..100 {
            fs::write(
                dir_path.join(format!("f{file:03}.css")),
                format!("/* {dir} {file} */\n"),
            )
            .unwrap();
        }
    }
}

#[test]
fn a_small_change_in_20000_files_makes_no_listing() {
    let (repo, server) = (Repo::imported(twenty_thousand_files), Server::start());
    publish(&server, &repo, &[]);

    for dir in 0..3 {
        repo.write(&format!("d{dir:03}/f000.css"), "/* edited */\n");
    }
    repo.write("d199/new.css", "/* added */\n");
    repo.svn(&["rm", "-q", "d010/f005.css", "d150"]);
    let rev = repo.commit("a small change");

    let before = server.requests().len();
    publish(&server, &repo, &[]);
    let mut ops: BTreeMap<String, usize> = BTreeMap::new();
    for request in &server.requests()[before..] {
        *ops.entry(request.op.clone()).or_default() += 1;
    }
    let expected = BTreeMap::from([
        ("GetObject".to_owned(), 1),         // the state
        ("PutObject".to_owned(), 1 + 4 + 1), // the claim, four files, the state
        ("DeleteObjects".to_owned(), 1),     // a file and a folder of 100, in one batch
    ]);
    assert_eq!(ops, expected, "only the change and the state, no listing");

    // Every key and size from one listing, and the bytes of what changed.
    let exported = repo.export(rev, "");
    let mut listed = server.listing();
    let state = server.get(&[STATE.to_owned()]).remove(STATE).unwrap();
    assert!(String::from_utf8(state.body)
        .unwrap()
        .contains(&format!("\nrevision: {rev}\n")));
    listed.remove(STATE);
    let sizes: BTreeMap<String, u64> = exported
        .iter()
        .map(|(k, v)| (k.clone(), v.len() as u64))
        .collect();
    assert!(
        listed == sizes,
        "the bucket's keys and sizes are not r{rev}'s"
    );
    let changed: Vec<String> = [
        "d000/f000.css",
        "d001/f000.css",
        "d002/f000.css",
        "d199/new.css",
    ]
    .map(String::from)
    .into();
    for (key, object) in server.get(&changed) {
        assert_eq!(object.body, exported[&key], "{key}");
    }
}
