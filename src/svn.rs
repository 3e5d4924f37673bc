//! The safe face of libsvn_client: the one module of svn2s3 that uses `unsafe`.
//!
//! What C assumes, this module states in types:
//! - APR is initialised once per process ([`Client::new`] does it).
//! - Every allocation lives in a [`Pool`], destroyed on drop. A `Pool` holds a
//!   raw pointer and is therefore neither `Send` nor `Sync`, and neither is
//!   [`Client`]: APR pools and svn contexts must stay on one thread.
//! - Every `svn_error_t` is copied into an [`SvnError`] and cleared exactly once.
//! - Every call into libsvn runs with the calling thread's LC_CTYPE set to
//!   UTF-8 for its duration ([`Utf8Names`]); the process's locale is left alone.
//! - A walk stops when the client's cancel flag is set (libsvn's `cancel_func`).
//! - Callbacks run inside `catch_unwind`. A panic stops the walk with an svn
//!   error and is resumed once the C call has returned, so it never unwinds
//!   through C frames. Every string is copied out before the callback returns,
//!   because C frees its scratch pool right after.
#![allow(unsafe_code)]

use std::any::Any;
use std::collections::BTreeMap;
use std::ffi::{c_char, c_void, CStr, CString};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use svn_sys as ffi;

/// Revision numbers leave this module valid (>= 0), as [`Revnum`]s.
use crate::tree::Revnum;

mod runtime;
mod wc;

use runtime::*;
pub use runtime::{Pool, SvnError};
pub use wc::{LocalState, Status};

/// What a node is: file, folder, or something else svn knows of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeKind {
    File,
    Dir,
    Other,
}

impl NodeKind {
    fn from_c(kind: ffi::svn_node_kind_t) -> NodeKind {
        match kind {
            ffi::svn_node_file => NodeKind::File,
            ffi::svn_node_dir => NodeKind::Dir,
            _ => NodeKind::Other,
        }
    }
}

/// What a call is about: a working-copy path as it is now, or a URL at a
/// revision (`None`: the youngest, HEAD).
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Local(&'a Path),
    Url(&'a str, Option<Revnum>),
}

impl fmt::Display for Target<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Local(path) => write!(f, "{}", path.display()),
            Target::Url(url, Some(rev)) => write!(f, "{url}@{rev}"),
            Target::Url(url, None) => write!(f, "{url}"),
        }
    }
}

/// How far a walk goes below its target, or how much of a folder a working
/// copy holds (`svn checkout --depth`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    Empty,
    Files,
    Immediates,
    Infinity,
}

impl Depth {
    fn to_c(self) -> ffi::svn_depth_t {
        match self {
            Depth::Empty => ffi::svn_depth_empty,
            Depth::Files => ffi::svn_depth_files,
            Depth::Immediates => ffi::svn_depth_immediates,
            Depth::Infinity => ffi::svn_depth_infinity,
        }
    }

    /// `None` for "unknown" (a file) and "exclude", which are not depths of a walk.
    fn from_c(depth: ffi::svn_depth_t) -> Option<Depth> {
        match depth {
            ffi::svn_depth_empty => Some(Depth::Empty),
            ffi::svn_depth_files => Some(Depth::Files),
            ffi::svn_depth_immediates => Some(Depth::Immediates),
            ffi::svn_depth_infinity => Some(Depth::Infinity),
            _ => None,
        }
    }
}

/// As `svn checkout --depth` names it.
impl fmt::Display for Depth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Depth::Empty => "empty",
            Depth::Files => "files",
            Depth::Immediates => "immediates",
            Depth::Infinity => "infinity",
        })
    }
}

/// What `svn info` says of a working-copy path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    pub url: String,
    /// The path inside the repository, decoded, without a leading slash ("" for the root).
    pub repos_path: String,
    pub uuid: String,
    pub revision: Option<Revnum>,
    pub kind: NodeKind,
    /// A working-copy node left out with `svn update --set-depth exclude`.
    pub excluded: bool,
}

