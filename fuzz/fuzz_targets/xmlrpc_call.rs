//! An XML-RPC request body: the start read for its credentials, and the whole call parsed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use porch::xmlrpc::wire;

fuzz_target!(|data: &[u8]| {
    let _ = wire::head(data);
    let _ = wire::parse(data);
});
