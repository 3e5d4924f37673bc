//! Publishes a working copy from Rust, printing a line as each request ends.
//!
//!     cargo run --example publish -- WC BUCKET [ENDPOINT]
//!
//! Credentials come from the AWS environment, as for the `svn2s3` command.

use svn2s3::{Progress, Publisher, Settings};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(wc), Some(bucket)) = (args.next(), args.next()) else {
        eprintln!("usage: publish WC BUCKET [ENDPOINT]");
        std::process::exit(2);
    };
    let mut settings = Settings::new(wc, bucket);
    settings.endpoint = args.next();

    let report = Publisher::new(settings)
        .on_progress(|event| match event {
            Progress::Started { requests, bytes } => {
                eprintln!("{requests} requests, {bytes} bytes to upload")
            }
            Progress::Done(done) => eprintln!("{done}"),
        })
        .publish()?;
    println!("{report}");
    Ok(())
}
