//! The planner's cases, one unit test each, and what they share.

mod build;
mod copies;
mod defer;
mod objects;
mod redirects;
mod survey;

use super::*;
use crate::header::{HeaderRule, Name};
use crate::plan::{props, Changeset, Encoding, Globs, HeaderRules};

fn file(path: &str) -> File {
    File::at(path)
}

fn symlink(path: &str, to: &str) -> File {
    File {
        link: Some(to.to_owned()),
        ..file(path)
    }
}

fn with_prop(path: &str, name: &str, value: &str) -> File {
    File {
        props: [(name.to_owned(), value.to_owned())].into(),
        ..file(path)
    }
}

fn redirecting(path: &str, to: &str) -> File {
    with_prop(path, props::REDIRECT, to)
}

fn changes(uploads: &[&str], deletes: &[&str]) -> Changeset {
    changed(uploads.iter().map(|p| file(p)).collect(), deletes)
}

fn changed(uploads: Vec<File>, deletes: &[&str]) -> Changeset {
    Changeset {
        uploads,
        deletes: deletes.iter().map(|p| p.to_string()).collect(),
        ..Changeset::default()
    }
}

/// A state at `revision` that recorded `rules`, the redirects of moves
/// `table` and the files published as redirects `links`.
fn state(
    revision: Revnum,
    rules: &Rules,
    table: &[(&str, &str)],
    links: &[(&str, &[&str])],
) -> State {
    State {
        uuid: "u".into(),
        path: "trunk".into(),
        revision: Some(revision),
        rolled_back_from: None,
        published_at: None,
        version: "0.2.0".into(),
        build: None,
        rules: Some(Shaping::of(rules)),
        redirects: table
            .iter()
            .map(|(from, to)| (from.to_string(), to.to_string()))
            .collect(),
        links: links
            .iter()
            .map(|(path, through)| {
                (
                    path.to_string(),
                    through.iter().map(|p| p.to_string()).collect(),
                )
            })
            .collect(),
        unresolved: BTreeMap::new(),
        nested: BTreeSet::new(),
        removed: BTreeMap::new(),
        publishing: None,
        history: Vec::new(),
    }
}

/// A publish of r2 with `rules` over `state`.
fn cx<'a>(rules: &'a Rules, state: Option<&'a State>) -> Context<'a> {
    Context {
        rules,
        state,
        revision: 2,
        full: false,
        max_delete: 256,
        keep: Keep::default(),
    }
}

/// The plan of a publish from r1 to r2 over `state`, where the tree
/// holds `rest` besides what `changes` names.
fn publish(
    rules: &Rules,
    state: &State,
    changes: Changeset,
    history: Option<History>,
    rest: &[File],
) -> Result<Planned> {
    let input = Changes {
        changes,
        history,
        whole: None,
    };
    incremental(&cx(rules, Some(state)), input, &Files::new(rest))
}

/// The plan of `changes` alone, published from r1 (whose state recorded
/// the same rules) to r2.
fn plan(changes: &Changeset, rules: &Rules) -> Result<Plan, PlanError> {
    let state = state(1, rules, &[], &[]);
    match publish(rules, &state, changes.clone(), None, &[]) {
        Ok(planned) => Ok(planned.plan),
        Err(err) => Err(err.downcast::<PlanError>().expect("a PlanError")),
    }
}

fn error(result: Result<Planned>) -> String {
    format!("{:#}", result.expect_err("a refusal"))
}

fn redirects(plan: &Plan) -> Vec<(&str, &str)> {
    (plan.redirects().iter())
        .map(|up| (up.key.as_str(), up.location().unwrap()))
        .collect()
}

fn table(list: &[(&str, &str)]) -> Table {
    list.iter()
        .map(|(from, to)| (from.to_string(), to.to_string()))
        .collect()
}

fn with_redirects() -> Rules {
    Rules {
        redirects: true,
        ..Rules::new("")
    }
}

fn moved(revision: Revnum, from: &str, to: &str) -> History {
    let mut history = History::default();
    history.copied(revision, from, revision - 1, to);
    history.deleted(revision, from);
    history
}

fn keys(plan: &Plan) -> Vec<&str> {
    plan.uploads().iter().map(|u| u.key.as_str()).collect()
}

fn gzip(patterns: &[&str]) -> Rules {
    Rules {
        gzip: Some(Globs::new(patterns).unwrap()),
        ..Rules::new("")
    }
}
