//! Run contexts from captured AWS API responses on disk, in the corpus format: a case folder
//! holds `job.json` (get-job, plus a top-level `Connections` array of get-connection objects),
//! `run.json` (get-job-run), `event.json`, `script.py|script.scala|script.sql`, `extra/<key>`
//! (other S3 objects by key) and `logs.json` (filter-log-events). A fixtures folder is one case
//! folder or a folder of them. Implements the `JobCatalog`, `ScriptStore` and `RunLogs` ports
//! (and `DatasetStorage` in [`crate::storage`], from `objects.json` and `tables.json`).

use crate::error::LocalError;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use lineage_domain::ports::{JobCatalog, LogQuery, RunLogEvents, RunLogs, ScriptStore};
use lineage_domain::{
    Connection, ErrorKind, GlueJobStateChange, JobDefinition, JobRun, LogEvent, PortError,
    S3Location,
};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

const SCRIPT_FILES: [&str; 3] = ["script.py", "script.scala", "script.sql"];

/// One captured run.
#[derive(Debug, Clone)]
pub struct CaseFolder {
    pub dir: PathBuf,
    pub job: JobDefinition,
    pub connections: Vec<Connection>,
    pub run: JobRun,
    /// `event.json`, when present.
    pub event: Option<GlueJobStateChange>,
    pub script: Option<PathBuf>,
}

#[derive(serde::Deserialize)]
struct JobFile {
    #[serde(rename = "Job")]
    job: JobDefinition,
    #[serde(rename = "Connections", default)]
    connections: Vec<Connection>,
}

#[derive(serde::Deserialize)]
struct RunFile {
    #[serde(rename = "JobRun")]
    run: JobRun,
}

#[derive(serde::Deserialize)]
struct LogsFile {
    #[serde(default)]
    events: Vec<LogEvent>,
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, LocalError> {
    let text = std::fs::read_to_string(path).map_err(|e| LocalError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| LocalError::Json {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

impl CaseFolder {
    /// Whether a folder looks like a case folder.
    pub fn is_case(dir: &Path) -> bool {
        dir.join("run.json").is_file() && dir.join("job.json").is_file()
    }

    /// Loads a case folder; every problem names the file.
    pub fn load(dir: &Path) -> Result<Self, LocalError> {
        if !dir.is_dir() {
            return Err(LocalError::io(
                dir,
                std::io::Error::new(std::io::ErrorKind::NotFound, "no such folder"),
            ));
        }
        let JobFile { job, connections } = read_json(&dir.join("job.json"))?;
        let RunFile { run } = read_json(&dir.join("run.json"))?;
        let event_path = dir.join("event.json");
        let event = if event_path.is_file() {
            let text =
                std::fs::read_to_string(&event_path).map_err(|e| LocalError::io(&event_path, e))?;
            Some(
                GlueJobStateChange::from_json(&text).map_err(|e| LocalError::Invalid {
                    path: event_path.clone(),
                    message: e.to_string(),
                })?,
            )
        } else {
            None
        };
        let script = SCRIPT_FILES
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file());
        if run.job_name != job.name {
            return Err(LocalError::Invalid {
                path: dir.join("run.json"),
                message: format!(
                    "JobRun.JobName {:?} is not Job.Name {:?}",
                    run.job_name, job.name
                ),
            });
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            job,
            connections,
            run,
            event,
            script,
        })
    }

    fn logs(&self) -> Result<Vec<LogEvent>, LocalError> {
        let path = self.dir.join("logs.json");
        if !path.is_file() {
            return Ok(Vec::new());
        }
        Ok(read_json::<LogsFile>(&path)?.events)
    }
}

/// A folder of captured runs, indexed for the lookups the ports make.
#[derive(Debug, Clone)]
pub struct FsFixtures {
    root: PathBuf,
    cases: Vec<CaseFolder>,
    /// (job, run id) → case.
    by_run: HashMap<(String, String), usize>,
    /// job → the case of its latest run.
    latest_by_job: HashMap<String, usize>,
    /// script location → case.
    by_script: HashMap<S3Location, usize>,
    /// S3 key → file under some case's `extra/` (the first case in folder order wins).
    extra: HashMap<String, PathBuf>,
    /// The storage captures of every case, read on the first storage call (shared by clones).
    pub(crate) storage: std::sync::Arc<crate::storage::Captures>,
}

impl FsFixtures {
    /// Opens one case folder, or a folder whose sub-folders are case folders.
    pub fn open(root: &Path) -> Result<Self, LocalError> {
        let cases = if CaseFolder::is_case(root) {
            vec![CaseFolder::load(root)?]
        } else {
            let entries = std::fs::read_dir(root).map_err(|e| LocalError::io(root, e))?;
            let mut dirs: Vec<PathBuf> = entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| CaseFolder::is_case(p))
                .collect();
            dirs.sort();
            dirs.iter()
                .map(|d| CaseFolder::load(d))
                .collect::<Result<Vec<_>, _>>()?
        };
        if cases.is_empty() {
            return Err(LocalError::Invalid {
                path: root.to_path_buf(),
                message: "no case folder here (a case folder holds job.json and run.json)".into(),
            });
        }
        let mut fixtures = Self {
            root: root.to_path_buf(),
            cases,
            by_run: HashMap::new(),
            latest_by_job: HashMap::new(),
            by_script: HashMap::new(),
            extra: HashMap::new(),
            storage: Default::default(),
        };
        fixtures.index()?;
        Ok(fixtures)
    }

    fn index(&mut self) -> Result<(), LocalError> {
        for (i, c) in self.cases.iter().enumerate() {
            self.by_run
                .entry((c.job.name.clone(), c.run.id.clone()))
                .or_insert(i);
            let latest = self.latest_by_job.entry(c.job.name.clone()).or_insert(i);
            if c.run.started_on > self.cases[*latest].run.started_on {
                *latest = i;
            }
            if let Some(loc) = S3Location::parse(&c.job.command.script_location) {
                if c.script.is_some() {
                    self.by_script.entry(loc).or_insert(i);
                }
            }
            let extra_dir = c.dir.join("extra");
            if extra_dir.is_dir() {
                index_extra(&extra_dir, &extra_dir, &mut self.extra)?;
            }
        }
        Ok(())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn cases(&self) -> &[CaseFolder] {
        &self.cases
    }

    fn case_of_run(&self, job_name: &str, run_id: &str) -> Option<&CaseFolder> {
        self.by_run
            .get(&(job_name.to_string(), run_id.to_string()))
            .map(|i| &self.cases[*i])
    }
}

/// Records every file under `dir` by its key relative to `base`.
fn index_extra(
    base: &Path,
    dir: &Path,
    out: &mut HashMap<String, PathBuf>,
) -> Result<(), LocalError> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| LocalError::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            index_extra(base, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(base) {
            let key = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.entry(key).or_insert(path);
        }
    }
    Ok(())
}

#[async_trait]
impl JobCatalog for FsFixtures {
    async fn job(&self, job_name: &str) -> Result<JobDefinition, PortError> {
        // The current definition: the one captured with the job's latest run.
        self.latest_by_job
            .get(job_name)
            .map(|i| self.cases[*i].job.clone())
            .ok_or_else(|| {
                PortError::not_found(
                    format!("GetJob {job_name}"),
                    format!(
                        "no captured job named {job_name:?} under {}",
                        self.root.display()
                    ),
                )
            })
    }

