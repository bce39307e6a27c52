//! The panel's import: the uploaded file waits in the data folder's `imports/` while a job reads
//! it onto the shelf, recording its progress for the import's page. Reading it again (a job
//! interrupted by a restart) adds nothing twice.

use std::path::PathBuf;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::jobs::Task;
use crate::store::ids::ImportId;
use crate::store::imports;

use super::import;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportBooks {
    pub import_id: ImportId,
}

impl Task for ImportBooks {
    const KIND: &'static str = "import_books";
    const MAX_ATTEMPTS: u32 = 3;
}

/// Where an uploaded file waits to be read.
pub fn file_path(app: &App, id: ImportId) -> PathBuf {
    app.config.imports_dir().join(format!("{}.csv", id.0))
}

pub async fn run(app: &App, ImportBooks { import_id }: ImportBooks) -> Result<()> {
    let path = file_path(app, import_id);
    let db = app.db.clone();
    let read = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || {
            import::import_file(&db, &path, |tx, outcome| {
                let format = outcome.format.map(|f| f.name()).unwrap_or_default();
                imports::progress(tx, import_id, format, &outcome.counts, &outcome.report)
            })
        })
        .await?
    };
    // A file that is no export is the owner's to fix: the import ends, failed, with the reason.
    let error = read.err().map(|e| e.to_string());
    let now = crate::store::now();
    app.db
        .write(move |tx| imports::finish(tx, import_id, error.as_deref(), now))
        .await?;
    if let Err(e) = tokio::fs::remove_file(&path).await {
        tracing::warn!(error = %e, path = %path.display(), "could not remove an imported file");
    }
    Ok(())
}
