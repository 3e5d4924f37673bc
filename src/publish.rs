//! Runs a plan against the bucket: each phase (clear, uploads, deletes)
//! finished before the next starts. A phase runs at most `workers` jobs at
//! once, an upload or a batch of up to a thousand deletes each; the
//! bucket's budget decides how many requests and bytes they have in flight.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use anyhow::{anyhow, bail, Result};
use tokio::task::JoinSet;

use crate::bucket::{Adoption, Bucket, DELETE_BATCH};
use crate::plan::{Listed, Plan, Upload};
use crate::report::{Done, Progress, Tally};

/// What [`execute`] would do, in the same order, without a request.
pub fn dry_run(plan: &Plan) -> Vec<Done> {
    let delete = |key: &String| Done::Delete { key: key.clone() };
    plan.clear()
        .iter()
        .map(delete)
        .chain(plan.uploads().iter().map(Done::planned))
        .chain(plan.rewrites().iter().map(Done::rewritten))
        .chain(plan.redirects().iter().map(Done::planned))
        .chain(plan.deletes().iter().map(delete))
        .collect()
}

/// What `plan` will do, for `progress`: its requests, and the size of the
/// files it uploads (one look at each).
pub fn started(plan: &Plan) -> Progress<'static> {
    let requests = plan.write_count() + plan.delete_count();
    let bytes = plan
        .uploads()
        .iter()
        .filter_map(|upload| std::fs::metadata(upload.local()?).ok())
        .map(|meta| meta.len())
        .sum();
    Progress::Started { requests, bytes }
}

/// The phases of a plan an [`execute`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phases {
    /// Every phase, in order.
    All,
    /// The deletes that must come before any upload, alone.
    Clear,
    /// Every phase after those.
    AfterClear,
}

/// The requests of `plan` in `phases`, in their order: what was done, or
/// the first failure. An upload to a key in `present` (a listing's
/// objects) is made only if that object does not hold the file already
/// (see [`Bucket::adopt`]). `progress` hears of each request as it ends.
pub async fn execute(
    bucket: &Arc<Bucket>,
    plan: &Plan,
    present: &HashMap<String, Listed>,
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
    phases: Phases,
) -> Result<Vec<Done>> {
    let requests = plan.write_count() + plan.delete_count();
    let mut run = Runner {
        bucket,
        workers: bucket.max_in_flight(),
        progress,
        done: Vec::with_capacity(requests),
    };
    let deletes = |keys: &[String]| {
        keys.chunks(DELETE_BATCH)
            .map(|batch| Job::Delete(batch.to_vec()))
            .collect::<Vec<_>>()
    };
    if phases != Phases::AfterClear {
        run.phase(deletes(plan.clear())).await?;
    }
    if phases == Phases::Clear {
        return Ok(run.done);
    }
    let uploads = plan
        .uploads()
        .iter()
        .map(|upload| match present.get(&upload.key) {
            Some(listed) => Job::Adopt(upload.clone(), listed.clone()),
            None => Job::Upload(upload.clone()),
        });
    let rewrites = plan.rewrites().iter().cloned().map(Job::Rewrite);
    run.phase(uploads.chain(rewrites).collect()).await?;
    let redirects = plan.redirects().iter().cloned().map(Job::Upload);
    run.phase(redirects.chain(deletes(plan.deletes())).collect())
        .await?;
    Ok(run.done)
}

/// What the walk of a streamed publish sends: each object as the walk
/// makes it, then the end, with how many objects it sent.
pub enum Streamed {
    Object(Box<Upload>),
    End { objects: usize },
}

