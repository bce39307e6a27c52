//! The rendered public pages kept in memory, each with the content version it was rendered at
//! (see `cache`, which serves them). A plain value the app holds: it imports nothing above the
//! ground floor.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use bytes::Bytes;
use poem::http::{HeaderMap, HeaderValue};

/// Memory kept for rendered pages. A page is 10–60 KB, so this holds a few hundred, which
/// covers the pages people actually visit; a small machine keeps the rest of its memory.
const MAX_BYTES: usize = 8 * 1024 * 1024;
/// Pages larger than this are served but not kept (a huge archive month, say).
pub const MAX_ENTRY_BYTES: usize = 1024 * 1024;

pub struct Entry {
    pub version: i64,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub etag: HeaderValue,
    pub last_modified: HeaderValue,
    /// The time of the last change, which Last-Modified gives to the second.
    pub changed_at: i64,
    /// The body compressed (brotli, gzip), each made the first time a client asks for it.
    pub encoded: [OnceLock<Bytes>; 2],
}

impl Entry {
    /// The memory the entry holds: its body and the compressed copies made so far.
    fn size(&self) -> usize {
        self.body.len()
            + self
                .encoded
                .iter()
                .filter_map(OnceLock::get)
                .map(Bytes::len)
                .sum::<usize>()
    }
}

#[derive(Default)]
pub struct PageCache {
    inner: RwLock<Pages>,
}

#[derive(Default)]
struct Pages {
    entries: HashMap<String, Arc<Entry>>,
    /// Sum of the bodies held, kept as entries come and go rather than summed on every insert
    /// (inserts happen under the write lock, on every cache miss).
    bytes: usize,
}

impl PageCache {
    pub fn get(&self, key: &str, version: i64) -> Option<Arc<Entry>> {
        let pages = self.inner.read().unwrap_or_else(|p| p.into_inner());
        pages
            .entries
            .get(key)
            .filter(|e| e.version == version)
            .cloned()
    }

    pub fn put(&self, key: String, entry: Arc<Entry>) {
        let mut pages = self.inner.write().unwrap_or_else(|p| p.into_inner());
        let size = entry.size();
        if pages.bytes + size > MAX_BYTES {
            // Pages of older versions are useless; if that is not enough, start afresh.
            pages.entries.retain(|_, e| e.version == entry.version);
            pages.bytes = pages.entries.values().map(|e| e.size()).sum();
            if pages.bytes + size > MAX_BYTES {
                pages.entries.clear();
                pages.bytes = 0;
            }
        }
        pages.bytes += size;
        if let Some(old) = pages.entries.insert(key, entry) {
            pages.bytes = pages.bytes.saturating_sub(old.size());
        }
    }

    /// Counts a compressed copy just added to a kept entry. (Were the entry dropped meanwhile,
    /// the count is a little high until the next sweep in `put` sums the entries again.)
    pub fn grew(&self, bytes: usize) {
        let mut pages = self.inner.write().unwrap_or_else(|p| p.into_inner());
        pages.bytes += bytes;
    }
}
