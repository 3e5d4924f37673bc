//! The last published revision, kept in the bucket itself so that a publish
//! runs the same from any machine with a checkout.

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::source::Source;
use crate::svn::Revnum;

/// The state object's key below the prefix.
pub const STATE_KEY: &str = ".svn2s3/state.yaml";

/// What the bucket holds: which folder of which repository, at which revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// The repository's UUID.
    pub uuid: String,
    /// The published folder's path in the repository, without a leading slash.
    pub path: String,
    pub revision: Revnum,
    /// When the publish finished, RFC 3339, UTC.
    pub published_at: String,
    /// The svn2s3 version that wrote it.
    pub version: String,
}

impl State {
    /// The state of a publish of `source` that has just succeeded.
    pub fn of(source: &Source) -> State {
        let now = OffsetDateTime::now_utc();
        State {
            uuid: source.uuid().to_owned(),
            path: source.repos_path().to_owned(),
            revision: source.revision(),
            published_at: now
                .format(&Rfc3339)
                .unwrap_or_else(|_| now.unix_timestamp().to_string()),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    pub fn key(prefix: &str) -> String {
        format!("{prefix}{STATE_KEY}")
    }

    pub fn parse(bytes: &[u8], key: &str) -> Result<State> {
        serde_yaml::from_slice(bytes)
            .with_context(|| format!("the state object {key} is not svn2s3's"))
    }

    pub fn to_yaml(&self) -> String {
        serde_yaml::to_string(self).expect("a State always serialises")
    }

    /// Refuses to publish `source` over a state it does not continue.
    pub fn check_continues(&self, source: &Source, key: &str) -> Result<()> {
        let folder = source.name();
        if self.uuid != source.uuid() {
            bail!(
                "the bucket holds a publish of repository {}, but {folder} belongs to repository {}; \
                 publish it under another --prefix or bucket",
                self.uuid,
                source.uuid()
            );
        }
        if self.path != source.repos_path() {
            bail!(
                "the bucket holds a publish of ^/{}, but {folder} is ^/{}; publish it under another \
                 --prefix, or delete {key} to replace that publish with a --full one",
                self.path,
                source.repos_path()
            );
        }
        if self.revision > source.revision() {
            bail!(
                "the bucket is at r{}, newer than {folder} at r{}; {} first",
                self.revision,
                source.revision(),
                source.how_to_reach(self.revision)
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_round_trips_through_yaml() {
        let state = State {
            uuid: "9b5f2c6e-0000-4000-8000-000000000000".into(),
            path: "trunk/media files".into(),
            revision: 42,
            published_at: "2026-11-24T06:00:00Z".into(),
            version: "0.1.0".into(),
        };
        let yaml = state.to_yaml();
        assert!(yaml.contains("revision: 42"), "{yaml}");
        assert_eq!(State::parse(yaml.as_bytes(), "k").unwrap(), state);
        let err = State::parse(b"hello: world", "p/.svn2s3/state.yaml").unwrap_err();
        assert!(format!("{err:#}").contains("p/.svn2s3/state.yaml is not svn2s3's"));
    }
}
