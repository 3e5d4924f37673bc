//! The C API of svn2s3, for C, Go, Python (`ctypes`) and anything else that
//! links a C library. Its header, `include/svn2s3.h`, is generated from this
//! file by cbindgen.
//!
//! The shape follows regex's `rure`, rustls-ffi and libimagequant: opaque
//! handles made by `*_new` and freed once by `*_free` (which take NULL);
//! strings the library returns belong to the handle they come from; every
//! pointer is checked for NULL. Statuses are the exit statuses of the
//! `svn2s3` command.
//!
//! No panic unwinds into C. The body of every export is one call of a
//! boundary, as in rustls-ffi and regex-capi: `guarded` for those that
//! return a status and fill `*err` (a panic gives status 101 and an error
//! saying so), `boundary` for the others (a panic gives NULL, status 101
//! from `svn2s3_error_status`, or nothing from the `*_free` functions).
//! `tests/exports.rs` reads this file and fails for an export whose body
//! starts any other way; it counts the exports, so a new one is added
//! there too.
#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::{Arc, Mutex};

use svn2s3::{Cancel, Progress, Publisher, Settings, SettingsBuilder};

/// Settings being built, from svn2s3_settings_new; freed with
/// svn2s3_settings_free. They are checked when a publish starts.
pub struct svn2s3_settings {
    builder: SettingsBuilder,
}

/// What a publish did, from svn2s3_publish; freed with svn2s3_report_free.
pub struct svn2s3_report {
    json: CString,
}

/// Why a call failed, from any call that takes `svn2s3_error **err`; freed
/// with svn2s3_error_free.
pub struct svn2s3_error {
    message: CString,
    status: c_int,
}

/// The status of a panic caught at the boundary: a bug in svn2s3.
const INTERNAL: c_int = 101;
/// The status of bad arguments: the command's status for bad usage.
const INVALID: c_int = 2;

/// A failure on its way out to C.
struct Failed {
    status: c_int,
    message: String,
}

impl From<svn2s3::Error> for Failed {
    fn from(err: svn2s3::Error) -> Failed {
        Failed {
            status: c_int::from(err.exit_status()),
            message: err.to_string(),
        }
    }
}

fn invalid(message: String) -> Failed {
    Failed {
        status: INVALID,
        message,
    }
}

/// What an export that has no `*err` gives C when its body panicked.
trait OnPanic {
    fn on_panic() -> Self;
}

impl<T> OnPanic for *const T {
    fn on_panic() -> Self {
        ptr::null()
    }
}

impl<T> OnPanic for *mut T {
    fn on_panic() -> Self {
        ptr::null_mut()
    }
}

impl OnPanic for c_int {
    fn on_panic() -> Self {
        INTERNAL
    }
}

impl OnPanic for () {
    fn on_panic() -> Self {}
}

/// Runs the body of an export that has no `*err` to fill: a panic gives
/// what [`OnPanic`] says for its type and never reaches C.
fn boundary<T: OnPanic>(body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|_| T::on_panic())
}

/// Runs the body of an export that returns a status: 0, or the failure's
/// status with `*err` set when `err` is not NULL. A panic is caught here
/// and never reaches C: status 101, and an error that says so.
fn guarded(err: *mut *mut svn2s3_error, body: impl FnOnce() -> Result<(), Failed>) -> c_int {
    let failed = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return 0,
        Ok(Err(failed)) => failed,
        Err(panic) => Failed {
            status: INTERNAL,
            message: format!(
                "internal error in svn2s3: {}",
                panic
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
                    .unwrap_or("a panic")
            ),
        },
    };
    if !err.is_null() {
        let error = svn2s3_error {
            message: c_text(failed.message),
            status: failed.status,
        };
        // SAFETY: the caller gives NULL or a pointer it may write through.
        unsafe { *err = Box::into_raw(Box::new(error)) };
    }
    failed.status
}

/// A C string of `text`, NUL bytes (which no message of svn2s3 holds) made visible.
fn c_text(text: String) -> CString {
    CString::new(text.replace('\0', "\\0")).expect("no NUL is left")
}

/// The text at `ptr`, named `what` in the error when it is NULL or not UTF-8.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string that lives through the call.
unsafe fn text<'a>(ptr: *const c_char, what: &str) -> Result<&'a str, Failed> {
    if ptr.is_null() {
        return Err(invalid(format!("{what} is NULL")));
    }
    CStr::from_ptr(ptr)
        .to_str()
        .map_err(|_| invalid(format!("{what} is not UTF-8")))
}

/// The settings behind `settings`, or an error for NULL.
///
/// # Safety
/// `settings` is NULL or from svn2s3_settings_new, not yet freed.
unsafe fn builder<'a>(settings: *mut svn2s3_settings) -> Result<&'a mut SettingsBuilder, Failed> {
    settings
        .as_mut()
        .map(|settings| &mut settings.builder)
        .ok_or_else(|| invalid("settings is NULL".into()))
}

/// The version of the library, e.g. "0.3.0"; a static string.
#[no_mangle]
pub extern "C" fn svn2s3_version() -> *const c_char {
    boundary(|| concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast())
}

