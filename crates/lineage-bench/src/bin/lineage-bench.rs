//! `lineage-bench`: the benchmark harness behind `make bench`. Each subcommand measures one
//! figure and writes `{results}/{name}.json` (figures, commands, time); `report` turns the
//! results into BENCHMARKS.md.

use clap::{Parser, Subcommand};
use lineage_bench::results::{load_average, Record};
use lineage_bench::{gen, local, measure, report, BenchError};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Parser)]
#[command(
    name = "lineage-bench",
    about = "Benchmark harness of the lineage agent"
)]
struct Cli {
    /// Where result files go.
    #[arg(long, global = true, default_value = "target/bench/results")]
    results: PathBuf,
    /// Scratch space.
    #[arg(long, global = true, default_value = "target/bench/work")]
    work: PathBuf,
    #[command(subcommand)]
    command: Cmd,
}

/// `LABEL=PATH`.
fn labelled(s: &str) -> Result<(String, PathBuf), String> {
    let (l, p) = s
        .split_once('=')
        .ok_or_else(|| format!("{s:?} is not LABEL=PATH"))?;
    Ok((l.to_string(), PathBuf::from(p)))
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Generates captured runs and their events (`OUT/cases`, `OUT/events.jsonl`).
    Gen {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 10_000)]
        events: usize,
        #[arg(long, default_value_t = 300)]
        jobs: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Generates the big-script and big-log cases.
    GenSpecial {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 5_000)]
        script_lines: usize,
        #[arg(long, default_value_t = 5_000)]
        log_events: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Generates one deep-nesting case per language (Python, Scala, SQL) under OUT.
    GenDeep {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 60_000)]
        depth: usize,
        #[arg(long, default_value_t = 11)]
        seed: u64,
    },
    /// Times extraction of one case (JSON on stdout); used by `worst-cases`.
    ExtractOne {
        #[arg(long)]
        case: PathBuf,
        /// Timed extractions after the first (which is reported apart).
        #[arg(long, default_value_t = 10)]
        repeat: usize,
    },
    /// Extraction time of the worst cases, each in a child process.
    WorstCases {
        /// Cases, LABEL=DIR.
        #[arg(long = "case", value_parser = labelled, required = true)]
        cases: Vec<(String, PathBuf)>,
        /// Timed extractions per case after the first (which is reported apart).
        #[arg(long, default_value_t = 10)]
        repeat: usize,
        /// The nesting depth the deep cases were generated with (for the report).
        #[arg(long, default_value_t = 60_000)]
        depth: usize,
        /// The line count of the big script (for the report).
        #[arg(long, default_value_t = 5_000)]
        script_lines: usize,
    },
    /// Cold start of the bootstrap and of the Python anchor.
    Init {
        #[arg(long)]
        bootstrap: PathBuf,
        /// The anchor's command (program and arguments), after `--`.
        #[arg(last = true, required = true)]
        anchor: Vec<String>,
        #[arg(long, default_value_t = 25)]
        spawns: usize,
        #[arg(long, default_value_t = 2)]
        warmup: usize,
    },
    /// Per-run latency on local adapters.
    Latency {
        /// Fixture sets, LABEL=DIR.
        #[arg(long = "set", value_parser = labelled, required = true)]
        sets: Vec<(String, PathBuf)>,
        #[arg(long, default_value_t = 50)]
        min_samples: usize,
    },
    /// Peak RSS of the release CLI on cases.
    Memory {
        #[arg(long)]
        cli: PathBuf,
        /// Cases, LABEL=DIR.
        #[arg(long = "case", value_parser = labelled)]
        cases: Vec<(String, PathBuf)>,
        /// Also the largest case folder found under these folders.
        #[arg(long = "largest-of")]
        largest_of: Vec<PathBuf>,
        #[arg(long, default_value = "python3")]
        python: String,
    },
    /// Extraction figures from criterion's output.
    ExtractReport {
        #[arg(long, default_value = "target/criterion")]
        criterion: PathBuf,
        /// The corpus folder the bench ran on, if any.
        #[arg(long)]
        corpus: Option<PathBuf>,
        #[arg(long, default_value_t = 5_000)]
        big_script_lines: usize,
        /// The command that ran criterion, for the record.
        #[arg(long)]
        bench_command: Option<String>,
    },
    /// Replay throughput through the release CLI.
    Replay {
        #[arg(long)]
        cli: PathBuf,
        #[arg(long)]
        fixtures: PathBuf,
        #[arg(long)]
        events: PathBuf,
        #[arg(long, value_delimiter = ',', default_value = "1,2,8")]
        concurrency: Vec<usize>,
        /// Smaller fixture sets to compare per-event gather cost against.
        #[arg(long = "compare")]
        compare: Vec<PathBuf>,
    },
    /// Model requests and input tokens under the `auto` policy.
    ModelCost {
        #[arg(long)]
        fixtures: PathBuf,
        #[arg(long)]
        events: PathBuf,
    },
    /// Share of runs that ask the model, tokens per request and cost, through the real Bedrock
    /// adapter against a fake Converse endpoint, per set of captured runs.
    ModelUsage {
        /// Sets of captured runs, LABEL=DIR (an absent folder is reported as such).
        #[arg(long = "set", value_parser = labelled, required = true)]
        sets: Vec<(String, PathBuf)>,
        /// At most this many runs per set.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Lambda cost per million runs at 128/256/512 MB from this run's results.
    LambdaCost {
        #[arg(long, default_value = "infra/template.yaml")]
        template: PathBuf,
    },
    /// Zip size of the bootstrap.
    Package {
        #[arg(long)]
        bootstrap: PathBuf,
        #[arg(long, default_value = "target/bench/bootstrap.zip")]
        zip: PathBuf,
        #[arg(long, default_value = "python3")]
        python: String,
    },
    /// Per-run latency against moto (started through tests/moto/moto.sh).
    LatencyMoto {
        #[arg(long, default_value = "tests/fixtures/orders-nightly")]
        case: PathBuf,
        #[arg(long, default_value_t = 50)]
        runs: usize,
    },
    /// Per-run wall time against the critical path, every AWS call delayed through a proxy in
    /// front of moto.
    LatencyInjected {
        #[arg(long, default_value = "tests/fixtures/orders-nightly")]
        case: PathBuf,
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// The delay added to every call, in milliseconds.
        #[arg(long, default_value_t = 25)]
        latency_ms: u64,
    },
    /// The README's quick start in a fresh clone (empty target/): time to the demo's first
    /// lineage, then `make test`.
    FirstUse {
        #[arg(long, default_value = "target/bench/first-use")]
        work: PathBuf,
        #[arg(long, default_value = "make")]
        make: String,
    },
    /// Records a figure as pending, with the reason.
    Pending { name: String, reason: String },
    /// Writes BENCHMARKS.md from the results.
    Report {
        #[arg(long, default_value = "BENCHMARKS.md")]
        out: PathBuf,
        /// A markdown file whose text goes at the top.
        #[arg(long)]
        notes: Option<PathBuf>,
    },
}

