//! The state object, kept in the bucket itself so that a publish runs the
//! same from any machine with a checkout. It says which revision was last
//! published completely and, while a publish writes, which publish that is:
//! its claim. Each write of the object is conditional on the version read
//! before it (see [`crate::bucket::Expect`]), so two publishes of one prefix
//! never write at once, and the revision never moves backwards.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::shape::Shaping;
use crate::tree::Revnum;
use crate::tree::Tree;

/// The state object's key below the prefix, in the state folder
/// ([`crate::tree::STATE_FOLDER`]).
pub const STATE_KEY: &str = ".svn2s3/state.yaml";

/// The largest state object svn2s3 reads: a state keeps a revision, its
/// rules and its redirects, and a bigger object is not svn2s3's (reading
/// one of 58 MB took 742 MiB).
pub const MAX_STATE_BYTES: u64 = 4 * 1024 * 1024;

/// How far ahead of this host's clock another host's clock may run: a
/// claim whose lease ends later than [`LEASE`] and this from now was not
/// written by svn2s3.
const CLOCK_SKEW: Duration = Duration::from_secs(3600);

/// How many hand-made changes the state remembers.
const HISTORY_KEPT: usize = 20;

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
    /// The repository's UUID; empty for a build folder, which has none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub uuid: String,
    /// The published folder's path in the repository, without a leading
    /// slash (empty at the repository's root, and for a build folder).
    #[serde(default, skip_serializing_if = "String::is_empty")]
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
    /// For a build folder (`build:`): the build the bucket holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<Build>,
    /// The settings that shaped the published objects, and their digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Shaping>,
    /// The redirects left where files moved: old path to new path, both
    /// relative to the published folder.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub redirects: BTreeMap<String, String>,
    /// The files published as redirects to a path of the tree (symbolic
    /// links, files with `svn2s3:redirect`): each file's path, and the
    /// paths its redirect went through, its target last (a folder ends in
    /// `/`). A publish that changes one of those paths writes the redirect
    /// again, or takes it away.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub links: BTreeMap<String, Vec<String>>,
    /// The symbolic links skipped for leading nowhere published (or into a
    /// loop), and the paths each went through: a publish that changes one
    /// of those paths follows the link again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unresolved: BTreeMap<String, Vec<String>>,
    /// The prefixes inside this one where other publishes keep their state
    /// (keys from the bucket's root, each ending in `/`): nothing is
    /// written or deleted there. A survey records those its listing shows;
    /// a publish inside adds itself.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub nested: BTreeSet<String>,
    /// Objects removed from the tree but not deleted yet (`keep_removed:`):
    /// each key, and when it was removed (RFC 3339, UTC). A publish deletes
    /// those that waited long enough; `verify` leaves them be.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub removed: BTreeMap<String, String>,
    /// A publish under way, or one that was cut off before it finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publishing: Option<Claim>,
    /// What was done to the state by hand (`svn2s3 unlock`), oldest first:
    /// the last twenty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<Event>,
}

/// The build folder a bucket holds: which publish of it, what it holds
/// (its manifest, `.svn2s3/manifest.gz` under the prefix), and where it was built from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Build {
    /// How many publishes of a build finished here, this one included.
    pub number: u64,
    /// The ETag of the manifest this publish wrote: the manifest read with
    /// another is not this state's.
    pub manifest: String,
    /// The objects the manifest lists.
    pub objects: usize,
    /// The working copy the build was made from, when the settings are a
    /// working copy's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<BuiltFrom>,
}

/// The working copy a build was made from: its URL (no password) and revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuiltFrom {
    /// The working copy's URL.
    pub url: String,
    /// The working copy's revision.
    pub revision: Revnum,
}

/// Something done to the state by hand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// When, RFC 3339, UTC.
    pub at: String,
    /// Where: `host, process pid`.
    pub by: String,
    /// What, in a few words.
    pub what: String,
}

/// Whether a claim keeps other publishes out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// Its publish may still be writing: its lease runs and, if it ran on
    /// this host, its process lives.
    Held,
    /// Its publish is gone, or stopped: the next publish takes over.
    Lapsed,
    /// svn2s3 never writes such a claim (a lease that ends years ahead,
    /// or no time at all): why, in a few words.
    Malformed(String),
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
    pub links: BTreeMap<String, Vec<String>>,
    pub unresolved: BTreeMap<String, Vec<String>>,
    pub nested: BTreeSet<String>,
    pub removed: BTreeMap<String, String>,
}

