//! The revision file format: parsing and writing.
//!
//! ```sql
//! -- Add phone to users
//! --
//! -- revision: 3c5e2b9f41d0
//! -- revises: 9a1f4e7c2b83
//! -- created: 2026-11-25 19:42:11 UTC
//!
//! -- retort:upgrade
//! ALTER TABLE "users" ADD COLUMN "phone" VARCHAR(20);
//!
//! -- retort:downgrade
//! ALTER TABLE "users" DROP COLUMN "phone";
//! ```
//!
//! The header is the leading block of `--` lines: the first is the message, then
//! `revision:`, `revises:` (ids separated by spaces or commas, empty for a root)
//! and `created:`. Then come the two sections. `-- retort:no-transaction` right
//! before a section marker runs that section outside a transaction, and
//! `-- retort:todo ...` lines mark decisions left to the author.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use retort_dialect::Statement;

use crate::error::{MigrateError, io};
use crate::split::{SplitStatement, split_statements};
use crate::time::Utc;

/// Which section of a revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    /// `-- retort:upgrade`.
    Upgrade,
    /// `-- retort:downgrade`.
    Downgrade,
}

impl SectionKind {
    /// `upgrade` or `downgrade`.
    pub fn name(self) -> &'static str {
        match self {
            SectionKind::Upgrade => "upgrade",
            SectionKind::Downgrade => "downgrade",
        }
    }
}

/// One section of a revision file.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Section {
    /// The section runs outside a transaction (`-- retort:no-transaction`).
    pub no_transaction: bool,
    /// Its statements, in order.
    pub statements: Vec<SplitStatement>,
    /// The line of the section marker.
    pub line: usize,
}

/// A `-- retort:todo` line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Todo {
    /// Its line in the file.
    pub line: usize,
    /// The text after `retort:todo`.
    pub text: String,
    /// The section it is in (`None`: before the first section).
    pub section: Option<SectionKind>,
}

/// One parsed revision file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Revision {
    /// The revision id (12 lowercase hex digits).
    pub id: String,
    /// The revisions it revises: none for a root, two or more for a merge.
    pub revises: Vec<String>,
    /// The message (first header line).
    pub message: String,
    /// The `created:` header, as written.
    pub created: Option<String>,
    /// The file it was read from.
    pub path: PathBuf,
    /// The upgrade section.
    pub upgrade: Section,
    /// The downgrade section.
    pub downgrade: Section,
    /// Open to-dos.
    pub todos: Vec<Todo>,
    /// Checksum of the normalized statements (see [`crate::checksum()`]).
    pub checksum: String,
}

impl Revision {
    /// A section by kind.
    pub fn section(&self, kind: SectionKind) -> &Section {
        match kind {
            SectionKind::Upgrade => &self.upgrade,
            SectionKind::Downgrade => &self.downgrade,
        }
    }

    /// The first to-do that blocks running `kind`: for an upgrade any to-do in the
    /// file, for a downgrade one in the downgrade section.
    pub fn blocking_todo(&self, kind: SectionKind) -> Option<&Todo> {
        match kind {
            SectionKind::Upgrade => self.todos.first(),
            SectionKind::Downgrade => self
                .todos
                .iter()
                .find(|t| t.section == Some(SectionKind::Downgrade)),
        }
    }
}

/// Whether `id` is a well-formed revision id: 12 lowercase hex digits.
pub fn is_revision_id(id: &str) -> bool {
    id.len() == 12
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Check a user-given revision id (`--rev-id`).
pub fn validate_revision_id(id: &str) -> Result<(), MigrateError> {
    if is_revision_id(id) {
        Ok(())
    } else {
        Err(MigrateError::InvalidRevisionId { id: id.to_string() })
    }
}

/// A fresh random revision id: 12 lowercase hex digits.
pub fn new_revision_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}

