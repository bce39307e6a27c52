//! Who may do what: the owner's password, admin sessions and their CSRF tokens, app tokens, and
//! the throttle that slows down password guessing.

pub mod csrf;
pub mod owner;
pub mod password;
pub mod secret;
pub mod session;
pub mod throttle;
pub mod tokens;

pub use session::Admin;
