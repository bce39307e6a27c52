//! The IndieWeb protocols: Micropub (apps post here), IndieAuth (apps get a token from the
//! owner), Webmention (other sites reply and mention; this site tells the pages it links), and
//! the MetaWeblog XML-RPC API that MarsEdit speaks.

pub mod indieauth;
pub mod micropub;
pub mod webmention;
pub mod xmlrpc;
