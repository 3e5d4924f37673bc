//! What a working copy holds, read from its database alone: the status of
//! each node, and what `svn update --set-depth exclude` left out.

use super::*;

/// The local state of a working-copy node, as far as publishing cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalState {
    Clean,
    /// Edited, or scheduled for addition, deletion or replacement.
    Modified,
    Conflicted,
    /// Versioned, but gone from disk.
    Missing,
    /// Versioned, but something of another kind is on disk in its place.
    Obstructed,
    /// A folder whose update was cut off.
    Incomplete,
    Unversioned,
    External,
}

/// One node of a status walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub path: PathBuf,
    pub kind: NodeKind,
    pub state: LocalState,
    /// The node's base revision (`None` for a node svn does not know).
    pub revision: Option<Revnum>,
    /// Where the node is in the repository, decoded, without a leading slash:
    /// not where its folder says for a switched node or one below it.
    pub repos_relpath: Option<String>,
    /// How much of a folder the working copy holds (`None` for a file).
    pub depth: Option<Depth>,
    /// Whether the node has versioned properties ([`Client::props`]).
    pub has_props: bool,
}

impl Client {
    /// The versioned properties of the node at `path` as the working copy
    /// holds them: one read of that node. (A property list of a folder's
    /// files makes a temporary table, and every statement prepared before
    /// it is prepared again: folder by folder, that doubles a walk's cost.)
    pub fn props(&self, path: &Path) -> Result<Props, SvnError> {
        let _utf8 = Utf8Names::enter();
        let scratch = Pool::new();
        let target = scratch.dirent(path)?;
        let mut props = ptr::null_mut();
        // SAFETY: the context and the pool are live for the call, and the
        // hash, allocated in the pool, is copied out before the pool goes.
        unsafe {
            check(ffi::svn_wc_prop_list2(
                &mut props,
                (*self.ctx).wc_ctx,
                target,
                scratch.ptr,
                scratch.ptr,
            ))?;
            Ok(props_from_c(props, scratch.ptr))
        }
    }

    /// Walks the working copy under `path` and reports every node with its
    /// local state. Externals are reported, not entered.
    pub fn status<F: FnMut(Status)>(
        &self,
        path: &Path,
        depth: Depth,
        each: F,
    ) -> Result<(), SvnError> {
        unsafe extern "C" fn receiver<F: FnMut(Status)>(
            baton_ptr: *mut c_void,
            _path: *const c_char,
            status: *const ffi::svn_client_status_t,
            _pool: *mut ffi::apr_pool_t,
        ) -> *mut ffi::svn_error_t {
            baton::<F>(baton_ptr).call(|f| f(Status::from_c(&*status)))
        }

        let _utf8 = Utf8Names::enter();
        let scratch = Pool::new();
        let target = scratch.dirent(path)?;
        let working = revision(ffi::svn_opt_revision_working, None);
        let mut baton = Baton::new(each);
        // SAFETY: as in `Client::info`.
        let err = unsafe {
            ffi::svn_client_status6(
                ptr::null_mut(),
                self.ctx,
                target,
                &working,
                depth.to_c(),
                1, // get_all: clean nodes too
                0, // check_out_of_date: no network
                1, // check_working_copy: compare files with their base
                0,
                1, // ignore_externals
                0,
                ptr::null(),
                Some(receiver::<F>),
                baton.as_void(),
                scratch.ptr,
            )
        };
        baton.finish(err).map(drop)
    }