/// How a path changed between two revisions (one line of `svn diff --summarize`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// Only properties changed.
    Normal,
    Added,
    Modified,
    Deleted,
}

/// One changed path, relative to the diff target, `/`-separated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: String,
    pub kind: ChangeKind,
    pub node: NodeKind,
    pub props_changed: bool,
}

/// One revision of `svn log -v`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub revision: Revnum,
    /// Every path the revision changed, in no particular order.
    pub paths: Vec<LogPath>,
}

/// One changed path of a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPath {
    /// In the repository, decoded, without a leading slash.
    pub path: String,
    pub action: LogAction,
    /// The path (same form) and revision it was copied from, with history.
    pub copied_from: Option<(String, Revnum)>,
}

/// What a revision did to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogAction {
    Added,
    Deleted,
    /// Deleted and added again in one revision.
    Replaced,
    Modified,
}

/// One entry of a recursive list, relative to the listed URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub kind: NodeKind,
}

/// Versioned properties of one node.
pub type Props = BTreeMap<String, String>;

/// A libsvn client context, with a non-interactive authentication baton that
/// uses cached credentials (~/.subversion/auth) and never prompts, and a
/// cancel callback that stops a walk once `cancel` is set.
pub struct Client {
    ctx: *mut ffi::svn_client_ctx_t,
    /// The cancel callback's baton: kept alive as long as the context.
    _cancel: Arc<AtomicBool>,
    /// Owns the context, its config hash and its auth baton; declared last so it drops last.
    _pool: Pool,
}

impl Client {
    pub fn new(cancel: Arc<AtomicBool>) -> Result<Client, SvnError> {
        initialize()?;
        let _utf8 = Utf8Names::enter();
        let pool = Pool::new();
        // SAFETY: every pointer below is allocated in `pool`, which the client
        // owns; the context refers to the config and the auth baton, which live
        // in the same pool.
        unsafe {
            let mut config = ptr::null_mut();
            check(ffi::svn_config_get_config(
                &mut config,
                ptr::null(),
                pool.ptr,
            ))?;
            let mut ctx = ptr::null_mut();
            check(ffi::svn_client_create_context2(&mut ctx, config, pool.ptr))?;
            let cfg = ffi::apr_hash_get(
                config,
                ffi::SVN_CONFIG_CATEGORY_CONFIG.as_ptr().cast(),
                ffi::APR_HASH_KEY_STRING,
            );
            let mut auth = ptr::null_mut();
            check(ffi::svn_cmdline_create_auth_baton2(
                &mut auth,
                1, // non-interactive: a publish runs unattended
                ptr::null(),
                ptr::null(),
                ptr::null(),
                0,
                0,
                0,
                0,
                0,
                0,
                cfg.cast(),
                None,
                ptr::null_mut(),
                pool.ptr,
            ))?;
            (*ctx).auth_baton = auth;
            (*ctx).cancel_func = Some(cancelled);
            (*ctx).cancel_baton = Arc::as_ptr(&cancel).cast_mut().cast();
            Ok(Client {
                ctx,
                _cancel: cancel,
                _pool: pool,
            })
        }
    }

    /// `svn info` of a target, an excluded node included (it says so in
    /// [`Info::excluded`]): for a local path, read from the working copy
    /// alone.
    pub fn info(&self, target: Target) -> Result<Info, SvnError> {
        type Found = Option<Info>;
        unsafe extern "C" fn receiver(
            baton_ptr: *mut c_void,
            _abspath: *const c_char,
            info: *const ffi::svn_client_info2_t,
            pool: *mut ffi::apr_pool_t,
        ) -> *mut ffi::svn_error_t {
            baton::<Found>(baton_ptr).call(|found| {
                found.get_or_insert_with(|| Info::from_c(&*info, pool));
            })
        }

        let _utf8 = Utf8Names::enter();
        let scratch = Pool::new();
        let (name, at) = scratch.target(target)?;
        let mut baton = Baton::new(Found::None);
        // SAFETY: all pointers are live for the call; the baton is the
        // `Found` that `receiver` reads it as.
        let err = unsafe {
            ffi::svn_client_info4(
                name,
                &at,
                &at,
                ffi::svn_depth_empty,
                1, // fetch_excluded: an excluded node is told as one
                0, // fetch_actual_only
                0, // include_externals
                ptr::null(),
                Some(receiver),
                baton.as_void(),
                self.ctx,
                scratch.ptr,
            )
        };
        baton
            .finish(err)?
            .ok_or_else(|| SvnError::new(format!("{target}: svn info reported nothing")))
    }