/// New settings for publishing `tree` (a working copy, a folder of one, or a
/// repository URL) to `bucket`, every other setting at its default. NULL when
/// either is NULL or not UTF-8.
///
/// # Safety
/// `tree` and `bucket` are NULL or NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn svn2s3_settings_new(
    tree: *const c_char,
    bucket: *const c_char,
) -> *mut svn2s3_settings {
    boundary(|| {
        let (Ok(tree), Ok(bucket)) = (text(tree, "tree"), text(bucket, "bucket")) else {
            return ptr::null_mut();
        };
        let builder = Settings::builder(tree, bucket);
        Box::into_raw(Box::new(svn2s3_settings { builder }))
    })
}

/// Sets one key of the config file (`prefix`, `endpoint`, `region`,
/// `workers`, `gzip`, `brotli`, `exclude`, `headers`, `acl`, `max_delete`,
/// `redirects`, `source`, `addressing`, `cloudfront.distribution`, ...), `value` written
/// as it would be after `key:` in svn2s3.yaml: "static/", "16", "true",
/// "['*.psd']". Keys set so win over a config file loaded.
///
/// # Safety
/// `settings` is NULL or from svn2s3_settings_new; `key` and `value` are
/// NULL or NUL-terminated strings; `err` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn svn2s3_settings_set(
    settings: *mut svn2s3_settings,
    key: *const c_char,
    value: *const c_char,
    err: *mut *mut svn2s3_error,
) -> c_int {
    guarded(err, || {
        let (key, value) = (text(key, "key")?, text(value, "value")?);
        builder(settings)?.set(key, value)?;
        Ok(())
    })
}

/// Reads a config file (svn2s3.yaml) under the keys set one by one.
///
/// # Safety
/// As svn2s3_settings_set; `config_file` is NULL or a NUL-terminated path.
#[no_mangle]
pub unsafe extern "C" fn svn2s3_settings_load(
    settings: *mut svn2s3_settings,
    config_file: *const c_char,
    err: *mut *mut svn2s3_error,
) -> c_int {
    guarded(err, || {
        let path = text(config_file, "config_file")?;
        builder(settings)?.config_file(path.as_ref())?;
        Ok(())
    })
}

/// Publishes what `settings` name, as `svn2s3 publish` does; returns when
/// it is done. `progress`, if not NULL, is called one call at a time (from
/// the calling thread, or from a thread the publish starts: a first publish
/// of a working copy reads the tree on one thread while another sends it),
/// with `userdata` and an event as JSON:
/// `{"event":"started","requests":12,"bytes":34567}`, then one
/// `{"event":"done","action":"upload","key":"css/site.css","bytes":2048,...}`
/// (or `"redirect"` with its `location`, `"rewrite"` for headers alone, or
/// `{"event":"done","action":"delete","key":"old.png"}`) per request.
///
/// It returns 0 to go on, anything else to stop. After a nonzero return it
/// is not called again, but once with `{"event":"cancelled"}` when the
/// publish did stop: it stops between requests, releases its claim (the
/// bucket keeps the revision it held) and returns 130. A stop that comes
/// when every request was made (from the `done` event of the last one, or
/// of one that finished while the last ones were in flight) stops nothing:
/// the publish completes, writes its state and returns 0. The callback
/// must not unwind or longjmp.
///
/// `*report` is set to the report when there is one: on success, and on a
/// publish that is complete but could not be invalidated (status 1).
///
/// # Safety
/// `settings` is NULL or from svn2s3_settings_new; `report` and `err` are
/// NULL or writable; `userdata` is the caller's.
#[no_mangle]
pub unsafe extern "C" fn svn2s3_publish(
    settings: *const svn2s3_settings,
    progress: Option<
        unsafe extern "C" fn(userdata: *mut c_void, event_json: *const c_char) -> c_int,
    >,
    userdata: *mut c_void,
    report: *mut *mut svn2s3_report,
    err: *mut *mut svn2s3_error,
) -> c_int {
    guarded(err, || {
        // The callback may be called from a thread the publish starts (see
        // above), one call at a time; the caller's data goes with it.
        let userdata = userdata as usize;
        let settings = settings
            .as_ref()
            .ok_or_else(|| invalid("settings is NULL".into()))?;
        let cancel = Cancel::new();
        let mut publisher = Publisher::new(settings.builder.build()?).with_cancel(cancel.clone());
        // Set once the callback asked to stop: it hears nothing more. The
        // lock also keeps calls one at a time, whatever thread makes them.
        let stopped = Arc::new(Mutex::new(false));
        if let Some(callback) = progress {
            let stopped = Arc::clone(&stopped);
            publisher = publisher.on_progress(move |event| {
                let mut stopped = stopped.lock().unwrap_or_else(|p| p.into_inner());
                if *stopped {
                    return;
                }
                let json = c_text(event_json(event));
                // SAFETY: the caller's callback, with the caller's data.
                if unsafe { callback(userdata as *mut c_void, json.as_ptr()) } != 0 {
                    *stopped = true;
                    cancel.cancel();
                }
            });
        }
        let give = |made: &svn2s3::Report| {
            if !report.is_null() {
                let json = serde_json::to_string_pretty(made).expect("a report serialises");
                let made = svn2s3_report { json: c_text(json) };
                // SAFETY: the caller gives NULL or a pointer it may write through.
                unsafe { *report = Box::into_raw(Box::new(made)) };
            }
        };
        let published = publisher.publish();
        let asked = *stopped.lock().unwrap_or_else(|p| p.into_inner());
        if let (Some(callback), true, Err(failure)) = (progress, asked, &published) {
            if failure.kind() == svn2s3::ErrorKind::Cancelled {
                let json = c_text(r#"{"event":"cancelled"}"#.to_owned());
                // SAFETY: as above; its answer changes nothing now.
                unsafe { callback(userdata as *mut c_void, json.as_ptr()) };
            }
        }
        match published {
            Ok(made) => {
                give(&made);
                Ok(())
            }
            Err(failure) => {
                if let Some(made) = failure.report() {
                    give(made);
                }
                Err(failure.into())
            }
        }
    })
}

/// A progress event as JSON.
fn event_json(event: Progress<'_>) -> String {
    let value = match event {
        Progress::Started { requests, bytes } => {
            serde_json::json!({"event": "started", "requests": requests, "bytes": bytes})
        }
        Progress::Done(done) => {
            let mut value = serde_json::to_value(done).expect("an action serialises");
            value["event"] = "done".into();
            value
        }
    };
    value.to_string()
}

/// The report as `svn2s3 publish --json` prints it; NULL for a NULL report.
///
/// # Safety
/// `report` is NULL or from svn2s3_publish, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn svn2s3_report_json(report: *const svn2s3_report) -> *const c_char {
    boundary(|| {
        report
            .as_ref()
            .map_or(ptr::null(), |report| report.json.as_ptr())
    })
}

