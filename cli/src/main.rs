//! `svn2s3`: parse the command line, run, print, and map the outcome to an
//! exit status, in one place (`main`): 0 done, 1 an incomplete publish, a
//! failed invalidation or drift found by verify, 2 nothing written, 130 and
//! 143 a command stopped by SIGINT or SIGTERM.
//!
//! The binary's own modules: the clap definition, the progress bar, the man
//! pages and the signals, over the library's API.

mod bar;
mod cli;
mod man;
mod signals;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser as _};
use serde::Serialize;

use bar::Bar;
use cli::{Cli, Command, Common};
use svn2s3::{Flags, Publisher, Settings};

/// The post-commit hook `svn2s3 hook-script` prints: contrib/post-commit.
const HOOK_SCRIPT: &str = include_str!("../../contrib/post-commit");

/// Why a command failed: the library's errors know their exit status; the
/// command's own (writing man pages, say) are usage errors.
enum Failure {
    Library(svn2s3::Error),
    Command(anyhow::Error),
}

impl From<svn2s3::Error> for Failure {
    fn from(err: svn2s3::Error) -> Failure {
        Failure::Library(err)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(err: anyhow::Error) -> Failure {
        Failure::Command(err)
    }
}

impl From<io::Error> for Failure {
    fn from(err: io::Error) -> Failure {
        Failure::Command(err.into())
    }
}

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
    if let Some(common) = cli.command.common() {
        init_logging(common);
    }
    match run(&cli) {
        Ok(code) => code,
        Err(Failure::Library(err)) => {
            eprintln!("svn2s3: {err}");
            ExitCode::from(err.exit_status())
        }
        Err(Failure::Command(err)) => {
            eprintln!("svn2s3: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode, Failure> {
    match &cli.command {
        Command::Publish(args) => each_target(&args.common, args.flags(), |publisher| {
            let mut publisher = publisher;
            let bar = Bar::for_terminal(&args.common);
            if let Some(bar) = bar.clone() {
                publisher = publisher.on_progress(move |event| bar.hear(event));
            }
            let published = publisher.publish();
            if let Some(bar) = bar {
                bar.clear();
            }
            match published {
                Ok(report) => Outcome::of(Some(&report), Ok(0)),
                // Complete, but not invalidated: the report stands, then the error.
                Err(err) => {
                    let report = Outcome::of(err.report(), Ok(1));
                    Outcome {
                        result: Err(err),
                        ..report
                    }
                }
            }
        }),
        Command::Status(common) => each_target(common, common.flags(), |publisher| match publisher
            .status()
        {
            Ok(report) => Outcome::of(Some(&report), Ok(0)),
            Err(err) => Outcome::failed(err),
        }),
        Command::Verify(common) => each_target(common, common.flags(), |publisher| match publisher
            .verify()
        {
            Ok(report) => Outcome::of(Some(&report), Ok(u8::from(!report.drift.is_empty()))),
            Err(err) => Outcome::failed(err),
        }),
        Command::Previews(common) => {
            each_target(common, common.flags(), |publisher| {
                match publisher.previews() {
                    Ok(report) => Outcome::of(Some(&report), Ok(0)),
                    Err(err) => Outcome::failed(err),
                }
            })
        }
        Command::Prune(args) => {
            each_target(&args.common, args.flags(), |publisher| {
                match publisher.prune() {
                    Ok(report) => Outcome::of(Some(&report), Ok(0)),
                    Err(err) => Outcome::failed(err),
                }
            })
        }
        Command::Unlock(args) => {
            each_target(
                &args.common,
                args.common.flags(),
                |publisher| match publisher.unlock(args.force) {
                    Ok(report) => Outcome::of(Some(&report), Ok(0)),
                    Err(err) => Outcome::failed(err),
                },
            )
        }
        Command::HookScript => write_out(HOOK_SCRIPT.as_bytes()),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "svn2s3", &mut script);
            write_out(&script)
        }
        Command::Man { dir } => {
            man::write(dir)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What a command did for one target: its report, as text and as JSON, and
/// its exit status, or the error that ended it.
struct Outcome {
    text: Option<String>,
    json: Option<serde_json::Value>,
    result: Result<u8, svn2s3::Error>,
}

impl Outcome {
    fn of<T: Serialize + std::fmt::Display>(
        report: Option<&T>,
        result: Result<u8, svn2s3::Error>,
    ) -> Outcome {
        Outcome {
            text: report.map(ToString::to_string),
            json: report.and_then(|report| serde_json::to_value(report).ok()),
            result,
        }
    }

    fn failed(err: svn2s3::Error) -> Outcome {
        Outcome {
            text: None,
            json: None,
            result: Err(err),
        }
    }

    fn status(&self) -> u8 {
        match &self.result {
            Ok(status) => *status,
            Err(err) => err.exit_status(),
        }
    }
}

/// Runs `command` for the settings the flags give, or, with `--target`, for
/// each target named, one after the other: one that fails does not stop
/// the next (a signal does), and the exit status is the worst of them.
/// With `--json` and targets, the reports go out as one array, each named.
fn each_target(
    common: &Common,
    flags: Flags,
    command: impl Fn(Publisher) -> Outcome,
) -> Result<ExitCode, Failure> {
    let env = |key: &str| std::env::var(key).ok().filter(|value| !value.is_empty());
    // From here on, SIGINT and SIGTERM stop the command through its handle.
    let cancel = svn2s3::Cancel::new();
    if flags.targets.is_empty() {
        let publisher = Publisher::new(Settings::load(&flags, env)?).with_cancel(cancel.clone());
        signals::stop_on_signals(cancel)?;
        let outcome = command(publisher);
        if let (Some(json), true) = (&outcome.json, common.json) {
            print_text(&serde_json::to_string_pretty(json).map_err(anyhow::Error::from)?)?;
        } else if let (Some(text), false) = (&outcome.text, common.quiet || common.json) {
            print_text(text)?;
        }
        return match outcome.result {
            Ok(status) => Ok(ExitCode::from(status)),
            Err(err) => Err(err.into()),
        };
    }
    let targets = Settings::load_targets(&flags, env)?;
    signals::stop_on_signals(cancel.clone())?;
    let mut worst = 0;
    let mut reports = Vec::new();
    for (name, settings) in targets {
        if cancel.stopped().is_some() {
            break;
        }
        let outcome = command(Publisher::new(settings).with_cancel(cancel.clone()));
        if let (Some(text), false) = (&outcome.text, common.quiet || common.json) {
            print_text(text)?;
        }
        if let Err(err) = &outcome.result {
            eprintln!("svn2s3: {name}: {err}");
        }
        let status = outcome.status();
        worst = worst.max(status);
        let mut json = match outcome.json {
            Some(serde_json::Value::Object(report)) => report,
            _ => serde_json::Map::new(),
        };
        json.insert("name".into(), name.into());
        json.insert("exit_status".into(), status.into());
        if let Err(err) = &outcome.result {
            json.insert("error".into(), err.to_string().into());
        }
        reports.push(serde_json::Value::Object(json));
    }
    if common.json {
        print_text(&serde_json::to_string_pretty(&reports).map_err(anyhow::Error::from)?)?;
    }
    Ok(ExitCode::from(worst))
}

/// Writes a report and a newline to stdout.
fn print_text(text: &str) -> Result<ExitCode, Failure> {
    write_out(format!("{text}\n").as_bytes())
}

/// Writes to stdout; a reader that went away is not an error.
fn write_out(bytes: &[u8]) -> Result<ExitCode, Failure> {
    match io::stdout().lock().write_all(bytes) {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => Ok(other.map(|()| ExitCode::SUCCESS)?),
    }
}

/// Logs go to stderr: warnings by default, `-v` info, `-vv` debug, svn2s3's
/// own events only (a dependency's debug output may carry request headers);
/// RUST_LOG overrides both. The AWS SDK's credential chain (targets
/// `aws_*`) is not heard: what it could not do comes back as svn2s3's own
/// one-line error, where its warnings would print whole HTTP answers.
fn init_logging(common: &Common) {
    let level = match (common.quiet, common.verbose) {
        (true, _) => "error,aws=off",
        (false, 0) => "warn,aws=off",
        (false, 1) => "svn2s3=info,warn,aws=off",
        (false, _) => "svn2s3=debug,warn,aws=off",
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
