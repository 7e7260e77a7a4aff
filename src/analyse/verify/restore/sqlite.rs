//! `sqlite` (`.db`, `.db.zst`, any name): the content is written to a
//! temporary copy during the single read, then the copy is opened read-only
//! with the bundled SQLite. `PRAGMA integrity_check` (every page, every
//! index: not `quick_check`) must answer `ok`; tables are listed with their
//! row counts, and `min_rows` is enforced.
//!
//! Before SQLite opens it, the copy's header is read: a file that does not
//! start with SQLite's magic is `corrupt` ("not a database"), and one shorter
//! than the page count its header declares is `truncated`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, Read, Write};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use crate::analyse::verify::report::{ProblemKind, Restore, TableRows};
use crate::analyse::verify::set::io_message;

use super::{Fault, RestoreTest};

const MAGIC: &[u8; 16] = b"SQLite format 3\0";
/// integrity_check messages kept in a problem's detail.
const MESSAGES_KEPT: usize = 5;

pub struct SqliteTest {
    temp_dir: PathBuf,
    min_rows: BTreeMap<String, u64>,
    copy: Option<tempfile::NamedTempFile>,
    failure: Option<String>,
}

impl SqliteTest {
    pub fn new(temp_dir: &Path, min_rows: BTreeMap<String, u64>) -> SqliteTest {
        SqliteTest {
            temp_dir: temp_dir.to_path_buf(),
            min_rows,
            copy: None,
            failure: None,
        }
    }

    fn write_copy(&mut self, content: &mut dyn BufRead) -> io::Result<()> {
        let mut copy = tempfile::Builder::new()
            .prefix("opsbook-restored-")
            .suffix(".db")
            .tempfile_in(&self.temp_dir)?;
        loop {
            let n = match content.fill_buf() {
                Ok([]) => break,
                // The content broke off: the caller reports why.
                Err(_) => break,
                Ok(data) => {
                    copy.write_all(data)?;
                    data.len()
                }
            };
            content.consume(n);
        }
        copy.as_file().sync_data().ok();
        self.copy = Some(copy);
        Ok(())
    }
}

impl RestoreTest for SqliteTest {
    fn read(&mut self, content: &mut dyn BufRead) {
        if let Err(e) = self.write_copy(content) {
            self.failure = Some(format!(
                "cannot write the restored copy in {}: {}",
                self.temp_dir.display(),
                io_message(&e)
            ));
        }
    }

    fn finish(&mut self) -> Result<Restore, Vec<Fault>> {
        if let Some(f) = &self.failure {
            return Err(vec![Fault::new(ProblemKind::RestoreFailed, f.clone())]);
        }
        let copy = self.copy.as_ref().expect("read() made the copy");
        check(copy.path(), &self.min_rows)
    }

    fn restored_copy(&self) -> Option<&Path> {
        self.copy.as_ref().map(|c| c.path())
    }
}

/// Checks the database at `path` (a copy nobody else uses).
pub fn check(path: &Path, min_rows: &BTreeMap<String, u64>) -> Result<Restore, Vec<Fault>> {
    let (page_size, pages) = header(path).map_err(|f| vec![f])?;
    let corrupt = |e: rusqlite::Error| vec![Fault::new(ProblemKind::Corrupt, format!("SQLite: {e}"))];
    // `immutable=1`: no locks, no journal or WAL files beside the copy.
    let uri = format!("file:{}?immutable=1", uri_path(path));
    let conn = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(corrupt)?;
    let messages: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut st| st.query_map([], |row| row.get::<_, String>(0))?.collect())
        .map_err(corrupt)?;
    if messages != ["ok"] {
        let shown: Vec<&str> = messages.iter().take(MESSAGES_KEPT).map(String::as_str).collect();
        let more = messages.len().saturating_sub(MESSAGES_KEPT);
        let mut detail = format!("integrity_check: {}", shown.join("; "));
        if more > 0 {
            detail.push_str(&format!(" (and {more} more)"));
        }
        return Err(vec![Fault::new(ProblemKind::Corrupt, detail)]);
    }
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .and_then(|mut st| st.query_map([], |row| row.get(0))?.collect())
        .map_err(corrupt)?;
    let mut tables = Vec::with_capacity(names.len());
    for name in names {
        let sql = format!("SELECT count(*) FROM \"{}\"", name.replace('"', "\"\""));
        let rows: i64 = conn.query_row(&sql, [], |row| row.get(0)).map_err(corrupt)?;
        tables.push(TableRows {
            name,
            rows: rows.max(0) as u64,
        });
    }
    let faults: Vec<Fault> = min_rows
        .iter()
        .filter_map(|(table, &min)| match tables.iter().find(|t| &t.name == table) {
            None => Some(Fault::new(
                ProblemKind::TooFewRows,
                format!("table `{table}` does not exist; min_rows wants at least {min} rows"),
            )),
            Some(t) if t.rows < min => Some(Fault::new(
                ProblemKind::TooFewRows,
                format!(
                    "table `{table}` holds {} rows; min_rows wants at least {min}",
                    t.rows
                ),
            )),
            Some(_) => None,
        })
        .collect();
    if !faults.is_empty() {
        return Err(faults);
    }
    Ok(Restore::Sqlite {
        page_size,
        pages,
        tables,
    })
}

