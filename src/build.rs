//! A build folder published (`build:`): a folder that is not under version
//! control, written by a site generator or `collectstatic`. It has no
//! history to ask what changed, so each publish walks it whole and
//! compares it with the manifest of the build the bucket holds
//! ([`crate::manifest`]): read with the state, in one round trip; then,
//! under the claim, the writes and deletes of what differs with the new
//! manifest beside them, and the state that names it, last. A
//! file is read only when its stat differs from what the local cache
//! ([`cache`]) recorded, so a publish costs the change, on disk and in
//! the bucket. A first publish, `--full`, or a publish after one that was
//! cut off with too many keys to name, compares with a listing instead,
//! and finds what the bucket holds already as a first publish of a tree does.
//!
//! The decisions are the planner's ([`crate::planner::build`]); this
//! module reads the folder and the bucket, and writes.

mod cache;
mod publisher;
mod walk;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::SystemTime;

use anyhow::{anyhow, bail, Context, Result};

use crate::bucket::{md5_of, Bucket, Expect};
use crate::cancel::Cancel;
use crate::claim::{Claimer, StateObject};
use crate::config::Settings;
use crate::error::Unfinished;
use crate::manifest::{Manifest, MAX_MANIFEST_BYTES};
use crate::plan::{self, Listed, Objects, Plan, Skipped, Upload};
use crate::planner::build as planner;
use crate::planner::foreign_prefixes;
use crate::publish::{self, Order, Streamed};
use crate::report::{Done, Progress, Tally};
use crate::session::{self, STREAM_QUEUE};
use crate::shape::Shaping;
use crate::source::Source;
use crate::state::{Build, BuiltFrom, State, Touched, MAX_STATE_BYTES};
use crate::tree::MANIFEST_KEY;
use crate::verify::{self, Drift};
use crate::website::Website;

use cache::{Cache, Stat};

/// A build folder and the bucket it is published to, every check passed:
/// what every command knows before its first write.
pub(crate) struct Session {
    /// The folder, absolute and canonical.
    root: PathBuf,
    pub runtime: tokio::runtime::Runtime,
    pub bucket: Arc<Bucket>,
    /// `s3://bucket/prefix`, for messages.
    pub target: String,
    state_key: String,
    pub state: Option<State>,
    /// The state object as read, for the claim.
    read: Expect,
    /// The manifest of the build the bucket holds, where it can be trusted.
    manifest: Option<Manifest>,
    /// The working copy the folder was built from, if the settings say.
    pub from: Option<BuiltFrom>,
    cancel: Cancel,
}

/// What a build's publish will do.
pub(crate) struct Planned {
    /// Every file published, in walk order, and which of its objects to write.
    files: Vec<Seen>,
    /// How many of the files' objects are written.
    pub writes: usize,
    /// The redirects written and the deletes, in their phases.
    pub plan: Plan,
    /// The listing's objects under keys the build writes (a survey).
    present: HashMap<String, Listed>,
    /// What the bucket holds once the publish is done.
    manifest: Manifest,
    /// The keys the publish may write or delete.
    touched: Touched,
    /// Other publishes' prefixes inside this one, as the state records them.
    nested: BTreeSet<String>,
    /// The objects removed that wait to be deleted (`keep_removed:`).
    removed: BTreeMap<String, String>,
    pub notes: Vec<String>,
}

/// A file of the folder as the walk found it.
struct Seen {
    path: String,
    stat: Stat,
    md5: [u8; 16],
    /// Whether `md5` is known (from the cache), or the file must be read.
    known: bool,
    /// Its objects' entries, in the walk's list of them.
    entries: Range<usize>,
    /// Bit `i` set: the file's `i`th object is written.
    write: u32,
}

impl Planned {
    /// How many removed objects wait to be deleted once it is done.
    pub fn waiting(&self) -> usize {
        self.removed.len()
    }