    /// Every path that differs between `url@from` and `url@to`, as one
    /// in-process `svn_client_diff_summarize2` call.
    pub fn diff_summarize<F: FnMut(Change)>(
        &self,
        url: &str,
        from: Revnum,
        to: Revnum,
        each: F,
    ) -> Result<(), SvnError> {
        self.diff_summarize_between((url, from), (url, to), each)
    }

    /// What differs from the folder `old` (a URL at a revision) to the
    /// folder `new`, path by path, relative to both: nodes not related by
    /// history (not one copied from the other) differ whatever they hold.
    pub fn diff_summarize_between<F: FnMut(Change)>(
        &self,
        old: (&str, Revnum),
        new: (&str, Revnum),
        each: F,
    ) -> Result<(), SvnError> {
        unsafe extern "C" fn receiver<F: FnMut(Change)>(
            diff: *const ffi::svn_client_diff_summarize_t,
            baton_ptr: *mut c_void,
            _pool: *mut ffi::apr_pool_t,
        ) -> *mut ffi::svn_error_t {
            baton::<F>(baton_ptr).call(|f| f(Change::from_c(&*diff)))
        }

        let _utf8 = Utf8Names::enter();
        let scratch = Pool::new();
        let (old_target, new_target) = (scratch.uri(old.0)?, scratch.uri(new.0)?);
        let (old, new) = (numbered(old.1), numbered(new.1));
        let mut baton = Baton::new(each);
        // SAFETY: as in `info`.
        let err = unsafe {
            ffi::svn_client_diff_summarize2(
                old_target,
                &old,
                new_target,
                &new,
                ffi::svn_depth_infinity,
                0, // notice ancestry: a replaced node is a delete and an add
                ptr::null(),
                Some(receiver::<F>),
                baton.as_void(),
                self.ctx,
                scratch.ptr,
            )
        };
        baton.finish(err).map(drop)
    }

    /// The nodes under `url` at revision `rev` to `depth`, the folder
    /// itself (path "") included, externals left out.
    pub fn list<F: FnMut(Entry)>(
        &self,
        url: &str,
        rev: Revnum,
        depth: Depth,
        each: F,
    ) -> Result<(), SvnError> {
        #[allow(clippy::too_many_arguments)]
        unsafe extern "C" fn receiver<F: FnMut(Entry)>(
            baton_ptr: *mut c_void,
            path: *const c_char,
            dirent: *const ffi::svn_dirent_t,
            _lock: *const ffi::svn_lock_t,
            _abs_path: *const c_char,
            _external_parent_url: *const c_char,
            _external_target: *const c_char,
            _pool: *mut ffi::apr_pool_t,
        ) -> *mut ffi::svn_error_t {
            baton::<F>(baton_ptr).call(|f| {
                f(Entry {
                    path: owned(path),
                    kind: NodeKind::from_c((*dirent).kind),
                })
            })
        }

        let _utf8 = Utf8Names::enter();
        let scratch = Pool::new();
        let target = scratch.uri(url)?;
        let at = numbered(rev);
        let mut baton = Baton::new(each);
        // SAFETY: as in `info`.
        let err = unsafe {
            ffi::svn_client_list4(
                target,
                &at,
                &at,
                ptr::null(),
                depth.to_c(),
                ffi::SVN_DIRENT_KIND,
                0,
                0, // include_externals
                Some(receiver::<F>),
                baton.as_void(),
                self.ctx,
                scratch.ptr,
            )
        };
        baton.finish(err).map(drop)
    }

