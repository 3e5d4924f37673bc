//! The redirects of a publish: from moves and from links, each followed
//! to its end and checked against the tree.

use super::*;

/// The redirects of a publish: from moves (the table) and from files
/// (links), and what becomes of each.
pub(super) struct Redirects {
    /// Old path to the path it moved to, before each is checked.
    table: Table,
    /// Old paths whose redirect is new or leads elsewhere now.
    changed: BTreeSet<String>,
    /// Paths the change touched: a redirect through one is followed again.
    touched: BTreeSet<String>,
    /// Everything is followed again and written (a survey, rules changed).
    all: bool,
    /// The redirects from moves that stay, once checked.
    pub(super) kept: Table,
    /// The files published as redirects, and the paths each goes through.
    pub(super) links: BTreeMap<String, Vec<String>>,
    /// The symbolic links skipped for leading nowhere, and the paths each
    /// went through.
    pub(super) unresolved: BTreeMap<String, Vec<String>>,
}

impl Redirects {
    /// The table after a change: the files that moved leave redirects at
    /// their old paths, a redirect follows its target's move, and a file
    /// published at a redirect's path takes its place.
    pub(super) fn incremental(
        cx: &Context,
        changes: &plan::Changeset,
        history: Option<&History>,
        old: Option<&Rules>,
        tree: &Overlay,
    ) -> Redirects {
        let rules = cx.rules;
        let deleted: BTreeSet<&str> = changes.deletes.iter().map(String::as_str).collect();
        let mut moved = match history {
            Some(history) => {
                let gone = deleted.iter().copied();
                history.moves(gone.filter(|path| !rules.exclude.is_match(path)))
            }
            None => BTreeMap::new(),
        };
        // A moved file's old path holds a redirect only where no file of
        // the tree is now: not there, nor above it, nor below it (a file
        // there now is new in the range, so the change names it).
        moved.retain(|old_path, new| !rules.exclude.is_match(new) && !tree.crowds(old_path));

        let mut table = Table::new();
        let mut changed = BTreeSet::new();
        for (from, to) in cx.table() {
            if tree.changes_to_file(from) {
                // The file's own upload writes its key.
                changed.insert(from.clone());
                continue;
            }
            let onward = moved.get(to).unwrap_or(to);
            if onward != to {
                changed.insert(from.clone());
            }
            table.insert(from.clone(), onward.clone());
        }
        for (from, to) in moved {
            changed.insert(from.clone());
            table.insert(from, to);
        }
        let touched = changes
            .uploads
            .iter()
            .chain(&changes.reshaped)
            .map(|file| file.path.clone())
            .chain(changes.deletes.iter().cloned())
            .chain(changed.iter().cloned())
            .collect();
        Redirects {
            table,
            changed,
            touched,
            all: old.is_some(),
            kept: Table::new(),
            links: cx.links().clone(),
            unresolved: cx.unresolved().clone(),
        }
    }

    /// The table a survey finds: every redirect whose path is not a file
    /// of the tree now (`files_at` are), with those the moves since the
    /// bucket's revision leave, each followed again and written.
    pub(super) fn survey(
        cx: &Context,
        files_at: &BTreeSet<String>,
        crowded: &dyn Fn(&str) -> bool,
        moves: Option<&Moves>,
    ) -> Redirects {
        let rules = cx.rules;
        let moved = match moves {
            Some(moves) => {
                let gone = moves.deleted.iter().map(String::as_str);
                let mut moved = moves
                    .history
                    .moves(gone.filter(|path| !rules.exclude.is_match(path)));
                moved.retain(|old, new| !rules.exclude.is_match(new) && !crowded(old));
                moved
            }
            None => BTreeMap::new(),
        };
        let mut table: Table = (cx.table().iter())
            .filter(|(from, _)| !files_at.contains(*from))
            .map(|(from, to)| (from.clone(), moved.get(to).unwrap_or(to).clone()))
            .collect();
        table.extend(moved);
        Redirects {
            table,
            changed: BTreeSet::new(),
            touched: BTreeSet::new(),
            all: true,
            kept: Table::new(),
            links: BTreeMap::new(),
            unresolved: BTreeMap::new(),
        }
    }

    /// Whether a redirect through `path` must be followed again.
    fn touches(&self, path: &str) -> bool {
        let path = path.trim_end_matches('/');
        self.all
            || self.touched.contains(path)
            || self
                .touched
                .range(format!("{path}/")..)
                .next()
                .is_some_and(|touched| touched.starts_with(&format!("{path}/")))
    }

