//! The database handle: one write connection (SQLite allows one writer at a time anyway) and a
//! small pool of readers. All work runs on Tokio's blocking threads so that no async thread waits
//! on disk.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use rusqlite::hooks::Action;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use tokio::sync::{Notify, Semaphore};

use super::migrations;

/// How many idle read connections are kept open. Each holds its own page cache, so a small
/// number keeps a Raspberry Pi's memory low.
const IDLE_READERS: usize = 4;
/// Reads running at once; more wait their turn instead of each taking a thread and a connection
/// (a flood of uncached requests must not open hundreds of either). SQLite reads are short,
/// and two cores gain nothing from more at a time (measured with `cargo bench --bench http`).
const MAX_READERS: usize = 4;

/// Page cache per connection, in KiB (SQLite's negative `cache_size` form).
const CACHE_KIB: i64 = 2048;

/// How long a connection waits for another process's lock (a CLI command, a backup) before it
/// gives up; long enough for any write Porch makes.
const BUSY_TIMEOUT_MS: i64 = 5000;

/// What visitors can see changes when `content_version` does (triggers in schema.sql bump it).
/// Kept in memory after every write so that the page cache can check it without a query.
#[derive(Debug, Default)]
pub struct ContentStamp {
    version: AtomicI64,
    changed_at: AtomicI64,
    /// When the stamp was last read from the database, in Unix milliseconds.
    read_at_ms: AtomicI64,
}

/// How stale the in-memory stamp may get before it is read again. Writes made by this process
/// refresh it at once; this only bounds how long a write by another process (`porch init` while
/// the server runs) takes to reach the page cache.
const STAMP_MAX_AGE_MS: i64 = 1000;

impl ContentStamp {
    pub fn version(&self) -> i64 {
        self.version.load(Ordering::Acquire)
    }

    pub fn changed_at(&self) -> i64 {
        self.changed_at.load(Ordering::Acquire)
    }

    fn refresh(&self, conn: &Connection) -> Result<()> {
        let (version, changed_at): (i64, i64) = conn
            .query_row(
                "SELECT content_version, content_changed_at FROM site_meta WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .context("store: read content stamp")?;
        self.changed_at.store(changed_at, Ordering::Release);
        self.version.store(version, Ordering::Release);
        self.read_at_ms
            .store(chrono::Utc::now().timestamp_millis(), Ordering::Release);
        Ok(())
    }
}

#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    read_slots: Semaphore,
    /// Writes queue here rather than as blocked threads waiting for the writer's lock.
    write_slot: Semaphore,
    stamp: ContentStamp,
    /// Set when the open write transaction queues or requeues a job (an update hook on the
    /// `jobs` table); the commit then wakes the job worker through `jobs`.
    touched_jobs: Arc<AtomicBool>,
    jobs: Notify,
}

/// Opens one connection with the settings every Porch connection uses.
pub fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
    )
    .with_context(|| format!("store: open {}", path.display()))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a committed post survives a power cut, not only a crash; a blog writes rarely.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "busy_timeout", BUSY_TIMEOUT_MS)?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    Ok(conn)
}

/// SQLite's own check of a database file: "ok", or what is wrong.
pub fn integrity_check(conn: &Connection) -> Result<String> {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .context("store: integrity check")
}

impl Db {
    /// Opens the database, creating it from schema.sql or migrating it to the current version.
    pub fn open(path: &Path) -> Result<Db> {
        let mut writer = open_connection(path)?;
        migrations::prepare(&mut writer)?;
        let stamp = ContentStamp::default();
        stamp.refresh(&writer)?;
        let touched_jobs = Arc::new(AtomicBool::new(false));
        let flag = touched_jobs.clone();
        writer.update_hook(Some(
            move |action: Action, _db: &str, table: &str, _row: i64| {
                if table == "jobs" && action != Action::SQLITE_DELETE {
                    flag.store(true, Ordering::Release);
                }
            },
        ))?;
        Ok(Db {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Mutex::new(writer),
                readers: Mutex::new(Vec::new()),
                read_slots: Semaphore::new(MAX_READERS),
                write_slot: Semaphore::new(1),
                stamp,
                touched_jobs,
                jobs: Notify::new(),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub fn stamp(&self) -> &ContentStamp {
        &self.inner.stamp
    }

    /// Notified when a committed transaction queued a job (or a job finished): what the job
    /// worker waits on. No writer has to remember to wake it.
    pub fn queued_jobs(&self) -> &Notify {
        &self.inner.jobs
    }

    /// The content stamp, re-read first if it is older than a second.
    pub async fn fresh_stamp(&self) -> Result<&ContentStamp> {
        let age = chrono::Utc::now().timestamp_millis()
            - self.inner.stamp.read_at_ms.load(Ordering::Acquire);
        if age > STAMP_MAX_AGE_MS {
            let db = self.clone();
            self.read(move |c| db.inner.stamp.refresh(c)).await?;
        }
        Ok(&self.inner.stamp)
    }

    /// Runs `f` on a read connection, off the async threads.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let _slot = self.inner.read_slots.acquire().await?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_blocking(f))
            .await
            .context("store: read task")?
    }

    /// Runs `f` inside one write transaction, off the async threads. The transaction commits when
    /// `f` returns Ok and rolls back when it returns Err, so a failed action changes nothing.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> Result<T> + Send + 'static,
    {
        let _slot = self.inner.write_slot.acquire().await?;
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(f))
            .await
            .context("store: write task")?
    }

    pub fn read_blocking<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = match self
            .inner
            .readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop()
        {
            Some(conn) => conn,
            None => open_connection(&self.inner.path)?,
        };
        let result = f(&conn);
        let mut pool = self
            .inner
            .readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if pool.len() < IDLE_READERS {
            pool.push(conn);
        }
        result
    }

    pub fn write_blocking<T>(&self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        // A panic inside `f` drops, and so rolls back, its transaction: the connection stays good.
        let mut conn = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("store: begin")?;
        // Left set only by a transaction that rolled back: its jobs are gone with it.
        self.inner.touched_jobs.store(false, Ordering::Release);
        let value = f(&tx)?;
        tx.commit().context("store: commit")?;
        if self.inner.touched_jobs.swap(false, Ordering::AcqRel) {
            self.inner.jobs.notify_one();
        }
        // The change is committed: failing now would make the caller report (and perhaps
        // repeat) a save that happened. A stale stamp only delays the page cache's refresh.
        if let Err(e) = self.inner.stamp.refresh(&conn) {
            tracing::error!(
                error = format!("{e:#}"),
                "store: could not read the content stamp"
            );
        }
        Ok(value)
    }
}