/// Parse the text of a revision file; `path` is used in errors and kept.
pub fn parse_revision(path: &Path, text: &str) -> Result<Revision, MigrateError> {
    let p = || path.to_path_buf();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();

    // Header.
    let mut message = None;
    let mut id = None;
    let mut revises = None;
    let mut created = None;
    let mut n = 0;
    let mut header_lines = 0;
    while n < lines.len() {
        // Blank lines around header lines are allowed.
        if lines[n].trim().is_empty() {
            n += 1;
            continue;
        }
        let Some(body) = comment_body(lines[n]) else {
            break;
        };
        if body.starts_with("retort:") {
            break;
        }
        let line = n + 1;
        if let Some(v) = key(body, "revision") {
            if !is_revision_id(v) {
                return Err(MigrateError::MalformedId {
                    path: p(),
                    line,
                    id: v.to_string(),
                });
            }
            id = Some(v.to_string());
        } else if let Some(v) = key(body, "revises") {
            let mut ids = Vec::new();
            for part in v.split([',', ' ', '\t']).filter(|s| !s.is_empty()) {
                if !is_revision_id(part) {
                    return Err(MigrateError::MalformedId {
                        path: p(),
                        line,
                        id: part.to_string(),
                    });
                }
                ids.push(part.to_string());
            }
            revises = Some(ids);
        } else if let Some(v) = key(body, "created") {
            created = Some(v.to_string());
        } else if header_lines == 0 {
            message = Some(body.to_string());
        }
        header_lines += 1;
        n += 1;
    }
    if header_lines == 0 {
        return Err(MigrateError::MissingHeader { path: p() });
    }
    let id = id.ok_or(MigrateError::MissingHeaderField {
        path: p(),
        field: "revision",
    })?;
    let revises = revises.ok_or(MigrateError::MissingHeaderField {
        path: p(),
        field: "revises",
    })?;

    // Body: sections, directives, to-dos.
    let mut todos = Vec::new();
    let mut pending_no_tx: Option<usize> = None;
    let mut current: Option<(SectionKind, usize, bool)> = None;
    let mut buf: Vec<&str> = Vec::new();
    let mut upgrade: Option<Section> = None;
    let mut downgrade: Option<Section> = None;
    let close = |current: Option<(SectionKind, usize, bool)>,
                 buf: &mut Vec<&str>,
                 upgrade: &mut Option<Section>,
                 downgrade: &mut Option<Section>|
     -> Result<(), MigrateError> {
        if let Some((kind, line, no_transaction)) = current {
            let statements = split_statements(&buf.join("\n"), line + 1).map_err(|u| {
                MigrateError::Unterminated {
                    path: path.to_path_buf(),
                    line: u.line,
                    what: u.what,
                }
            })?;
            let section = Section {
                no_transaction,
                statements,
                line,
            };
            match kind {
                SectionKind::Upgrade => *upgrade = Some(section),
                SectionKind::Downgrade => *downgrade = Some(section),
            }
        }
        buf.clear();
        Ok(())
    };
    for (i, raw) in lines.iter().enumerate().skip(n) {
        let line = i + 1;
        let directive = comment_body(raw).and_then(|b| b.strip_prefix("retort:"));
        if let Some(d) = directive {
            let (name, rest) = d.split_once(char::is_whitespace).unwrap_or((d, ""));
            let kind = match name {
                "upgrade" => Some(SectionKind::Upgrade),
                "downgrade" => Some(SectionKind::Downgrade),
                "no-transaction" => {
                    pending_no_tx = Some(line);
                    None
                }
                "todo" => {
                    todos.push(Todo {
                        line,
                        text: rest.trim().to_string(),
                        section: current.map(|c| c.0),
                    });
                    None
                }
                _ => {
                    return Err(MigrateError::UnknownDirective {
                        path: p(),
                        line,
                        directive: name.to_string(),
                    });
                }
            };
            if let Some(kind) = kind {
                let seen = match kind {
                    SectionKind::Upgrade => upgrade.is_some(),
                    SectionKind::Downgrade => downgrade.is_some(),
                } || current.is_some_and(|c| c.0 == kind);
                if seen {
                    return Err(MigrateError::DuplicateSection {
                        path: p(),
                        line,
                        section: kind.name(),
                    });
                }
                close(current, &mut buf, &mut upgrade, &mut downgrade)?;
                current = Some((kind, line, pending_no_tx.take().is_some()));
                continue;
            }
            if current.is_some() {
                buf.push(raw);
            }
            continue;
        }
        let significant = !raw.trim().is_empty() && comment_body(raw).is_none();
        if significant {
            if let Some(l) = pending_no_tx {
                return Err(MigrateError::MisplacedNoTransaction { path: p(), line: l });
            }
            if current.is_none() {
                return Err(MigrateError::StatementOutsideSection { path: p(), line });
            }
        }
        if current.is_some() {
            buf.push(raw);
        }
    }
    if let Some(l) = pending_no_tx {
        return Err(MigrateError::MisplacedNoTransaction { path: p(), line: l });
    }
    close(current, &mut buf, &mut upgrade, &mut downgrade)?;
    let upgrade = upgrade.ok_or(MigrateError::MissingSection {
        path: p(),
        section: "upgrade",
    })?;
    let downgrade = downgrade.ok_or(MigrateError::MissingSection {
        path: p(),
        section: "downgrade",
    })?;
    let checksum = crate::checksum::checksum(
        upgrade.statements.iter().map(|s| s.sql.as_str()),
        upgrade.no_transaction,
        downgrade.statements.iter().map(|s| s.sql.as_str()),
        downgrade.no_transaction,
    );
    Ok(Revision {
        id,
        revises,
        message: message.unwrap_or_default(),
        created,
        path: p(),
        upgrade,
        downgrade,
        todos,
        checksum,
    })
}