    /// The versioned properties of the nodes under `target`, each named by
    /// its absolute path or URL; only nodes that have properties are reported.
    pub fn proplist<F: FnMut(String, Props)>(
        &self,
        target: Target,
        depth: Depth,
        mut each: F,
    ) -> Result<(), SvnError> {
        self.proplist_with(target, depth, false, |path, props, _| each(path, props))
    }

    /// The properties `target` inherits from the folders above it, each
    /// name with the nearest folder's value: from the working copy's cache
    /// of them for a local path, from the repository for a URL.
    pub fn inherited(&self, target: Target) -> Result<Props, SvnError> {
        let mut found = Props::new();
        self.proplist_with(target, Depth::Empty, true, |_, _, inherited| {
            found = inherited;
        })?;
        Ok(found)
    }

    /// `svn proplist`, and with `inherited`, the properties the target
    /// inherits (merged, nearest last) as a third argument.
    fn proplist_with<F: FnMut(String, Props, Props)>(
        &self,
        target: Target,
        depth: Depth,
        inherited: bool,
        each: F,
    ) -> Result<(), SvnError> {
        unsafe extern "C" fn receiver<F: FnMut(String, Props, Props)>(
            baton_ptr: *mut c_void,
            path: *const c_char,
            props: *mut ffi::apr_hash_t,
            inherited: *mut ffi::apr_array_header_t,
            pool: *mut ffi::apr_pool_t,
        ) -> *mut ffi::svn_error_t {
            baton::<F>(baton_ptr).call(|f| {
                let mut above = Props::new();
                // Ordered from the repository's root down: the nearest comes last and wins.
                for item in array::<*const ffi::svn_prop_inherited_item_t>(inherited) {
                    above.extend(props_from_c((**item).prop_hash, pool));
                }
                f(owned(path), props_from_c(props, pool), above)
            })
        }

        let _utf8 = Utf8Names::enter();
        let scratch = Pool::new();
        let (name, at) = scratch.target(target)?;
        let mut baton = Baton::new(each);
        // SAFETY: as in `info`.
        let err = unsafe {
            ffi::svn_client_proplist4(
                name,
                &at,
                &at,
                depth.to_c(),
                ptr::null(),
                inherited.into(),
                Some(receiver::<F>),
                baton.as_void(),
                self.ctx,
                scratch.ptr,
            )
        };
        baton.finish(err).map(drop)
    }

    /// `svn log -v` of `url` from `from` (exclusive) to `to`: every revision
    /// that changed something below it, oldest first, with the paths each
    /// changed anywhere in the repository. One request to the repository.
    pub fn log<F: FnMut(Logged)>(
        &self,
        url: &str,
        from: Revnum,
        to: Revnum,
        each: F,
    ) -> Result<(), SvnError> {
        unsafe extern "C" fn receiver<F: FnMut(Logged)>(
            baton_ptr: *mut c_void,
            entry: *mut ffi::svn_log_entry_t,
            pool: *mut ffi::apr_pool_t,
        ) -> *mut ffi::svn_error_t {
            baton::<F>(baton_ptr).call(|f| {
                if let Some(logged) = Logged::from_c(&*entry, pool) {
                    f(logged)
                }
            })
        }

        let _utf8 = Utf8Names::enter();
        let scratch = Pool::new();
        let target = scratch.uri(url)?;
        let peg = numbered(to);
        let mut range = ffi::svn_opt_revision_range_t {
            start: numbered(from + 1),
            end: numbered(to),
        };
        let mut baton = Baton::new(each);
        // SAFETY: the arrays live in `scratch` and hold pointers to `target`
        // (in `scratch` too) and `range` (on this stack), all live for the
        // call; the baton matches `receiver`'s F.
        let err = unsafe {
            let targets = ffi::apr_array_make(scratch.ptr, 1, size_of::<*const c_char>() as i32);
            *ffi::apr_array_push(targets).cast::<*const c_char>() = target;
            let ranges = ffi::apr_array_make(scratch.ptr, 1, size_of::<*mut c_void>() as i32);
            *ffi::apr_array_push(ranges).cast::<*mut ffi::svn_opt_revision_range_t>() = &mut range;
            // No revision properties: an empty array asks for none.
            let revprops = ffi::apr_array_make(scratch.ptr, 0, size_of::<*const c_char>() as i32);
            ffi::svn_client_log5(
                targets,
                &peg,
                ranges,
                0,
                1, // discover_changed_paths
                0, // strict_node_history: follow the folder's own copies
                0, // include_merged_revisions
                revprops,
                Some(receiver::<F>),
                baton.as_void(),
                self.ctx,
                scratch.ptr,
            )
        };
        baton.finish(err).map(drop)
    }

