//! `svn2s3.yaml` as written: what serde reads, and how its parts merge.

use super::*;

/// `svn2s3.yaml` as written, or a part of it; absent keys are `None`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConfigFile {
    pub(super) bucket: Option<String>,
    pub(super) region: Option<String>,
    pub(super) endpoint: Option<String>,
    pub(super) addressing: Option<Addressing>,
    pub(super) store: Option<StoreKind>,
    pub(super) prefix: Option<String>,
    pub(super) source: Option<PathBuf>,
    pub(super) build: Option<PathBuf>,
    pub(super) workers: Option<usize>,
    pub(super) gzip: Option<TwinSetting>,
    pub(super) brotli: Option<TwinSetting>,
    pub(super) headers: Option<Vec<HeaderRule>>,
    pub(super) acl: Option<String>,
    pub(super) storage_class: Option<String>,
    pub(super) sse: Option<String>,
    pub(super) sse_kms_key_id: Option<String>,
    pub(super) checksum: Option<String>,
    pub(super) exclude: Option<Vec<String>>,
    pub(super) order: Option<Vec<String>>,
    pub(super) max_delete: Option<usize>,
    pub(super) keep_removed: Option<String>,
    pub(super) redirects: Option<bool>,
    pub(super) cloudfront: Option<CloudFrontConfig>,
    pub(super) previews: Option<PreviewsConfig>,
    pub(super) website: Option<crate::website::Website>,
    pub(super) targets: Option<Targets>,
    #[serde(skip)]
    pub(super) origin: Option<PathBuf>,
}

/// `targets:`, each a name and the keys that differ from the file's, in
/// the order the file gives them.
#[derive(Debug, Clone, Default)]
pub(super) struct Targets(pub(super) Vec<(String, ConfigFile)>);

/// Read by hand to keep the file's order.
impl<'de> Deserialize<'de> for Targets {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Targets, D::Error> {
        struct Named;
        impl<'de> serde::de::Visitor<'de> for Named {
            type Value = Targets;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a mapping of target names to their settings")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Targets, A::Error> {
                let mut targets = Vec::new();
                while let Some((name, file)) = map.next_entry::<String, ConfigFile>()? {
                    targets.push((name, file));
                }
                Ok(Targets(targets))
            }
        }
        deserializer.deserialize_map(Named)
    }
}

/// `previews:`: where branch previews go, and their URL.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PreviewsConfig {
    pub(super) prefix: Option<String>,
    pub(super) url: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CloudFrontConfig {
    pub(super) distribution: Option<Distributions>,
    pub(super) max_paths: Option<usize>,
    pub(super) index: Option<String>,
    pub(super) bare_folders: Option<bool>,
    pub(super) origin_path: Option<String>,
}

/// `distribution: E2Q...`, or a list of them.
#[derive(Debug, Clone)]
pub(super) struct Distributions(pub(super) Vec<String>);

/// Read by hand, as [`TwinSetting`] is.
impl<'de> Deserialize<'de> for Distributions {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Distributions, D::Error> {
        struct OneOrMore;
        impl<'de> serde::de::Visitor<'de> for OneOrMore {
            type Value = Distributions;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a distribution ID, or a list of them")
            }

            fn visit_str<E>(self, id: &str) -> Result<Distributions, E> {
                Ok(Distributions(vec![id.to_owned()]))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<Distributions, A::Error> {
                Vec::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(Distributions)
            }
        }
        deserializer.deserialize_any(OneOrMore)
    }
}

/// `gzip: true`, or `gzip: {enabled: true, patterns: [...]}`.
#[derive(Debug, Clone)]
pub(super) enum TwinSetting {
    Enabled(bool),
    Config(TwinConfig),
}

/// Read by hand rather than as an untagged enum, whose errors lose the
/// line and column of what is wrong inside the mapping.
impl<'de> Deserialize<'de> for TwinSetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<TwinSetting, D::Error> {
        struct Either;
        impl<'de> serde::de::Visitor<'de> for Either {
            type Value = TwinSetting;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false, or a mapping of `enabled` and `patterns`")
            }

