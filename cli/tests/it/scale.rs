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

/// The file of the tree of [`dump_of`] numbered `i`, and its bytes.
fn file_of(i: usize) -> (String, String) {
    let (top, mid, leaf) = (i / 10_000, i / 100 % 100, i % 100);
    (
        format!("t{top:02}/m{mid:02}/f{leaf:02}.txt"),
        format!("file {i}\n"),
    )
}

/// A dump of a repository that holds `files` short files, in folders of
/// 100 under folders of 100, a revision per top folder: loading it takes
/// seconds where an `svn import` of as many takes many minutes.
fn dump_of(files: usize) -> Vec<u8> {
    let props = |pairs: &[(&str, &str)]| -> Vec<u8> {
        let mut block = Vec::new();
        for (key, value) in pairs {
            block.extend(format!("K {}\n{key}\nV {}\n{value}\n", key.len(), value.len()).bytes());
        }
        block.extend(b"PROPS-END\n");
        block
    };
    let mut dump = b"SVN-fs-dump-format-version: 2\n\n".to_vec();
    let (log, empty) = (props(&[("svn:log", "files")]), props(&[]));
    for i in 0..files {
        let (path, text) = file_of(i);
        if i % 10_000 == 0 {
            let length = log.len();
            let head = format!(
                "Revision-number: {}\nProp-content-length: {length}\nContent-length: {length}\n\n",
                1 + i / 10_000
            );
            dump.extend(head.bytes());
            dump.extend(&log);
            dump.extend(
                format!(
                    "\nNode-path: {}\nNode-kind: dir\nNode-action: add\n\n",
                    &path[..3]
                )
                .bytes(),
            );
        }
        if i % 100 == 0 {
            let folder = &path[..7];
            dump.extend(
                format!("Node-path: {folder}\nNode-kind: dir\nNode-action: add\n\n").bytes(),
            );
        }
        let head = format!(
            "Node-path: {path}\nNode-kind: file\nNode-action: add\nProp-content-length: {}\n\
             Text-content-length: {}\nContent-length: {}\n\n",
            empty.len(),
            text.len(),
            empty.len() + text.len()
        );
        dump.extend(head.bytes());
        dump.extend(&empty);
        dump.extend(text.bytes());
        dump.extend(b"\n\n");
    }
    dump
}

#[test]
#[ignore = "slow: `make test-slow` runs it"]
fn the_first_publish_of_100000_files_stays_within_64_mib() {
    const FILES: usize = 100_000;
    let (repo, server) = (Repo::loaded(&dump_of(FILES)), Server::start());
    let rev = repo.revision();
    assert_eq!(rev, 10);
    let wc = repo.wc.to_str().unwrap();
    let (published, peak) = with_peak_rss(&mut svn2s3(&server, &["publish", wc]));
    published.expect(0);
    assert!(
        published
            .stdout
            .contains("published r10 (first publish) to s3://media/: 100000 uploaded"),
        "{}",
        published.stdout
    );
    assert!(
        peak <= 64 << 20,
        "peak RSS {} MiB, more than 64 MiB",
        peak >> 20
    );
    // Every file of the tree under its key, of its size, and the state.
    let expected: BTreeMap<String, u64> = (0..FILES)
        .map(file_of)
        .map(|(path, text)| (path, text.len() as u64))
        .collect();
    let mut listing = server.files_on_disk();
    assert!(listing.remove(STATE).is_some());
    assert_eq!(listing.len(), FILES);
    assert!(
        listing == expected,
        "the keys or sizes differ from the tree's"
    );
    // A sample read back, compared with svn's own bytes.
    let sample = [0, 45_731, FILES - 1].map(|i| file_of(i).0);
    for (key, object) in server.get(&sample) {
        let cat =
            run(std::process::Command::new("svn").args(["cat", &format!("{}/{key}", repo.url)]));
        assert_eq!(object.body, cat.stdout, "{key}");
    }
    assert_eq!(server.published(), Some(rev));
}
