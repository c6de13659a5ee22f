//! Deterministic generation of benchmark inputs in the corpus format: captured-run case
//! folders (`job.json`, `run.json`, `event.json`, `script.py`, `logs.json`) of a few hundred
//! jobs drawn from four script templates (catalog → S3, S3 → catalog, Spark SQL inserts, JDBC →
//! S3), the events to replay them (`events.jsonl`), a 5,000-line PySpark script and a run with a
//! 5,000-event log. The same seed gives byte-identical output.

use crate::{write_file, BenchError};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::Path;

/// SplitMix64: a small, seedable generator (no dependency, stable across versions).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn word(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
    pub fn hex(&mut self, chars: usize) -> String {
        let mut s = String::with_capacity(chars + 16);
        while s.len() < chars {
            let _ = write!(s, "{:016x}", self.next_u64());
        }
        s.truncate(chars);
        s
    }
}

const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-east-1";
const DOMAINS: &[&str] = &[
    "orders",
    "payments",
    "clicks",
    "inventory",
    "customers",
    "shipments",
    "invoices",
    "sessions",
    "returns",
    "ledger",
    "campaigns",
    "devices",
];
const SUFFIXES: &[&str] = &[
    "daily", "hourly", "rollup", "clean", "dedup", "enrich", "snapshot",
];
const DATABASES: &[&str] = &[
    "sales_raw",
    "sales_curated",
    "marketing",
    "finance",
    "ops",
    "web",
];
const BUCKETS: &[&str] = &[
    "acme-datalake-raw",
    "acme-datalake-curated",
    "acme-analytics",
    "acme-landing",
    "acme-exports",
];

/// The four script templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Template {
    CatalogToS3,
    S3ToCatalog,
    SparkSql,
    Jdbc,
}

impl Template {
    pub const ALL: [Template; 4] = [
        Template::CatalogToS3,
        Template::S3ToCatalog,
        Template::SparkSql,
        Template::Jdbc,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Template::CatalogToS3 => "catalog-to-s3",
            Template::S3ToCatalog => "s3-to-catalog",
            Template::SparkSql => "spark-sql",
            Template::Jdbc => "jdbc",
        }
    }
}

/// One generated job.
#[derive(Debug, Clone)]
pub struct JobSpec {
    pub name: String,
    pub template: Template,
    pub script: String,
    pub default_arguments: Vec<(String, String)>,
    pub connection: Option<Value>,
}

const HEADER: &str = "import sys\nfrom awsglue.utils import getResolvedOptions\nfrom awsglue.context import GlueContext\nfrom awsglue.job import Job\nfrom pyspark.context import SparkContext\n\n";

