//! The embedded store: job mappings, execution contexts and cached model answers in one SQLite
//! file, with the same conditional-write semantics as the DynamoDB adapter (an older or
//! replayed run never overwrites a newer one; a run's execution context is written once), and
//! claims on runs (`run_claims`, one owner and lease per run, ended by the run's context).

use crate::error::LocalError;
use async_trait::async_trait;
use lineage_domain::ports::{AnswerCache, InferenceAnswer, LineageStore};
use lineage_domain::{Dataset, ExecutionContext, JobMapping, PortError, WriteOutcome};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a call waits for other processes holding the store's lock before it fails.
const LOCK_WAIT: Duration = Duration::from_secs(10);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS job_mappings (
    job_name    TEXT NOT NULL,
    mapping_key TEXT NOT NULL,
    dataset_key TEXT NOT NULL,
    item        TEXT NOT NULL,
    PRIMARY KEY (job_name, mapping_key)
);
CREATE INDEX IF NOT EXISTS job_mappings_by_dataset ON job_mappings (dataset_key, job_name);
CREATE TABLE IF NOT EXISTS execution_contexts (
    job_run_id TEXT PRIMARY KEY,
    job_name   TEXT NOT NULL,
    item       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS run_claims (
    job_run_id  TEXT PRIMARY KEY,
    owner       TEXT NOT NULL,
    lease_until INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS answer_cache (
    cache_key TEXT PRIMARY KEY,
    answer    TEXT NOT NULL
);
";

/// Mappings, execution contexts and cached answers in a SQLite file.
#[derive(Debug)]
pub struct SqliteLineageStore {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl SqliteLineageStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, LocalError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| LocalError::io(parent, e))?;
        }
        let mut conn = Connection::open(path).map_err(|e| store_err(path, e))?;
        conn.busy_timeout(LOCK_WAIT)
            .map_err(|e| store_err(path, e))?;
        // Turning a new file to WAL takes the file's exclusive lock, and SQLite answers "database
        // is locked" at once (without its busy handler) to an opener that meets that switch. So
        // other processes opening the same new store at the same moment retry until the wait
        // runs out.
        let deadline = Instant::now() + LOCK_WAIT;
        let mut pause = Duration::from_millis(2);
        while let Err(e) = prepare(&mut conn) {
            if !is_busy(&e) || Instant::now() >= deadline {
                return Err(store_err(path, e));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(100));
        }
        Ok(Self {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    /// An in-memory store (tests, dry runs).
    pub fn in_memory() -> Result<Self, LocalError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| store_err(&path, e))?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| store_err(&path, e))?;
        Ok(Self {
            path,
            conn: Mutex::new(conn),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the store holds anything at all: a mapping, an execution context, a claim on a
    /// run or a cached answer.
    pub fn holds_records(&self) -> Result<bool, PortError> {
        self.with_conn("read the store", |c| {
            c.query_row(
                "SELECT EXISTS (SELECT 1 FROM job_mappings) OR EXISTS (SELECT 1 FROM execution_contexts) \
                 OR EXISTS (SELECT 1 FROM run_claims) OR EXISTS (SELECT 1 FROM answer_cache)",
                [],
                |row| row.get::<_, bool>(0),
            )
        })
    }

    fn with_conn<T>(
        &self,
        op: &str,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, PortError> {
        let mut guard = self
            .conn
            .lock()
            .map_err(|_| PortError::transient(op, "store lock poisoned"))?;
        f(&mut guard).map_err(|e| store_err(&self.path, e).into_port(op))
    }
}

/// Sets the journal mode and creates the tables, in one write transaction.
fn prepare(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(SCHEMA)?;
    tx.commit()
}

/// Whether another connection's lock made the call fail.
fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn store_err(path: &Path, e: rusqlite::Error) -> LocalError {
    LocalError::Store {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Writes a run's execution context, which ends any claim on the run.
fn put_context(tx: &rusqlite::Transaction<'_>, context: &ExecutionContext) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT OR REPLACE INTO execution_contexts (job_run_id, job_name, item) VALUES (?1, ?2, ?3)",
        params![context.job_run_id, context.job_name, to_json(context)?],
    )?;
    tx.execute(
        "DELETE FROM run_claims WHERE job_run_id = ?1",
        params![context.job_run_id],
    )?;
    Ok(())
}

fn to_json<T: serde::Serialize>(v: &T) -> rusqlite::Result<String> {
    serde_json::to_string(v).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> rusqlite::Result<T> {
    serde_json::from_str(s).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

fn mappings(
    conn: &Connection,
    sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> rusqlite::Result<Vec<JobMapping>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(args, |row| row.get::<_, String>(0))?;
    rows.map(|r| r.and_then(|s| from_json(&s))).collect()
}

#[async_trait]
impl LineageStore for SqliteLineageStore {
    async fn execution_context(&self, run_id: &str) -> Result<Option<ExecutionContext>, PortError> {
        self.with_conn("read execution context", |c| {
            c.query_row(
                "SELECT item FROM execution_contexts WHERE job_run_id = ?1",
                params![run_id],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .map(|s| from_json(&s))
            .transpose()
        })
    }

    async fn put_execution_context(
        &self,
        context: &ExecutionContext,
    ) -> Result<WriteOutcome, PortError> {
        self.with_conn("write execution context", |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            // a run is written once, unless what is recorded is not done
            let done = tx
                .query_row(
                    "SELECT item FROM execution_contexts WHERE job_run_id = ?1",
                    params![context.job_run_id],
                    |r| r.get::<_, String>(0),
                )
                .optional()?
                .map(|s| from_json::<ExecutionContext>(&s))
                .transpose()?
                .map(|old| old.processing_status.is_done());
            let outcome = if done == Some(true) {
                WriteOutcome::Unchanged
            } else {
                put_context(&tx, context)?;
                WriteOutcome::Written
            };
            tx.commit()?;
            Ok(outcome)
        })
    }

    async fn claim_run(
        &self,
        run_id: &str,
        owner: &str,
        lease: std::time::Duration,
        force: bool,
    ) -> Result<bool, PortError> {
        let now = chrono::Utc::now().timestamp_millis();
        let until = now.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX));
        self.with_conn("claim run", |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let done = tx
                .query_row(
                    "SELECT item FROM execution_contexts WHERE job_run_id = ?1",
                    params![run_id],
                    |r| r.get::<_, String>(0),
                )
                .optional()?
                .map(|s| from_json::<ExecutionContext>(&s))
                .transpose()?
                .is_some_and(|ctx| ctx.processing_status.is_done());
            let held = tx
                .query_row(
                    "SELECT owner, lease_until FROM run_claims WHERE job_run_id = ?1",
                    params![run_id],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
                )
                .optional()?
                .is_some_and(|(holder, lease_until)| holder != owner && lease_until >= now);
            let claimed = !held && (force || !done);
            if claimed {
                tx.execute(
                    "INSERT OR REPLACE INTO run_claims (job_run_id, owner, lease_until) VALUES (?1, ?2, ?3)",
                    params![run_id, owner, until],
                )?;
            }
            tx.commit()?;
            Ok(claimed)
        })
    }

    async fn release_run(&self, run_id: &str, owner: &str) -> Result<(), PortError> {
        self.with_conn("release run", |c| {
            c.execute(
                "DELETE FROM run_claims WHERE job_run_id = ?1 AND owner = ?2",
                params![run_id, owner],
            )
            .map(|_| ())
        })
    }

    async fn replace_execution_context(&self, context: &ExecutionContext) -> Result<(), PortError> {
        self.with_conn("replace execution context", |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            put_context(&tx, context)?;
            tx.commit()
        })
    }

    async fn merge_mapping(&self, mapping: &JobMapping) -> Result<WriteOutcome, PortError> {
        let (job, key) = mapping.key();
        self.with_conn("merge job mapping", |c| {
            let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let existing: Option<JobMapping> = tx
                .query_row(
                    "SELECT item FROM job_mappings WHERE job_name = ?1 AND mapping_key = ?2",
                    params![job, key],
                    |r| r.get::<_, String>(0),
                )
                .optional()?
                .map(|s| from_json(&s))
                .transpose()?;
            let outcome = match JobMapping::merge(existing.as_ref(), mapping) {
                None => WriteOutcome::Unchanged,
                Some(merged) => {
                    tx.execute(
                        "INSERT OR REPLACE INTO job_mappings (job_name, mapping_key, dataset_key, item) VALUES (?1, ?2, ?3, ?4)",
                        params![job, key, merged.dataset.key(), to_json(&merged)?],
                    )?;
                    WriteOutcome::Written
                }
            };
            tx.commit()?;
            Ok(outcome)
        })
    }

    async fn mappings_for_dataset(&self, dataset: &Dataset) -> Result<Vec<JobMapping>, PortError> {
        self.with_conn("query mappings by dataset", |c| {
            mappings(c, "SELECT item FROM job_mappings WHERE dataset_key = ?1 ORDER BY job_name, mapping_key", &[&dataset.key()])
        })
    }

    async fn mappings_for_job(&self, job_name: &str) -> Result<Vec<JobMapping>, PortError> {
        self.with_conn("query mappings by job", |c| {
            mappings(
                c,
                "SELECT item FROM job_mappings WHERE job_name = ?1 ORDER BY mapping_key",
                &[&job_name],
            )
        })
    }

    async fn all_mappings(&self) -> Result<Vec<JobMapping>, PortError> {
        self.with_conn("scan mappings", |c| {
            mappings(
                c,
                "SELECT item FROM job_mappings ORDER BY job_name, mapping_key",
                &[],
            )
        })
    }
}

#[async_trait]
impl AnswerCache for SqliteLineageStore {
    async fn cached_answer(&self, key: &str) -> Result<Option<InferenceAnswer>, PortError> {
        self.with_conn("read cached answer", |c| {
            c.query_row(
                "SELECT answer FROM answer_cache WHERE cache_key = ?1",
                params![key],
                |r| r.get::<_, String>(0),
            )
            .optional()?
            .map(|s| from_json(&s))
            .transpose()
        })
    }

    async fn put_answer(&self, key: &str, answer: &InferenceAnswer) -> Result<(), PortError> {
        self.with_conn("write cached answer", |c| {
            c.execute(
                "INSERT OR REPLACE INTO answer_cache (cache_key, answer) VALUES (?1, ?2)",
                params![key, to_json(answer)?],
            )
            .map(|_| ())
        })
    }
}
