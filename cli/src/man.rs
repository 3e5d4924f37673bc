//! The man pages: `svn2s3.1` and a page per command, made from the same clap
//! definition that parses the command line, and the main page's own sections.

use std::io::{self, Write};

use anyhow::{Context, Result};
use clap::CommandFactory;

use crate::cli::Cli;

/// Writes `svn2s3.1` and a page per command (`svn2s3-publish.1`, ...) into
/// `dir`, from the same clap definition that parses the command line. The
/// main page adds what clap does not know: exit statuses, environment, files.
pub fn write(dir: &std::path::Path) -> Result<()> {
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
        file.write_all(SECTIONS.as_bytes())?;
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
const SECTIONS: &str = r#".SH "EXIT STATUS"
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
Credentials, as for the AWS tools; never read from the config file. The
rest of the AWS SDK's chain follows them: the profile's keys, role
(\fBrole_arn\fR), \fBcredential_process\fR or SSO session in
\fB~/.aws/config\fR and \fB~/.aws/credentials\fR;
\fBAWS_WEB_IDENTITY_TOKEN_FILE\fR with \fBAWS_ROLE_ARN\fR; ECS container
credentials; EC2 instance metadata (IMDSv2).
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