fn save(
    results: &Path,
    mut record: Record,
    data: serde_json::Value,
    commands: Vec<String>,
) -> Result<(), BenchError> {
    record.data = data;
    record.commands.extend(commands);
    let path = record.save(results)?;
    eprintln!("lineage-bench: wrote {}", path.display());
    Ok(())
}

async fn run(cli: Cli) -> Result<(), BenchError> {
    let load = load_average();
    let results = cli.results.clone();
    match cli.command {
        Cmd::Gen {
            out,
            events,
            jobs,
            seed,
        } => {
            let s = gen::generate_runs(&out, events, jobs, seed)?;
            eprintln!(
                "lineage-bench: generated {} runs of {} jobs under {} ({} bytes)",
                s.events,
                s.jobs,
                out.display(),
                s.bytes
            );
        }
        Cmd::GenSpecial {
            out,
            script_lines,
            log_events,
            seed,
        } => {
            gen::generate_special(&out, script_lines, log_events, seed)?;
            eprintln!(
                "lineage-bench: generated big-script and big-log under {}",
                out.display()
            );
        }
        Cmd::GenDeep { out, depth, seed } => {
            gen::generate_deep(&out, depth, seed)?;
            eprintln!(
                "lineage-bench: generated deep-nesting cases ({depth} levels) under {}",
                out.display()
            );
        }
        Cmd::ExtractOne { case, repeat } => {
            let data = lineage_bench::worst_cases::extract_one(&case, repeat).await?;
            println!("{data}");
        }
        Cmd::WorstCases {
            cases,
            repeat,
            depth,
            script_lines,
        } => {
            let mut data = lineage_bench::worst_cases::worst_cases(&cases, repeat)?;
            data["depth"] = json!(depth);
            data["script_lines"] = json!(script_lines);
            data["profile"] = json!(if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            });
            save(&results, Record::new("worst-cases", load), data, Vec::new())?;
        }
        Cmd::Init {
            bootstrap,
            anchor,
            spawns,
            warmup,
        } => {
            let (data, commands) =
                measure::init(&bootstrap, &anchor, spawns, warmup, &cli.work.join("init"))?;
            eprintln!(
                "lineage-bench: init p50 ours {:.1} ms, anchor {:.1} ms",
                data["rust"]["p50"].as_f64().unwrap_or(0.0),
                data["python"]["p50"].as_f64().unwrap_or(0.0)
            );
            save(&results, Record::new("init", load), data, commands)?;
        }
        Cmd::Latency { sets, min_samples } => {
            let data = measure::latency(&sets, min_samples, &cli.work.join("latency")).await?;
            save(&results, Record::new("latency", load), data, Vec::new())?;
        }
        Cmd::Memory {
            cli: bin,
            mut cases,
            largest_of,
            python,
        } => {
            if let Some((dir, _)) = measure::largest_case(&largest_of) {
                let name = dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                cases.insert(0, (format!("largest captured case: {name}"), dir));
            }
            let (data, commands) =
                measure::memory(&bin, &cases, &python, &cli.work.join("memory"))?;
            save(&results, Record::new("memory", load), data, commands)?;
        }
        Cmd::ExtractReport {
            criterion,
            corpus,
            big_script_lines,
            bench_command,
        } => {
            let mut data = measure::criterion_results(&criterion)?;
            data["corpus"] = corpus
                .filter(|c| c.is_dir())
                .map(|c| json!(c.display().to_string()))
                .unwrap_or(serde_json::Value::Null);
            data["big_script_lines"] = json!(big_script_lines);
            save(
                &results,
                Record::new("extract", load),
                data,
                bench_command.into_iter().collect(),
            )?;
        }
        Cmd::Replay {
            cli: bin,
            fixtures,
            events,
            concurrency,
            compare,
        } => {
            let (mut data, commands) = measure::replay(
                &bin,
                &fixtures,
                &events,
                &concurrency,
                &cli.work.join("replay"),
            )?;
            let evs = local::read_events(&events)?;
            let mut breakdown = vec![measure::replay_breakdown(&fixtures, &evs, 200).await?];
            for dir in &compare {
                let fx = local::open(dir)?;
                let small: Vec<_> = local::case_events(&fx)
                    .into_iter()
                    .map(|(_, e)| e)
                    .collect();
                breakdown.push(measure::replay_breakdown(dir, &small, 200).await?);
            }
            data["analysis"] = json!(format!(
                "{} {}",
                replay_analysis(&breakdown),
                concurrency_analysis(&data["runs"])
            ));
            data["breakdown"] = json!(breakdown);
            save(&results, Record::new("replay", load), data, commands)?;
        }
        Cmd::ModelCost { fixtures, events } => {
            let evs = local::read_events(&events)?;
            let data = measure::model_cost(&fixtures, &evs).await?;
            save(&results, Record::new("model-cost", load), data, Vec::new())?;
        }
        Cmd::ModelUsage { sets, limit } => {
            let data = model_usage(&sets, limit).await?;
            save(&results, Record::new("model-usage", load), data, Vec::new())?;
        }
        Cmd::LambdaCost { template } => {
            let data = lineage_bench::lambda_cost::lambda_cost(&results, &template)?;
            save(&results, Record::new("lambda-cost", load), data, Vec::new())?;
        }
        Cmd::Package {
            bootstrap,
            zip,
            python,
        } => {
            let (data, commands) = measure::package(&bootstrap, &zip, &python)?;
            save(&results, Record::new("package", load), data, commands)?;
        }
        Cmd::LatencyMoto { case, runs } => {
            let data = latency_moto(&case, runs).await?;
            save(
                &results,
                Record::new("latency-moto", load),
                data,
                Vec::new(),
            )?;
        }
        Cmd::LatencyInjected {
            case,
            runs,
            latency_ms,
        } => {
            let data = latency_injected(&case, runs, latency_ms).await?;
            eprintln!(
                "lineage-bench: injected latency: wall p50 {:.1} ms, critical path p50 {:.1} ms, ratio p50 {:.2}",
                data["wall"]["p50"].as_f64().unwrap_or(f64::NAN),
                data["critical_path"]["p50"].as_f64().unwrap_or(f64::NAN),
                data["ratio"]["p50"].as_f64().unwrap_or(f64::NAN)
            );
            save(
                &results,
                Record::new("latency-injected", load),
                data,
                Vec::new(),
            )?;
        }
        Cmd::FirstUse { work, make } => {
            let root = lineage_bench::workspace_root();
            let (data, commands) = lineage_bench::first_use::measure(&root, &work, &make)?;
            save(&results, Record::new("first-use", load), data, commands)?;
        }
        Cmd::Pending { name, reason } => {
            save(
                &results,
                Record::new(&name, load),
                json!({ "pending": true, "reason": reason }),
                Vec::new(),
            )?;
        }
        Cmd::Report { out, notes } => {
            let notes = match notes {
                Some(p) if p.is_file() => lineage_bench::read_text(&p)?,
                _ => String::new(),
            };
            report::write(&results, &notes, &out)?;
            eprintln!("lineage-bench: wrote {}", out.display());
        }
    }
    Ok(())
}