    /// Writes the file at `url@rev` into `dest` with keywords expanded and
    /// line endings as `svn:eol-style` says, as `svn export` would, and
    /// returns its properties.
    pub fn cat(&self, url: &str, rev: Revnum, dest: &Path) -> Result<Props, SvnError> {
        let _utf8 = Utf8Names::enter();
        let scratch = Pool::new();
        let source = scratch.uri(url)?;
        let file = scratch.dirent(dest)?;
        let at = numbered(rev);
        // SAFETY: the stream and the property hash live in `scratch`, which
        // outlives every use of them; the stream is closed exactly once.
        unsafe {
            let mut stream = ptr::null_mut();
            check(ffi::svn_stream_open_writable(
                &mut stream,
                file,
                scratch.ptr,
                scratch.ptr,
            ))?;
            let mut props = ptr::null_mut();
            let written = check(ffi::svn_client_cat3(
                &mut props,
                stream,
                source,
                &at,
                &at,
                1, // expand keywords
                self.ctx,
                scratch.ptr,
                scratch.ptr,
            ));
            let closed = check(ffi::svn_stream_close(stream));
            written?;
            closed?;
            Ok(props_from_c(props, scratch.ptr))
        }
    }

    /// `url` extended by a `/`-separated relative path, each part URI-encoded.
    pub fn url_join(&self, url: &str, relpath: &str) -> Result<String, SvnError> {
        let scratch = Pool::new();
        let base = scratch.uri(url)?;
        let component = c_string(relpath)?;
        // SAFETY: both inputs are valid C strings; the result lives in `scratch`
        // and is copied out before it drops.
        Ok(unsafe {
            owned(ffi::svn_path_url_add_component2(
                base,
                component.as_ptr(),
                scratch.ptr,
            ))
        })
    }
}

impl Info {
    /// # Safety
    /// `info` comes from `svn_client_info4` for a versioned node; `pool` is live.
    unsafe fn from_c(info: &ffi::svn_client_info2_t, pool: *mut ffi::apr_pool_t) -> Info {
        Info {
            url: owned(info.URL),
            repos_path: owned(ffi::svn_uri_skip_ancestor(
                info.repos_root_URL,
                info.URL,
                pool,
            )),
            uuid: owned(info.repos_UUID),
            revision: valid(info.rev),
            kind: NodeKind::from_c(info.kind),
            excluded: !info.wc_info.is_null() && (*info.wc_info).depth == ffi::svn_depth_exclude,
        }
    }
}

impl Logged {
    /// `None` for the marker that ends a revision's merged children.
    ///
    /// # Safety
    /// `entry` comes from `svn_client_log5`; `pool` is live.
    unsafe fn from_c(entry: &ffi::svn_log_entry_t, pool: *mut ffi::apr_pool_t) -> Option<Logged> {
        let revision = valid(entry.revision)?;
        let mut paths = Vec::new();
        let changed = entry.changed_paths2;
        let mut item = if changed.is_null() {
            ptr::null_mut()
        } else {
            ffi::apr_hash_first(pool, changed)
        };
        while !item.is_null() {
            let (mut key, mut value) = (ptr::null(), ptr::null_mut());
            ffi::apr_hash_this(item, &mut key, ptr::null_mut(), &mut value);
            let change = &*value.cast::<ffi::svn_log_changed_path2_t>();
            let action = match change.action as u8 {
                b'A' => LogAction::Added,
                b'D' => LogAction::Deleted,
                b'R' => LogAction::Replaced,
                _ => LogAction::Modified,
            };
            let copied_from = (!change.copyfrom_path.is_null())
                .then(|| Some((fspath(change.copyfrom_path), valid(change.copyfrom_rev)?)))
                .flatten();
            paths.push(LogPath {
                path: fspath(key.cast()),
                action,
                copied_from,
            });
            item = ffi::apr_hash_next(item);
        }
        Some(Logged { revision, paths })
    }
}

