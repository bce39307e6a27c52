//! Uploaded images: checking and cleaning them (`process`), the JPEG metadata stripper
//! (`jpeg`), storing them content-addressed under the data folder (`files`), and serving them
//! (`serve`).

pub mod files;
mod jpeg;
pub mod process;
pub mod serve;
pub mod upload;