fn job_spec(rng: &mut Rng, index: usize) -> JobSpec {
    let template = Template::ALL[index % Template::ALL.len()];
    let domain = *rng.pick(DOMAINS);
    let name = format!(
        "{}-{}-{}-{index:03}",
        template.name(),
        domain,
        rng.pick(SUFFIXES)
    );
    let db = *rng.pick(DATABASES);
    let db2 = *rng.pick(DATABASES);
    let bucket = *rng.pick(BUCKETS);
    let src_bucket = *rng.pick(BUCKETS);
    let t1 = format!("{domain}_{}", rng.pick(SUFFIXES));
    let t2 = format!("{}_dim", rng.pick(DOMAINS));
    let mut args = vec![("--job-language".to_string(), "python".to_string())];
    let mut connection = None;
    let body = match template {
        Template::CatalogToS3 => {
            args.push(("--source_db".into(), db.into()));
            args.push(("--target_bucket".into(), bucket.into()));
            format!(
                "args = getResolvedOptions(sys.argv, [\"JOB_NAME\", \"source_db\", \"target_bucket\"])\n\
                 glue_context = GlueContext(SparkContext())\nspark = glue_context.spark_session\n\
                 job = Job(glue_context)\njob.init(args[\"JOB_NAME\"], args)\n\n\
                 src = glue_context.create_dynamic_frame.from_catalog(\n    database=args[\"source_db\"],\n    table_name=\"{t1}\",\n    transformation_ctx=\"src\",\n)\n\
                 dim = spark.read.option(\"header\", \"true\").csv(\"s3://{src_bucket}/reference/{t2}/\")\n\
                 joined = src.toDF().join(dim, \"id\")\n\
                 target = f\"s3://{{args['target_bucket']}}/{domain}/{t1}/\"\n\
                 joined.write.mode(\"overwrite\").partitionBy(\"dt\").parquet(target)\n\njob.commit()\n"
            )
        }
        Template::S3ToCatalog => {
            args.push(("--input_path".into(), format!("s3://{src_bucket}/incoming/{domain}/")));
            format!(
                "args = getResolvedOptions(sys.argv, [\"JOB_NAME\", \"input_path\"])\n\
                 glue_context = GlueContext(SparkContext())\nspark = glue_context.spark_session\n\
                 job = Job(glue_context)\njob.init(args[\"JOB_NAME\"], args)\n\n\
                 raw = spark.read.json(args[\"input_path\"])\n\
                 clean = raw.dropDuplicates([\"id\"]).filter(\"id is not null\")\n\
                 frame = DynamicFrame.fromDF(clean, glue_context, \"clean\")\n\
                 glue_context.write_dynamic_frame.from_catalog(\n    frame=frame,\n    database=\"{db}\",\n    table_name=\"{t1}\",\n    transformation_ctx=\"sink\",\n)\n\njob.commit()\n"
            )
        }
        Template::SparkSql => format!(
            "args = getResolvedOptions(sys.argv, [\"JOB_NAME\"])\n\
             glue_context = GlueContext(SparkContext())\nspark = glue_context.spark_session\n\
             job = Job(glue_context)\njob.init(args[\"JOB_NAME\"], args)\n\n\
             spark.sql(\"\"\"\n    INSERT OVERWRITE TABLE {db2}.{t1}_agg\n    SELECT a.id, a.dt, count(*) AS n, sum(b.amount) AS total\n    FROM {db}.{t1} a\n    JOIN {db}.{t2} b ON a.id = b.id\n    GROUP BY a.id, a.dt\n\"\"\")\n\
             spark.sql(\"INSERT INTO {db2}.{t1}_history SELECT * FROM {db2}.{t1}_agg\")\n\njob.commit()\n"
        ),
        Template::Jdbc => {
            let conn = format!("{domain}-pg-{index:03}");
            args.push(("--target_bucket".into(), bucket.into()));
            args.push(("--db_password".into(), format!("S3cret-{}", rng.hex(10))));
            connection = Some(json!({
                "Name": conn,
                "Description": "generated PostgreSQL connection",
                "ConnectionType": "JDBC",
                "ConnectionProperties": {
                    "JDBC_CONNECTION_URL": format!("jdbc:postgresql://{domain}-{index:03}.cluster-ro-abc.{REGION}.rds.amazonaws.com:5432/{domain}"),
                    "USERNAME": "glue_reader",
                    "JDBC_ENFORCE_SSL": "true"
                },
                "CreationTime": "2024-10-01T09:00:00.000000+00:00",
                "LastUpdatedTime": "2024-10-01T09:00:00.000000+00:00"
            }));
            format!(
                "args = getResolvedOptions(sys.argv, [\"JOB_NAME\", \"target_bucket\", \"db_password\"])\n\
                 glue_context = GlueContext(SparkContext())\n\
                 job = Job(glue_context)\njob.init(args[\"JOB_NAME\"], args)\n\n\
                 src = glue_context.create_dynamic_frame.from_options(\n    connection_type=\"postgresql\",\n    connection_options={{\"useConnectionProperties\": \"true\", \"connectionName\": \"{conn}\", \"dbtable\": \"public.{t1}\"}},\n    transformation_ctx=\"src\",\n)\n\
                 glue_context.write_dynamic_frame.from_options(\n    frame=src,\n    connection_type=\"s3\",\n    connection_options={{\"path\": f\"s3://{{args['target_bucket']}}/jdbc/{domain}/{t1}/\"}},\n    format=\"parquet\",\n)\n\njob.commit()\n"
            )
        }
    };
    JobSpec {
        name,
        template,
        script: format!("{HEADER}{body}"),
        default_arguments: args,
        connection,
    }
}

fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

fn script_location(job: &str) -> String {
    format!("s3://aws-glue-assets-{ACCOUNT}-{REGION}/scripts/{job}.py")
}

fn job_json(job: &JobSpec) -> Value {
    let args: serde_json::Map<String, Value> = job
        .default_arguments
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let mut def = json!({
        "Name": job.name,
        "JobMode": "SCRIPT",
        "Role": format!("arn:aws:iam::{ACCOUNT}:role/glue-etl"),
        "CreatedOn": "2025-01-10T08:00:00.000000+00:00",
        "LastModifiedOn": "2025-02-01T08:00:00.000000+00:00",
        "ExecutionProperty": {"MaxConcurrentRuns": 1},
        "Command": {"Name": "glueetl", "ScriptLocation": script_location(&job.name), "PythonVersion": "3"},
        "DefaultArguments": args,
        "MaxRetries": 0,
        "Timeout": 2880,
        "WorkerType": "G.1X",
        "NumberOfWorkers": 2,
        "GlueVersion": "4.0"
    });
    let connections: Vec<Value> = job.connection.iter().cloned().collect();
    if let Some(c) = &job.connection {
        def["Connections"] = json!({"Connections": [c["Name"].clone()]});
    }
    json!({"Job": def, "Connections": connections})
}

/// One generated run.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub id: String,
    pub state: &'static str,
    pub started: DateTime<Utc>,
    pub ended: DateTime<Utc>,
}

fn run_json(job: &JobSpec, run: &RunSpec, log_group: &str) -> Value {
    let mut r = json!({
        "Id": run.id,
        "Attempt": 0,
        "JobName": job.name,
        "JobMode": "SCRIPT",
        "StartedOn": iso(run.started),
        "LastModifiedOn": iso(run.ended),
        "CompletedOn": iso(run.ended),
        "JobRunState": run.state,
        "Arguments": {},
        "PredecessorRuns": [],
        "Timeout": 2880,
        "WorkerType": "G.1X",
        "NumberOfWorkers": 2,
        "ExecutionTime": (run.ended - run.started).num_seconds(),
        "LogGroupName": log_group,
        "GlueVersion": "4.0"
    });
    if run.state == "FAILED" {
        r["ErrorMessage"] =
            json!("An error occurred while calling o112.pyWriteDynamicFrame. Job aborted.");
    }
    json!({"JobRun": r})
}

/// The EventBridge event Glue sends for a finished run.
pub fn event_json(job: &str, run: &RunSpec) -> Value {
    json!({
        "version": "0",
        "id": format!("bench-{}", &run.id[3..19]),
        "detail-type": "Glue Job State Change",
        "source": "aws.glue",
        "account": ACCOUNT,
        "time": run.ended.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "region": REGION,
        "resources": [],
        "detail": {
            "jobName": job,
            "severity": if run.state == "SUCCEEDED" { "INFO" } else { "ERROR" },
            "state": run.state,
            "jobRunId": run.id,
            "message": format!("Job run {}", run.state.to_ascii_lowercase())
        }
    })
}

const LOG_LINES: &[&str] = &[
    "INFO [main] glue.GlueContext (GlueContext.scala:getCatalogSource(207)): getCatalogSource: catalogId: null, nameSpace: {db}, tableName: {table}, isRegisteredWithLF: false",
    "INFO [main] datasources.InMemoryFileIndex (Logging.scala:logInfo(61)): It took {n} ms to list leaf files for 1 paths.",
    "INFO [Thread-9] datasources.FileFormatWriter (Logging.scala:logInfo(61)): Write Job {hex} committed. Elapsed time: {n} ms.",
    "INFO [main] scheduler.DAGScheduler (Logging.scala:logInfo(61)): Job {n} finished: save at NativeMethodAccessorImpl.java:0, took {n}.{n} s",
    "INFO [dispatcher-event-loop-1] storage.BlockManagerInfo (Logging.scala:logInfo(61)): Added broadcast_{n}_piece0 in memory on 172.34.1.{n}:39745 (size: {n}.3 KiB, free: 5.8 GiB)",
    "INFO [Executor task launch worker for task {n}] output.FileOutputCommitter (FileOutputCommitter.java:commitTask(609)): Saved output of task 'attempt_{hex}' to s3://{bucket}/{table}/_temporary/0/task_{hex}",
];