    /// Whether the publish writes or deletes nothing.
    pub fn is_empty(&self) -> bool {
        self.writes == 0 && self.plan.is_empty()
    }

    /// The requests it makes, but for the manifest and the state.
    pub fn requests(&self) -> usize {
        self.writes + self.plan.write_count() + self.plan.delete_count()
    }
}

impl Session {
    /// Opens the build folder of `settings` and reads the bucket's state
    /// and manifest (one round trip, both at once), refusing a state that
    /// is not a build's or a manifest that is not the state's.
    pub fn open(settings: &Settings, cancel: &Cancel) -> Result<Session> {
        let folder = settings.build.as_deref().context("no build folder")?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        let prefix = settings.prefix();
        let state_key = State::key(prefix);
        let manifest_key = format!("{prefix}{MANIFEST_KEY}");
        let bucket = Arc::new(Bucket::connect(
            &settings.address(),
            settings.workers.get(),
        )?);
        let reading = {
            let (bucket, state_key, manifest_key) =
                (Arc::clone(&bucket), state_key.clone(), manifest_key.clone());
            runtime.spawn(async move {
                tokio::try_join!(
                    bucket.get(&state_key, MAX_STATE_BYTES),
                    bucket.get(&manifest_key, MAX_MANIFEST_BYTES)
                )
            })
        };
        let root = folder
            .canonicalize()
            .map_err(|err| anyhow!("the build folder {}: {err}", folder.display()))?;
        if !root.is_dir() {
            bail!("the build folder {} is not a folder", folder.display());
        }
        let from = built_from(settings, cancel);
        let (found, manifest) = runtime.block_on(reading).context("reading the state")??;
        let (state, read) = match found {
            Some(found) => (
                Some(State::parse(&found.body, &state_key)?),
                Expect::ETag(found.etag),
            ),
            None => (None, Expect::Absent),
        };
        let target = settings.target();
        if let Some(state) = state.as_ref().filter(|state| !state.is_build()) {
            bail!(
                "{target} holds a publish of ^/{} of repository {}, not of a build folder; \
                 publish the build under another --prefix",
                state.path,
                state.uuid
            );
        }
        let manifest = match state.as_ref() {
            _ if settings.full => None,
            Some(state) => trusted(state, manifest, &manifest_key, &state_key)?,
            None => None,
        };
        Ok(Session {
            root,
            runtime,
            bucket,
            target,
            state_key,
            state,
            read,
            manifest,
            from,
            cancel: cancel.clone(),
        })
    }

    /// The number of the build the bucket holds, if any.
    pub fn published(&self) -> Option<u64> {
        self.state
            .as_ref()
            .and_then(|state| Some(state.build.as_ref()?.number))
    }

