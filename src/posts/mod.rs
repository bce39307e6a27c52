//! Writing posts and pages: the one publish path every writer takes (`publish`), the one save
//! under it (`save`), deletion, permalinks, emoji topics, the people a post names, and the fact
//! a save states for everything that reacts to it (`changed`).

pub mod changed;
pub mod delete;
pub mod import;
pub mod mentions;
pub mod permalink;
pub mod publish;
pub mod save;
pub mod topics;
