//! A survey of the whole tree, one file at a time: a first publish,
//! `--full`, or what `verify` expects.

use super::*;

/// The files that moved since the revision the bucket holds, for a survey:
/// the log of the range, and the files gone since.
pub(crate) struct Moves {
    pub history: History,
    pub deleted: Vec<String>,
}

/// A first publish, `--full` or `verify`: the whole tree, seen one file at
/// a time, against the listing of the prefix when there is one. Memory
/// holds the listing, not the objects: a second walk makes them as they
/// are written ([`Planned::streamed`]).
pub(crate) struct Survey<'a> {
    cx: &'a Context<'a>,
    /// How many objects the files make.
    objects: usize,
    skipped: Vec<Skipped>,
    links: Vec<Link>,
    /// The listing's objects the tree has not claimed yet.
    listing: BTreeMap<String, Listed>,
    /// Listed keys that a file of the tree goes beneath, or above: a file
    /// that became a folder, or the reverse. They must go first.
    blocking: BTreeSet<String>,
    /// The listing's objects under keys of the tree's files.
    present: HashMap<String, Listed>,
    /// Keys of links the listing holds.
    listed_links: BTreeSet<String>,
    /// Prefixes under this one where another publish keeps its state.
    foreign: BTreeSet<String>,
    /// Whether there is a listing.
    listed: bool,
    /// The moves since the revision the bucket holds.
    moves: Option<Moves>,
    /// What the walk found at the paths the redirects go through: known
    /// before the walk (the state's redirects), or named by a link met on
    /// the way (`late`, which the walk may have passed already).
    seen: BTreeMap<String, Option<Node>>,
    late: BTreeSet<String>,
}

