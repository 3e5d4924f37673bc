//! A build folder's publish: which objects it writes and which keys it
//! deletes, against the manifest of the build the bucket holds, or, for a
//! first publish, `--full` or a repair, against a listing. The whole
//! folder is walked every time (it has no history to ask), so its
//! symbolic links are followed through what the walk found.

use sha2::{Digest, Sha256};

use super::*;
use crate::manifest::{Entry, Manifest};
use crate::plan::{location_of, Content};
use crate::state::Touched;

/// What a build's publish compares with, and may do.
pub(crate) struct Build<'a> {
    pub rules: &'a Rules,
    /// The manifest of the build the bucket holds; `None`: there is none
    /// to trust (a first publish, `--full`, or a publish cut off that may
    /// have written any key), and the build is compared with `listing`.
    pub manifest: Option<&'a Manifest>,
    /// The keys a publish that was cut off may have written or deleted:
    /// the manifest is not trusted for them.
    pub distrusted: &'a Touched,
    /// The listing of the prefix, for a survey.
    pub listing: Option<&'a [Listed]>,
    /// Prefixes inside this one where other publishes keep their state:
    /// nothing is written or deleted there.
    pub nested: &'a BTreeSet<String>,
    pub full: bool,
    pub max_delete: usize,
}

/// The deletes of a build's publish, and what it says of the keys it
/// leaves alone.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Deletes {
    pub keys: Vec<String>,
    pub notes: Vec<String>,
}

impl Build<'_> {
    /// Whether the object `key`, made as `entry` says, must be written:
    /// the bucket may not hold it as it is.
    pub fn must_write(&self, key: &str, entry: &Entry) -> bool {
        match self.manifest {
            Some(manifest) => self.distrusted.contains(key) || manifest.get(key) != Some(entry),
            None => true,
        }
    }

    /// Refuses a key of the build (a file at `path`) where another publish
    /// keeps its state.
    pub fn check_key(&self, key: &str, path: &str) -> Result<(), PlanError> {
        match holding(self.nested, key) {
            Some(prefix) => Err(PlanError::Foreign {
                path: path.to_owned(),
                key: key.to_owned(),
                prefix: prefix.clone(),
            }),
            None => Ok(()),
        }
    }

    /// The keys to delete once the build's objects are written, `built`
    /// being every object it has: those the last build wrote (or a publish
    /// cut off may have written) that this one does not have, and with
    /// `--full`, or after a publish cut off that may have written any key
    /// (and whose manifest, written beside its objects, no longer lists
    /// the last build's), every other key the listing shows; never a key
    /// of a state folder, one excluded or one of another publish.
    pub fn deletes(&self, built: &Manifest) -> Result<Deletes, PlanError> {
        let has = |key: &str| built.get(key).is_some();
        let ours = |key: &str| {
            let state = key
                .strip_prefix(&self.rules.prefix)
                .is_some_and(|rest| rest.starts_with(&format!("{STATE_FOLDER}/")));
            !state && !self.rules.is_excluded_key(key) && holding(self.nested, key).is_none()
        };
        let mut gone: BTreeSet<String> = BTreeSet::new();
        let manifest = self.manifest.into_iter().flat_map(Manifest::keys);
        let distrusted = match self.distrusted {
            Touched::Keys(keys) => Some(keys.iter().map(String::as_str)),
            Touched::Every => None,
        };
        for key in manifest.chain(distrusted.into_iter().flatten()) {
            if !has(key) && ours(key) {
                gone.insert(key.to_owned());
            }
        }
        let mut notes = Vec::new();
        let mut stray = 0;
        let mut fenced: BTreeMap<&str, usize> = BTreeMap::new();
        for listed in self.listing.unwrap_or_default() {
            let key = listed.key.as_str();
            if has(key) || gone.contains(key) || !key.starts_with(&self.rules.prefix) {
                continue;
            }
            if let Some(prefix) = holding(self.nested, key) {
                *fenced.entry(prefix).or_default() += 1;
            } else if !ours(key) {
            } else if self.full || *self.distrusted == Touched::Every {
                gone.insert(key.to_owned());
            } else {
                stray += 1;
            }
        }
        notes.extend(
            (fenced.into_iter()).map(|(prefix, count)| left_alone(prefix, count, "object")),
        );
        if stray > 0 {
            notes.push(format!(
                "holds {} the build does not have, left alone (--full deletes them)",
                crate::report::counted(stray, "object")
            ));
        }
        if gone.len() > self.max_delete {
            return Err(PlanError::TooManyDeletes {
                count: gone.len(),
                most: self.max_delete,
            });
        }
        Ok(Deletes {
            keys: gone.into_iter().collect(),
            notes,
        })
    }
}