    /// The nodes under the working-copy folder `path` that were left out
    /// with `svn update --set-depth exclude`, which a status walk does not
    /// report, in name order. Asks the working copy what `svn update` would
    /// tell the server it holds, a crawl that takes no lock and writes
    /// nothing: one list of the children of each folder, not a read of
    /// every node.
    pub fn excluded(&self, path: &Path) -> Result<Vec<PathBuf>, SvnError> {
        type Found = Vec<String>;
        unsafe extern "C" fn set_path(
            baton_ptr: *mut c_void,
            path: *const c_char,
            _revision: ffi::svn_revnum_t,
            depth: ffi::svn_depth_t,
            _start_empty: ffi::svn_boolean_t,
            _lock_token: *const c_char,
            _pool: *mut ffi::apr_pool_t,
        ) -> *mut ffi::svn_error_t {
            baton::<Found>(baton_ptr).call(|found| {
                if depth == ffi::svn_depth_exclude {
                    found.push(owned(path));
                }
            })
        }
        #[allow(clippy::too_many_arguments)]
        unsafe extern "C" fn link_path(
            baton_ptr: *mut c_void,
            path: *const c_char,
            _url: *const c_char,
            revision: ffi::svn_revnum_t,
            depth: ffi::svn_depth_t,
            start_empty: ffi::svn_boolean_t,
            lock_token: *const c_char,
            pool: *mut ffi::apr_pool_t,
        ) -> *mut ffi::svn_error_t {
            set_path(
                baton_ptr,
                path,
                revision,
                depth,
                start_empty,
                lock_token,
                pool,
            )
        }
        unsafe extern "C" fn delete_path(
            _baton: *mut c_void,
            _path: *const c_char,
            _pool: *mut ffi::apr_pool_t,
        ) -> *mut ffi::svn_error_t {
            ptr::null_mut()
        }
        unsafe extern "C" fn finished(
            _baton: *mut c_void,
            _pool: *mut ffi::apr_pool_t,
        ) -> *mut ffi::svn_error_t {
            ptr::null_mut()
        }

        let _utf8 = Utf8Names::enter();
        let scratch = Pool::new();
        let target = scratch.dirent(path)?;
        let reporter = ffi::svn_ra_reporter3_t {
            set_path: Some(set_path),
            delete_path: Some(delete_path),
            link_path: Some(link_path),
            finish_report: Some(finished),
            abort_report: Some(finished),
        };
        let mut baton = Baton::new(Found::new());
        // SAFETY: the context, the reporter and the baton are live for the
        // call; the baton is the `Found` that `set_path` reads it as.
        let err = unsafe {
            ffi::svn_wc_crawl_revisions5(
                (*self.ctx).wc_ctx,
                target,
                &reporter,
                baton.as_void(),
                0, // restore_files: write nothing
                ffi::svn_depth_infinity,
                1, // honor_depth_exclude: report what is excluded
                0,
                0,
                (*self.ctx).cancel_func,
                (*self.ctx).cancel_baton,
                None,
                ptr::null_mut(),
                scratch.ptr,
            )
        };
        let mut found = baton.finish(err)?;
        // The crawl reports a folder's children before it goes below them.
        found.sort();
        Ok(found.iter().map(|relpath| path.join(relpath)).collect())
    }
}

impl Status {
    /// # Safety
    /// `status` comes from `svn_client_status6`.
    unsafe fn from_c(status: &ffi::svn_client_status_t) -> Status {
        let state = match status.node_status {
            _ if status.conflicted != 0 => LocalState::Conflicted,
            ffi::svn_wc_status_normal => LocalState::Clean,
            ffi::svn_wc_status_none
            | ffi::svn_wc_status_unversioned
            | ffi::svn_wc_status_ignored => LocalState::Unversioned,
            ffi::svn_wc_status_external => LocalState::External,
            ffi::svn_wc_status_missing => LocalState::Missing,
            ffi::svn_wc_status_obstructed => LocalState::Obstructed,
            ffi::svn_wc_status_incomplete => LocalState::Incomplete,
            ffi::svn_wc_status_conflicted => LocalState::Conflicted,
            _ => LocalState::Modified,
        };
        Status {
            path: PathBuf::from(owned(status.local_abspath)),
            kind: NodeKind::from_c(status.kind),
            state,
            revision: valid(status.revision),
            repos_relpath: (!status.repos_relpath.is_null()).then(|| owned(status.repos_relpath)),
            depth: Depth::from_c(status.depth),
            has_props: status.prop_status != ffi::svn_wc_status_none,
        }
    }
}