impl<'a> Survey<'a> {
    /// A survey against `listing` (none for `verify`).
    pub fn new(
        cx: &'a Context<'a>,
        listing: Option<Vec<Listed>>,
        moves: Option<Moves>,
    ) -> Survey<'a> {
        let listed = listing.is_some();
        let listing: BTreeMap<String, Listed> = listing
            .into_iter()
            .flatten()
            .map(|listed| (listed.key.clone(), listed))
            .collect();
        let foreign = foreign_prefixes(listing.keys().map(String::as_str), &cx.rules.prefix);
        let table = cx.table();
        let through = cx.links().values().flatten();
        // Where the moved files went, to know whether they are still there.
        let gone = moves.iter().flat_map(|moves| {
            let went = moves
                .history
                .moves(moves.deleted.iter().map(String::as_str));
            let above = moves
                .deleted
                .iter()
                .flat_map(|path| path.match_indices('/').map(|(at, _)| path[..at].to_owned()));
            let above: Vec<String> = above.collect();
            moves
                .deleted
                .iter()
                .cloned()
                .chain(went.into_values())
                .chain(above)
        });
        let seen = (table.keys().cloned())
            .chain(table.values().cloned())
            .chain(through.map(|path| path.trim_end_matches('/').to_owned()))
            .chain(gone)
            .map(|path| (path, None))
            .collect();
        Survey {
            cx,
            objects: 0,
            skipped: Vec::new(),
            links: Vec::new(),
            listing,
            blocking: BTreeSet::new(),
            present: HashMap::new(),
            listed_links: BTreeSet::new(),
            foreign,
            listed,
            moves,
            seen,
            late: BTreeSet::new(),
        }
    }

    /// Takes in one file of the tree: refused here, before any write, if
    /// it cannot be published as it is.
    pub fn see(&mut self, file: &File) -> Result<(), PlanError> {
        let rules = self.cx.rules;
        match objects(file, rules)? {
            Objects::Excluded => return Ok(()),
            Objects::Skipped(reason) => self.skipped.push(Skipped {
                path: file.path.clone(),
                reason,
            }),
            Objects::Written(uploads) => {
                for upload in uploads {
                    self.claim(&upload.key, &file.path)?;
                    if let Some(listed) = self.listing.remove(&upload.key) {
                        self.present.insert(upload.key.clone(), listed);
                    }
                    self.objects += 1;
                }
            }
            Objects::Redirect(link) => {
                self.claim(&link.key, &file.path)?;
                if self.listing.remove(&link.key).is_some() {
                    self.listed_links.insert(link.key.clone());
                }
                if let Target::Path { path, .. } = &link.target {
                    if !self.seen.contains_key(path) {
                        self.seen.insert(path.clone(), None);
                        self.late.insert(path.clone());
                    }
                }
                self.links.push(*link);
            }
        }
        self.note(file);
        Ok(())
    }

    /// Notes what the walk found not to publish, and why.
    pub fn skip(&mut self, skipped: impl IntoIterator<Item = Skipped>) {
        self.skipped.extend(skipped);
    }

    /// Notes `file`, and the folders above it, where a redirect may lead.
    fn note(&mut self, file: &File) {
        if let Some(node) = self.seen.get_mut(&file.path) {
            *node = Some(Node::File(file.clone()));
        }
        for (at, _) in file.path.match_indices('/') {
            if let Some(node @ None) = self.seen.get_mut(&file.path[..at]) {
                *node = Some(Node::Folder);
            }
        }
    }

    /// Refuses a key under a prefix where another publish keeps its state,
    /// and notes the listed keys that cannot stay beside it.
    fn claim(&mut self, key: &str, path: &str) -> Result<(), PlanError> {
        if let Some(prefix) = holding(&self.foreign, key) {
            return Err(PlanError::Foreign {
                path: path.to_owned(),
                key: key.to_owned(),
                prefix: prefix.clone(),
            });
        }
        for (at, _) in key.match_indices('/') {
            if self.listing.contains_key(&key[..at]) {
                self.blocking.insert(key[..at].to_owned());
            }
        }
        let below = format!("{key}/");
        let under = self.listing.range(below.clone()..);
        let under = under.take_while(|(listed, _)| listed.starts_with(&below));
        self.blocking
            .extend(under.map(|(listed, _)| listed.clone()));
        Ok(())
    }

    /// The plan, once every file was seen: the redirects followed through
    /// `tree`, what publishes cut off in `unfinished` deleted, and the
    /// listed keys the tree lacks deleted (`--full`) or named.
    pub fn finish(self, tree: &dyn Lookup, unfinished: Vec<String>) -> Result<Planned> {
        let cx = self.cx;
        let rules = cx.rules;
        let mut plan = Plan::default();
        plan.skip(self.skipped);

        let files_at: BTreeSet<String> = (self.seen.iter())
            .filter(|(_, node)| matches!(node, Some(Node::File(_))))
            .map(|(path, _)| path.clone())
            .collect();
        let seen = &self.seen;
        let crowded = |path: &str| {
            let file = |path: &str| matches!(seen.get(path), Some(Some(Node::File(_))));
            let above = path.match_indices('/').any(|(at, _)| file(&path[..at]));
            above || file(path) || matches!(seen.get(path), Some(Some(Node::Folder)))
        };
        let mut redirects = Redirects::survey(cx, &files_at, &crowded, self.moves.as_ref());
        let walked = Walked {
            seen: &self.seen,
            late: &self.late,
            rest: tree,
        };
        redirects.write(cx, &mut plan, self.links, &walked, None)?;
        let mut gone = Vec::new();
        for link in plan.skipped() {
            if let Ok(key) = key(rules, &link.path) {
                if self.listed_links.contains(&key) {
                    gone.push(key);
                }
            }
        }
        for path in &unfinished {
            gone.extend(keys_of(path, rules)?);
        }
        plan.delete_also(gone);

        // What the listing holds that the tree does not.
        let written = plan.written_keys();
        let mut stray = Vec::new();
        let mut fenced: BTreeMap<&str, usize> = BTreeMap::new();
        for key in self.listing.keys() {
            if cx.is_state_key(key)
                || rules.is_excluded_key(key)
                || written.contains(key.as_str())
                || cx.waiting().contains_key(key)
            {
                continue;
            }
            match holding(&self.foreign, key) {
                Some(prefix) => *fenced.entry(prefix).or_default() += 1,
                None => stray.push(key.clone()),
            }
        }
        let mut notes: Vec<String> = (fenced.into_iter())
            .map(|(prefix, count)| left_alone(prefix, count, "object"))
            .collect();
        if cx.full {
            plan.delete_also(stray);
        } else if !stray.is_empty() {
            notes.push(format!(
                "holds {} the tree does not have, left alone (--full deletes them)",
                crate::report::counted(stray.len(), "object")
            ));
        }
        // A streamed plan holds no upload to tell which deletes go first.
        let blocking = self.blocking;
        plan.clear_first(|key| blocking.contains(key));
        let written: BTreeSet<String> = (plan.written_keys().into_iter())
            .map(str::to_owned)
            .collect();
        let present = &self.present;
        let tree_has = |key: &str| present.contains_key(key) || written.contains(key);
        let first = |key: &str| blocking.contains(key);
        let removed = defer(&mut plan, cx.waiting(), cx.keep, tree_has, first, |_| false);
        // Nothing is written there either: redirects the state recorded
        // included.
        let foreign = self.foreign;
        refuse_writes_inside(cx, &plan, &foreign)?;
        plan.keep(|key| holding(&foreign, key).is_some());
        keep_state_folder(cx, &mut plan);
        check_deletes(&plan, cx.max_delete)?;
        // The listing shows every publish inside this one: what it shows
        // is what the state records. Without a listing, the record stays.
        let nested = match self.listed {
            true => foreign,
            false => cx.nested(),
        };
        let live = cx.state.is_some() || !self.listing.is_empty() || !self.present.is_empty();
        Ok(Planned {
            plan,
            published: cx.published_state(redirects, nested, removed),
            walked: None,
            present: self.present,
            streamed: Some(self.objects),
            notes,
            live,
        })
    }
}

/// What a survey's walk found, and, where it cannot tell, what `rest` says.
struct Walked<'a> {
    seen: &'a BTreeMap<String, Option<Node>>,
    late: &'a BTreeSet<String>,
    rest: &'a dyn Lookup,
}

impl Lookup for Walked<'_> {
    fn node(&self, path: &str) -> Result<Node> {
        match self.seen.get(path) {
            Some(Some(node)) => Ok(node.clone()),
            // Looked for from the start of the walk, and not found.
            Some(None) if !self.late.contains(path) && !path.is_empty() => Ok(Node::Absent),
            _ => self.rest.node(path),
        }
    }
}

/// The prefixes, among `keys` under `prefix`, where another publish keeps
/// its state: each `X/` of an `X/.svn2s3/state.yaml` other than this one's.
pub(crate) fn foreign_prefixes<'k>(
    keys: impl IntoIterator<Item = &'k str>,
    prefix: &str,
) -> BTreeSet<String> {
    keys.into_iter()
        .filter_map(|key| key.strip_suffix(STATE_KEY))
        .filter(|other| *other != prefix && other.starts_with(prefix) && other.ends_with('/'))
        .map(str::to_owned)
        .collect()
}
