//! The state object, kept in the bucket itself so that a publish runs the
//! same from any machine with a checkout. It says which revision was last
//! published completely and, while a publish writes, which publish that is:
//! its claim. Each write of the object is conditional on the version read
//! before it (see [`crate::bucket::Expect`]), so two publishes of one prefix
//! never write at once, and the revision never moves backwards.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::shape::Shaping;
use crate::tree::Revnum;
use crate::tree::Tree;

/// The state object's key below the prefix.
pub const STATE_KEY: &str = ".svn2s3/state.yaml";

/// How long a claim holds without being renewed. A publish renews its claim
/// every [`RENEW_EVERY`], so a claim that has lapsed belongs to a publish that
/// is gone (or was stopped for minutes, as a laptop's lid closes).
pub const LEASE: Duration = Duration::from_secs(300);
pub const RENEW_EVERY: Duration = Duration::from_secs(60);

/// What the bucket holds: which folder of which repository, at which
/// revision, and the publish writing to it, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// The repository's UUID.
    pub uuid: String,
    /// The published folder's path in the repository, without a leading slash.
    pub path: String,
    /// The last revision published completely; none before the first publish completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<Revnum>,
    /// When `revision` was published by `--rollback`: the newer revision
    /// the bucket held before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolled_back_from: Option<Revnum>,
    /// When that publish finished, RFC 3339, UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    /// The svn2s3 version that wrote the object.
    pub version: String,
    /// The settings that shaped the published objects, and their digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Shaping>,
    /// The redirects left where files moved: old path to new path, both
    /// relative to the published folder.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub redirects: BTreeMap<String, String>,
    /// A publish under way, or one that was cut off before it finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publishing: Option<Claim>,
}

/// Another publish holds the bucket, or claimed it at the same moment: a
/// publish with `--wait` waits for it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Busy(pub String);

/// The bucket holds a revision newer than the tree: a publish with
/// `--wait` has nothing left to do.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct Newer {
    pub revision: Revnum,
    pub message: String,
}

/// What a finished publish leaves the bucket holding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Published {
    pub revision: Revnum,
    /// The newer revision a rollback went back from.
    pub rolled_back_from: Option<Revnum>,
    pub rules: Shaping,
    pub redirects: BTreeMap<String, String>,
}

/// A publish that is writing to the bucket, or was until it was cut off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// Every revision whose files this publish, and any cut off before it,
    /// may have written: the next publish repairs what they touched.
    pub revisions: Vec<Revnum>,
    /// The machine it runs on.
    pub host: String,
    /// Its process there.
    pub pid: u32,
    /// When it began, RFC 3339, UTC.
    pub started_at: String,
    /// When the claim lapses unless renewed; a publish that stopped sets it
    /// to the moment it stopped.
    pub until: String,
}

impl State {
    /// The state that claims the bucket for a publish of `tree`, taking
    /// over what `previous` says: its published revision, and the revisions
    /// of a publish that was cut off.
    pub(crate) fn claim(previous: Option<&State>, tree: &Tree) -> State {
        let now = OffsetDateTime::now_utc();
        let mut revisions = previous.map_or_else(Vec::new, State::unfinished);
        if !revisions.contains(&tree.revision) {
            revisions.push(tree.revision);
        }
        // What the bucket holds stays as it was until the publish finishes.
        let published = previous.cloned().unwrap_or_else(|| State {
            uuid: String::new(),
            path: String::new(),
            revision: None,
            rolled_back_from: None,
            published_at: None,
            version: String::new(),
            rules: None,
            redirects: BTreeMap::new(),
            publishing: None,
        });
        State {
            uuid: tree.uuid.clone(),
            path: tree.path.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            publishing: Some(Claim {
                revisions,
                host: hostname(),
                pid: std::process::id(),
                started_at: timestamp(now),
                until: timestamp(now + LEASE),
            }),
            ..published
        }
    }

