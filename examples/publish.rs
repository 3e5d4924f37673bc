//! Publishes a working copy from Rust, printing a line as each request ends,
//! and stopping cleanly on Ctrl-C through the publisher's cancel handle.
//!
//!     cargo run --example publish -- WC BUCKET [ENDPOINT]
//!
//! Credentials come from the AWS environment, as for the `svn2s3` command.

use std::process::ExitCode;

use svn2s3::{Progress, Publisher, Settings};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(wc), Some(bucket)) = (args.next(), args.next()) else {
        eprintln!("usage: publish WC BUCKET [ENDPOINT]");
        return ExitCode::from(2);
    };
    let mut settings = Settings::builder(wc, bucket);
    if let Some(endpoint) = args.next() {
        settings.endpoint(endpoint);
    }
    let settings = match settings.build() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("publish: {err}");
            return ExitCode::from(err.exit_status());
        }
    };
    let publisher = Publisher::new(settings).on_progress(|event| match event {
        Progress::Started { requests, bytes } => {
            eprintln!("{requests} requests, {bytes} bytes to upload")
        }
        Progress::Done(done) => eprintln!("{done}"),
    });
    match publisher.publish() {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("publish: {err}");
            ExitCode::from(err.exit_status())
        }
    }
}
