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
use super::import_csv::Format;

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
    imports::run_job(&app.db, import_id, path, Format::name, import::import_file).await
}