/// The keys of a build folder that a publish may write or delete: those
/// its claim names, which the next publish does not trust its manifest
/// for if it is cut off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Touched {
    Keys(BTreeSet<String>),
    /// Any key: too many to name (see [`MAX_TOUCHED_BYTES`]), or a survey.
    Every,
}

/// The most bytes of keys a claim names; a publish that touches more
/// claims every key, and one cut off is repaired by a survey.
pub(crate) const MAX_TOUCHED_BYTES: usize = 1024 * 1024;

impl Default for Touched {
    fn default() -> Touched {
        Touched::Keys(BTreeSet::new())
    }
}

impl Touched {
    /// `keys`, or every key when they are too many to name.
    pub fn of(keys: BTreeSet<String>) -> Touched {
        let bytes: usize = keys.iter().map(|key| key.len() + 4).sum();
        match bytes > MAX_TOUCHED_BYTES {
            true => Touched::Every,
            false => Touched::Keys(keys),
        }
    }

    /// The keys of both.
    pub fn and(self, other: Touched) -> Touched {
        match (self, other) {
            (Touched::Keys(mut mine), Touched::Keys(theirs)) => {
                mine.extend(theirs);
                Touched::of(mine)
            }
            _ => Touched::Every,
        }
    }

    pub fn contains(&self, key: &str) -> bool {
        match self {
            Touched::Keys(keys) => keys.contains(key),
            Touched::Every => true,
        }
    }
}