fn log_events(rng: &mut Rng, run: &RunSpec, count: usize, pad: usize) -> Value {
    let span = (run.ended - run.started).num_milliseconds().max(1) as u64;
    let mut events = Vec::with_capacity(count);
    let mut offsets: Vec<u64> = (0..count).map(|_| rng.next_u64() % span).collect();
    offsets.sort_unstable();
    for (i, off) in offsets.into_iter().enumerate() {
        let ts = run.started.timestamp_millis() + off as i64;
        let template = rng.word(LOG_LINES);
        let (db, table, bucket) = (rng.word(DATABASES), rng.word(DOMAINS), rng.word(BUCKETS));
        let mut message = template
            .replace("{db}", db)
            .replace("{table}", table)
            .replace("{bucket}", bucket)
            .replace("{hex}", &rng.hex(8))
            .replace("{n}", &(rng.below(900) + 10).to_string());
        if pad > 0 {
            message.push_str(" | ");
            message.push_str(&"x".repeat(pad));
        }
        let when = Utc.timestamp_millis_opt(ts).single().unwrap_or(run.started);
        events.push(json!({
            "logStreamName": run.id,
            "timestamp": ts,
            "message": format!("{} {message}", when.format("%Y-%m-%d %H:%M:%S,%3f")),
            "ingestionTime": ts + 300,
            "eventId": format!("{:056}", (ts as u128) * 1000 + i as u128),
        }));
    }
    json!({ "events": events })
}

fn pretty(v: &Value) -> Result<String, BenchError> {
    serde_json::to_string_pretty(v).map_err(|e| BenchError::invalid(e.to_string()))
}

fn write_case(dir: &Path, job: &JobSpec, run: &RunSpec, logs: &Value) -> Result<(), BenchError> {
    write_file(&dir.join("job.json"), pretty(&job_json(job))?)?;
    write_file(
        &dir.join("run.json"),
        pretty(&run_json(job, run, "/aws-glue/jobs"))?,
    )?;
    write_file(
        &dir.join("event.json"),
        pretty(&event_json(&job.name, run))?,
    )?;
    write_file(&dir.join("script.py"), &job.script)?;
    write_file(&dir.join("logs.json"), pretty(logs)?)
}

/// What a generation produced.
#[derive(Debug, Clone, Serialize)]
pub struct GenSummary {
    pub events: usize,
    pub jobs: usize,
    pub seed: u64,
    pub by_template: Vec<(Template, usize)>,
    pub by_state: Vec<(&'static str, usize)>,
    pub bytes: u64,
}

fn remove_dir(dir: &Path) -> Result<(), BenchError> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(BenchError::io(dir, e)),
    }
}