    /// Walks the folder, reads the files whose stat the cache does not
    /// vouch for, and plans the publish against the manifest (or, for a
    /// survey, a listing).
    pub fn plan(&self, settings: &Settings) -> Result<Planned> {
        let rules = &settings.rules;
        let listing = match self.manifest {
            Some(_) => None,
            None => Some(self.runtime.block_on(self.bucket.list(&rules.prefix))?),
        };
        let mut nested = self
            .state
            .as_ref()
            .map(|state| state.nested.clone())
            .unwrap_or_default();
        if let Some(listing) = &listing {
            let keys = listing.iter().map(|listed| listed.key.as_str());
            nested.extend(foreign_prefixes(keys, &rules.prefix));
        }
        let distrusted = self
            .state
            .as_ref()
            .map_or_else(Touched::default, State::distrusted);
        let cx = planner::Build {
            rules,
            manifest: self.manifest.as_ref(),
            distrusted: &distrusted,
            listing: listing.as_deref(),
            nested: &nested,
            full: settings.full,
            // With `keep_removed:`, what is deleted now is counted below.
            max_delete: match settings.keep_removed {
                Some(_) => usize::MAX,
                None => settings.max_delete,
            },
        };
        let mut cache = match settings.full {
            true => Cache::none(),
            false => Cache::open(settings.cache.as_deref(), &self.place(settings), &self.root),
        };
        let (mut files, mut entries, mut links, mut skipped) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let reading = SystemTime::now();
        walk::walk(&self.root, &self.cancel, |found| {
            let stat = found.stat;
            let file = self.file(found);
            let uploads = match plan::objects(&file, rules)? {
                Objects::Excluded => return Ok(()),
                Objects::Skipped(reason) => {
                    skipped.push(Skipped {
                        path: file.path,
                        reason,
                    });
                    return Ok(());
                }
                Objects::Redirect(link) => {
                    cx.check_key(&link.key, &file.path)?;
                    links.push(*link);
                    return Ok(());
                }
                Objects::Written(uploads) => uploads,
            };
            let md5 = cache.md5(&file.path, &stat);
            let first = entries.len();
            for upload in uploads {
                cx.check_key(&upload.key, &file.path)?;
                // Its MD5 is set once the file is read, if it must be.
                let entry = planner::entry(&upload, md5.unwrap_or_default(), stat.size);
                entries.push((upload.key.into_boxed_str(), entry));
            }
            files.push(Seen {
                path: file.path,
                stat,
                md5: md5.unwrap_or_default(),
                known: md5.is_some(),
                entries: first..entries.len(),
                write: 0,
            });
            Ok(())
        })?;
        let read = read_unknown(&self.root, &mut files, &self.cancel)?;
        let mut writes = 0;
        for seen in &mut files {
            for (at, (key, entry)) in entries[seen.entries.clone()].iter_mut().enumerate() {
                entry.md5 = seen.md5;
                if cx.must_write(key, entry) {
                    seen.write |= 1 << at;
                    writes += 1;
                }
            }
        }
        tracing::info!(
            "{}: {} files, {read} read, the rest known by their stat",
            self.root.display(),
            files.len()
        );
        let kept = files
            .iter()
            .map(|seen| (seen.path.as_str(), &seen.stat, &seen.md5));
        cache.keep(kept, reading);

        let mut plan = Plan::default();
        if !links.is_empty() {
            let published = files.iter().map(|seen| seen.path.clone()).collect();
            let (redirects, unresolved) = planner::redirects(links, &published, rules)?;
            skipped.extend(unresolved);
            let mut written = Vec::new();
            for redirect in redirects {
                let entry = planner::entry(&redirect, [0; 16], 0);
                if cx.must_write(&redirect.key, &entry) {
                    written.push(redirect.clone());
                }
                entries.push((redirect.key.into_boxed_str(), entry));
            }
            plan.redirect(written);
        }
        plan.skip(skipped);
        let manifest = Manifest::of(entries);
        let deletes = cx.deletes(&manifest)?;
        // A survey may write any key; an incremental publish names those it may.
        let touched = match self.manifest {
            Some(_) => {
                let mut keys = BTreeSet::new();
                for made in self.objects_of(&files, rules) {
                    let (seen, uploads) = made?;
                    keys.extend(written(seen, uploads).map(|upload| upload.key));
                }
                keys.extend(plan.written_keys().into_iter().map(str::to_owned));
                keys.extend(deletes.keys.iter().cloned());
                Touched::of(keys)
            }
            None => Touched::Every,
        };
        plan.delete_also(deletes.keys);
        plan.clear_first(|key| planner::blocks(key, &manifest));
        let none = BTreeMap::new();
        let waiting = self.state.as_ref().map_or(&none, |state| &state.removed);
        let keep = crate::planner::Keep {
            removed: settings.keep_removed,
            now: time::OffsetDateTime::now_utc(),
        };
        crate::planner::check_waiting(waiting, &rules.prefix, keep.now)?;
        let has = |key: &str| manifest.get(key).is_some();
        let first = |key: &str| planner::blocks(key, &manifest);
        let removed = crate::planner::defer(&mut plan, waiting, keep, has, first, |_| false);
        crate::planner::check_deletes(&plan, settings.max_delete)?;
        let present = match listing {
            Some(listing) => (listing.into_iter())
                .filter(|listed| manifest.get(&listed.key).is_some())
                .map(|listed| (listed.key.clone(), listed))
                .collect(),
            None => HashMap::new(),
        };
        Ok(Planned {
            files,
            writes,
            plan,
            present,
            manifest,
            touched,
            nested,
            removed,
            notes: deletes.notes,
        })
    }

