//! `svn2s3._svn2s3`, the extension module under the Python package: the
//! library's publish, status and verify, each run with the GIL released.
//! Settings come in as the command's flags and the config file's keys (each
//! value written as in `svn2s3.yaml`), reports go out as the command's
//! `--json`, and errors as `NativeError(kind, status, message, report)`,
//! which the package turns into its exception classes. Everything else
//! (keyword arguments, the report's attributes, the exceptions) is Python,
//! in `svn2s3/__init__.py`.
//!
//! While a publish runs, the calling thread wakes ten times a second to let
//! Python see a signal: Ctrl-C (KeyboardInterrupt) cancels the publish
//! through its cancel handle, which stops it between requests and releases
//! its claim, and is raised once the publish has stopped. A progress
//! callback is called with the GIL taken, one event at a time; if it
//! raises, the publish is cancelled and its exception raised.

use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use svn2s3::{Error, Flags, Progress, Publisher, Settings};

create_exception!(
    _svn2s3,
    NativeError,
    PyException,
    "An svn2s3 error: (kind, exit status, message, report as JSON or None)."
);

/// How often the calling thread lets Python see a signal.
const SIGNALS_EVERY: Duration = Duration::from_millis(100);

/// What to run.
#[derive(Clone, Copy)]
enum Command {
    Publish,
    Status,
    Verify,
}

/// Runs `command` ("publish", "status" or "verify") on `tree` with `flags`
/// (the command line's: `bucket`, `dry_run`, ...), the config file `config`
/// (else `svn2s3.yaml` in the working copy), its target `target`, and the
/// config keys `settings` over the file; returns the report as JSON, and
/// as the command prints it.
#[pyfunction]
#[pyo3(signature = (command, tree, *, config=None, target=None, flags=Vec::new(), settings=Vec::new(), progress=None))]
#[allow(clippy::too_many_arguments)]
fn run(
    py: Python<'_>,
    command: &str,
    tree: PathBuf,
    config: Option<PathBuf>,
    target: Option<String>,
    flags: Vec<(String, String)>,
    settings: Vec<(String, String)>,
    progress: Option<Py<PyAny>>,
) -> PyResult<(String, String)> {
    let command = match command {
        "publish" => Command::Publish,
        "status" => Command::Status,
        "verify" => Command::Verify,
        other => return Err(config_error(&format!("no such command: {other}"))),
    };
    let settings = load(tree, config, target, &flags, &settings)?;
    let failed_callback: Arc<Mutex<Option<PyErr>>> = Arc::default();
    let mut publisher = Publisher::new(settings);
    if let Some(callback) = progress {
        let cancel = publisher.cancel_handle();
        let failed = Arc::clone(&failed_callback);
        publisher = publisher.on_progress(move |event| {
            let json = event_json(&event);
            Python::attach(|py| {
                // Once it raised, it is not called again: the publish stops.
                if lock(&failed).is_some() {
                    return;
                }
                if let Err(err) = callback.call1(py, (json,)) {
                    lock(&failed).get_or_insert(err);
                    cancel.cancel();
                }
            });
        });
    }
    let cancel = publisher.cancel_handle();
    let (sender, outcome) = mpsc::channel();
    // Shared with the GIL-less waits, which Rust checks may cross threads.
    let outcome = Mutex::new(outcome);
    let mut interrupted = None;
    let result = std::thread::scope(|scope| {
        let publisher = &publisher;
        let publishing = scope.spawn(move || {
            // Whatever the thread's end, the waiting side hears of it.
            sender.send(report_json(publisher, command)).ok();
        });
        loop {
            let wait = || lock(&outcome).recv_timeout(SIGNALS_EVERY);
            match py.detach(wait) {
                Ok(result) => break Ok(result),
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if let Err(signal) = py.check_signals() {
                        interrupted.get_or_insert(signal);
                        cancel.cancel();
                    }
                }
                // The publishing thread panicked: said as an svn2s3 error,
                // not as a panic crossing into Python.
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let why = match publishing.join() {
                        Err(payload) => panicked(payload.as_ref()),
                        Ok(()) => "the publish ended without a report".to_owned(),
                    };
                    return Err(NativeError::new_err((
                        "Internal",
                        70u8,
                        format!("svn2s3 stopped on an internal error: {why}"),
                        None::<String>,
                    )));
                }
            }
        }
    });
    let result = result?;
    if let Some(signal) = interrupted {
        return Err(signal);
    }
    if let Some(err) = lock(&failed_callback).take() {
        // Raised on its last events, the publish may have gone through:
        // the exception carries the report, for the caller to tell.
        if let Ok(report) = &result {
            err.value(py).setattr("svn2s3_report", report.clone()).ok();
        }
        return Err(err);
    }
    result.map_err(native)
}