/// The text after `--` of a comment line, trimmed; `None` for other lines.
fn comment_body(line: &str) -> Option<&str> {
    line.trim().strip_prefix("--").map(str::trim)
}

/// The value of `name: value`, trimmed.
fn key<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    body.strip_prefix(name)?
        .trim_start()
        .strip_prefix(':')
        .map(str::trim)
}

/// A revision to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRevision {
    /// Its id ([`new_revision_id`] or the user's `--rev-id`).
    pub id: String,
    /// The message (only its first line is kept).
    pub message: String,
    /// The revisions it revises (the current heads, usually).
    pub revises: Vec<String>,
    /// When it was created; also gives the file name.
    pub created: SystemTime,
    /// Upgrade statements.
    pub upgrade: Vec<Statement>,
    /// Downgrade statements.
    pub downgrade: Vec<Statement>,
    /// Run the upgrade outside a transaction (also implied by any statement's flag).
    pub upgrade_no_transaction: bool,
    /// Run the downgrade outside a transaction (also implied by any statement's flag).
    pub downgrade_no_transaction: bool,
}

/// The file-name slug of a message: lowercase ASCII letters, digits and `_`, at most 40 characters.
pub fn slug(message: &str) -> String {
    let mut s = String::new();
    for c in message.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('_') && !s.is_empty() {
            s.push('_');
        }
    }
    s.truncate(40);
    let s = s.trim_end_matches('_').to_string();
    if s.is_empty() {
        "revision".to_string()
    } else {
        s
    }
}

/// The default file name: `<UTC yyyymmddHHMMSS>_<slug>.sql`.
pub fn revision_file_name(rev: &NewRevision) -> String {
    format!(
        "{}_{}.sql",
        Utc::from_system_time(rev.created).compact(),
        slug(&rev.message)
    )
}