/// Generates `events` captured runs of `jobs` jobs under `out/cases/` and `out/events.jsonl`
/// (events in the order the runs ended).
pub fn generate_runs(
    out: &Path,
    events: usize,
    jobs: usize,
    seed: u64,
) -> Result<GenSummary, BenchError> {
    remove_dir(out)?;
    let mut rng = Rng::new(seed);
    let jobs = jobs.clamp(1, events.max(1));
    let specs: Vec<JobSpec> = (0..jobs).map(|i| job_spec(&mut rng, i)).collect();
    let base = Utc
        .with_ymd_and_hms(2025, 3, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let mut lines = String::new();
    let mut by_template = [0usize; 4];
    let mut by_state = [("SUCCEEDED", 0usize), ("FAILED", 0), ("STOPPED", 0)];
    let mut bytes = 0u64;
    for i in 0..events {
        let job = &specs[i % jobs];
        let roll = rng.below(100);
        let state_i = if roll < 92 {
            0
        } else if roll < 97 {
            1
        } else {
            2
        };
        by_state[state_i].1 += 1;
        by_template[Template::ALL
            .iter()
            .position(|t| *t == job.template)
            .unwrap_or(0)] += 1;
        let started = base + Duration::seconds(i as i64 * 30);
        let ended = started + Duration::seconds(60 + rng.below(1200) as i64);
        let run = RunSpec {
            id: format!("jr_{}", rng.hex(64)),
            state: by_state[state_i].0,
            started,
            ended,
        };
        let n_logs = 5 + rng.below(36);
        let logs = log_events(&mut rng, &run, n_logs, 0);
        let dir = out.join("cases").join(format!("{}--{i:05}", job.name));
        write_case(&dir, job, &run, &logs)?;
        bytes += dir_bytes(&dir);
        let event = serde_json::to_string(&event_json(&job.name, &run))
            .map_err(|e| BenchError::invalid(e.to_string()))?;
        lines.push_str(&event);
        lines.push('\n');
    }
    write_file(&out.join("events.jsonl"), lines)?;
    Ok(GenSummary {
        events,
        jobs,
        seed,
        by_template: Template::ALL.iter().copied().zip(by_template).collect(),
        by_state: by_state.to_vec(),
        bytes,
    })
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// A PySpark script of about `lines` lines: blocks of catalog reads, S3 reads, joins, SQL and
/// writes over many tables.
pub fn big_script(lines: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut s = String::from(HEADER);
    s.push_str("args = getResolvedOptions(sys.argv, [\"JOB_NAME\", \"target_bucket\"])\nglue_context = GlueContext(SparkContext())\nspark = glue_context.spark_session\njob = Job(glue_context)\njob.init(args[\"JOB_NAME\"], args)\n\n");
    let mut block = 0usize;
    while s.lines().count() < lines {
        let db = rng.pick(DATABASES);
        let t = format!("{}_{}_{block}", rng.pick(DOMAINS), rng.pick(SUFFIXES));
        let b = rng.pick(BUCKETS);
        let _ = write!(
            s,
            "\n# block {block}\n\
             df_{block} = glue_context.create_dynamic_frame.from_catalog(database=\"{db}\", table_name=\"{t}\").toDF()\n\
             ref_{block} = spark.read.parquet(\"s3://{b}/reference/{t}/\")\n\
             out_{block} = df_{block}.join(ref_{block}, \"id\").filter(\"amount > {block}\")\n\
             out_{block}.createOrReplaceTempView(\"v_{block}\")\n\
             spark.sql(\"INSERT INTO {db}.{t}_agg SELECT id, sum(amount) FROM v_{block} GROUP BY id\")\n\
             out_{block}.write.mode(\"append\").parquet(f\"s3://{{args['target_bucket']}}/big/{t}/\")\n"
        );
        block += 1;
    }
    s
}

/// Two single-run cases under `out`: `big-script` (a script of `script_lines` lines) and
/// `big-log` (a run with `log_events` log events of about 1 KiB each).
pub fn generate_special(
    out: &Path,
    script_lines: usize,
    log_events_n: usize,
    seed: u64,
) -> Result<(), BenchError> {
    remove_dir(out)?;
    let mut rng = Rng::new(seed);
    let started = Utc
        .with_ymd_and_hms(2025, 3, 2, 1, 0, 0)
        .single()
        .unwrap_or_default();
    let ended = started + Duration::seconds(3000);
    let mut big = job_spec(&mut rng, 0);
    big.name = "bench-big-script".into();
    big.script = big_script(script_lines, seed);
    big.default_arguments
        .push(("--target_bucket".into(), "acme-analytics".into()));
    let run = RunSpec {
        id: format!("jr_{}", rng.hex(64)),
        state: "SUCCEEDED",
        started,
        ended,
    };
    let logs = log_events(&mut rng, &run, 20, 0);
    write_case(&out.join("big-script"), &big, &run, &logs)?;

    let mut job = job_spec(&mut rng, 0);
    job.name = "bench-big-log".into();
    let run = RunSpec {
        id: format!("jr_{}", rng.hex(64)),
        state: "SUCCEEDED",
        started,
        ended,
    };
    let logs = log_events(&mut rng, &run, log_events_n, 900);
    write_case(&out.join("big-log"), &job, &run, &logs)
}

/// The languages of the deep-nesting cases.
pub const DEEP_LANGUAGES: [&str; 3] = ["python", "scala", "sql"];

/// A script in `language` (`python`, `scala` or `sql`) that reads one dataset through an
/// expression nested `depth` levels deep (parentheses; nested subqueries for SQL) and writes
/// another.
pub fn deep_script(language: &str, depth: usize) -> String {
    let (open, close) = ("(".repeat(depth), ")".repeat(depth));
    match language {
        "scala" => format!(
            "import com.amazonaws.services.glue.GlueContext\nimport org.apache.spark.SparkContext\n\nobject GlueApp {{\n  def main(sysArgs: Array[String]): Unit = {{\n    val spark = new GlueContext(new SparkContext()).getSparkSession\n    val df = spark.read.parquet({open}\"s3://acme-raw/deep/input/\"{close})\n    df.write.parquet(\"s3://acme-curated/deep/output/\")\n  }}\n}}\n"
        ),
        "sql" => format!(
            "INSERT INTO curated.deep_output SELECT * FROM {}raw.deep_input{};\n",
            "(SELECT * FROM ".repeat(depth),
            ") t".repeat(depth)
        ),
        _ => format!(
            "{HEADER}spark = GlueContext(SparkContext.getOrCreate()).spark_session\ndf = spark.read.parquet({open}\"s3://acme-raw/deep/input/\"{close})\ndf.write.parquet(\"s3://acme-curated/deep/output/\")\n"
        ),
    }
}

/// Generates one deep-nesting case per language under `out/deep-{language}`.
pub fn generate_deep(out: &Path, depth: usize, seed: u64) -> Result<(), BenchError> {
    remove_dir(out)?;
    let mut rng = Rng::new(seed);
    let started = Utc
        .with_ymd_and_hms(2025, 3, 2, 1, 0, 0)
        .single()
        .unwrap_or_default();
    for language in DEEP_LANGUAGES {
        let ext = match language {
            "python" => "py",
            other => other,
        };
        let mut job = job_spec(&mut rng, 0);
        job.name = format!("bench-deep-{language}");
        job.connection = None;
        job.script = deep_script(language, depth);
        let run = RunSpec {
            id: format!("jr_{}", rng.hex(64)),
            state: "SUCCEEDED",
            started,
            ended: started + Duration::seconds(600),
        };
        let dir = out.join(format!("deep-{language}"));
        write_case(&dir, &job, &run, &json!({ "events": [] }))?;
        if ext != "py" {
            // the same case with the script in its language: file, location and language
            let mut def = job_json(&job);
            def["Job"]["Command"]["ScriptLocation"] =
                json!(script_location(&job.name).replace(".py", &format!(".{ext}")));
            def["Job"]["DefaultArguments"]["--job-language"] = json!(language);
            write_file(&dir.join("job.json"), pretty(&def)?)?;
            std::fs::rename(dir.join("script.py"), dir.join(format!("script.{ext}")))
                .map_err(|e| BenchError::io(&dir, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_loadable() {
        let root = std::env::temp_dir().join(format!("lineage-bench-gen-{}", std::process::id()));
        let a = root.join("a");
        let b = root.join("b");
        let sa = generate_runs(&a, 12, 5, 7).expect("gen a");
        generate_runs(&b, 12, 5, 7).expect("gen b");
        assert_eq!(sa.events, 12);
        let ea = std::fs::read_to_string(a.join("events.jsonl")).expect("a");
        let eb = std::fs::read_to_string(b.join("events.jsonl")).expect("b");
        assert_eq!(ea, eb);
        assert_eq!(ea.lines().count(), 12);
        let fx = lineage_local::FsFixtures::open(&a.join("cases")).expect("loads as fixtures");
        assert_eq!(fx.cases().len(), 12);
        for line in ea.lines() {
            lineage_domain::GlueJobStateChange::from_json(line).expect("valid event");
        }
        let script = big_script(5000, 1);
        assert!(script.lines().count() >= 5000);
        let _ = std::fs::remove_dir_all(&root);
    }
}