    /// Each file of `files` with a write, and its objects under `rules`,
    /// made again as the plan made them.
    fn objects_of<'a>(
        &'a self,
        files: &'a [Seen],
        rules: &'a plan::Rules,
    ) -> impl Iterator<Item = Result<(&'a Seen, Vec<Upload>)>> + 'a {
        files.iter().filter(|seen| seen.write != 0).map(|seen| {
            let file = plan::File {
                path: seen.path.clone(),
                local: self.root.join(&seen.path),
                ..plan::File::default()
            };
            let objects = plan::objects(&file, rules)?;
            Ok((seen, objects.uploads().to_vec()))
        })
    }

    /// Whether the publish must write the state even if it writes no
    /// object: nothing is published yet, a publish was cut off, or the
    /// rules, or where the build came from, differ from what it records.
    pub fn moves_state(&self, planned: &Planned, settings: &Settings) -> bool {
        let Some(state) = &self.state else {
            return true;
        };
        let Some(build) = &state.build else {
            return true;
        };
        state.publishing.is_some()
            || state.removed != planned.removed
            || build.from != self.from
            || state.rules.as_ref().map(|r| &r.digest) != Some(&Shaping::of(&settings.rules).digest)
    }

    /// What a dry run of the plan would do, without a request.
    pub fn dry_run(&self, planned: &Planned, settings: &Settings) -> Result<Tally> {
        let mut tally = Tally::default();
        for made in self.objects_of(&planned.files, &settings.rules) {
            let (seen, uploads) = made?;
            written(seen, uploads).for_each(|upload| tally.add(Done::planned(&upload)));
        }
        publish::dry_run(&planned.plan)
            .into_iter()
            .for_each(|done| tally.add(done));
        Ok(tally)
    }

    /// Claims the bucket, writes the plan's objects (those of the files as
    /// a queue feeds them) and the new manifest, checks that no file it
    /// wrote changed since it was read, then writes the state that names
    /// the manifest.
    pub fn write(
        &self,
        planned: &Planned,
        settings: &Settings,
        website: Option<&Website>,
        progress: &(dyn Fn(Progress<'_>) + Send + Sync),
    ) -> Result<Tally, Unfinished> {
        let number = self.published().unwrap_or(0) + 1;
        let between = session::Between {
            settings,
            website,
            to: number,
        };
        let claimer = Claimer {
            store: StateObject {
                bucket: &self.bucket,
                key: &self.state_key,
            },
            previous: self.state.as_ref(),
            read: &self.read,
            target: &self.target,
            cancel: &self.cancel,
        };
        let claimed = State::claim_build(self.state.as_ref(), planned.touched.clone());
        let finished = |claim: &State, (_, etag): &(Tally, String)| {
            let build = Build {
                number,
                manifest: etag.clone(),
                objects: planned.manifest.len(),
                from: self.from.clone(),
            };
            let (nested, removed) = (planned.nested.clone(), planned.removed.clone());
            claim.built(build, Shaping::of(&settings.rules), nested, removed)
        };
        let manifest_key = format!("{}{MANIFEST_KEY}", settings.prefix());
        let (queue, walk) = tokio::sync::mpsc::channel(STREAM_QUEUE);
        let work = async {
            progress(Progress::Started {
                requests: planned.requests(),
                bytes: 0,
            });
            let (plan, present) = (&planned.plan, &planned.present);
            let order = Order {
                is_page: &|key: &str| settings.rules.is_page(key),
                live: self.state.is_some() || !present.is_empty(),
            };
            // The manifest goes with the objects: only the state names it,
            // and the next publish after one cut off does not trust it for
            // the keys the claim names, which are all it changes.
            let body = planned.manifest.to_gzip();
            let ((executed, invalidations), etag) = tokio::try_join!(
                publish::execute(
                    &self.bucket,
                    plan,
                    present,
                    progress,
                    Some(walk),
                    order,
                    |changed| between.run(&self.bucket, changed),
                ),
                (self.bucket).put_own(&manifest_key, "application/gzip", &body),
            )?;
            publish::check_complete(plan, &executed.planned)?;
            self.check_unchanged(planned)?;
            let mut tally = executed.tally();
            tally.invalidations = Some(invalidations);
            anyhow::Ok((tally, etag))
        };
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for made in self.objects_of(&planned.files, &settings.rules) {
                    // Without its end, the queue fails the publish.
                    let Ok((seen, uploads)) = made else {
                        return;
                    };
                    for upload in written(seen, uploads) {
                        if queue
                            .blocking_send(Streamed::Object(Box::new(upload)))
                            .is_err()
                        {
                            return;
                        }
                    }
                }
                // The plan's count: the queue fails the publish unless it
                // sent that many.
                let objects = planned.writes;
                queue.blocking_send(Streamed::End { objects }).ok();
            });
            let done = self.runtime.block_on(claimer.run(claimed, work, finished));
            done.map(|(tally, _)| tally)
        })
    }

    /// Refuses to record a build whose files changed while they were
    /// written: the manifest would name bytes the bucket may not hold.
    fn check_unchanged(&self, planned: &Planned) -> Result<()> {
        let changed = (planned.files.iter().filter(|seen| seen.write != 0)).find(|seen| {
            let meta = std::fs::symlink_metadata(self.root.join(&seen.path));
            meta.map_or(true, |meta| Stat::of(&meta) != seen.stat)
        });
        match changed {
            Some(seen) => bail!(
                "{} changed while it was published; publish again once the build is done",
                self.root.join(&seen.path).display()
            ),
            None => Ok(()),
        }
    }

    /// Compares the bucket with what a first publish of the folder would
    /// write, as `verify` does for a tree: every key, every object by its
    /// MD5 and headers.
    pub fn verify(&self, settings: &Settings) -> Result<Drift> {
        if self.published().is_none() {
            bail!("nothing is published at {}", self.target);
        }
        let rules = &settings.rules;
        let mut expected = Vec::new();
        let mut links = Vec::new();
        let mut files = BTreeSet::new();
        walk::walk(&self.root, &self.cancel, |found| {
            let file = self.file(found);
            match plan::objects(&file, rules)? {
                Objects::Written(uploads) => {
                    files.insert(file.path);
                    expected.extend(uploads);
                }
                Objects::Redirect(link) => links.push(*link),
                Objects::Excluded | Objects::Skipped(_) => {}
            }
            Ok(())
        })?;
        expected.extend(planner::redirects(links, &files, rules)?.0);
        let listing = self.runtime.block_on(self.bucket.list(&rules.prefix))?;
        let foreign = foreign_prefixes(listing.iter().map(|l| l.key.as_str()), &rules.prefix);
        let state_folder = format!("{}{}/", rules.prefix, crate::tree::STATE_FOLDER);
        // Objects removed but kept (`keep_removed:`) may stand, or be gone.
        let none = BTreeMap::new();
        let waiting = self.state.as_ref().map_or(&none, |state| &state.removed);
        let ignored = |key: &str| {
            key.starts_with(&state_folder)
                || rules.is_excluded_key(key)
                || crate::planner::holding(&foreign, key).is_some()
                || waiting.contains_key(key)
        };
        self.runtime.block_on(verify::compare(
            &self.bucket,
            expected,
            None,
            listing,
            ignored,
        ))
    }

    /// A file of the folder, as the walk found it.
    fn file(&self, found: walk::Walked) -> plan::File {
        plan::File {
            local: self.root.join(&found.path),
            path: found.path,
            link: found.link,
            ..plan::File::default()
        }
    }

    /// The folder, for messages.
    pub fn folder(&self) -> String {
        self.root.display().to_string()
    }

    /// What names the cache of this folder: where it is published.
    fn place(&self, settings: &Settings) -> String {
        let endpoint = settings.endpoint().unwrap_or("aws");
        format!("{endpoint} {}", settings.target())
    }
}

