//! Criterion benches of `lineage_extract::extract` on gathered run contexts: the project's
//! fixtures (`tests/fixtures`, and `crates/lineage-extract/tests/fixtures` case folders when
//! present), the shared corpora when present (`LINEAGE_BENCH_CORPUS`, default
//! `../shared/corpus/dev` beside the workspace; `LINEAGE_BENCH_REAL_CORPUS`, default
//! `../shared/corpus/real-dev`: real public Glue scripts), and the generated 5,000-line script
//! (`LINEAGE_BENCH_SPECIAL`, default `target/bench-fixtures/special`).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use lineage_bench::{local, workspace_root};
use lineage_domain::RedactedRunContext;
use lineage_engine::Settings;
use lineage_extract::ExtractSettings;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The binaries' allocator (see the workspace `Cargo.toml`), so the figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn contexts(dir: &Path) -> Vec<(String, RedactedRunContext)> {
    let rt = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(_) => return Vec::new(),
    };
    let mut out = Vec::new();
    for case in local::case_dirs(dir) {
        let name = case
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let gathered = local::open(&case).and_then(|fx| {
            let fx = Arc::new(fx);
            let event = local::case_events(&fx).into_iter().next().map(|(_, e)| e);
            let pipeline = local::read_only(fx, Settings::default())?;
            let event = event.ok_or_else(|| lineage_bench::BenchError::invalid("no event.json"))?;
            rt.block_on(pipeline.gather(&event))
                .map_err(|e| lineage_bench::BenchError::invalid(e.to_string()))
        });
        match gathered {
            Ok(gathered) => out.push((name, gathered.context)),
            Err(e) => eprintln!("extract bench: skipping {}: {e}", case.display()),
        }
    }
    out
}

/// A folder from the environment (relative to the workspace root, since cargo runs benches
/// from the package folder), else the default.
fn env_dir(var: &str, default: PathBuf) -> PathBuf {
    std::env::var_os(var)
        .map(|v| workspace_root().join(v))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(default)
}

fn bench(c: &mut Criterion) {
    let root = workspace_root();
    let settings = ExtractSettings::default();
    let mut sets: Vec<(&str, PathBuf)> = vec![
        ("fixtures", root.join("tests/fixtures")),
        (
            "fixtures",
            root.join("crates/lineage-extract/tests/fixtures"),
        ),
        (
            "corpus",
            env_dir("LINEAGE_BENCH_CORPUS", root.join("../shared/corpus/dev")),
        ),
        (
            "real-corpus",
            env_dir(
                "LINEAGE_BENCH_REAL_CORPUS",
                root.join("../shared/corpus/real-dev"),
            ),
        ),
        (
            "generated",
            env_dir(
                "LINEAGE_BENCH_SPECIAL",
                root.join("target/bench-fixtures/special"),
            ),
        ),
    ];
    sets.retain(|(_, d)| d.is_dir());
    for (group_name, dir) in sets {
        let cases = contexts(&dir);
        if cases.is_empty() {
            continue;
        }
        let mut group = c.benchmark_group(format!("extract/{group_name}"));
        group
            .sample_size(20)
            .warm_up_time(Duration::from_millis(200))
            .measurement_time(Duration::from_millis(800));
        for (name, ctx) in &cases {
            if let Some(s) = &ctx.script {
                group.throughput(Throughput::Bytes(s.text.len() as u64));
            }
            group.bench_function(name.as_str(), |b| {
                b.iter(|| lineage_extract::extract(black_box(ctx), black_box(&settings)))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
