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

use std::cmp::Ordering;
use std::io::{BufRead, BufReader, BufWriter, Lines, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use super::walk::walk_order;
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

/// The MD5s known of a folder's files, read as the walk goes: the cache
/// is written in the walk's order ([`walk_order`]), so it is read once,
/// in step with the walk, and never held.
pub(crate) struct Cache {
    /// Where it is kept; `None`: nowhere (no cache folder).
    file: Option<PathBuf>,
    /// Its lines not read yet; `None` once there are none (or one did not read).
    lines: Option<Lines<BufReader<std::fs::File>>>,
    /// The entry read last, not yet reached by the walk.
    next: Option<Known>,
}

/// What the cache says of one file.
struct Known {
    path: String,
    stat: Stat,
    md5: [u8; 16],
}

impl Cache {
    /// The cache of the folder `root` published to `place` (endpoint,
    /// bucket and prefix), under `folder` (the user's cache folder); empty
    /// when there is none, or it is not one this svn2s3 writes.
    pub fn open(folder: Option<&Path>, place: &str, root: &Path) -> Cache {
        let file = folder.map(|folder| {
            let mut hasher = Sha256::new();
            hasher.update(place.as_bytes());
            hasher.update(b"\0");
            hasher.update(root.as_os_str().as_encoded_bytes());
            let name: [u8; 32] = hasher.finalize().into();
            folder.join("svn2s3/builds").join(hex(&name[..16]))
        });
        let lines = file.as_deref().and_then(|file| {
            let mut lines = BufReader::new(std::fs::File::open(file).ok()?).lines();
            match lines.next() {
                Some(Ok(header)) if header == HEADER => Some(lines),
                _ => {
                    tracing::debug!("{} is not an MD5 cache of this svn2s3", file.display());
                    None
                }
            }
        });
        Cache {
            file,
            lines,
            next: None,
        }
    }

    /// A cache that knows nothing, and is not kept: `--full`.
    pub fn none() -> Cache {
        Cache {
            file: None,
            lines: None,
            next: None,
        }
    }

    /// The MD5 of the file at `path` if it has the stat it had when it was
    /// read: `None` for any other. The walk asks in its order; what the
    /// cache holds before `path` is passed over.
    pub fn md5(&mut self, path: &str, stat: &Stat) -> Option<[u8; 16]> {
        loop {
            if self.next.is_none() {
                self.next = self.read_next();
            }
            let known = self.next.as_ref()?;
            match walk_order(&known.path, path) {
                Ordering::Less => self.next = None,
                Ordering::Equal => {
                    let md5 = (known.stat == *stat).then_some(known.md5);
                    self.next = None;
                    return md5;
                }
                Ordering::Greater => return None,
            }
        }
    }

    /// The cache's next line; none at its end, or where a line does not
    /// read (and none after it).
    fn read_next(&mut self) -> Option<Known> {
        let line = self.lines.as_mut()?.next();
        let known = line.and_then(|line| parse(&line.ok()?));
        if known.is_none() {
            self.lines = None;
        }
        known
    }

    /// Writes what `files` say (each path, its stat, and its MD5, read at
    /// `read`), in the walk's order, in place of what the cache held. Best
    /// effort: a cache that cannot be written is only a hint lost.
    pub fn keep<'a>(
        self,
        files: impl Iterator<Item = (&'a str, &'a Stat, &'a [u8; 16])>,
        read: SystemTime,
    ) {
        let Some(file) = self.file else { return };
        if let Err(err) = write(&file, files, read) {
            tracing::debug!("the MD5 cache {} was not written: {err:#}", file.display());
        }
    }
}

/// One line: `MD5 SIZE INODE MTIME CTIME PATH`.
fn parse(line: &str) -> Option<Known> {
    let mut parts = line.splitn(6, ' ');
    let md5 = unhex::<16>(parts.next()?)?;
    let stat = Stat {
        size: parts.next()?.parse().ok()?,
        inode: parts.next()?.parse().ok()?,
        mtime: parts.next()?.parse().ok()?,
        ctime: parts.next()?.parse().ok()?,
    };
    Some(Known {
        path: parts.next()?.to_owned(),
        stat,
        md5,
    })
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

    fn open(folder: &Path, place: &str) -> Cache {
        Cache::open(Some(folder), place, Path::new("/site"))
    }

    #[test]
    fn the_cache_vouches_only_for_a_file_whose_stat_is_unchanged() {
        let folder = tempfile::tempdir().unwrap();
        let mut cache = open(folder.path(), "s3://b/p/");
        assert_eq!(
            cache.md5("a b.css", &stat(5)),
            None,
            "an empty cache knows nothing"
        );
        let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        let files = [
            ("a b.css", stat(5), [1; 16]),
            ("z.html", stat(5), [2; 16]),
            ("d/e.html", stat(5), [3; 16]),
            ("d/f/g", stat(5), [4; 16]),
        ];
        cache.keep(files.iter().map(|(p, s, m)| (*p, s, m)), long_ago);
        // Asked in the walk's order, with a file added and one gone.
        let mut cache = open(folder.path(), "s3://b/p/");
        assert_eq!(cache.md5("a b.css", &stat(5)), Some([1; 16]));
        assert_eq!(cache.md5("b.new", &stat(5)), None);
        assert_eq!(cache.md5("z.html", &stat(6)), None, "touched");
        assert_eq!(cache.md5("d/f/g", &stat(5)), Some([4; 16]));
        let mut cache = open(folder.path(), "s3://b/p/");
        let moved = Stat {
            inode: 8,
            ..stat(5)
        };
        assert_eq!(cache.md5("a b.css", &moved), None);
        assert_eq!(cache.md5("d/e.html", &stat(5)), Some([3; 16]));
        let mut other = open(folder.path(), "s3://b/q/");
        assert_eq!(
            other.md5("a b.css", &stat(5)),
            None,
            "another prefix's cache"
        );
        // A file read in the same moment as it was written is not kept.
        let now = SystemTime::UNIX_EPOCH + Duration::from_nanos(6);
        cache.keep(files.iter().map(|(p, s, m)| (*p, s, m)), now);
        assert_eq!(
            open(folder.path(), "s3://b/p/").md5("a b.css", &stat(5)),
            None
        );
    }

    #[test]
    fn a_cache_that_does_not_read_is_no_cache_from_where_it_stops_reading() {
        let folder = tempfile::tempdir().unwrap();
        let file = open(folder.path(), "s3://b/").file.unwrap();
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let md5 = "01".repeat(16);
        let text = format!("{HEADER}\n{md5} 10 7 5 5 a\nnot a line\n{md5} 10 7 5 5 c\n");
        std::fs::write(&file, text).unwrap();
        let mut cache = open(folder.path(), "s3://b/");
        assert_eq!(cache.md5("a", &stat(5)), Some([1; 16]));
        assert_eq!(cache.md5("c", &stat(5)), None);
        std::fs::write(&file, "svn2s3 md5 cache 0\n").unwrap();
        assert!(open(folder.path(), "s3://b/").lines.is_none());
        assert!(Cache::open(None, "s3://b/", Path::new("/site"))
            .file
            .is_none());
    }
}
