//! The identity of a tree being published, as the state object and messages
//! need it: which folder of which repository, at which revision, and how to
//! name it. The source (libsvn) makes one; the state only reads it. The
//! vocabulary every part shares, so it depends on none.

/// A revision number of a Subversion repository.
pub type Revnum = u64;

/// A folder of a repository at a revision, and where it is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tree {
    /// The repository's UUID.
    pub uuid: String,
    /// The folder's path in the repository, without a leading slash.
    pub path: String,
    pub revision: Revnum,
    /// For messages: a local path, or a URL.
    pub name: String,
    pub read_from: ReadFrom,
}

/// Where the tree's files are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadFrom {
    WorkingCopy,
    Url,
}

impl Tree {
    /// What to run to see the tree at `revision`, for messages.
    pub fn how_to_reach(&self, revision: Revnum) -> String {
        match self.read_from {
            ReadFrom::WorkingCopy => format!("run `svn update -r {revision}`"),
            ReadFrom::Url => format!("give --revision {revision}"),
        }
    }
}

/// The folder, under a publish's prefix, where svn2s3 keeps that publish's
/// state: `<prefix>.svn2s3/state.yaml`. No file of a tree is written to a
/// folder of this name, at any depth.
pub const STATE_FOLDER: &str = ".svn2s3";

/// The manifest of a build folder's publish, below its prefix: every object
/// it wrote, its MD5, size and headers (see [`crate::build`]).
pub const MANIFEST_KEY: &str = ".svn2s3/manifest.gz";
