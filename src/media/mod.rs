//! Uploaded images: checking and cleaning them (`process`), the JPEG metadata stripper
//! (`jpeg`), storing them content-addressed under the data folder (`files`), and serving them
//! (`serve`); small square copies (`square`) of reply authors' avatars (`avatars`).

pub mod avatars;
pub mod files;
mod jpeg;
pub mod process;
pub mod serve;
pub mod square;
pub mod upload;