/// What a panic said.
fn panicked(payload: &(dyn std::any::Any + Send)) -> String {
    (payload.downcast_ref::<&str>().map(|text| text.to_string()))
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned())
}

/// The value behind `mutex`, whether or not a thread panicked holding it.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The settings: the flags (the command line's) over the config file's
/// target's keys over its own, `settings` over the file.
fn load(
    tree: PathBuf,
    config: Option<PathBuf>,
    target: Option<String>,
    flags: &[(String, String)],
    settings: &[(String, String)],
) -> PyResult<Settings> {
    let mut given = Flags {
        wc: tree,
        config,
        ..Flags::default()
    };
    for (name, value) in flags {
        let on = || match value.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(config_error(&format!(
                "{name}: {value:?} is not true or false"
            ))),
        };
        match name.as_str() {
            "dry_run" => given.dry_run = on()?,
            "full" => given.full = on()?,
            "rollback" => given.rollback = on()?,
            "preview" => given.preview = on()?,
            "revision" => {
                let revision = (value.parse())
                    .map_err(|_| config_error(&format!("revision: {value:?} is not a revision")))?;
                given.revision = Some(revision);
            }
            "wait" => {
                let seconds: f64 = (value.parse())
                    .map_err(|_| config_error(&format!("wait: {value:?} is not seconds")))?;
                if !(0.0..=86_400.0).contains(&seconds) {
                    let why = format!("wait: {value} is not between 0 and 86400 seconds");
                    return Err(config_error(&why));
                }
                given.wait = Some(Duration::from_secs_f64(seconds));
            }
            other => return Err(config_error(&format!("{other} is not a flag"))),
        }
    }
    let mut builder = Settings::with_flags(&given).map_err(native)?;
    if let Some(target) = target {
        builder.target(target);
    }
    for (key, value) in settings {
        builder.set(key, value).map_err(native)?;
    }
    builder.build().map_err(native)
}

/// The report of `command`, as `--json` writes it and as the command
/// prints it.
fn report_json(publisher: &Publisher, command: Command) -> Result<(String, String), Error> {
    fn both(report: &(impl serde::Serialize + std::fmt::Display)) -> (String, String) {
        let json = serde_json::to_string(report).expect("a report always serialises");
        (json, report.to_string())
    }
    Ok(match command {
        Command::Publish => both(&publisher.publish()?),
        Command::Status => both(&publisher.status()?),
        Command::Verify => both(&publisher.verify()?),
    })
}

/// A progress event as JSON: `{"event": "started", "requests": .., "bytes": ..}`
/// or `{"event": "done", "done": ..}` with the request done, as `--json`
/// writes an action.
fn event_json(event: &Progress<'_>) -> String {
    let value = match event {
        Progress::Started { requests, bytes } => {
            serde_json::json!({"event": "started", "requests": requests, "bytes": bytes})
        }
        Progress::Done(done) => serde_json::json!({
            "event": "done",
            "done": done,
            "text": done.to_string(),
        }),
    };
    value.to_string()
}

/// The library's error as the package's `NativeError`.
fn native(err: Error) -> PyErr {
    let kind = format!("{:?}", err.kind());
    let report = (err.report()).and_then(|report| serde_json::to_string(report).ok());
    NativeError::new_err((kind, err.exit_status(), err.to_string(), report))
}

fn config_error(message: &str) -> PyErr {
    NativeError::new_err(("Config", 2u8, message.to_owned(), None::<String>))
}

#[pymodule]
fn _svn2s3(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(run, module)?)?;
    module.add("NativeError", module.py().get_type::<NativeError>())?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
