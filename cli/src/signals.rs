//! SIGINT and SIGTERM, for as long as a command runs: the first stops it
//! through its cancel handle (between requests, or inside libsvn's walks),
//! with the exit status 128 + the signal's number; a second ends the process
//! at once, without waiting for the claim on the bucket to be released.

use std::io;

use svn2s3::{Cancel, Stopped};
use tokio::signal::unix::{signal, SignalKind};

/// Catches both signals from now on, on a thread of its own.
pub fn stop_on_signals(cancel: Cancel) -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    // The handlers are in place before this returns, not when the thread starts.
    let (mut interrupt, mut terminate) = {
        let _inside = runtime.enter();
        (
            signal(SignalKind::interrupt())?,
            signal(SignalKind::terminate())?,
        )
    };
    std::thread::spawn(move || {
        runtime.block_on(async {
            let mut stopping = false;
            loop {
                let number = tokio::select! {
                    _ = interrupt.recv() => libc::SIGINT,
                    _ = terminate.recv() => libc::SIGTERM,
                };
                if stopping {
                    std::process::exit(Stopped::Signal(number).exit_status().into());
                }
                cancel.stop(Stopped::Signal(number));
                stopping = true;
            }
        })
    });
    Ok(())
}