    /// Follows every redirect that the change may have moved, and plans
    /// what becomes of each: written (again) where it leads somewhere
    /// published, else taken away; a file's redirect that leads nowhere is
    /// refused (a property) or skipped (a symbolic link). `links` are the
    /// files of the change whose objects are redirects; `changes`, when
    /// there is a change, says which files it holds.
    pub(super) fn write(
        &mut self,
        cx: &Context,
        plan: &mut Plan,
        mut links: Vec<Link>,
        tree: &dyn Lookup,
        changes: Option<&plan::Changeset>,
    ) -> Result<()> {
        let rules = cx.rules;
        let follow = Follow {
            tree,
            table: &self.table,
            rules,
        };
        let (before, recorded) = (cx.links(), cx.table());
        let (mut gone, mut written) = (Vec::new(), Vec::new());

        // Redirects from moves. None is kept at the key of a twin the rules
        // now give (a file named `a.gz.css` that moved before `*.css` got
        // gzip twins): that key is the twin's.
        for (from, to) in &self.table {
            if plan::twin_of(from, rules).is_some() {
                if recorded.contains_key(from) {
                    gone.push(key(rules, from)?);
                }
                continue;
            }
            let through = before.get(to).into_iter().flatten().map(String::as_str);
            let must = self.changed.contains(from)
                || self.touches(to)
                || through.clone().any(|path| self.touches(path));
            if !must {
                self.kept.insert(from.clone(), to.clone());
                continue;
            }
            let target = Target::Path {
                path: to.clone(),
                folder: false,
            };
            match follow.to_end(from, &target, true)? {
                End::At { location, .. } => {
                    let headers = plan::moved_headers(from, rules)?;
                    let was = (recorded.get(from) == Some(to))
                        .then(|| end_location(rules, to, before.get(to)));
                    if self.all || self.changed.contains(from) || was.as_ref() != Some(&location) {
                        written.push(Upload::redirect(key(rules, from)?, location, headers));
                    }
                    self.kept.insert(from.clone(), to.clone());
                }
                End::Nowhere { .. } => {
                    if recorded.contains_key(from) {
                        gone.push(key(rules, from)?);
                    }
                }
            }
        }

        // Files that are redirects: those of the change, and those the
        // change may lead elsewhere.
        let in_change: BTreeSet<&str> = match changes {
            Some(changes) => changes
                .uploads
                .iter()
                .chain(&changes.reshaped)
                .map(|file| file.path.as_str())
                .chain(changes.deletes.iter().map(String::as_str))
                .collect(),
            None => BTreeSet::new(),
        };
        let named: BTreeSet<String> = links.iter().map(|link| link.path.clone()).collect();
        // A survey saw every link of the tree: those recorded that it did
        // not see are links no more. A symbolic link skipped for leading
        // nowhere is recorded too, so that it is written once it leads
        // somewhere.
        let recorded = (before.iter())
            .chain(cx.unresolved())
            .filter(|_| changes.is_some());
        for (path, through) in recorded {
            // A link the change names is planned with the change.
            let named = in_change.contains(path.as_str()) || named.contains(path);
            if !named && !through.iter().any(|step| self.touches(step)) {
                continue;
            }
            self.links.remove(path);
            self.unresolved.remove(path);
            if named {
                continue;
            }
            if let Node::File(file) = tree.node(path)? {
                if let Objects::Redirect(link) = objects(&file, rules)? {
                    links.push(*link);
                }
            }
        }
        for link in links {
            match follow.to_end(&link.path, &link.target, false)? {
                End::At { location, through } => {
                    let was = before
                        .get(&link.path)
                        .map(|through| end_location(rules, "", Some(through)));
                    if self.all
                        || in_change.contains(link.path.as_str())
                        || was.as_ref() != Some(&location)
                    {
                        written.push(Upload::redirect(link.key, location, link.headers));
                    }
                    if let Target::Path { .. } = link.target {
                        self.links.insert(link.path, through);
                    }
                }
                End::Nowhere {
                    why,
                    looped,
                    through,
                } => match link.by {
                    By::Property => {
                        return Err(PlanError::BadRedirect {
                            path: link.path,
                            value: link.written,
                            why: format!("{why} at r{}", cx.revision),
                        }
                        .into())
                    }
                    By::Symlink => {
                        let listed = before.contains_key(&link.path)
                            || changes.is_some_and(|c| {
                                in_change.contains(link.path.as_str())
                                    && !c.added.contains(&link.path)
                            });
                        if listed {
                            gone.push(link.key);
                        }
                        plan.skip([Skipped {
                            path: link.path.clone(),
                            reason: match looped {
                                true => "a symbolic link in a loop of redirects",
                                false => "a symbolic link to nothing published",
                            },
                        }]);
                        self.unresolved.insert(link.path, through);
                    }
                },
            }
        }
        plan.redirect(written);
        plan.delete_also(gone);
        Ok(())
    }
}