/// A publish that is writing to the bucket, or was until it was cut off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Claim {
    /// Every revision whose files this publish, and any cut off before it,
    /// may have written: the next publish repairs what they touched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<Revnum>,
    /// For a build folder: the keys this publish, and any cut off before
    /// it, may have written or deleted; the next publish does not trust
    /// the manifest for them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<String>,
    /// For a build folder: this publish may write any key (too many to
    /// list, or a survey of the bucket); the next publish trusts no entry
    /// of the manifest.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub every_key: bool,
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
        let mut revisions = previous.map_or_else(Vec::new, State::unfinished);
        if !revisions.contains(&tree.revision) {
            revisions.push(tree.revision);
        }
        let claimed = State::claimed(previous, revisions, Touched::default());
        State {
            uuid: tree.uuid.clone(),
            path: tree.path.clone(),
            ..claimed
        }
    }

    /// The state that claims the bucket for a publish of a build folder
    /// that may write or delete `touched`, taking over what `previous`
    /// says: its build, and the keys of a publish that was cut off.
    pub(crate) fn claim_build(previous: Option<&State>, touched: Touched) -> State {
        let before = previous.map_or_else(Touched::default, State::distrusted);
        State::claimed(previous, Vec::new(), before.and(touched))
    }

    /// `previous` (or a state with nothing published), claimed by this
    /// process for `revisions` or the keys `touched`.
    fn claimed(previous: Option<&State>, revisions: Vec<Revnum>, touched: Touched) -> State {
        let now = OffsetDateTime::now_utc();
        let (keys, every_key) = match touched {
            Touched::Keys(keys) => (keys.into_iter().collect(), false),
            Touched::Every => (Vec::new(), true),
        };
        // What the bucket holds stays as it was until the publish finishes.
        let published = previous.cloned().unwrap_or_else(|| State {
            uuid: String::new(),
            path: String::new(),
            revision: None,
            rolled_back_from: None,
            published_at: None,
            version: String::new(),
            build: None,
            rules: None,
            redirects: BTreeMap::new(),
            links: BTreeMap::new(),
            unresolved: BTreeMap::new(),
            nested: BTreeSet::new(),
            removed: BTreeMap::new(),
            publishing: None,
            history: Vec::new(),
        });
        State {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            publishing: Some(Claim {
                revisions,
                keys,
                every_key,
                host: hostname(),
                pid: std::process::id(),
                started_at: timestamp(now),
                until: timestamp(now + LEASE),
            }),
            ..published
        }
    }

    /// The state of the claimed publish of a build folder, finished: the
    /// bucket holds `build`, made by `rules`, with `nested` inside.
    pub(crate) fn built(
        &self,
        build: Build,
        rules: Shaping,
        nested: BTreeSet<String>,
        removed: BTreeMap<String, String>,
    ) -> State {
        State {
            build: Some(build),
            published_at: Some(timestamp(OffsetDateTime::now_utc())),
            rules: Some(rules),
            nested,
            removed,
            publishing: None,
            ..self.clone()
        }
    }

    /// Whether this is the state of a build folder: it names no repository.
    pub fn is_build(&self) -> bool {
        self.uuid.is_empty()
    }

    /// The keys of a build folder a publish that was cut off may have
    /// written or deleted: where the manifest cannot be trusted.
    pub(crate) fn distrusted(&self) -> Touched {
        match &self.publishing {
            Some(claim) if claim.every_key => Touched::Every,
            Some(claim) => Touched::Keys(claim.keys.iter().cloned().collect()),
            None => Touched::default(),
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
            links: published.links,
            unresolved: published.unresolved,
            nested: published.nested,
            removed: published.removed,
            publishing: None,
            ..self.clone()
        }
    }

    /// This state with its claim released by hand (`svn2s3 unlock`), and
    /// that noted in its history. The claim stays, lapsed, so that the next
    /// publish repairs the revisions it names.
    pub(crate) fn unlocked(&self, forced: bool) -> State {
        let mut state = self.released();
        if let Some(claim) = &self.publishing {
            let now = OffsetDateTime::now_utc();
            state.history.push(Event {
                at: timestamp(now),
                by: format!("{}, process {}", hostname(), std::process::id()),
                what: format!(
                    "unlocked{} the claim of {}",
                    if forced { " with --force" } else { "" },
                    claim.describe()
                ),
            });
            let over = state.history.len().saturating_sub(HISTORY_KEPT);
            state.history.drain(..over);
        }
        state
    }

    /// The state of a preview that `svn2s3 prune` removes, claimed by the
    /// prune: nothing published any more, so that a prune cut off leaves a
    /// preview that a publish starts again from scratch (or the next prune
    /// removes), and a claim that keeps publishes away while it runs.
    pub(crate) fn pruning(&self) -> State {
        State {
            uuid: self.uuid.clone(),
            path: self.path.clone(),
            ..State::claimed(None, Vec::new(), Touched::default())
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

    /// The state in `bytes`, read from `key`. A state written by a newer
    /// release (a newer minor or major version, or any newer one that this
    /// svn2s3 cannot read) is refused, naming that version: what it records
    /// may mean more than this one knows.
    pub(crate) fn parse(bytes: &[u8], key: &str) -> Result<State> {
        #[derive(Deserialize)]
        struct Versioned {
            version: String,
        }
        let ours = env!("CARGO_PKG_VERSION");
        let parsed: Result<State, _> = serde_yaml::from_slice(bytes);
        let (version, too_new) = match &parsed {
            Ok(state) => (
                Some(state.version.clone()),
                is_newer_release(&state.version, ours),
            ),
            Err(_) => {
                let version = serde_yaml::from_slice::<Versioned>(bytes)
                    .ok()
                    .map(|v| v.version);
                let newer = version
                    .as_deref()
                    .is_some_and(|version| is_newer(version, ours));
                (version, newer)
            }
        };
        if let (Some(version), true) = (&version, too_new) {
            bail!(
                "the state object {key} was written by svn2s3 {version}, newer than this one \
                 ({ours}); upgrade svn2s3 to {version} or later to publish here"
            );
        }
        let state = parsed.with_context(|| format!("the state object {key} is not svn2s3's"))?;
        if version_parts(&state.version).is_none() {
            bail!(
                "the state object {key} says version {:?}, which no svn2s3 writes",
                state.version
            );
        }
        if let Some((removed, at)) = (state.removed.iter()).find(|(_, at)| removed_at(at).is_none())
        {
            bail!("the state object {key} says {removed} was removed at {at:?}, which is no RFC 3339 time");
        }
        Ok(state)
    }

    pub(crate) fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).expect("a State always serialises")
    }

    /// Refuses to publish `tree` over a state it does not continue: another
    /// repository or folder, or an older revision unless `rollback` (and
    /// only then).
    pub(crate) fn check_continues(&self, tree: &Tree, key: &str, rollback: bool) -> Result<()> {
        let folder = &tree.name;
        if self.is_build() {
            bail!(
                "the bucket holds a build folder's publish (build:), and {folder} is a tree of a \
                 repository; publish it under another --prefix, or publish the build with --build"
            );
        }
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

    /// Refuses to write while another publish holds the bucket, or while
    /// a claim svn2s3 never writes sits in the state.
    pub(crate) fn check_unclaimed(&self, target: &str) -> Result<()> {
        let Some(claim) = &self.publishing else {
            return Ok(());
        };
        match claim.hold() {
            Hold::Lapsed => Ok(()),
            Hold::Held => bail!(Busy(format!(
                "another publish ({}) is writing to {target}; run again when it is done, or \
                 with --wait. If it is gone, its claim lapses at {}, or `svn2s3 unlock --force` \
                 releases it now",
                claim.describe(),
                claim.until
            ))),
            Hold::Malformed(why) => bail!(
                "the claim on {target} is malformed ({why}): svn2s3 never writes such a claim; \
                 if no publish is running, `svn2s3 unlock` releases it"
            ),
        }
    }
}