/// A repository path as the log gives it (`/trunk/a b`), without its slash.
///
/// # Safety
/// `path` is a valid C string.
unsafe fn fspath(path: *const c_char) -> String {
    owned(path).trim_start_matches('/').to_owned()
}

/// The elements of an APR array of `T`, in order; none for a null array.
///
/// # Safety
/// `array` is null or an `apr_array_header_t` whose elements are `T`, live
/// as long as the slice is used.
unsafe fn array<'a, T>(array: *const ffi::apr_array_header_t) -> &'a [T] {
    match array.as_ref() {
        Some(array) if array.nelts > 0 => {
            std::slice::from_raw_parts(array.elts.cast::<T>(), array.nelts as usize)
        }
        _ => &[],
    }
}

impl Change {
    /// # Safety
    /// `diff` comes from `svn_client_diff_summarize2`.
    unsafe fn from_c(diff: &ffi::svn_client_diff_summarize_t) -> Change {
        let kind = match diff.summarize_kind {
            ffi::svn_client_diff_summarize_kind_added => ChangeKind::Added,
            ffi::svn_client_diff_summarize_kind_deleted => ChangeKind::Deleted,
            ffi::svn_client_diff_summarize_kind_modified => ChangeKind::Modified,
            _ => ChangeKind::Normal,
        };
        Change {
            path: owned(diff.path),
            kind,
            node: NodeKind::from_c(diff.node_kind),
            props_changed: diff.prop_changed != 0,
        }
    }
}

/// Copies an `apr_hash_t` of property name -> `svn_string_t` out of C.
///
/// # Safety
/// `props` is null or such a hash; `pool` is live.
unsafe fn props_from_c(props: *mut ffi::apr_hash_t, pool: *mut ffi::apr_pool_t) -> Props {
    let mut out = Props::new();
    if props.is_null() {
        return out;
    }
    let mut entry = ffi::apr_hash_first(pool, props);
    while !entry.is_null() {
        let (mut key, mut value) = (ptr::null(), ptr::null_mut());
        ffi::apr_hash_this(entry, &mut key, ptr::null_mut(), &mut value);
        let value = &*value.cast::<ffi::svn_string_t>();
        let bytes = std::slice::from_raw_parts(value.data.cast::<u8>(), value.len);
        out.insert(
            owned(key.cast()),
            String::from_utf8_lossy(bytes).into_owned(),
        );
        entry = ffi::apr_hash_next(entry);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_outside_any_working_copy_is_named_as_such() {
        let client = Client::new(Arc::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let err = client.info(Target::Local(dir.path())).unwrap_err();
        assert!(err.is_not_working_copy(), "{err:?}");
        assert!(err.to_string().contains("not a working copy"), "{err}");
    }

    #[test]
    fn a_panic_in_a_callback_is_resumed_after_c_returns() {
        let client = Client::new(Arc::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        let status = std::process::Command::new("svnadmin")
            .arg("create")
            .arg(&repo)
            .status()
            .unwrap();
        assert!(status.success());
        let url = format!("file://{}", repo.display());
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            client
                .list(&url, 0, Depth::Infinity, |_| panic!("boom"))
                .ok();
        }));
        let payload = caught.expect_err("the panic must reach the caller");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    }

    #[test]
    fn url_join_encodes_each_component() {
        let client = Client::new(Arc::default()).unwrap();
        let url = client.url_join("file:///repo/trunk", "a b/c#d%").unwrap();
        assert_eq!(url, "file:///repo/trunk/a%20b/c%23d%25");
    }
}
