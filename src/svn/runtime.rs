//! What C assumes, kept: svn errors copied and cleared once, APR started
//! once, pools freed on drop, LC_CTYPE UTF-8 around each call, the cancel
//! flag as libsvn's cancel_func, and callbacks that never unwind into C.

use super::*;

/// An error from libsvn: the code and message of each link of its chain,
/// outermost first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SvnError {
    pub codes: Vec<i32>,
    pub messages: Vec<String>,
}

impl SvnError {
    pub(super) fn new(message: impl Into<String>) -> SvnError {
        SvnError {
            codes: vec![0],
            messages: vec![message.into()],
        }
    }

    pub(super) fn has(&self, code: ffi::svn_errno_t) -> bool {
        self.codes.contains(&(code as i32))
    }

    /// True when the path given to the call is not inside a working copy.
    pub fn is_not_working_copy(&self) -> bool {
        self.has(ffi::SVN_ERR_WC_NOT_WORKING_COPY)
    }

    /// True when the working copy has no versioned node at the path given to
    /// the call (a folder updated to a revision that lacks it, say).
    pub fn is_unversioned(&self) -> bool {
        self.has(ffi::SVN_ERR_WC_PATH_NOT_FOUND) || self.has(ffi::SVN_ERR_UNVERSIONED_RESOURCE)
    }

    /// True when the repository has no node at the URL given to the call,
    /// at the revision asked for (a property list says it knows no such
    /// node's kind).
    pub fn is_not_found(&self) -> bool {
        [
            ffi::SVN_ERR_RA_ILLEGAL_URL,
            ffi::SVN_ERR_FS_NOT_FOUND,
            ffi::SVN_ERR_ENTRY_NOT_FOUND,
            ffi::SVN_ERR_NODE_UNKNOWN_KIND,
        ]
        .into_iter()
        .any(|code| self.has(code))
    }

    /// True when the repository wanted credentials that were not cached, or
    /// turned the cached ones down.
    pub fn is_unauthorized(&self) -> bool {
        [
            ffi::SVN_ERR_RA_NOT_AUTHORIZED,
            ffi::SVN_ERR_AUTHN_CREDS_UNAVAILABLE,
            ffi::SVN_ERR_AUTHN_FAILED,
        ]
        .into_iter()
        .any(|code| self.has(code))
    }
}

impl fmt::Display for SvnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // libsvn repeats a message down the chain now and then; say each once.
        let mut said: Vec<&str> = Vec::new();
        for message in &self.messages {
            if !said.contains(&message.as_str()) {
                said.push(message);
            }
        }
        f.write_str(&said.join(": "))
    }
}

impl std::error::Error for SvnError {}

/// Turns what a libsvn call returned into a `Result`, clearing the error.
pub(super) fn check(err: *mut ffi::svn_error_t) -> Result<(), SvnError> {
    if err.is_null() {
        return Ok(());
    }
    // SAFETY: `err` is a live error chain owned by us; the purged view shares
    // its memory, is only read, and is dropped before `err` is cleared.
    unsafe {
        let (mut codes, mut messages) = (Vec::new(), Vec::new());
        let mut link = ffi::svn_error_purge_tracing(err) as *const ffi::svn_error_t;
        while !link.is_null() {
            let mut buf = [0 as c_char; 512];
            let text = ffi::svn_err_best_message(link, buf.as_mut_ptr(), buf.len());
            codes.push((*link).apr_err);
            messages.push(CStr::from_ptr(text).to_string_lossy().into_owned());
            link = (*link).child;
        }
        ffi::svn_error_clear(err);
        Err(SvnError { codes, messages })
    }
}

/// Initialises APR and the svn libraries, once per process. Never undone:
/// `apr_terminate` at exit would race with anything still holding a pool.
pub(super) fn initialize() -> Result<(), SvnError> {
    static INIT: OnceLock<Result<(), SvnError>> = OnceLock::new();
    INIT.get_or_init(|| {
        // SAFETY: called once, before any other APR or svn function.
        unsafe {
            if ffi::apr_initialize() != ffi::APR_SUCCESS as i32 {
                return Err(SvnError::new("could not initialise APR"));
            }
            // svn_ra_initialize() does no more than this since 1.7 and lives
            // in a library svn2s3 does not otherwise link.
            check(ffi::svn_dso_initialize2())
        }
    })
    .clone()
}