    /// This claim, renewed for another [`LEASE`] from now.
    pub(crate) fn renewed(&self) -> State {
        self.with_until(OffsetDateTime::now_utc() + LEASE)
    }

    /// This claim, lapsed: the publish stopped before it finished, and the
    /// next one may take over at once and repair what it touched.
    pub(crate) fn released(&self) -> State {
        self.with_until(OffsetDateTime::now_utc())
    }

    fn with_until(&self, until: OffsetDateTime) -> State {
        let mut state = self.clone();
        if let Some(claim) = &mut state.publishing {
            claim.until = timestamp(until);
        }
        state
    }

    /// The state of the claimed publish, finished: what it published is
    /// what the bucket holds.
    pub(crate) fn finished(&self, published: Published) -> State {
        State {
            revision: Some(published.revision),
            rolled_back_from: published.rolled_back_from,
            published_at: Some(timestamp(OffsetDateTime::now_utc())),
            rules: Some(published.rules),
            redirects: published.redirects,
            publishing: None,
            ..self.clone()
        }
    }

    /// Whether `other` holds the claim of the same publish as this one,
    /// renewed or not.
    pub(crate) fn same_claim(&self, other: &State) -> bool {
        match (&self.publishing, &other.publishing) {
            (Some(mine), Some(theirs)) => {
                (&mine.host, mine.pid, &mine.started_at)
                    == (&theirs.host, theirs.pid, &theirs.started_at)
            }
            _ => false,
        }
    }

    /// The revisions a publish that was cut off may have written part of.
    pub(crate) fn unfinished(&self) -> Vec<Revnum> {
        self.publishing
            .as_ref()
            .map_or_else(Vec::new, |claim| claim.revisions.clone())
    }

    pub(crate) fn key(prefix: &str) -> String {
        format!("{prefix}{STATE_KEY}")
    }

    pub(crate) fn parse(bytes: &[u8], key: &str) -> Result<State> {
        serde_yaml::from_slice(bytes)
            .with_context(|| format!("the state object {key} is not svn2s3's"))
    }

    pub(crate) fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).expect("a State always serialises")
    }

    /// Refuses to publish `tree` over a state it does not continue: another
    /// repository or folder, or an older revision unless `rollback` (and
    /// only then).
    pub(crate) fn check_continues(&self, tree: &Tree, key: &str, rollback: bool) -> Result<()> {
        let folder = &tree.name;
        if self.uuid != tree.uuid {
            bail!(
                "the bucket holds a publish of repository {}, but {folder} belongs to repository {}; \
                 publish it under another --prefix or bucket",
                self.uuid,
                tree.uuid
            );
        }
        if self.path != tree.path {
            bail!(
                "the bucket holds a publish of ^/{}, but {folder} is ^/{}; publish it under another \
                 --prefix, or delete {key} to replace that publish with a --full one",
                self.path,
                tree.path
            );
        }
        if let Some(revision) = self
            .revision
            .filter(|&rev| rev > tree.revision && !rollback)
        {
            bail!(Newer {
                revision,
                message: format!(
                    "the bucket is at r{revision}, newer than {folder} at r{}; {} first, \
                     or publish r{} with --rollback",
                    tree.revision,
                    tree.how_to_reach(revision),
                    tree.revision
                ),
            });
        }
        if let Some(revision) = self
            .revision
            .filter(|&rev| rev <= tree.revision && rollback)
        {
            bail!(
                "--rollback publishes a revision older than the bucket's r{revision}, \
                 and {folder} is at r{}; publish without --rollback",
                tree.revision
            );
        }
        Ok(())
    }

    /// Refuses to write while another publish holds the bucket.
    pub(crate) fn check_unclaimed(&self, target: &str) -> Result<()> {
        if let Some(claim) = self.publishing.as_ref().filter(|claim| claim.is_held()) {
            let to = claim.revisions.last().copied().unwrap_or_default();
            bail!(Busy(format!(
                "another publish (r{to}, process {} on {}, started {}) is writing to {target}; \
                 run again when it is done, or with --wait. If it is gone, its claim lapses at {}",
                claim.pid, claim.host, claim.started_at, claim.until
            )));
        }
        Ok(())
    }
}