/// Runs the objects that come through `objects` as they come, at most
/// `workers` jobs in flight, an upload to a key in `present` made only if
/// its object does not hold the file (as [`execute`]). Every action is
/// added to `tally` and heard by `progress`. The walk's end must come,
/// and every object it counted must have been done: a walk that failed
/// drops the channel without it. After a failure no new job starts.
pub async fn stream(
    bucket: &Arc<Bucket>,
    mut objects: tokio::sync::mpsc::Receiver<Streamed>,
    present: &HashMap<String, Listed>,
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
    tally: &mut Tally,
) -> Result<()> {
    let workers = bucket.max_in_flight();
    let mut running = JoinSet::new();
    let (mut sent, mut done, mut end) = (0, 0, None);
    let mut failure: Option<anyhow::Error> = None;
    loop {
        let room = failure.is_none() && end.is_none() && running.len() < workers;
        tokio::select! {
            item = objects.recv(), if room => match item {
                Some(Streamed::Object(upload)) => {
                    let upload = *upload;
                    sent += 1;
                    let job = match present.get(&upload.key) {
                        Some(listed) => Job::Adopt(upload, listed.clone()),
                        None => Job::Upload(upload),
                    };
                    let bucket = Arc::clone(bucket);
                    running.spawn(async move { job.run(&bucket).await });
                }
                Some(Streamed::End { objects }) => end = Some(objects),
                None => {
                    failure.get_or_insert_with(|| anyhow!("the walk of the tree stopped"));
                }
            },
            Some(finished) = running.join_next(), if !running.is_empty() => match joined(finished) {
                Ok(made) => {
                    for action in made {
                        progress(Progress::Done(&action));
                        tally.add(action);
                        done += 1;
                    }
                }
                Err(err) => {
                    failure.get_or_insert(err);
                }
            },
            else => break,
        }
        if running.is_empty() && (failure.is_some() || end.is_some()) {
            break;
        }
    }
    if let Some(failure) = failure {
        return Err(failure);
    }
    match end {
        Some(objects) if objects == sent && sent == done => Ok(()),
        _ => bail!("{done} objects written of {sent} sent; the walk counted {end:?}"),
    }
}

/// Refuses to call a publish complete unless `done` holds every request of
/// `plan`, each once: the last check before the state moves, kept apart from
/// [`execute`] so that it holds whatever happened inside it.
pub fn check_complete(plan: &Plan, done: &[Done]) -> Result<()> {
    let mut owed: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    let writes =
        plan.uploads()
            .iter()
            .chain(plan.redirects())
            .map(|upload| match upload.location() {
                Some(_) => ("redirect", upload.key.as_str()),
                None => ("upload", upload.key.as_str()),
            });
    let rewrites = (plan.rewrites().iter()).map(|up| ("rewrite", up.key.as_str()));
    let deletes = plan.clear().iter().chain(plan.deletes());
    let deletes = deletes.map(|key| ("delete", key.as_str()));
    for request in writes.chain(rewrites).chain(deletes) {
        *owed.entry(request).or_default() += 1;
    }
    for request in done {
        let made = match request {
            Done::Upload { key, .. } | Done::InPlace { key, .. } => ("upload", key.as_str()),
            Done::Redirect { key, .. } => ("redirect", key.as_str()),
            Done::Rewrite { key, .. } => ("rewrite", key.as_str()),
            Done::Delete { key } => ("delete", key.as_str()),
        };
        *owed.entry(made).or_default() -= 1;
    }
    let mut unpaid = owed.iter().filter(|(_, &count)| count != 0);
    if let Some(((verb, key), count)) = unpaid.next() {
        let what = if *count > 0 {
            "not made"
        } else {
            "made but not planned"
        };
        bail!(
            "{} requests made for {} planned; {verb} {key} was {what}{}",
            done.len(),
            plan.write_count() + plan.delete_count(),
            match unpaid.count() {
                0 => String::new(),
                more => format!(", and {more} more differ"),
            }
        );
    }
    Ok(())
}

enum Job {
    /// A file, a twin or a redirect written.
    Upload(Upload),
    /// A file or a twin written unless the object listed under its key
    /// holds it already.
    Adopt(Upload, Listed),
    /// An object's headers replaced.
    Rewrite(Upload),
    /// Up to [`DELETE_BATCH`] keys, in one request where the store allows.
    Delete(Vec<String>),
}

impl Job {
    async fn run(self, bucket: &Bucket) -> Result<Vec<Done>> {
        match self {
            Job::Upload(upload) => {
                let bytes = bucket.put(&upload).await?;
                match upload.location() {
                    Some(location) => tracing::info!(key = upload.key, location, "redirected"),
                    None => tracing::info!(key = upload.key, bytes, "uploaded"),
                }
                Ok(vec![Done::uploaded(&upload, Some(bytes))])
            }
            Job::Adopt(upload, listed) => {
                let done = match bucket.adopt(&upload, &listed).await? {
                    Adoption::Uploaded(bytes) => {
                        tracing::info!(key = upload.key, bytes, "uploaded");
                        Done::uploaded(&upload, Some(bytes))
                    }
                    adopted => {
                        let rewritten = adopted == Adoption::Rewritten;
                        tracing::info!(key = upload.key, rewritten, "already in place");
                        Done::in_place(&upload, rewritten)
                    }
                };
                Ok(vec![done])
            }
            Job::Rewrite(upload) => {
                bucket.rewrite(&upload).await?;
                tracing::info!(key = upload.key, "rewrote headers");
                Ok(vec![Done::rewritten(&upload)])
            }
            Job::Delete(keys) => {
                bucket.delete_batch(&keys).await?;
                for key in &keys {
                    tracing::info!(key, "deleted");
                }
                Ok(keys.into_iter().map(|key| Done::Delete { key }).collect())
            }
        }
    }
}