/// The error in one line, as `svn2s3` prints it after `svn2s3: `; NULL for
/// a NULL error.
///
/// # Safety
/// `error` is NULL or from a call of this library, not yet freed.
#[no_mangle]
pub unsafe extern "C" fn svn2s3_error_message(error: *const svn2s3_error) -> *const c_char {
    boundary(|| {
        error
            .as_ref()
            .map_or(ptr::null(), |error| error.message.as_ptr())
    })
}

/// The status the call that made `error` returned; 0 for a NULL error.
///
/// # Safety
/// As svn2s3_error_message.
#[no_mangle]
pub unsafe extern "C" fn svn2s3_error_status(error: *const svn2s3_error) -> c_int {
    boundary(|| error.as_ref().map_or(0, |error| error.status))
}

/// Frees settings; NULL is ignored.
///
/// # Safety
/// `settings` is NULL or from svn2s3_settings_new, freed once.
#[no_mangle]
pub unsafe extern "C" fn svn2s3_settings_free(settings: *mut svn2s3_settings) {
    boundary(|| {
        if !settings.is_null() {
            drop(Box::from_raw(settings));
        }
    })
}

/// Frees a report; NULL is ignored.
///
/// # Safety
/// `report` is NULL or from svn2s3_publish, freed once.
#[no_mangle]
pub unsafe extern "C" fn svn2s3_report_free(report: *mut svn2s3_report) {
    boundary(|| {
        if !report.is_null() {
            drop(Box::from_raw(report));
        }
    })
}

/// Frees an error; NULL is ignored.
///
/// # Safety
/// `error` is NULL or from a call of this library, freed once.
#[no_mangle]
pub unsafe extern "C" fn svn2s3_error_free(error: *mut svn2s3_error) {
    boundary(|| {
        if !error.is_null() {
            drop(Box::from_raw(error));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_in_an_export_with_an_error_gives_status_101_and_says_so() {
        let mut err: *mut svn2s3_error = ptr::null_mut();
        let status = guarded(&mut err, || panic!("a bug"));
        assert_eq!(status, INTERNAL);
        // SAFETY: guarded set it to an error of its own, freed once below.
        unsafe {
            assert_eq!(svn2s3_error_status(err), INTERNAL);
            let message = CStr::from_ptr(svn2s3_error_message(err)).to_str().unwrap();
            assert_eq!(message, "internal error in svn2s3: a bug");
            svn2s3_error_free(err);
        }
        // No error to fill: the status alone.
        assert_eq!(guarded(ptr::null_mut(), || panic!("a bug")), INTERNAL);
    }

    #[test]
    fn a_panic_in_an_export_without_an_error_gives_null_or_nothing() {
        assert!(boundary::<*mut svn2s3_settings>(|| panic!("a bug")).is_null());
        assert!(boundary::<*const c_char>(|| panic!("a bug")).is_null());
        assert_eq!(boundary::<c_int>(|| panic!("a bug")), INTERNAL);
        boundary::<()>(|| panic!("a bug"));
        // And what the body gives when it does not panic.
        assert_eq!(boundary(|| 7 as c_int), 7);
    }
}