/// Whether the key `key`, deleted, must go before the objects of `built`
/// are written: it is a folder of one of their keys, or one of them is
/// its folder.
pub(crate) fn blocks(key: &str, built: &Manifest) -> bool {
    let above = key
        .match_indices('/')
        .any(|(at, _)| built.get(&key[..at]).is_some());
    above || built.has_under(&format!("{key}/"))
}

/// What makes `upload`, an object of a file of `size` bytes and MD5 `md5`
/// (for a redirect, none), as the manifest records it.
pub(crate) fn entry(upload: &Upload, md5: [u8; 16], size: u64) -> Entry {
    let mut hasher = Sha256::new();
    let headers = serde_json::to_vec(&upload.headers).expect("headers always serialise");
    hasher.update(&headers);
    match &upload.content {
        Content::File { encoding, .. } | Content::Copy { encoding, .. } => {
            hasher.update(b"\0file\0");
            hasher.update(encoding.map_or("", |e| e.content_encoding()));
        }
        Content::Redirect { location } => {
            hasher.update(b"\0redirect\0");
            hasher.update(location);
        }
    }
    let digest: [u8; 32] = hasher.finalize().into();
    let (md5, size) = match &upload.content {
        Content::File { .. } | Content::Copy { .. } => (md5, size),
        Content::Redirect { location } => (md5::compute(location).0, 0),
    };
    Entry {
        md5,
        size,
        digest: u64::from_be_bytes(digest[..8].try_into().expect("8 of 32 bytes")),
    }
}

/// The redirects of a build's symbolic links (and files with a redirect
/// property), each followed through the others to a file or folder of the
/// build, `files` being the paths of every file published: where one
/// leads nowhere published, or into a loop, it is skipped and said so.
pub(crate) fn redirects(
    links: Vec<Link>,
    files: &BTreeSet<String>,
    rules: &Rules,
) -> Result<(Vec<Upload>, Vec<Skipped>), PlanError> {
    let by_path: BTreeMap<&str, &Link> = links.iter().map(|l| (l.path.as_str(), l)).collect();
    let is_folder = |path: &str| {
        let below = format!("{path}/");
        path.is_empty()
            || (files.range(below.clone()..))
                .next()
                .is_some_and(|file| file.starts_with(&below))
    };
    let (mut written, mut skipped) = (Vec::new(), Vec::new());
    for link in &links {
        let mut target = link.target.clone();
        let mut hops = 0;
        let end = loop {
            let Target::Path { path, folder } = &target else {
                break Ok(target);
            };
            if !*folder && files.contains(path) {
                break Ok(target);
            }
            if is_folder(path) {
                break Ok(Target::Path {
                    path: path.clone(),
                    folder: true,
                });
            }
            match by_path.get(path.as_str()) {
                Some(next) if hops < MAX_HOPS => {
                    hops += 1;
                    target = next.target.clone();
                }
                Some(_) => break Err(true),
                None => break Err(false),
            }
        };
        match (end, link.by) {
            (Ok(target), _) => written.push(Upload::redirect(
                link.key.clone(),
                location_of(&target, &rules.prefix),
                link.headers.clone(),
            )),
            (Err(_), By::Property) => {
                return Err(PlanError::BadRedirect {
                    path: link.path.clone(),
                    value: link.written.clone(),
                    why: "leads to nothing published".to_owned(),
                })
            }
            (Err(looped), By::Symlink) => skipped.push(Skipped {
                path: link.path.clone(),
                reason: match looped {
                    true => "a symbolic link in a loop of redirects",
                    false => "a symbolic link to nothing published",
                },
            }),
        }
    }
    Ok((written, skipped))
}