/// While alive, the calling thread's LC_CTYPE is UTF-8, and only that
/// thread's: libsvn converts file names between UTF-8 and the "native"
/// encoding of LC_CTYPE, which is ASCII in a program that never called
/// `setlocale`, and repository paths are UTF-8 whatever the shell says. The
/// svn client calls `setlocale` at start-up; a library must not change its
/// host process, so each call into libsvn is made under this guard instead
/// (`uselocale` is per thread), and the thread's own locale comes back when
/// it drops. The locale's other categories are the process's.
pub(super) struct Utf8Names {
    pub(super) previous: libc::locale_t,
}

impl Utf8Names {
    pub(super) fn enter() -> Utf8Names {
        let previous = match utf8_ctype() {
            // SAFETY: the locale is valid for the life of the process.
            Some(locale) => unsafe { libc::uselocale(locale) },
            None => ptr::null_mut(),
        };
        Utf8Names { previous }
    }
}

impl Drop for Utf8Names {
    fn drop(&mut self) {
        if !self.previous.is_null() {
            // SAFETY: `previous` is what `uselocale` gave back on this thread:
            // the thread's locale object, or LC_GLOBAL_LOCALE.
            unsafe { libc::uselocale(self.previous) };
        }
    }
}

/// glibc's `LC_GLOBAL_LOCALE`, `(locale_t) -1`, which the libc crate lacks.
pub(super) const LC_GLOBAL_LOCALE: libc::locale_t = -1isize as libc::locale_t;

/// The process's locale with a UTF-8 LC_CTYPE, made once and never freed;
/// `None` where the system has no UTF-8 locale at all.
pub(super) fn utf8_ctype() -> Option<libc::locale_t> {
    static LOCALE: OnceLock<usize> = OnceLock::new();
    let locale = *LOCALE.get_or_init(|| {
        for name in [c"C.UTF-8", c"en_US.UTF-8"] {
            // SAFETY: duplocale copies the global locale for newlocale to
            // change (or to free when it cannot).
            let made = unsafe {
                let base = libc::duplocale(LC_GLOBAL_LOCALE);
                if base.is_null() {
                    return 0;
                }
                let made = libc::newlocale(libc::LC_CTYPE_MASK, name.as_ptr(), base);
                if made.is_null() {
                    libc::freelocale(base);
                }
                made
            };
            if !made.is_null() {
                return made as usize;
            }
        }
        0
    });
    (locale != 0).then_some(locale as libc::locale_t)
}

/// libsvn's cancel callback: stops a walk once the flag is set.
pub(super) unsafe extern "C" fn cancelled(flag: *mut c_void) -> *mut ffi::svn_error_t {
    // SAFETY: the baton is the flag the client owns for as long as its context.
    if (*flag.cast::<AtomicBool>()).load(Ordering::Relaxed) {
        ffi::svn_error_create(
            ffi::SVN_ERR_CANCELLED as i32,
            ptr::null_mut(),
            c"svn2s3: cancelled".as_ptr(),
        )
    } else {
        ptr::null_mut()
    }
}

/// An APR pool; everything allocated in it is freed when it drops.
pub struct Pool {
    pub(super) ptr: *mut ffi::apr_pool_t,
}

impl Pool {
    /// A new root pool. Only call after `initialize`.
    pub(super) fn new() -> Pool {
        let mut ptr = ptr::null_mut();
        // SAFETY: APR is initialised; a null parent makes a root pool. APR
        // aborts the process itself when it cannot allocate.
        let status =
            unsafe { ffi::apr_pool_create_ex(&mut ptr, ptr::null_mut(), None, ptr::null_mut()) };
        assert!(
            status == ffi::APR_SUCCESS as i32 && !ptr.is_null(),
            "apr_pool_create_ex failed"
        );
        Pool { ptr }
    }

    /// Copies a local path into the pool in libsvn's canonical absolute form.
    pub(super) fn dirent(&self, path: &Path) -> Result<*const c_char, SvnError> {
        let absolute = std::path::absolute(path)
            .map_err(|err| SvnError::new(format!("{}: {err}", path.display())))?;
        let text = absolute
            .to_str()
            .ok_or_else(|| SvnError::new(format!("{}: path is not UTF-8", path.display())))?;
        let c = c_string(text)?;
        // SAFETY: `c` is a valid C string; the result is allocated in self.
        Ok(unsafe { ffi::svn_dirent_canonicalize(c.as_ptr(), self.ptr) })
    }