    async fn job_run(&self, job_name: &str, run_id: &str) -> Result<JobRun, PortError> {
        self.case_of_run(job_name, run_id)
            .map(|c| c.run.clone())
            .ok_or_else(|| {
                PortError::not_found(
                    format!("GetJobRun {job_name}/{run_id}"),
                    format!(
                        "no captured run {run_id:?} of job {job_name:?} under {}",
                        self.root.display()
                    ),
                )
            })
    }

    async fn connection(&self, name: &str) -> Result<Connection, PortError> {
        self.cases
            .iter()
            .flat_map(|c| c.connections.iter())
            .find(|c| c.name == name)
            .cloned()
            .ok_or_else(|| {
                PortError::not_found(format!("GetConnection {name}"), "no captured connection")
            })
    }

    async fn job_runs(
        &self,
        job_name: &str,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<JobRun>, PortError> {
        let mut runs: Vec<JobRun> = self
            .cases
            .iter()
            .filter(|c| c.job.name == job_name)
            .filter(|c| since.is_none_or(|s| c.run.started_on >= s))
            .filter(|c| until.is_none_or(|u| c.run.started_on <= u))
            .map(|c| c.run.clone())
            .collect();
        runs.sort_by(|a, b| b.started_on.cmp(&a.started_on).then(b.id.cmp(&a.id)));
        Ok(runs)
    }
}

fn read_capped(path: &Path, max_bytes: usize, op: &str) -> Result<Vec<u8>, PortError> {
    let meta = std::fs::metadata(path).map_err(|e| LocalError::io(path, e).into_port(op))?;
    if meta.len() > max_bytes as u64 {
        return Err(PortError::invalid(
            op,
            format!(
                "{} is {} bytes, over the {max_bytes}-byte limit",
                path.display(),
                meta.len()
            ),
        ));
    }
    std::fs::read(path).map_err(|e| LocalError::io(path, e).into_port(op))
}

#[async_trait]
impl ScriptStore for FsFixtures {
    async fn object_bytes(&self, url: &str, max_bytes: usize) -> Result<Vec<u8>, PortError> {
        let op = format!("GetObject {url}");
        let loc =
            S3Location::parse(url).ok_or_else(|| PortError::invalid(&op, "not an s3:// URL"))?;
        // The job script, as stored at Command.ScriptLocation.
        if let Some(path) = self
            .by_script
            .get(&loc)
            .and_then(|i| self.cases[*i].script.as_ref())
        {
            return read_capped(path, max_bytes, &op);
        }
        // Any other object, stored under its key in a case's extra/ folder.
        if loc.key.split('/').any(|seg| seg == ".." || seg == ".") {
            return Err(PortError::invalid(&op, "key has a relative path segment"));
        }
        if let Some(path) = self.extra.get(&loc.key) {
            return read_capped(path, max_bytes, &op);
        }
        Err(PortError::new(
            ErrorKind::NotFound,
            op,
            "no captured object with that key",
        ))
    }
}

#[async_trait]
impl RunLogs for FsFixtures {
    async fn events(&self, query: &LogQuery) -> Result<RunLogEvents, PortError> {
        let op = format!("FilterLogEvents {}", query.run_id);
        let Some(case) = self.case_of_run(&query.job_name, &query.run_id) else {
            return Ok(RunLogEvents::default());
        };
        let mut events: Vec<LogEvent> = case
            .logs()
            .map_err(|e| e.into_port(&op))?
            .into_iter()
            .filter(|e| {
                e.log_stream_name.is_empty() || e.log_stream_name.starts_with(&query.run_id)
            })
            .filter(|e| query.window.contains_millis(e.timestamp))
            .collect();
        events.sort_by(|a, b| (a.timestamp, &a.event_id).cmp(&(b.timestamp, &b.event_id)));
        let mut out = RunLogEvents::default();
        let mut bytes = 0usize;
        for e in events {
            bytes += e.message.len();
            if out.events.len() >= query.max_events || bytes > query.max_bytes {
                out.truncated = true;
                break;
            }
            out.events.push(e);
        }
        Ok(out)
    }
}