/// Where a redirect that went `through` these paths led: the location of
/// the last (a folder's ends in `/`), or of `to` when there were none.
fn end_location(rules: &Rules, to: &str, through: Option<&Vec<String>>) -> String {
    let last = through
        .and_then(|through| through.last())
        .map_or(to, String::as_str);
    let folder = last.ends_with('/');
    location(&rules.prefix, last.trim_end_matches('/'), folder)
}

/// Where a redirect ends.
enum End {
    /// At a published file or folder, or a URL: its location, and the
    /// paths of the tree the redirect went through, its target last (a
    /// folder's ending in `/`).
    At {
        location: String,
        through: Vec<String>,
    },
    /// Nowhere published, or into a loop: why, and the paths it went
    /// through (the one that is missing last).
    Nowhere {
        why: String,
        looped: bool,
        through: Vec<String>,
    },
}

/// Follows redirects through the tree and the table of moves.
struct Follow<'a> {
    tree: &'a dyn Lookup,
    table: &'a Table,
    rules: &'a Rules,
}

impl Follow<'_> {
    /// Where the redirect of `from` to `target` ends, through every file
    /// that is itself a redirect and every move. Where a file moved (`moved`,
    /// and every step through the table), a folder is not where it went.
    fn to_end(&self, from: &str, target: &Target, moved: bool) -> Result<End> {
        let rules = self.rules;
        let mut through: Vec<String> = Vec::new();
        let mut seen = BTreeSet::from([from.to_owned()]);
        let mut at = target.clone();
        let mut a_move = moved;
        loop {
            let (path, folder) = match at {
                Target::Url(url) => {
                    return Ok(End::At {
                        location: url,
                        through,
                    })
                }
                Target::Path { path, folder } => (path, folder),
            };
            if !seen.insert(path.clone()) || through.len() >= MAX_HOPS {
                let mut steps: Vec<&str> = vec![from];
                steps.extend(through.iter().map(|step| step.trim_end_matches('/')));
                steps.push(&path);
                let why = match steps.len() {
                    2 if steps[0] == steps[1] => "redirects to itself".to_owned(),
                    _ => format!("is in a loop of redirects: {}", steps.join(" -> ")),
                };
                return Ok(End::Nowhere {
                    why,
                    looped: true,
                    through,
                });
            }
            through.push(path.clone());
            let nowhere = |why: String, through: Vec<String>| {
                Ok(End::Nowhere {
                    why,
                    looped: false,
                    through,
                })
            };
            if plan::is_reserved(&path) {
                return nowhere(
                    format!("leads into {STATE_FOLDER}/, which is never published"),
                    through,
                );
            }
            if !path.is_empty() && rules.exclude.is_match(&path) {
                return nowhere(format!("leads to {path}, which is excluded"), through);
            }
            match self.tree.node(&path)? {
                Node::Folder if a_move => {
                    return nowhere(
                        format!("leads to {path}, where a moved file was, and a folder is now"),
                        through,
                    )
                }
                Node::Folder => {
                    let location = location(&rules.prefix, &path, true);
                    if let Some(last) = through.last_mut() {
                        last.push('/');
                    }
                    return Ok(End::At { location, through });
                }
                Node::File(file) => match objects(&file, rules) {
                    Ok(Objects::Written(_)) if folder => {
                        return nowhere(format!("leads to {path}/, but {path} is a file"), through)
                    }
                    Ok(Objects::Written(_)) => {
                        let location = location(&rules.prefix, &path, false);
                        return Ok(End::At { location, through });
                    }
                    Ok(Objects::Redirect(link)) => {
                        at = link.target;
                        a_move = false;
                    }
                    Ok(Objects::Skipped(_) | Objects::Excluded) | Err(_) => {
                        return nowhere(format!("leads to {path}, which is not published"), through)
                    }
                },
                Node::Absent => match self.table.get(&path) {
                    Some(next) => {
                        at = Target::Path {
                            path: next.clone(),
                            folder: false,
                        };
                        a_move = true;
                    }
                    None => {
                        return nowhere(
                            format!(
                                "leads to {}, which is not in the tree",
                                match path.as_str() {
                                    "" => "/",
                                    path => path,
                                }
                            ),
                            through,
                        )
                    }
                },
            }
        }
    }
}
