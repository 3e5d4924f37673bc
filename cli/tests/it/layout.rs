//! The library's modules depend on each other one way: read from their
//! sources (every `crate::module` they name, in the module's file and the
//! files of its submodules), the graph has no cycle. And no file of the
//! library is too long to read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each module of src/ and the modules it names.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = crate::harness::workspace().join("src");
    let modules: BTreeSet<String> = std::fs::read_dir(&src)
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".rs").map(str::to_owned)
        })
        .filter(|name| name != "lib")
        .collect();
    modules
        .iter()
        .map(|module| {
            let text: String = sources_of(&src, module)
                .iter()
                .map(|file| std::fs::read_to_string(file).unwrap())
                .collect();
            let named = text
                .lines()
                .map(|line| line.split("//").next().unwrap())
                .flat_map(|code| code.split("crate::").skip(1))
                .filter_map(|rest| {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    modules.contains(&name).then_some(name)
                })
                .filter(|name| name != module)
                .collect();
            (module.clone(), named)
        })
        .collect()
}

/// The files of `module`: `src/<module>.rs`, and those under `src/<module>/`.
fn sources_of(src: &Path, module: &str) -> Vec<PathBuf> {
    let mut files = vec![src.join(format!("{module}.rs"))];
    let mut folders = vec![src.join(module)];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The longest a file of the library may be, in lines.
const MOST_LINES: usize = 900;

#[test]
fn no_file_of_the_library_is_over_900_lines() {
    let src = crate::harness::workspace().join("src");
    let long: Vec<(PathBuf, usize)> = sources_of(&src, "lib")
        .into_iter()
        .chain(std::fs::read_dir(&src).unwrap().flat_map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            match name.strip_suffix(".rs") {
                Some(module) if module != "lib" => sources_of(&src, module),
                _ => Vec::new(),
            }
        }))
        .map(|file| {
            let lines = std::fs::read_to_string(&file).unwrap().lines().count();
            (file, lines)
        })
        .filter(|(_, lines)| *lines > MOST_LINES)
        .collect();
    assert!(long.is_empty(), "files over {MOST_LINES} lines: {long:?}");
}

/// A cycle of `graph`, if it has one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        module: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|seen| seen == module) {
            return Some([&path[at..], &[module.to_owned()]].concat());
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_owned());
        for next in &graph[module] {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(module.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|module| visit(module, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_librarys_modules_depend_on_each_other_one_way() {
    let graph = graph();
    assert!(
        graph.len() > 15,
        "the modules of src/ were not found: {graph:?}"
    );
    if let Some(cycle) = cycle(&graph) {
        panic!("the modules form a cycle: {}", cycle.join(" -> "));
    }
    // The vocabulary at the bottom names no other module.
    for leaf in ["tree", "cancel", "budget", "xml", "header", "redact"] {
        assert!(
            graph[leaf].is_empty(),
            "{leaf} depends on {:?}",
            graph[leaf]
        );
    }
    // The objects of a plan are made of that vocabulary alone.
    let vocabulary = BTreeSet::from(["header".to_owned(), "tree".to_owned()]);
    assert!(
        graph["plan"].is_subset(&vocabulary),
        "plan depends on {:?}",
        graph["plan"]
    );
    // The planner decides without I/O: it names no module that reads a
    // file, calls libsvn or sends a request.
    let io = [
        "bucket",
        "source",
        "svn",
        "session",
        "publish",
        "claim",
        "cloudfront",
        "sigv4",
        "retry",
        "budget",
        "verify",
    ];
    let named: Vec<&str> = io
        .into_iter()
        .filter(|module| graph["planner"].contains(*module))
        .collect();
    assert!(named.is_empty(), "the planner depends on {named:?}");
    for (module, named) in &graph {
        eprintln!(
            "{module} -> {}",
            named.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
}

#[test]
fn a_cycle_is_found_when_there_is_one() {
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", &["b"][..]), ("b", &["c"]), ("c", &["a"]), ("d", &[])]
            .into_iter()
            .map(|(module, named)| {
                (
                    module.to_owned(),
                    named.iter().map(|n| n.to_string()).collect(),
                )
            })
            .collect();
    assert_eq!(cycle(&graph).unwrap(), ["a", "b", "c", "a"]);
}