#[cfg(feature = "moto")]
async fn latency_moto(case: &Path, runs: usize) -> Result<serde_json::Value, BenchError> {
    let started = Instant::now();
    Ok(
        match lineage_bench::moto::start(&lineage_bench::workspace_root()) {
            Ok(url) => {
                let mut d = lineage_bench::moto::latency(&url, case, runs).await?;
                d["moto_start_and_seed_seconds_total"] = json!(started.elapsed().as_secs_f64());
                d
            }
            Err(e) => {
                json!({ "pending": true, "reason": format!("moto could not be started: {e}") })
            }
        },
    )
}

#[cfg(feature = "moto")]
async fn latency_injected(
    case: &Path,
    runs: usize,
    latency_ms: u64,
) -> Result<serde_json::Value, BenchError> {
    Ok(
        match lineage_bench::moto::start(&lineage_bench::workspace_root()) {
            Ok(url) => {
                let delay = std::time::Duration::from_millis(latency_ms);
                lineage_bench::moto::latency_injected(&url, case, runs, delay).await?
            }
            Err(e) => {
                json!({ "pending": true, "reason": format!("moto could not be started: {e}") })
            }
        },
    )
}

#[cfg(not(feature = "moto"))]
async fn latency_injected(
    _case: &Path,
    _runs: usize,
    _latency_ms: u64,
) -> Result<serde_json::Value, BenchError> {
    Ok(json!({ "pending": true, "reason": "built without the `moto` feature" }))
}

