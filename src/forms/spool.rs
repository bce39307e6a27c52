//! Request bodies read under a cap: a small one into memory, a larger one into a temporary file
//! under the data folder, so that reading a body costs little memory however large it is (the
//! XML-RPC API takes a 25 MB image as 36 MB of XML). And the gate that lets only a few large
//! bodies be read at once while their sender is still unknown, so that strangers cannot fill
//! the disk or the memory with requests that will be refused anyway.

use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::Path;
use std::time::Duration;

use poem::Request;
use poem::http::header;
use tempfile::NamedTempFile;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{Semaphore, SemaphorePermit};

/// Bodies up to this size stay in memory: every form, activity and ordinary API call.
pub const IN_MEMORY_BYTES: usize = 64 * 1024;
/// Large bodies read at once before their sender is authenticated. Real clients send one
/// upload at a time; a few slots keep a stranger's slow uploads from blocking the owner's.
const LARGE_BODIES_AT_ONCE: usize = 4;
/// How long a large body waits for a slot before the request is turned away.
const WAIT_FOR_SLOT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    #[error("The request is too large ({0} bytes at most).")]
    TooLarge(u64),
    #[error("The server is busy receiving other uploads; try again in a minute.")]
    Busy,
    #[error("The request could not be read: {0}")]
    Io(#[from] std::io::Error),
}

/// The slots for large bodies from senders not yet known.
pub struct Gate(Semaphore);

impl Default for Gate {
    fn default() -> Gate {
        Gate(Semaphore::new(LARGE_BODIES_AT_ONCE))
    }
}

impl Gate {
    /// Waits for a slot if this request's body may be large (its length says so, or it does not
    /// say); a small body passes at once.
    pub async fn enter(&self, req: &Request) -> Result<Option<SemaphorePermit<'_>>, BodyError> {
        let small = req
            .header(header::CONTENT_LENGTH)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_some_and(|n| n <= IN_MEMORY_BYTES as u64);
        if small {
            return Ok(None);
        }
        match tokio::time::timeout(WAIT_FOR_SLOT, self.0.acquire()).await {
            Ok(Ok(permit)) => Ok(Some(permit)),
            _ => Err(BodyError::Busy),
        }
    }
}

/// A body that was read whole.
pub enum Spooled {
    Memory(Vec<u8>),
    File { file: NamedTempFile, len: u64 },
}

impl Spooled {
    pub fn len(&self) -> u64 {
        match self {
            Spooled::Memory(bytes) => bytes.len() as u64,
            Spooled::File { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The body from its start (blocking when it is a file).
    pub fn reader(&self) -> std::io::Result<Box<dyn BufRead + Send + '_>> {
        Ok(match self {
            Spooled::Memory(bytes) => Box::new(Cursor::new(bytes.as_slice())),
            Spooled::File { file, .. } => Box::new(BufReader::new(file.reopen()?)),
        })
    }

    /// The whole body in memory (blocking when it is a file).
    pub fn into_bytes(self) -> std::io::Result<Vec<u8>> {
        match self {
            Spooled::Memory(bytes) => Ok(bytes),
            Spooled::File { file, len } => {
                let mut bytes = Vec::with_capacity(len as usize);
                file.reopen()?.read_to_end(&mut bytes)?;
                Ok(bytes)
            }
        }
    }
}

/// Reads a body of at most `limit` bytes, into memory if it is small, else into a temporary
/// file in `dir` (removed when the `Spooled` is dropped).
pub async fn spool(body: poem::Body, dir: &Path, limit: u64) -> Result<Spooled, BodyError> {
    let mut reader = body.into_async_read();
    let mut head = Vec::new();
    (&mut reader)
        .take(IN_MEMORY_BYTES as u64 + 1)
        .read_to_end(&mut head)
        .await?;
    if head.len() as u64 > limit {
        return Err(BodyError::TooLarge(limit));
    }
    if head.len() <= IN_MEMORY_BYTES {
        return Ok(Spooled::Memory(head));
    }
    let file = tempfile::Builder::new().prefix("body-").tempfile_in(dir)?;
    let mut out = tokio::fs::File::from_std(file.reopen()?);
    out.write_all(&head).await?;
    let rest = limit + 1 - head.len() as u64;
    let copied = tokio::io::copy(&mut (&mut reader).take(rest), &mut out).await?;
    let len = head.len() as u64 + copied;
    if len > limit {
        return Err(BodyError::TooLarge(limit));
    }
    out.flush().await?;
    Ok(Spooled::File { file, len })
}

/// Empties the folder of temporary files: what is there was left by a server that stopped
/// while receiving.
pub fn clear(dir: &Path) -> std::io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)
}
