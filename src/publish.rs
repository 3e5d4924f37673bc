//! Runs a plan against the bucket: each phase (clear, uploads, deletes) on a
//! pool of at most `workers` concurrent requests, each phase finished before
//! the next starts.

use std::sync::Arc;

use anyhow::{anyhow, Result};
use serde::Serialize;
use tokio::task::JoinSet;

use crate::bucket::Bucket;
use crate::plan::{Plan, Upload};

/// One request of a publish that was made (or, in a dry run, would be).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum Done {
    /// An object written.
    Upload {
        /// The object's key.
        key: String,
        /// Bytes sent; in a dry run, the file's size (`None` for a twin, whose size is not known yet).
        bytes: Option<u64>,
        /// The object's `Content-Type`.
        content_type: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        /// `gzip` for a twin.
        content_encoding: Option<&'static str>,
    },
    /// An object deleted.
    Delete {
        /// The object's key.
        key: String,
    },
}

/// `upload css/site.css (2.0 KiB)`, `delete img/old.png`.
impl std::fmt::Display for Done {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Done::Upload {
                key,
                bytes: Some(bytes),
                ..
            } => write!(f, "upload {key} ({})", crate::report::human_bytes(*bytes)),
            Done::Upload { key, .. } => write!(f, "upload {key}"),
            Done::Delete { key } => write!(f, "delete {key}"),
        }
    }
}

impl Done {
    pub(crate) fn planned(upload: &Upload) -> Done {
        let size = if upload.encoding.is_some() {
            None
        } else {
            std::fs::metadata(&upload.local).ok().map(|m| m.len())
        };
        Done::uploaded(upload, size)
    }

    fn uploaded(upload: &Upload, bytes: Option<u64>) -> Done {
        Done::Upload {
            key: upload.key.clone(),
            bytes,
            content_type: upload.headers.content_type.clone(),
            content_encoding: upload.headers.content_encoding,
        }
    }
}

/// What a publish says while it runs, for a progress bar or a log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress<'a> {
    /// The requests are about to start: this many, uploading about this many
    /// bytes (a gzip twin counted at its file's size).
    Started {
        /// Uploads and deletes.
        requests: usize,
        /// The size of the files to upload.
        bytes: u64,
    },
    /// One request is done.
    Done(&'a Done),
}

/// What [`execute`] would do, in the same order, without a request.
pub fn dry_run(plan: &Plan) -> Vec<Done> {
    let delete = |key: &String| Done::Delete { key: key.clone() };
    plan.clear
        .iter()
        .map(delete)
        .chain(plan.uploads.iter().map(Done::planned))
        .chain(plan.deletes.iter().map(delete))
        .collect()
}

/// Every request of `plan`, in its order: what was done, or the first
/// failure. `progress` hears of each request as it ends.
pub async fn execute(
    bucket: &Arc<Bucket>,
    plan: &Plan,
    workers: usize,
    progress: &(dyn Fn(Progress<'_>) + Send + Sync),
) -> Result<Vec<Done>> {
    let requests = plan.uploads.len() + plan.delete_count();
    let bytes = plan
        .uploads
        .iter()
        .filter_map(|upload| std::fs::metadata(&upload.local).ok())
        .map(|meta| meta.len())
        .sum();
    progress(Progress::Started { requests, bytes });
    let mut run = Phases {
        bucket,
        workers,
        progress,
        done: Vec::with_capacity(requests),
    };
    let deletes = |keys: &[String]| keys.iter().cloned().map(Job::Delete).collect::<Vec<_>>();
    run.phase(deletes(&plan.clear)).await?;
    run.phase(plan.uploads.iter().cloned().map(Job::Upload).collect())
        .await?;
    run.phase(deletes(&plan.deletes)).await?;
    Ok(run.done)
}

enum Job {
    Upload(Upload),
    Delete(String),
}

impl Job {
    async fn run(self, bucket: &Bucket) -> Result<Done> {
        match self {
            Job::Upload(upload) => {
                let bytes = bucket.put_file(&upload).await?;
                tracing::info!(key = upload.key, bytes, "uploaded");
                Ok(Done::uploaded(&upload, Some(bytes)))
            }
            Job::Delete(key) => {
                bucket.delete(&key).await?;
                tracing::info!(key, "deleted");
                Ok(Done::Delete { key })
            }
        }
    }
}

/// The phases of one publish, run one after the other.
struct Phases<'a> {
    bucket: &'a Arc<Bucket>,
    workers: usize,
    progress: &'a (dyn Fn(Progress<'_>) + Send + Sync),
    done: Vec<Done>,
}

impl Phases<'_> {
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
            match running.join_next().await {
                None => break,
                Some(Ok(Ok(finished))) => {
                    (self.progress)(Progress::Done(&finished));
                    self.done.push(finished);
                }
                Some(Ok(Err(err))) => failures.push(err),
                Some(Err(join)) => match join.try_into_panic() {
                    Ok(payload) => std::panic::resume_unwind(payload),
                    Err(join) => failures.push(anyhow!(join)),
                },
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
