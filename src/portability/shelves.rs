//! A Porch archive's bookshelf and bookmarks (`porch/books.csv` in Goodreads' layout and
//! `porch/bookmarks.html`, a Netscape bookmark file) put back through the books' and the
//! bookmarks' own imports, so that moving from one Porch to another brings them along. What
//! each import did is told in the posts' report; a shelf that cannot be read is told, not fatal.

use std::path::Path;

use anyhow::Result;

use crate::store::Db;

use super::importer::{Archive, Outcome};

/// Reads the shelves' files out of `zip`, each through a file in `scratch` (the imports read
/// files, and a zip entry is not one), into the site in `db`.
pub fn restore(db: &Db, zip: &mut Archive, scratch: &Path, outcome: &mut Outcome) -> Result<()> {
    if let Some(file) = unpacked(zip, "porch/books.csv", scratch)? {
        match crate::books::import::import_file(db, file.path(), &mut |_, _| Ok(())) {
            Ok(books) if books.counts.rows > 0 => outcome.note(format!(
                "The bookshelf: {} books added, {} already on it, {} skipped.",
                books.counts.added, books.counts.existing, books.counts.skipped
            )),
            Ok(_) => {}
            Err(e) => outcome.note(format!("porch/books.csv could not be read: {e:#}")),
        }
    }
    if let Some(file) = unpacked(zip, "porch/bookmarks.html", scratch)? {
        match crate::bookmarks::import::import_file(db, file.path(), &mut |_, _| Ok(())) {
            Ok(marks) if marks.counts.rows > 0 => outcome.note(format!(
                "Bookmarks: {} added, {} saved before, {} skipped; their pages are kept again \
                 in the background.",
                marks.counts.added, marks.counts.existing, marks.counts.skipped
            )),
            Ok(_) => {}
            Err(e) => outcome.note(format!("porch/bookmarks.html could not be read: {e:#}")),
        }
    }
    Ok(())
}

/// The entry `name` of the zip copied into a temporary file in `scratch`, streamed; None when
/// the archive has no such entry or it is empty.
fn unpacked(
    zip: &mut Archive,
    name: &str,
    scratch: &Path,
) -> Result<Option<tempfile::NamedTempFile>> {
    let Ok(mut entry) = zip.by_name(name) else {
        return Ok(None);
    };
    if entry.size() == 0 {
        return Ok(None);
    }
    let mut file = tempfile::Builder::new()
        .prefix(".porch-import-")
        .tempfile_in(scratch)?;
    std::io::copy(&mut entry, file.as_file_mut())?;
    Ok(Some(file))
}
