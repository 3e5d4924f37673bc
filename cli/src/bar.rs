//! The progress bar of `svn2s3 publish`: requests done, bytes sent, rate and
//! ETA, drawn on stderr, and only when stderr is a terminal that nothing else
//! writes to (no `-q`, no `-v` logs).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use svn2s3::{human_bytes, Done, Progress};

use crate::cli::Common;

#[derive(Clone)]
pub struct Bar {
    bar: ProgressBar,
    sent: Arc<AtomicU64>,
    started: Instant,
}

impl Bar {
    /// A bar, if this run should draw one.
    pub fn for_terminal(common: &Common) -> Option<Bar> {
        if common.quiet || common.verbose > 0 || !std::io::stderr().is_terminal() {
            return None;
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30.cyan/blue} {pos}/{len} requests, {msg}, {elapsed} (ETA {eta})",
            )
            .expect("the template is valid")
            .progress_chars("=> "),
        );
        Some(Bar {
            bar,
            sent: Arc::new(AtomicU64::new(0)),
            started: Instant::now(),
        })
    }

    /// Moves the bar on with what a publish says.
    pub fn hear(&self, event: Progress<'_>) {
        if let Progress::Done(Done::Upload {
            bytes: Some(bytes), ..
        }) = event
        {
            self.sent.fetch_add(*bytes, Ordering::Relaxed);
        }
        let sent = self.sent.load(Ordering::Relaxed);
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        self.bar.set_message(format!(
            "{} sent at {}/s",
            human_bytes(sent),
            human_bytes((sent as f64 / seconds) as u64)
        ));
        match event {
            Progress::Started { requests, .. } => {
                self.bar.set_length(requests as u64);
                self.bar.reset_elapsed();
            }
            Progress::Done(_) => self.bar.inc(1),
        }
    }

    /// Takes the bar off the screen, so that the report stands alone.
    pub fn clear(&self) {
        self.bar.finish_and_clear();
    }
}