/// The text of a revision file.
pub fn render_revision(rev: &NewRevision) -> String {
    let message = rev.message.lines().next().unwrap_or("").trim();
    let mut out = String::new();
    out.push_str(&format!("-- {message}\n--\n"));
    out.push_str(&format!("-- revision: {}\n", rev.id));
    if rev.revises.is_empty() {
        out.push_str("-- revises:\n");
    } else {
        out.push_str(&format!("-- revises: {}\n", rev.revises.join(", ")));
    }
    out.push_str(&format!(
        "-- created: {} UTC\n",
        Utc::from_system_time(rev.created).display()
    ));
    for (kind, statements, no_tx) in [
        (
            SectionKind::Upgrade,
            &rev.upgrade,
            rev.upgrade_no_transaction,
        ),
        (
            SectionKind::Downgrade,
            &rev.downgrade,
            rev.downgrade_no_transaction,
        ),
    ] {
        out.push('\n');
        if no_tx || statements.iter().any(|s| s.no_transaction) {
            out.push_str("-- retort:no-transaction\n");
        }
        out.push_str(&format!("-- retort:{}\n", kind.name()));
        for (i, st) in statements.iter().enumerate() {
            if i > 0 && (st.comment.is_some() || st.todo.is_some()) {
                out.push('\n');
            }
            for line in st.comment.iter().flat_map(|c| c.lines()) {
                out.push_str(&format!("-- {line}\n"));
            }
            for line in st.todo.iter().flat_map(|c| c.lines()) {
                out.push_str(&format!("-- retort:todo {line}\n"));
            }
            let sql = st.sql.trim().trim_end_matches(';').trim_end();
            if !sql.is_empty() {
                out.push_str(sql);
                out.push_str(";\n");
            }
        }
    }
    out
}