#[cfg(feature = "moto")]
async fn model_usage(
    sets: &[(String, PathBuf)],
    limit: Option<usize>,
) -> Result<serde_json::Value, BenchError> {
    lineage_bench::model_usage::model_usage(sets, limit).await
}

#[cfg(not(feature = "moto"))]
async fn model_usage(
    _sets: &[(String, PathBuf)],
    _limit: Option<usize>,
) -> Result<serde_json::Value, BenchError> {
    Ok(json!({ "pending": true, "reason": "built without the `moto` feature" }))
}

#[cfg(not(feature = "moto"))]
async fn latency_moto(_case: &Path, _runs: usize) -> Result<serde_json::Value, BenchError> {
    let _ = Instant::now();
    Ok(json!({ "pending": true, "reason": "built without the `moto` feature" }))
}

/// Whether more concurrency made the replay faster, and why not when it did not.
fn concurrency_analysis(runs: &serde_json::Value) -> String {
    let wall =
        |n: u64| runs.as_array()?.iter().find(|r| r["concurrency"] == n)?["wall_seconds"].as_f64();
    let (Some(one), Some(two)) = (wall(1), wall(2)) else {
        return String::new();
    };
    let speedup = one / two;
    if speedup >= 1.3 {
        return format!("Concurrency 2 runs {speedup:.2}× faster than 1.");
    }
    format!(
        "Concurrency 2 is {speedup:.2}× the speed of 1 (no gain; 8 is no better): `lineage_engine::replay::replay` drives every event with `buffer_unordered` inside one future, and on local adapters every stage is synchronous (`FsFixtures` reads files, `SqliteLineageStore` works under one mutex, extraction is CPU work), so the events never yield to each other and the second core stays idle — the replay is single-threaded whatever `--concurrency` says. Spawning each event onto the runtime (or `spawn_blocking` for the synchronous adapters) would use both cores; the engine and the local adapters are not the benchmark's to change."
    )
}