/// Page size and page count from the database header (SQLite's file
/// format, section 1.3), refusing what is no database or is cut short.
fn header(path: &Path) -> Result<(u64, u64), Fault> {
    let unreadable = |e: io::Error| {
        Fault::new(
            ProblemKind::RestoreFailed,
            format!("cannot read the restored copy: {}", io_message(&e)),
        )
    };
    let mut file = File::open(path).map_err(unreadable)?;
    let len = file.metadata().map_err(unreadable)?.len();
    let mut h = [0u8; 100];
    let got = file.read(&mut h).map_err(unreadable)?;
    if got < MAGIC.len() || &h[..16] != MAGIC {
        return Err(Fault::new(
            ProblemKind::Corrupt,
            "not a SQLite database: it does not begin with `SQLite format 3`",
        ));
    }
    if got < 100 {
        return Err(Fault::new(
            ProblemKind::Truncated,
            format!("holds {len} bytes, less than SQLite's 100-byte header"),
        ));
    }
    let page_size = match u16::from_be_bytes([h[16], h[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    let pages = u64::from(u32::from_be_bytes([h[28], h[29], h[30], h[31]]));
    // The page count is valid only when written by a SQLite that also
    // stamped the change counter into "version-valid-for" (3.7.0 on).
    let counted = h[24..28] == h[92..96] && pages > 0;
    if counted && len < page_size * pages {
        return Err(Fault::new(
            ProblemKind::Truncated,
            format!(
                "holds {len} bytes, but its header declares {pages} pages of {page_size} bytes ({}): the file was cut short",
                page_size * pages
            ),
        ));
    }
    if page_size == 0 || len % page_size != 0 {
        return Err(Fault::new(
            ProblemKind::Truncated,
            format!("holds {len} bytes, not a whole number of {page_size}-byte pages"),
        ));
    }
    Ok((page_size, if counted { pages } else { len / page_size }))
}

/// A path for a `file:` URI: `%`, `?` and `#` escaped.
fn uri_path(path: &Path) -> String {
    path.to_string_lossy()
        .replace('%', "%25")
        .replace('?', "%3f")
        .replace('#', "%23")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database(dir: &Path, rows: usize) -> PathBuf {
        let path = dir.join("oa.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE documents (id INTEGER PRIMARY KEY, title TEXT);
             CREATE INDEX documents_title ON documents(title);
             CREATE TABLE \"odd \"\"name\" (x);",
        )
        .unwrap();
        for i in 0..rows {
            conn.execute(
                "INSERT INTO documents (title) VALUES (?1)",
                [format!("公文 {i} {}", "x".repeat(200))],
            )
            .unwrap();
        }
        path
    }

    #[test]
    fn a_good_database_lists_tables_and_enforces_min_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = database(dir.path(), 50);
        let min: BTreeMap<String, u64> = [("documents".to_string(), 1)].into();
        match check(&path, &min).unwrap() {
            Restore::Sqlite {
                tables, page_size, ..
            } => {
                assert_eq!(page_size, 4096);
                assert_eq!(
                    tables,
                    [
                        TableRows {
                            name: "documents".into(),
                            rows: 50
                        },
                        TableRows {
                            name: "odd \"name".into(),
                            rows: 0
                        }
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        let min: BTreeMap<String, u64> = [("documents".to_string(), 51), ("absent".to_string(), 1)].into();
        let faults = check(&path, &min).unwrap_err();
        assert_eq!(faults.len(), 2);
        assert!(faults.iter().all(|f| f.kind == ProblemKind::TooFewRows));
    }

    #[test]
    fn not_a_database_truncated_and_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("x.db");
        std::fs::write(&other, "CREATE TABLE x;").unwrap();
        assert_eq!(
            check(&other, &BTreeMap::new()).unwrap_err()[0].kind,
            ProblemKind::Corrupt
        );

        let path = database(dir.path(), 200);
        let bytes = std::fs::read(&path).unwrap();
        let cut = dir.path().join("cut.db");
        std::fs::write(&cut, &bytes[..bytes.len() - 4096]).unwrap();
        assert_eq!(
            check(&cut, &BTreeMap::new()).unwrap_err()[0].kind,
            ProblemKind::Truncated
        );

        // Page 2, the table's b-tree root: an invalid page type and a
        // wild cell count.
        let mut damaged = bytes.clone();
        damaged[4096] = 0x07;
        damaged[4096 + 3] = 0xff;
        let bad = dir.path().join("bad.db");
        std::fs::write(&bad, &damaged).unwrap();
        let faults = check(&bad, &BTreeMap::new()).unwrap_err();
        assert_eq!(faults[0].kind, ProblemKind::Corrupt, "{faults:?}");
    }
}