impl Claim {
    /// Whether the publish that made this claim may still be writing: its
    /// lease runs, and, if it ran on this host, its process is alive.
    pub fn is_held(&self) -> bool {
        self.hold() == Hold::Held
    }

    /// Whether the claim keeps other publishes out, and, for a claim that
    /// svn2s3 never writes, why it is malformed.
    pub fn hold(&self) -> Hold {
        let Ok(until) = OffsetDateTime::parse(&self.until, &Rfc3339) else {
            return Hold::Malformed(format!(
                "its lease ends at {:?}, which is no time",
                self.until
            ));
        };
        let now = OffsetDateTime::now_utc();
        if until > now + LEASE + CLOCK_SKEW {
            return Hold::Malformed(format!(
                "its lease ends {}, further ahead than svn2s3 ever writes",
                self.until
            ));
        }
        if until <= now || (self.host == hostname() && process_is_gone(self.pid)) {
            Hold::Lapsed
        } else {
            Hold::Held
        }
    }

    /// Whether its lease has ended, for every host: a claim whose process
    /// is gone has lapsed only for the host it ran on.
    pub(crate) fn lease_ended(&self) -> bool {
        OffsetDateTime::parse(&self.until, &Rfc3339)
            .is_ok_and(|until| until <= OffsetDateTime::now_utc())
    }

    /// `r7, process 4242 on ci-2, started 2026-11-24T06:00:00Z`.
    pub fn describe(&self) -> String {
        format!("{}, {}", self.what(), self.whose())
    }

    /// What the publish publishes: `r7`, or `a build`.
    pub fn what(&self) -> String {
        match self.revisions.last() {
            Some(to) => format!("r{to}"),
            None => "a build".to_owned(),
        }
    }

    /// `process 4242 on ci-2, started 2026-11-24T06:00:00Z`: the host and
    /// the time as the state says them, with any control character escaped.
    pub fn whose(&self) -> String {
        let shown = |text: &str| text.escape_default().to_string();
        format!(
            "process {} on {}, started {}",
            self.pid,
            shown(&self.host),
            shown(&self.started_at)
        )
    }
}

/// Whether the version `theirs` is of a newer release than `ours`: a newer
/// major or minor version (`0.3.0` over `0.2.5`); a newer patch is not.
fn is_newer_release(theirs: &str, ours: &str) -> bool {
    match (version_parts(theirs), version_parts(ours)) {
        (Some(theirs), Some(ours)) => theirs[..2] > ours[..2],
        _ => false,
    }
}

/// Whether the version `theirs` (`1.2.3`) is newer than `ours`.
fn is_newer(theirs: &str, ours: &str) -> bool {
    match (version_parts(theirs), version_parts(ours)) {
        (Some(theirs), Some(ours)) => theirs > ours,
        _ => false,
    }
}

/// The numbers of a version as svn2s3 writes it (`1.2.3`, perhaps with
/// `-pre` or `+build` after), or `None` for anything else.
fn version_parts(version: &str) -> Option<[u64; 3]> {
    let core = version.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|part| {
        let digits = !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        digits.then(|| part.parse().ok()).flatten()
    });
    let numbers = [parts.next()??, parts.next()??, parts.next()??];
    parts.next().is_none().then_some(numbers)
}

/// When a key of [`State::removed`] was removed, as the state says it.
pub(crate) fn removed_at(at: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(at, &Rfc3339).ok()
}

pub(crate) fn timestamp(at: OffsetDateTime) -> String {
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
mod tests;