/// What the breakdown says about where replay time goes.
fn replay_analysis(b: &[serde_json::Value]) -> String {
    let g = |x: &serde_json::Value| x["gather"]["p50"].as_f64().unwrap_or(f64::NAN);
    let a = |x: &serde_json::Value| {
        x["analyze_and_document"]["p50"]
            .as_f64()
            .unwrap_or(f64::NAN)
    };
    let (Some(big), Some(small)) = (b.first(), b.get(1)) else {
        return String::new();
    };
    let ratio = g(big) / g(small);
    let mut text = format!(
        "With {} cases loaded, gather costs {:.3} ms per event (p50) against {:.3} ms with {} cases ({ratio:.1}×); analyze + document {:.3} ms. Opening the {} case folders takes {:.0} ms before the first event.",
        big["cases"], g(big), g(small), small["cases"], a(big), big["cases"], big["open_ms"].as_f64().unwrap_or(f64::NAN)
    );
    if ratio > 3.0 {
        text.push_str(" Cause: the local adapter `FsFixtures` (crates/lineage-local/src/fixtures.rs) answers every port call by a linear scan over all loaded cases — `job` filters every case and takes the latest, `job_run` and `events` find the case by run id, `connection` scans every case's connections, and `object_text` parses every case's `ScriptLocation` until one matches (and for any other key stats `extra/<key>` in every case folder) — so a replay of N events over N case folders is O(N²) in lookups; `FsFixtures::open` also reads and parses every case folder before the first event. Indexing the cases by (job, run id), by job name and by script location in `open` would make each lookup O(1); that crate is not the benchmark's to change.");
    } else {
        text.push_str(" Gather does not grow materially with the number of cases loaded: the per-event cost is the pipeline's own.");
    }
    text
}

/// mimalloc for every allocation, the C code's (tree-sitter) included: see the workspace
/// `Cargo.toml`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("lineage-bench: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = rt.block_on(run(cli)) {
        eprintln!("lineage-bench: {e}");
        std::process::exit(1);
    }
}