/// The objects of `uploads` (those of `seen`) that the publish writes.
fn written(seen: &Seen, uploads: Vec<Upload>) -> impl Iterator<Item = Upload> + '_ {
    (uploads.into_iter().enumerate())
        .filter(move |(at, _)| seen.write & (1 << at) != 0)
        .map(|(_, upload)| upload)
}

/// The manifest the state names, read as `found`: the one its last
/// publish wrote or, when a publish was cut off, the one it may have
/// written (whose entries differ from the last only for the keys its
/// claim names, which are not trusted). Any other is refused.
fn trusted(
    state: &State,
    found: Option<crate::bucket::Fetched>,
    key: &str,
    state_key: &str,
) -> Result<Option<Manifest>> {
    let Some(build) = &state.build else {
        return Ok(None);
    };
    if state.distrusted() == Touched::Every {
        return Ok(None);
    }
    let cut_off = state.publishing.is_some();
    match found {
        Some(found) if found.etag == build.manifest || cut_off => {
            Ok(Some(Manifest::parse(&found.body, key)?))
        }
        Some(_) => bail!(
            "the manifest {key} is not the one {state_key} names: another program wrote it; \
             publish with --full to compare with the bucket itself"
        ),
        None => bail!(
            "the manifest {key} is gone; publish with --full to compare with the bucket itself"
        ),
    }
}

