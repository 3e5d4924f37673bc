//! `svn2s3`: parse the command line, run, print, and map the outcome to an
//! exit status (0 done, 1 incomplete publish or drift found by verify, 2
//! nothing written, 130 and 143 a publish stopped by SIGINT or SIGTERM).

mod bar;
mod cli;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser as _};
use serde::Serialize;

use cli::{Cli, Command, Common};
use svn2s3::{AfterPublish, Incomplete, Interrupted, Publisher, Settings};

use bar::Bar;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) if !err.use_stderr() => err.exit(), // --help, --version
        Err(err) => {
            // One line, as every error: what is wrong, and clap's tips; not the usage.
            let text = err.to_string();
            let said: Vec<&str> = text
                .lines()
                .map(str::trim)
                .filter_map(|line| {
                    line.strip_prefix("error: ")
                        .or_else(|| line.strip_prefix("tip: "))
                })
                .collect();
            eprintln!("svn2s3: {}", said.join("; "));
            return ExitCode::from(2);
        }
    };
    let common = match &cli.command {
        Command::Publish(args) => Some(&args.common),
        Command::Status(common) | Command::Verify(common) => Some(common),
        Command::Completions { .. } | Command::Man { .. } => None,
    };
    if let Some(common) = common {
        init_logging(common);
    }
    match run(&cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("svn2s3: {err:#}");
            if let Some(signal) = err.downcast_ref::<Interrupted>() {
                ExitCode::from(signal.exit_status())
            } else if err.is::<Incomplete>() || err.is::<AfterPublish>() {
                ExitCode::from(1)
            } else {
                ExitCode::from(2)
            }
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode> {
    let env = |key: &str| std::env::var(key).ok().filter(|value| !value.is_empty());
    match &cli.command {
        Command::Publish(args) => {
            let mut publisher = Publisher::new(Settings::load(&args.flags(), env)?);
            let bar = Bar::for_terminal(&args.common);
            if let Some(bar) = bar.clone() {
                publisher = publisher.on_progress(move |event| bar.hear(event));
            }
            let report = publisher.publish();
            if let Some(bar) = bar {
                bar.clear();
            }
            let report = report?;
            print(&args.common, &report)?;
            // The publish is complete; an invalidation that failed is still a failure to report.
            match report
                .invalidation
                .as_ref()
                .and_then(|made| made.error.as_ref())
            {
                Some(error) => {
                    eprintln!("svn2s3: published, but not invalidated: {error}");
                    Ok(ExitCode::from(1))
                }
                None => Ok(ExitCode::SUCCESS),
            }
        }
        Command::Status(common) => {
            let report = Publisher::new(Settings::load(&common.flags(), env)?).status()?;
            print(common, &report)
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "svn2s3", &mut script);
            write_out(&script)
        }
        Command::Man { dir } => write_man_pages(dir).map(|()| ExitCode::SUCCESS),
        Command::Verify(common) => {
            let report = Publisher::new(Settings::load(&common.flags(), env)?).verify()?;
            print(common, &report)?;
            Ok(if report.drift.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// Writes `svn2s3.1` and a page per command (`svn2s3-publish.1`, ...) into
/// `dir`, from the same clap definition that parses the command line. The
/// main page adds what clap does not know: exit statuses, environment, files.
fn write_man_pages(dir: &std::path::Path) -> Result<()> {
    let command = Cli::command();
    let write = |name: &str, render: &dyn Fn(&mut std::fs::File) -> io::Result<()>| {
        let path = dir.join(format!("{name}.1"));
        std::fs::File::create(&path)
            .and_then(|mut file| render(&mut file))
            .with_context(|| format!("writing {}", path.display()))
    };
    write("svn2s3", &|file| {
        let man = clap_mangen::Man::new(command.clone());
        man.render_title(file)?;
        man.render_name_section(file)?;
        man.render_synopsis_section(file)?;
        man.render_description_section(file)?;
        man.render_options_section(file)?;
        man.render_subcommands_section(file)?;
        file.write_all(MAN_SECTIONS.as_bytes())?;
        man.render_version_section(file)
    })?;
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        let name = format!("svn2s3-{}", sub.get_name());
        let page = sub
            .clone()
            .name(name.clone())
            .version(env!("CARGO_PKG_VERSION"));
        write(&name, &|file| {
            clap_mangen::Man::new(page.clone()).render(file)
        })?;
    }
    Ok(())
}

/// The main man page's own sections, in roff.
const MAN_SECTIONS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Success, also when there is nothing to publish.
.TP
\fB1\fR
A publish failed part\-way (the state was not advanced: run the same command again), \fBverify\fR found drift, or a complete publish could not be invalidated in CloudFront.
.TP
\fB2\fR
Bad usage, a bad config file or a refusal, before anything was written.
.TP
\fB130\fR, \fB143\fR
A publish stopped by SIGINT or SIGTERM; run the same command again.
.SH ENVIRONMENT
.TP
\fBAWS_ACCESS_KEY_ID\fR, \fBAWS_SECRET_ACCESS_KEY\fR, \fBAWS_SESSION_TOKEN\fR, \fBAWS_PROFILE\fR
Credentials, as for the AWS tools; never read from the config file.
.TP
\fBAWS_ENDPOINT_URL\fR, \fBAWS_REGION\fR
The endpoint and region, where neither flags nor the config file give them.
.TP
\fBAWS_ENDPOINT_URL_CLOUDFRONT\fR
Another CloudFront API endpoint for \fB\-\-invalidate\fR.
.TP
\fBSSL_CERT_FILE\fR, \fBSSL_CERT_DIR\fR
Trusted certificates besides the system's store.
.TP
\fBRUST_LOG\fR
Log filter; overrides \fB\-v\fR.
.SH FILES
.TP
\fBsvn2s3.yaml\fR
Settings, at the root of the published folder (or \fB\-\-config\fR FILE).
.TP
\fIprefix\fR\fB.svn2s3/state.yaml\fR
In the bucket: the last published revision, and the claim of a publish under way.
"#;

/// Writes the report to stdout; a reader that went away is not an error.
fn print<T: Serialize + std::fmt::Display>(common: &Common, report: &T) -> Result<ExitCode> {
    let text = if common.json {
        serde_json::to_string_pretty(report)?
    } else if common.quiet {
        return Ok(ExitCode::SUCCESS);
    } else {
        report.to_string()
    };
    write_out(format!("{text}\n").as_bytes())
}

/// Writes to stdout; a reader that went away is not an error.
fn write_out(bytes: &[u8]) -> Result<ExitCode> {
    match io::stdout().lock().write_all(bytes) {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => Ok(other.map(|()| ExitCode::SUCCESS)?),
    }
}

/// Logs go to stderr: warnings by default, `-v` info, `-vv` debug, svn2s3's
/// own events only (a dependency's debug output may carry request headers);
/// RUST_LOG overrides both.
fn init_logging(common: &Common) {
    let level = match (common.quiet, common.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "svn2s3=info,warn",
        (false, _) => "svn2s3=debug,warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .init();
}
