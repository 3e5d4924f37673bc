//! The local cache of a build folder's MD5s: for each file, the size,
//! modification and change times and inode it had when it was read, and
//! its MD5 then. A file whose stat is the same is not read again; any
//! other is. Only a hint: a cache that is missing, unreadable or written
//! by another version is no cache, and `--full` does without one.
//!
//! One file per bucket, prefix and folder, in the user's cache folder
//! (`$XDG_CACHE_HOME/svn2s3/builds/`, else `~/.cache/svn2s3/builds/`),
//! written whole under another name and renamed, so that a publish that
//! stops leaves the old one or the new one.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::manifest::{hex, unhex};

/// What the first line says.
const HEADER: &str = "svn2s3 md5 cache 1";

/// A file whose times are this close to when it was read may still be
/// being written (with the same size and times to the clock's grain): it
/// is not cached, and is read again next time.
const RACY: Duration = Duration::from_secs(2);

/// What a file's stat says of whether it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stat {
    pub size: u64,
    pub inode: u64,
    /// Modification and change times, in nanoseconds since 1970.
    pub mtime: i64,
    pub ctime: i64,
}

impl Stat {
    pub fn of(meta: &std::fs::Metadata) -> Stat {
        let nanos = |secs: i64, nsecs: i64| secs.saturating_mul(1_000_000_000) + nsecs;
        Stat {
            size: meta.len(),
            inode: meta.ino(),
            mtime: nanos(meta.mtime(), meta.mtime_nsec()),
            ctime: nanos(meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// Whether a file with this stat, read at `read`, may have been
    /// written in the same grain of time as it was read.
    fn is_racy(&self, read: SystemTime) -> bool {
        let read = read
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |since| since.as_nanos() as i64);
        read - self.mtime.max(self.ctime) < RACY.as_nanos() as i64
    }
}

/// The MD5s known of a folder's files, and those found this time.
pub(crate) struct Cache {
    /// Where it is kept; `None`: nowhere (no cache folder).
    file: Option<PathBuf>,
    known: HashMap<String, (Stat, [u8; 16])>,
}

impl Cache {
    /// The cache of the folder `root` published to `place` (endpoint,
    /// bucket and prefix), under `folder` (the user's cache folder); empty
    /// when there is none, or it does not read.
    pub fn open(folder: Option<&Path>, place: &str, root: &Path) -> Cache {
        let file = folder.map(|folder| {
            let mut hasher = Sha256::new();
            hasher.update(place.as_bytes());
            hasher.update(b"\0");
            hasher.update(root.as_os_str().as_encoded_bytes());
            let name: [u8; 32] = hasher.finalize().into();
            folder.join("svn2s3/builds").join(hex(&name[..16]))
        });
        let known = file
            .as_deref()
            .and_then(|file| match read(file) {
                Ok(known) => Some(known),
                Err(err) => {
                    tracing::debug!("no MD5 cache at {}: {err:#}", file.display());
                    None
                }
            })
            .unwrap_or_default();
        Cache { file, known }
    }

    /// A cache that knows nothing, and is not kept: `--full`.
    pub fn none() -> Cache {
        Cache {
            file: None,
            known: HashMap::new(),
        }
    }

    /// The MD5 of the file at `path` if it has the stat it had when it was
    /// read: `None` for any other.
    pub fn md5(&self, path: &str, stat: &Stat) -> Option<[u8; 16]> {
        match self.known.get(path) {
            Some((known, md5)) if known == stat => Some(*md5),
            _ => None,
        }
    }

    /// Writes what `files` say (each path, its stat, and its MD5, read at
    /// `read`) in place of what the cache held. Best effort: a cache that
    /// cannot be written is only a hint lost.
    pub fn keep<'a>(
        self,
        files: impl Iterator<Item = (&'a str, &'a Stat, &'a [u8; 16])>,
        read: SystemTime,
    ) {
        let Some(file) = self.file else { return };
        drop(self.known);
        if let Err(err) = write(&file, files, read) {
            tracing::debug!("the MD5 cache {} was not written: {err:#}", file.display());
        }
    }
}

fn read(file: &Path) -> Result<HashMap<String, (Stat, [u8; 16])>> {
    let mut lines = BufReader::new(std::fs::File::open(file)?).lines();
    if lines.next().transpose()?.as_deref() != Some(HEADER) {
        anyhow::bail!("it is not a cache this svn2s3 writes");
    }
    let mut known = HashMap::new();
    for line in lines {
        let line = line?;
        let mut parts = line.splitn(6, ' ');
        let mut next = || parts.next().context("a line is cut short");
        let md5 = unhex::<16>(next()?).context("an MD5 is not one")?;
        let size = next()?.parse()?;
        let inode = next()?.parse()?;
        let mtime = next()?.parse()?;
        let ctime = next()?.parse()?;
        let path = next()?.to_owned();
        let stat = Stat {
            size,
            inode,
            mtime,
            ctime,
        };
        known.insert(path, (stat, md5));
    }
    Ok(known)
}

fn write<'a>(
    file: &Path,
    files: impl Iterator<Item = (&'a str, &'a Stat, &'a [u8; 16])>,
    read: SystemTime,
) -> Result<()> {
    let folder = file.parent().context("the cache has no folder")?;
    std::fs::create_dir_all(folder)?;
    let mut temp = tempfile::NamedTempFile::new_in(folder)?;
    let mut out = BufWriter::new(temp.as_file_mut());
    writeln!(out, "{HEADER}")?;
    for (path, stat, md5) in files.filter(|(_, stat, _)| !stat.is_racy(read)) {
        let Stat {
            size,
            inode,
            mtime,
            ctime,
        } = stat;
        writeln!(out, "{} {size} {inode} {mtime} {ctime} {path}", hex(md5))?;
    }
    out.flush()?;
    drop(out);
    temp.persist(file)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(mtime: i64) -> Stat {
        Stat {
            size: 10,
            inode: 7,
            mtime,
            ctime: mtime,
        }
    }

    #[test]
    fn the_cache_vouches_only_for_a_file_whose_stat_is_unchanged() {
        let folder = tempfile::tempdir().unwrap();
        let cache = Cache::open(Some(folder.path()), "s3://b/p/", Path::new("/site"));
        assert_eq!(
            cache.md5("a b.css", &stat(5)),
            None,
            "an empty cache knows nothing"
        );
        let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        let now = SystemTime::UNIX_EPOCH + Duration::from_nanos(6);
        let files = [("a b.css", stat(5), [1; 16]), ("new", stat(5), [2; 16])];
        cache.keep(files.iter().map(|(p, s, m)| (*p, s, m)), long_ago);
        let cache = Cache::open(Some(folder.path()), "s3://b/p/", Path::new("/site"));
        assert_eq!(cache.md5("a b.css", &stat(5)), Some([1; 16]));
        assert_eq!(cache.md5("a b.css", &stat(6)), None);
        let moved = Stat {
            inode: 8,
            ..stat(5)
        };
        assert_eq!(cache.md5("a b.css", &moved), None);
        let other = Cache::open(Some(folder.path()), "s3://b/q/", Path::new("/site"));
        assert_eq!(
            other.md5("a b.css", &stat(5)),
            None,
            "another prefix's cache"
        );
        // A file read in the same moment as it was written is not kept.
        cache.keep(files.iter().map(|(p, s, m)| (*p, s, m)), now);
        let cache = Cache::open(Some(folder.path()), "s3://b/p/", Path::new("/site"));
        assert_eq!(cache.md5("a b.css", &stat(5)), None);
    }

    #[test]
    fn a_cache_that_does_not_read_is_no_cache() {
        let folder = tempfile::tempdir().unwrap();
        let cache = Cache::open(Some(folder.path()), "s3://b/", Path::new("/site"));
        let file = cache.file.clone().unwrap();
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, format!("{HEADER}\nnot a line\n")).unwrap();
        let cache = Cache::open(Some(folder.path()), "s3://b/", Path::new("/site"));
        assert!(cache.known.is_empty());
        assert!(Cache::open(None, "s3://b/", Path::new("/site"))
            .file
            .is_none());
    }
}
