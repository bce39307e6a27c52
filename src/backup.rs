//! `porch backup` and `porch restore`. A backup is one .tar.gz holding a consistent snapshot of
//! the database (SQLite's online backup, taken in one step, so it is safe while the server
//! runs and writes), every media file, and a small manifest.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Component, Path};

use anyhow::{Context, Result, bail};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use rusqlite::Connection;
use rusqlite::backup::Backup;

use crate::config::media_dir;
use crate::store::{SCHEMA_VERSION, integrity_check, open_connection};

const DB_NAME: &str = "porch.db";
const MANIFEST: &str = "porch-backup.json";

pub fn backup(data_dir: &Path, out: &Path) -> Result<()> {
    let db_path = data_dir.join(DB_NAME);
    if !db_path.exists() {
        bail!("no database at {}", db_path.display());
    }
    let snapshot = tempfile_beside(out, "db")?;
    {
        let source = open_connection(&db_path)?;
        // Created private first: the copy holds the password hash and session tokens.
        private_file(&snapshot)?;
        let mut target = Connection::open(&snapshot)?;
        let backup = Backup::new(&source, &mut target)?;
        // All pages in one step: one read transaction, so the copy is a single moment of the
        // database, and a writer in the server never makes it start over.
        backup.step(-1).context("backup: copy database")?;
    }
    let partial = tempfile_beside(out, "partial")?;
    let result = (|| -> Result<()> {
        let file = BufWriter::new(private_file(&partial)?);
        let mut tar = tar::Builder::new(GzEncoder::new(file, Compression::default()));
        let manifest = serde_json::json!({
            "porch": env!("CARGO_PKG_VERSION"),
            "schema_version": SCHEMA_VERSION,
            "created_at": chrono::Utc::now().to_rfc3339(),
        });
        let manifest = serde_json::to_vec_pretty(&manifest)?;
        let mut header = tar::Header::new_gnu();
        header.set_size(manifest.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(chrono::Utc::now().timestamp() as u64);
        tar.append_data(&mut header, MANIFEST, manifest.as_slice())?;
        tar.append_path_with_name(&snapshot, DB_NAME)?;
        let media = media_dir(data_dir);
        if media.exists() {
            // Media files are named by content and never rewritten, so copying them while the
            // server runs is safe; one added meanwhile is simply not in the snapshot.
            append_media(&mut tar, &media)?;
        }
        let gz = tar.into_inner()?;
        let mut file = gz.finish()?;
        std::io::Write::flush(&mut file)?;
        file.into_inner()?.sync_all()?;
        Ok(())
    })();
    let _ = std::fs::remove_file(&snapshot);
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, out).with_context(|| format!("backup: write {}", out.display()))?;
    Ok(())
}

fn append_media<W: std::io::Write>(tar: &mut tar::Builder<W>, media: &Path) -> Result<()> {
    for shard in std::fs::read_dir(media)? {
        let shard = shard?.path();
        if !shard.is_dir() {
            continue;
        }
        for entry in std::fs::read_dir(&shard)? {
            let path = entry?.path();
            let is_partial = path.extension().is_some_and(|e| e == "partial");
            if !path.is_file() || is_partial {
                continue;
            }
            let name = Path::new("media").join(path.strip_prefix(media)?);
            match tar.append_path_with_name(&path, &name) {
                Ok(()) => {}
                // Deleted from the library while the backup ran.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(())
}

/// Creates (or truncates) a file only its owner can read: a backup holds the password hash.
fn private_file(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

fn tempfile_beside(path: &Path, suffix: &str) -> Result<std::path::PathBuf> {
    let name = path
        .file_name()
        .context("backup: the output needs a file name")?
        .to_string_lossy();
    Ok(path.with_file_name(format!(".{name}.{}.{suffix}", std::process::id())))
}

/// Unpacks a backup into an empty (or new) data folder and checks the database's integrity.
pub fn restore(data_dir: &Path, archive: &Path) -> Result<()> {
    if data_dir.exists() && std::fs::read_dir(data_dir)?.next().is_some() {
        bail!(
            "{} is not empty: restore into a new folder, so that nothing there is overwritten",
            data_dir.display()
        );
    }
    let existed = data_dir.exists();
    std::fs::create_dir_all(data_dir)?;
    let result = unpack(data_dir, archive);
    if result.is_err() {
        // The folder was empty or absent before, so all it holds now came from this archive: a
        // refused or broken archive must not leave a half-restored site that looks whole.
        let _ = if existed {
            clear_dir(data_dir)
        } else {
            std::fs::remove_dir_all(data_dir)
        };
    }
    result
}

fn unpack(data_dir: &Path, archive: &Path) -> Result<()> {
    let file = File::open(archive).with_context(|| format!("open {}", archive.display()))?;
    let mut tar = tar::Archive::new(GzDecoder::new(file));
    let mut has_db = false;
    for entry in tar.entries().context("restore: read the archive")? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        let safe = path.components().all(|c| matches!(c, Component::Normal(_)));
        let wanted =
            path == Path::new(DB_NAME) || path == Path::new(MANIFEST) || path.starts_with("media");
        if !safe || !wanted || !entry.header().entry_type().is_file() {
            bail!(
                "restore: unexpected entry {} in the archive",
                path.display()
            );
        }
        has_db |= path == Path::new(DB_NAME);
        if path == Path::new(MANIFEST) {
            continue;
        }
        entry.unpack_in(data_dir)?;
    }
    if !has_db {
        bail!("restore: the archive holds no database");
    }
    let conn = open_connection(&data_dir.join(DB_NAME))?;
    let check = integrity_check(&conn)?;
    if check != "ok" {
        bail!("restore: the database fails its integrity check: {check}");
    }
    Ok(())
}

fn clear_dir(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(&path)?;
        } else {
            std::fs::remove_file(&path)?;
        }
    }
    Ok(())
}