/// Write a new revision file into `dir` (created if missing); returns its path.
/// Never overwrites a file.
pub fn write_revision(dir: &Path, rev: &NewRevision) -> Result<PathBuf, MigrateError> {
    validate_revision_id(&rev.id)?;
    for parent in &rev.revises {
        validate_revision_id(parent)?;
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let path = dir.join(revision_file_name(rev));
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(MigrateError::FileExists { path });
        }
        Err(e) => return Err(io(&path)(e)),
    };
    std::io::Write::write_all(&mut file, render_revision(rev).as_bytes()).map_err(io(&path))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn sample() -> NewRevision {
        NewRevision {
            id: "3c5e2b9f41d0".into(),
            message: "Add phone to users".into(),
            revises: vec!["9a1f4e7c2b83".into()],
            created: UNIX_EPOCH + Duration::from_secs(1_795_635_731),
            upgrade: vec![
                Statement::new("ALTER TABLE \"users\" ADD COLUMN \"phone\" VARCHAR(20)"),
                Statement::new("").with_todo("backfill \"users\".\"phone\", then set NOT NULL"),
                Statement::new("CREATE TABLE \"t\" (\"x\" INTEGER)").with_comment("a new table"),
            ],
            downgrade: vec![
                Statement::new("DROP TABLE \"t\""),
                Statement::new("ALTER TABLE \"users\" DROP COLUMN \"phone\""),
            ],
            upgrade_no_transaction: false,
            downgrade_no_transaction: true,
        }
    }

    #[test]
    fn written_file() {
        let rev = sample();
        assert_eq!(
            revision_file_name(&rev),
            "20261125194211_add_phone_to_users.sql"
        );
        insta::assert_snapshot!(render_revision(&rev));
    }

    #[test]
    fn round_trip() {
        let rev = sample();
        let dir = tempfile::tempdir().unwrap();
        let path = write_revision(dir.path(), &rev).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed = parse_revision(&path, &text).unwrap();
        assert_eq!(parsed.id, rev.id);
        assert_eq!(parsed.revises, rev.revises);
        assert_eq!(parsed.message, rev.message);
        assert_eq!(parsed.created.as_deref(), Some("2026-11-25 19:42:11 UTC"));
        let up: Vec<&str> = parsed
            .upgrade
            .statements
            .iter()
            .map(|s| s.sql.as_str())
            .collect();
        assert_eq!(
            up,
            vec![rev.upgrade[0].sql.as_str(), rev.upgrade[2].sql.as_str()]
        );
        assert_eq!(parsed.upgrade.statements[1].line, 13);
        assert_eq!(parsed.downgrade.statements.len(), 2);
        assert!(!parsed.upgrade.no_transaction);
        assert!(parsed.downgrade.no_transaction);
        assert_eq!(parsed.todos.len(), 1);
        assert_eq!(parsed.todos[0].line, 10);
        assert_eq!(parsed.todos[0].section, Some(SectionKind::Upgrade));
        // Never overwrites.
        assert!(matches!(
            write_revision(dir.path(), &rev),
            Err(MigrateError::FileExists { .. })
        ));
    }

    fn parse_err(text: &str) -> String {
        parse_revision(Path::new("m/1.sql"), text)
            .unwrap_err()
            .to_string()
    }

    const HEAD: &str = "-- msg\n-- revision: 0123456789ab\n-- revises:\n";

    #[test]
    fn errors_name_file_and_line() {
        assert!(parse_err("CREATE TABLE t (x INT);\n").starts_with("m/1.sql:1: missing header"));
        assert!(parse_err("-- msg\n-- revises:\n").contains("missing `-- revision:`"));
        assert!(parse_err("-- msg\n-- revision: 0123456789ab\n").contains("missing `-- revises:`"));
        assert!(
            parse_err("-- msg\n-- revision: 0123456789AB\n")
                .starts_with("m/1.sql:2: malformed revision id `0123456789AB`")
        );
        assert!(
            parse_err("-- msg\n-- revision: 0123456789ab\n-- revises: xyz\n")
                .starts_with("m/1.sql:3: malformed")
        );
        assert!(
            parse_err(&format!("{HEAD}\n-- retort:upgrade\n"))
                .contains("missing `-- retort:downgrade` section")
        );
        assert!(
            parse_err(&format!("{HEAD}\n-- retort:downgrade\n"))
                .contains("missing `-- retort:upgrade` section")
        );
        assert!(
            parse_err(&format!("{HEAD}\n-- retort:upgrad\n"))
                .starts_with("m/1.sql:5: unknown directive `retort:upgrad`")
        );
        assert!(
            parse_err(&format!("{HEAD}\nSELECT 1;\n"))
                .starts_with("m/1.sql:5: SQL before the first section")
        );
        assert!(
            parse_err(&format!("{HEAD}\n-- retort:upgrade\n-- retort:no-transaction\nSELECT 1;\n-- retort:downgrade\n"))
                .starts_with("m/1.sql:6: `-- retort:no-transaction` must come")
        );
        assert!(
            parse_err(&format!(
                "{HEAD}\n-- retort:upgrade\n-- retort:downgrade\n-- retort:upgrade\n"
            ))
            .starts_with("m/1.sql:7: second `-- retort:upgrade`")
        );
        assert!(
            parse_err(&format!(
                "{HEAD}\n-- retort:upgrade\nSELECT 'x;\n-- retort:downgrade\n"
            ))
            .starts_with("m/1.sql:6: unterminated string literal")
        );
    }

    #[test]
    fn merge_and_no_transaction() {
        let text = "-- merge\n-- revision: 0123456789ab\n-- revises: aaaaaaaaaaaa, bbbbbbbbbbbb cccccccccccc\n\n\
                    -- retort:no-transaction\n-- retort:upgrade\nCREATE INDEX CONCURRENTLY i ON t (x);\n-- retort:downgrade\r\n";
        let rev = parse_revision(Path::new("x.sql"), text).unwrap();
        assert_eq!(
            rev.revises,
            vec!["aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"]
        );
        assert!(rev.upgrade.no_transaction);
        assert_eq!(rev.upgrade.statements[0].line, 7);
        assert!(rev.downgrade.statements.is_empty());
        let spaced = "\n-- msg\n\n-- revision: 0123456789ab\n\n-- revises:\n\n-- retort:upgrade\n-- retort:downgrade\n";
        let rev = parse_revision(Path::new("x.sql"), spaced).unwrap();
        assert_eq!(
            (rev.message.as_str(), rev.id.as_str()),
            ("msg", "0123456789ab")
        );
    }

    #[test]
    fn ids() {
        let a = new_revision_id();
        let b = new_revision_id();
        assert!(is_revision_id(&a) && is_revision_id(&b), "{a} {b}");
        assert_ne!(a, b);
        assert!(validate_revision_id("abc").is_err());
        assert!(validate_revision_id("0123456789ab").is_ok());
        assert_eq!(slug("Add phone to users!"), "add_phone_to_users");
        assert_eq!(slug("  ÄÖ  "), "revision");
        assert_eq!(slug(&"x".repeat(60)).len(), 40);
    }
}