/// The working copy the build was made from: the settings' tree, when it
/// is one (a build run from a checkout); `None` otherwise.
fn built_from(settings: &Settings, cancel: &Cancel) -> Option<BuiltFrom> {
    if settings.url().is_some() {
        return None;
    }
    let none = plan::Globs::new::<&str>(&[]).ok()?;
    let source = Source::working_copy(&settings.wc, None, none, cancel.flag()).ok()?;
    let tree = source.tree();
    Some(BuiltFrom {
        url: source.folder_url(),
        revision: tree.revision,
    })
}

/// Reads the files of `files` whose MD5 the cache did not know, under
/// `root`, on as many threads as there are cores (a rebuild that wrote
/// every file anew has them all read), and sets it; how many were read.
fn read_unknown(root: &Path, files: &mut [Seen], cancel: &Cancel) -> Result<usize> {
    let unknown = files.iter().filter(|seen| !seen.known).count();
    let threads = std::thread::available_parallelism().map_or(1, |cores| cores.get());
    // Handed out in small runs, so that a thread with large files does
    // not hold the others up.
    let runs = Mutex::new(files.chunks_mut(64));
    std::thread::scope(|scope| {
        let each = (0..threads.min(unknown)).map(|_| {
            scope.spawn(|| -> Result<()> {
                loop {
                    let Some(run) = runs.lock().expect("no thread panics holding it").next() else {
                        return Ok(());
                    };
                    for seen in run.iter_mut().filter(|seen| !seen.known) {
                        if let Some(stopped) = cancel.stopped() {
                            bail!("{stopped}");
                        }
                        seen.md5 = md5_of(&root.join(&seen.path))?;
                        seen.known = true;
                    }
                }
            })
        });
        let each: Vec<_> = each.collect();
        for thread in each {
            thread
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        }
        Ok(unknown)
    })
}
