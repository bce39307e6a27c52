//! The panel's import of a bookmark file: the uploaded file waits in the data folder's
//! `imports/` while a job reads it into the bookmarks, recording its progress for the import's
//! page. Reading it again (a job interrupted by a restart) adds nothing twice.

use std::path::PathBuf;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::jobs::Task;
use crate::store::ids::ImportId;
use crate::store::imports;

use super::import;
use super::import_file::Format;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportBookmarks {
    pub import_id: ImportId,
}

impl Task for ImportBookmarks {
    const KIND: &'static str = "import_bookmarks";
    const MAX_ATTEMPTS: u32 = 3;
}

/// Where an uploaded file waits to be read.
pub fn file_path(app: &App, id: ImportId) -> PathBuf {
    app.config.imports_dir().join(format!("{}.bookmarks", id.0))
}

pub async fn run(app: &App, ImportBookmarks { import_id }: ImportBookmarks) -> Result<()> {
    let path = file_path(app, import_id);
    imports::run_job(&app.db, import_id, path, Format::name, import::import_file).await
}