    /// A target's name in the pool, and the revision it is asked at.
    pub(super) fn target(
        &self,
        target: Target,
    ) -> Result<(*const c_char, ffi::svn_opt_revision_t), SvnError> {
        Ok(match target {
            // Unspecified: libsvn answers from the working copy, no network.
            Target::Local(path) => (
                self.dirent(path)?,
                revision(ffi::svn_opt_revision_unspecified, None),
            ),
            Target::Url(url, Some(rev)) => (self.uri(url)?, numbered(rev)),
            Target::Url(url, None) => (self.uri(url)?, revision(ffi::svn_opt_revision_head, None)),
        })
    }

    /// Copies a URL into the pool. URLs handed to this module come from libsvn
    /// itself (`Info::url`, [`Client::url_join`]), so they are canonical already.
    pub(super) fn uri(&self, url: &str) -> Result<*const c_char, SvnError> {
        let c = c_string(url)?;
        // SAFETY: as above.
        Ok(unsafe { ffi::svn_uri_canonicalize(c.as_ptr(), self.ptr) })
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // SAFETY: the pool is ours and nothing allocated in it outlives `self`.
        unsafe { ffi::apr_pool_destroy(self.ptr) }
    }
}

pub(super) fn c_string(text: &str) -> Result<CString, SvnError> {
    CString::new(text).map_err(|_| SvnError::new(format!("{text:?} contains a NUL byte")))
}

/// Copies a C string out. libsvn hands out UTF-8; anything else is a bug there.
///
/// # Safety
/// `text` is null or a valid C string.
pub(super) unsafe fn owned(text: *const c_char) -> String {
    if text.is_null() {
        return String::new();
    }
    CStr::from_ptr(text).to_string_lossy().into_owned()
}

pub(super) fn revision(
    kind: ffi::svn_opt_revision_kind,
    number: Option<Revnum>,
) -> ffi::svn_opt_revision_t {
    let mut rev = ffi::svn_opt_revision_t {
        kind,
        ..Default::default()
    };
    if let Some(number) = number {
        rev.value.number = number as ffi::svn_revnum_t;
    }
    rev
}

pub(super) fn numbered(number: Revnum) -> ffi::svn_opt_revision_t {
    revision(ffi::svn_opt_revision_number, Some(number))
}

pub(super) fn valid(number: ffi::svn_revnum_t) -> Option<Revnum> {
    (number >= 0).then_some(number as Revnum)
}

/// A callback's closure (or the state it fills) and whatever went wrong inside it, in one baton.
pub(super) struct Baton<F> {
    pub(super) callback: F,
    pub(super) panic: Option<Box<dyn Any + Send>>,
}

impl<F> Baton<F> {
    pub(super) fn new(callback: F) -> Baton<F> {
        Baton {
            callback,
            panic: None,
        }
    }

    pub(super) fn as_void(&mut self) -> *mut c_void {
        (self as *mut Baton<F>).cast()
    }

    /// Runs one call of the callback for C. A panic is kept, and C is told to stop.
    pub(super) fn call(&mut self, body: impl FnOnce(&mut F)) -> *mut ffi::svn_error_t {
        if self.panic.is_some() {
            return stop_walk();
        }
        match panic::catch_unwind(AssertUnwindSafe(|| body(&mut self.callback))) {
            Ok(()) => ptr::null_mut(),
            Err(payload) => {
                self.panic = Some(payload);
                stop_walk()
            }
        }
    }

    /// Back in Rust after the C call: resume a kept panic, else report C's
    /// result and hand back the callback's state.
    pub(super) fn finish(self, err: *mut ffi::svn_error_t) -> Result<F, SvnError> {
        let result = check(err);
        if let Some(payload) = self.panic {
            panic::resume_unwind(payload);
        }
        result.map(|()| self.callback)
    }
}

pub(super) fn stop_walk() -> *mut ffi::svn_error_t {
    // SAFETY: creates a new error that C takes ownership of.
    unsafe {
        ffi::svn_error_create(
            ffi::SVN_ERR_CANCELLED as i32,
            ptr::null_mut(),
            c"svn2s3: callback panicked".as_ptr(),
        )
    }
}

/// Recovers the baton C hands back to a callback.
///
/// # Safety
/// `baton` is the pointer given to C by `Baton::<F>::as_void` for this call.
pub(super) unsafe fn baton<'a, F>(baton: *mut c_void) -> &'a mut Baton<F> {
    &mut *baton.cast::<Baton<F>>()
}
