//! The panel's export: a job writes the archive into the data folder's `exports/`, counting as
//! it goes for the export's page; the owner downloads it from there; a second job, queued with
//! the first, removes it a day later, so that a copy of everything does not sit on the server.

use std::path::PathBuf;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::jobs::Task;
use crate::store::exports;
use crate::store::ids::ExportId;

/// How long a finished archive stays to be downloaded.
pub const KEPT_SECS: i64 = 86_400;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSite {
    pub export_id: ExportId,
}

impl Task for ExportSite {
    const KIND: &'static str = "export_site";
    /// Local work: a failure is a full disk or a bug; the owner can start another.
    const MAX_ATTEMPTS: u32 = 2;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoveExport {
    pub export_id: ExportId,
}

impl Task for RemoveExport {
    const KIND: &'static str = "remove_export";
    const MAX_ATTEMPTS: u32 = 8;
}

/// Where an export's archive is written.
pub fn file_path(app: &App, id: ExportId) -> PathBuf {
    app.config.exports_dir().join(format!("{}.bar", id.0))
}

pub async fn run(app: &App, ExportSite { export_id }: ExportSite) -> Result<()> {
    let path = file_path(app, export_id);
    let (db, media_dir) = (app.db.clone(), app.config.media_dir());
    let base = app.config.base_url.to_string();
    let dir = app.config.exports_dir();
    let written = tokio::task::spawn_blocking(move || -> Result<u64> {
        std::fs::create_dir_all(&dir)?;
        let file = std::fs::File::create(&path)?;
        let counts = super::export::write_archive(
            &db,
            &media_dir,
            base.trim_end_matches('/'),
            std::io::BufWriter::new(&file),
            &mut |c| db.write_blocking(|tx| exports::progress(tx, export_id, c.posts, c.files)),
        )?;
        file.sync_all()?;
        tracing::info!(posts = counts.posts, files = counts.files, "site exported");
        Ok(file.metadata()?.len())
    })
    .await?;
    let now = crate::store::now();
    match written {
        Ok(bytes) => {
            app.db
                .write(move |tx| exports::finish(tx, export_id, Ok(bytes), now))
                .await
        }
        Err(e) => {
            tracing::warn!(error = %format!("{e:#}"), "export failed");
            // The half-written file is of no use to anyone.
            let _ = tokio::fs::remove_file(file_path(app, export_id)).await;
            app.db
                .write(move |tx| {
                    exports::finish(
                        tx,
                        export_id,
                        Err("The archive could not be written; see the server's log."),
                        now,
                    )
                })
                .await
        }
    }
}

pub async fn remove(app: &App, RemoveExport { export_id }: RemoveExport) -> Result<()> {
    match tokio::fs::remove_file(file_path(app, export_id)).await {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e.into()),
    }
    app.db
        .write(move |tx| exports::removed(tx, export_id))
        .await
}
