//! The archive as a `.zip`: every file under one folder, sorted by path,
//! deflated, all with the same fixed time and mode, so that the same files
//! make the same bytes (two runs of `opsbook archive` on the same inputs
//! give identical archives, and a counter-signature changes nothing but the
//! one file it adds).

use std::io::{Cursor, Read, Write};

use chrono::{Datelike, NaiveDate};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use super::{ArchiveError, Entry};

/// An archive read back: its folder and its files.
#[derive(Debug, Clone)]
pub struct Unpacked {
    pub folder: String,
    pub entries: Vec<Entry>,
    /// The time every file carries, kept when the archive is packed again.
    pub time: DateTime,
}

/// The files' time in the archive: midnight of `day` (the period's last
/// day), which the zip format holds without a timezone.
pub fn time_of(day: NaiveDate) -> DateTime {
    DateTime::from_date_and_time(
        day.year().clamp(1980, 2107) as u16,
        day.month() as u8,
        day.day() as u8,
        0,
        0,
        0,
    )
    .unwrap_or_default()
}

/// Packs `entries` under `folder/` into a `.zip`, in memory.
pub fn pack(folder: &str, entries: &[Entry], time: DateTime) -> Result<Vec<u8>, ArchiveError> {
    let zip_error = |e: zip::result::ZipError| ArchiveError::Zip(e.to_string());
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(time)
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for entry in sorted {
        zip.start_file(format!("{folder}/{}", entry.path), options)
            .map_err(zip_error)?;
        zip.write_all(&entry.bytes)
            .map_err(|e| ArchiveError::Zip(e.to_string()))?;
    }
    Ok(zip.finish().map_err(zip_error)?.into_inner())
}

/// The most an archive may unpack to. A year's hand-in of a busy project
/// is tens of megabytes; the archive a client is asked to verify may come
/// from anyone, and deflate expands about a thousandfold, so without a
/// bound a small hostile file would take all the memory.
const MAX_UNPACKED: u64 = 2 << 30;

/// Reads an archive that `pack` wrote: every file must sit in one folder,
/// under a plain relative path. `name` is how errors name the archive.
pub fn unpack(name: &str, bytes: &[u8]) -> Result<Unpacked, ArchiveError> {
    unpack_at_most(name, bytes, MAX_UNPACKED)
}

/// [`unpack`], refusing an archive whose files add up to more than `limit`
/// bytes, whatever sizes its directory claims.
fn unpack_at_most(name: &str, bytes: &[u8], limit: u64) -> Result<Unpacked, ArchiveError> {
    let unreadable = |message: String| ArchiveError::Unreadable {
        path: name.to_string(),
        message,
    };
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| unreadable(e.to_string()))?;
    let mut folder: Option<String> = None;
    let mut entries = Vec::with_capacity(zip.len());
    let mut time = None;
    let mut left = limit;
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).map_err(|e| unreadable(e.to_string()))?;
        if file.is_dir() {
            continue;
        }
        let full = String::from_utf8(file.name_raw().to_vec())
            .map_err(|_| unreadable(format!("entry {i} has a name that is not UTF-8")))?;
        let layout = |message: String| ArchiveError::Layout {
            path: format!("{name}: {full}"),
            message,
        };
        let Some((top, rel)) = full.split_once('/') else {
            return Err(layout("a file outside the archive's folder".into()));
        };
        if rel.is_empty()
            || rel.starts_with('/')
            || rel
                .split('/')
                .any(|part| part.is_empty() || part == "." || part == "..")
        {
            return Err(layout("not a plain relative path".into()));
        }
        match &folder {
            Some(f) if f != top => {
                return Err(layout(format!("outside the archive's folder `{f}`")));
            }
            Some(_) => {}
            None => folder = Some(top.to_string()),
        }
        time = time.or(file.last_modified());
        let mut data = Vec::with_capacity(file.size().min(left).min(1 << 26) as usize);
        (&mut file)
            .take(left + 1)
            .read_to_end(&mut data)
            .map_err(|e| layout(format!("cannot be read: {e}")))?;
        left = left.checked_sub(data.len() as u64).ok_or_else(|| {
            unreadable(format!(
                "its files unpack to more than {limit} bytes, far more than a hand-in archive holds"
            ))
        })?;
        entries.push(Entry::new(rel, data));
    }
    let folder = folder.ok_or_else(|| unreadable("the archive holds no file".into()))?;
    Ok(Unpacked {
        folder,
        entries,
        time: time.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> DateTime {
        time_of(NaiveDate::from_ymd_opt(2025, 11, 30).unwrap())
    }

    #[test]
    fn the_same_files_in_any_order_make_the_same_bytes() {
        let a = [Entry::new("b.txt", "b"), Entry::new("a/x.html", "x")];
        let b = [Entry::new("a/x.html", "x"), Entry::new("b.txt", "b")];
        let one = pack("f", &a, day()).unwrap();
        assert_eq!(one, pack("f", &b, day()).unwrap());
        let back = unpack("t.zip", &one).unwrap();
        assert_eq!(back.folder, "f");
        assert_eq!(back.entries, vec![b[0].clone(), b[1].clone()]);
        assert_eq!(back.time, day());
    }

    #[test]
    fn refuses_an_archive_that_unpacks_past_the_limit() {
        let files = [
            Entry::new("a.txt", vec![0u8; 600]),
            Entry::new("b.txt", vec![0u8; 600]),
        ];
        let bytes = pack("f", &files, day()).unwrap();
        assert!(bytes.len() < 600, "zeros compress well");
        assert!(unpack_at_most("t.zip", &bytes, 1200).is_ok());
        let err = unpack_at_most("t.zip", &bytes, 1000).unwrap_err();
        assert!(
            matches!(&err, ArchiveError::Unreadable { message, .. } if message.contains("more than 1000 bytes")),
            "{err}"
        );
    }

    #[test]
    fn refuses_files_outside_the_folder_and_climbing_paths() {
        for bad in ["top.txt", "f/../x", "f/a//b"] {
            let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
            zip.start_file(bad, SimpleFileOptions::default()).unwrap();
            let bytes = zip.finish().unwrap().into_inner();
            assert!(
                matches!(unpack("t.zip", &bytes), Err(ArchiveError::Layout { .. })),
                "{bad}"
            );
        }
        assert!(matches!(
            unpack("t.zip", b"not a zip"),
            Err(ArchiveError::Unreadable { .. })
        ));
    }
}