            fn visit_bool<E>(self, on: bool) -> Result<TwinSetting, E> {
                Ok(TwinSetting::Enabled(on))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<TwinSetting, A::Error> {
                TwinConfig::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(TwinSetting::Config)
            }
        }
        deserializer.deserialize_any(Either)
    }
}

impl TwinSetting {
    pub(super) fn config(self) -> TwinConfig {
        match self {
            TwinSetting::Enabled(enabled) => TwinConfig {
                enabled,
                patterns: None,
            },
            TwinSetting::Config(config) => config,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TwinConfig {
    #[serde(default)]
    pub(super) enabled: bool,
    pub(super) patterns: Option<Vec<String>>,
}

impl ConfigFile {
    pub(super) fn read(path: &Path) -> Result<ConfigFile> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text, path)
    }

    pub(super) fn parse(text: &str, path: &Path) -> Result<ConfigFile> {
        // An empty file is an empty mapping, not an error.
        if text.trim().is_empty() {
            return Ok(ConfigFile {
                origin: Some(path.to_path_buf()),
                ..ConfigFile::default()
            });
        }
        let mut file: ConfigFile = serde_yaml::from_str(text).map_err(|err| {
            let message = err.to_string();
            match err.location() {
                Some(at) => {
                    // serde_yaml appends " at line L column C"; say it once, up front.
                    let message = message.split(" at line ").next().unwrap_or(&message);
                    anyhow!(
                        "{}:{}:{}: {message}",
                        path.display(),
                        at.line(),
                        at.column()
                    )
                }
                None => anyhow!("{}: {message}", path.display()),
            }
        })?;
        file.origin = Some(path.to_path_buf());
        // A build folder the file names is beside the file, its own and its
        // targets': so it stays, whatever is set over the file later (keys
        // set one by one leave the settings no single file to name).
        if let Some(dir) = path.parent() {
            let beside = |folder: &mut Option<PathBuf>| {
                if let Some(folder) = folder.as_mut().filter(|folder| folder.is_relative()) {
                    if !folder.as_os_str().is_empty() {
                        *folder = dir.join(&*folder);
                    }
                }
            };
            beside(&mut file.build);
            for (_, target) in file.targets.iter_mut().flat_map(|targets| &mut targets.0) {
                beside(&mut target.build);
            }
        }
        Ok(file)
    }

    /// The file that says only `key: value`, where `key` may name a key
    /// inside another (`cloudfront.distribution`).
    /// A message names the key, never the value: a value given under the
    /// wrong key may be a secret (`secret_access_key=...`), and serde's
    /// messages quote the values they refuse.
    pub(super) fn key(key: &str, value: &str) -> Result<ConfigFile> {
        let setting = |err: &dyn std::fmt::Display| {
            let message = err.to_string();
            let message = message.split(" at line ").next().unwrap_or(&message);
            anyhow!("setting {key}: {}", without_values(message))
        };
        let mut document: serde_yaml::Value =
            serde_yaml::from_str(value).map_err(|err| setting(&err))?;
        for part in key.rsplit('.') {
            let mut mapping = serde_yaml::Mapping::new();
            mapping.insert(serde_yaml::Value::String(part.to_owned()), document);
            document = serde_yaml::Value::Mapping(mapping);
        }
        // Through text, so that `bucket: 123` reads as a name, as in a file.
        let text = serde_yaml::to_string(&document).map_err(|err| setting(&err))?;
        serde_yaml::from_str(&text).map_err(|err| setting(&err))
    }

    /// This file's keys over `under`'s.
    pub(super) fn over(self, under: ConfigFile) -> ConfigFile {
        // Messages name the file only for what it said alone.
        let origin = if self.origin.is_none() && self.is_empty() {
            under.origin.clone()
        } else {
            self.origin.clone()
        };
        let cloudfront = match (self.cloudfront, under.cloudfront) {
            (Some(top), Some(bottom)) => Some(CloudFrontConfig {
                distribution: top.distribution.or(bottom.distribution),
                max_paths: top.max_paths.or(bottom.max_paths),
                index: top.index.or(bottom.index),
                bare_folders: top.bare_folders.or(bottom.bare_folders),
                origin_path: top.origin_path.or(bottom.origin_path),
            }),
            (top, bottom) => top.or(bottom),
        };
        let previews = match (self.previews, under.previews) {
            (Some(top), Some(bottom)) => Some(PreviewsConfig {
                prefix: top.prefix.or(bottom.prefix),
                url: top.url.or(bottom.url),
            }),
            (top, bottom) => top.or(bottom),
        };
        ConfigFile {
            bucket: self.bucket.or(under.bucket),
            region: self.region.or(under.region),
            endpoint: self.endpoint.or(under.endpoint),
            addressing: self.addressing.or(under.addressing),
            store: self.store.or(under.store),
            prefix: self.prefix.or(under.prefix),
            source: self.source.or(under.source),
            build: self.build.or(under.build),
            workers: self.workers.or(under.workers),
            gzip: self.gzip.or(under.gzip),
            brotli: self.brotli.or(under.brotli),
            headers: self.headers.or(under.headers),
            acl: self.acl.or(under.acl),
            storage_class: self.storage_class.or(under.storage_class),
            sse: self.sse.or(under.sse),
            sse_kms_key_id: self.sse_kms_key_id.or(under.sse_kms_key_id),
            checksum: self.checksum.or(under.checksum),
            exclude: self.exclude.or(under.exclude),
            order: self.order.or(under.order),
            max_delete: self.max_delete.or(under.max_delete),
            keep_removed: self.keep_removed.or(under.keep_removed),
            redirects: self.redirects.or(under.redirects),
            cloudfront,
            previews,
            website: self.website.or(under.website),
            targets: self.targets.or(under.targets),
            origin,
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.bucket.is_none()
            && self.region.is_none()
            && self.endpoint.is_none()
            && self.addressing.is_none()
            && self.store.is_none()
            && self.prefix.is_none()
            && self.source.is_none()
            && self.build.is_none()
            && self.workers.is_none()
            && self.gzip.is_none()
            && self.brotli.is_none()
            && self.headers.is_none()
            && self.acl.is_none()
            && self.storage_class.is_none()
            && self.sse.is_none()
            && self.sse_kms_key_id.is_none()
            && self.checksum.is_none()
            && self.exclude.is_none()
            && self.order.is_none()
            && self.max_delete.is_none()
            && self.keep_removed.is_none()
            && self.redirects.is_none()
            && self.cloudfront.is_none()
            && self.previews.is_none()
            && self.website.is_none()
            && self.targets.is_none()
    }

    /// The names of the targets, in the file's order.
    pub(super) fn target_names(&self) -> Vec<&str> {
        self.targets
            .iter()
            .flat_map(|targets| &targets.0)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// The file as target `name` sees it: the target's keys over the rest.
    pub(super) fn for_target(mut self, name: &str) -> Result<ConfigFile> {
        let names = self.target_names().join(", ");
        let whose = self.origin.as_ref().map_or_else(
            || "the settings".to_owned(),
            |path| path.display().to_string(),
        );
        let targets = self.targets.take().unwrap_or_default();
        let Some((_, mut target)) = targets.0.into_iter().find(|(named, _)| named == name) else {
            match names.as_str() {
                "" => bail!("{whose}: there are no targets"),
                names => bail!("{whose} names no such target; it names {names}"),
            }
        };
        if target.targets.is_some() {
            bail!("{whose}: targets.{name}: a target cannot name targets of its own");
        }
        target.origin = self.origin.clone();
        Ok(target.over(self))
    }
}

/// `message` with every double-quoted part (a value serde quotes) left out.
fn without_values(message: &str) -> String {
    let mut kept = String::new();
    let mut parts = message.split('"');
    if let Some(first) = parts.next() {
        kept.push_str(first);
    }
    let mut quoted = true;
    for part in parts {
        kept.push_str(if quoted { "(a value not shown)" } else { part });
        quoted = !quoted;
    }
    kept
}