/// What a job that ended did, or why it failed; a job that panicked
/// panics here, on the thread that waits for it.
fn joined(ended: Result<Result<Vec<Done>>, tokio::task::JoinError>) -> Result<Vec<Done>> {
    match ended {
        Ok(done) => done,
        Err(join) => match join.try_into_panic() {
            Ok(payload) => std::panic::resume_unwind(payload),
            Err(join) => Err(anyhow!(join)),
        },
    }
}

/// Runs the phases of one publish, one after the other.
struct Runner<'a> {
    bucket: &'a Arc<Bucket>,
    workers: usize,
    progress: &'a (dyn Fn(Progress<'_>) + Send + Sync),
    done: Vec<Done>,
}

impl Runner<'_> {
    /// Runs `jobs` with at most `workers` in flight. After a failure no new
    /// job starts; those in flight finish, and the first failure is returned.
    async fn phase(&mut self, jobs: Vec<Job>) -> Result<()> {
        let mut jobs = jobs.into_iter();
        let mut running = JoinSet::new();
        let mut failures = Vec::new();
        loop {
            while failures.is_empty() && running.len() < self.workers {
                let Some(job) = jobs.next() else { break };
                let bucket = Arc::clone(self.bucket);
                running.spawn(async move { job.run(&bucket).await });
            }
            let Some(finished) = running.join_next().await else {
                break;
            };
            match joined(finished) {
                Ok(finished) => {
                    for done in finished {
                        (self.progress)(Progress::Done(&done));
                        self.done.push(done);
                    }
                }
                Err(err) => failures.push(err),
            }
        }
        let mut failures = failures.into_iter();
        match (failures.next(), failures.len()) {
            (None, _) => Ok(()),
            (Some(first), 0) => Err(first),
            (Some(first), more) => {
                Err(first.context(format!("{} requests failed; the first", more + 1)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Content, Headers, Upload};

    fn upload(key: &str) -> Upload {
        Upload {
            key: key.to_owned(),
            content: Content::File {
                local: key.into(),
                encoding: None,
            },
            headers: Headers {
                content_type: "text/plain".into(),
                content_encoding: None,
                values: Default::default(),
                acl: None,
            },
        }
    }

    fn plan() -> Plan {
        let redirect = Upload {
            content: Content::Redirect {
                location: "/b".into(),
            },
            ..upload("old-b")
        };
        let mut plan = Plan::default();
        plan.upload([upload("top/a"), upload("b")]);
        plan.rewrite([upload("d")]);
        plan.redirect([redirect]);
        plan.delete_also(["top".into(), "c".into()]);
        assert_eq!(plan.clear(), ["top"]);
        plan
    }

    #[test]
    fn a_publish_is_complete_when_it_made_every_planned_request_once() {
        let plan = plan();
        let done = dry_run(&plan);
        assert_eq!(done.len(), 6);
        check_complete(&plan, &done).unwrap();
        let mut reordered = done.clone();
        reordered.reverse();
        check_complete(&plan, &reordered).unwrap();
    }

    #[test]
    fn a_missing_twice_made_or_unplanned_request_is_not_complete() {
        let plan = plan();
        let done = dry_run(&plan);
        let err = check_complete(&plan, &done[..5]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "5 requests made for 6 planned; delete c was not made"
        );
        let rewrite_as_upload: Vec<Done> = done
            .iter()
            .map(|made| match made {
                Done::Rewrite { key, .. } => Done::uploaded(&upload(key), None),
                made => made.clone(),
            })
            .collect();
        assert!(check_complete(&plan, &rewrite_as_upload).is_err());
        let twice = [&done[..], &done[1..2]].concat();
        let err = check_complete(&plan, &twice[1..]).unwrap_err();
        assert!(
            err.to_string()
                .contains("delete top was not made, and 1 more differ"),
            "{err}"
        );
        let stray = [done, vec![Done::Delete { key: "d".into() }]].concat();
        let err = check_complete(&plan, &stray).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("delete d was made but not planned"),
            "{err}"
        );
        check_complete(&Plan::default(), &[]).unwrap();
        assert!(
            check_complete(&plan, &[]).is_err(),
            "nothing done is not complete"
        );
    }
}