impl Claim {
    /// Whether the publish that made this claim may still be writing: its
    /// lease runs, and, if it ran on this host, its process is alive.
    pub fn is_held(&self) -> bool {
        let lapsed = OffsetDateTime::parse(&self.until, &Rfc3339)
            .map_or(true, |until| until <= OffsetDateTime::now_utc());
        let gone = self.host == hostname() && process_is_gone(self.pid);
        !lapsed && !gone
    }
}

fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// This machine's name, as claims give it.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .ok()
        .filter(|name| !name.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// Whether no process `pid` runs on this host: it has exited, or is a zombie
/// waiting to be reaped. Without `/proc`, nobody can tell, and it counts as
/// alive: its claim then holds until it lapses.
fn process_is_gone(pid: u32) -> bool {
    if !std::path::Path::new("/proc/self").exists() {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // The state letter follows the command name, which may hold spaces and parentheses.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(host: String, pid: u32, until: OffsetDateTime) -> Claim {
        Claim {
            revisions: vec![7],
            host,
            pid,
            started_at: "2026-11-24T06:00:00Z".into(),
            until: timestamp(until),
        }
    }

    #[test]
    fn the_state_round_trips_through_yaml() {
        let state = State {
            uuid: "9b5f2c6e-0000-4000-8000-000000000000".into(),
            path: "trunk/media files".into(),
            revision: Some(42),
            rolled_back_from: None,
            published_at: Some("2026-11-24T06:00:00Z".into()),
            version: "0.1.0".into(),
            rules: None,
            redirects: BTreeMap::from([("old.html".into(), "new.html".into())]),
            publishing: Some(claim("ci-2".into(), 4242, OffsetDateTime::UNIX_EPOCH)),
        };
        let yaml = state.to_yaml();
        assert!(yaml.contains("\nrevision: 42\n"), "{yaml}");
        assert!(
            yaml.contains("\nredirects:\n  old.html: new.html\n"),
            "{yaml}"
        );
        assert_eq!(State::parse(yaml.as_bytes(), "k").unwrap(), state);
        let finished = state.finished(Published {
            revision: 40,
            rolled_back_from: Some(42),
            rules: Shaping::of(&crate::plan::Rules::new("")),
            redirects: BTreeMap::new(),
        });
        let yaml = finished.to_yaml();
        assert!(!yaml.contains("publishing"), "{yaml}");
        assert!(!yaml.contains("\nredirects:"), "{yaml}");
        assert!(
            yaml.contains("\nrevision: 40\nrolled_back_from: 42\n"),
            "{yaml}"
        );
        assert!(yaml.contains("\nrules:\n  digest: "), "{yaml}");
        assert_eq!(State::parse(yaml.as_bytes(), "k").unwrap(), finished);
        let err = State::parse(b"hello: world", "p/.svn2s3/state.yaml").unwrap_err();
        assert!(format!("{err:#}").contains("p/.svn2s3/state.yaml is not svn2s3's"));
    }

    #[test]
    fn a_claim_holds_while_its_lease_runs_and_its_process_lives() {
        let soon = OffsetDateTime::now_utc() + LEASE;
        let here = hostname();
        let me = std::process::id();
        assert!(claim(here.clone(), me, soon).is_held());
        assert!(!claim(here.clone(), me, OffsetDateTime::now_utc()).is_held());
        // Process ids stop below 2^22 on Linux.
        assert!(!claim(here, u32::MAX, soon).is_held(), "a dead process's");
        assert!(claim("elsewhere".into(), u32::MAX, soon).is_held());
        let mut garbled = claim("elsewhere".into(), me, soon);
        garbled.until = "tomorrow".into();
        assert!(!garbled.is_held());
    }
}
