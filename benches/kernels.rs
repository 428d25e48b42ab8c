//! Criterion benchmarks of the hot kernels: the binomial tail, BH over many
//! cells, loading a generated export, and the month-end check on it.
//!
//! `cargo bench --bench kernels` (the load and check benches generate a
//! 20,000-deal export into a temporary folder first; `duplicates_1m_deals`
//! generates a 1M-deal CSV export, about 2.3 GB, and is slow to set up:
//! filter it in or out by name).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pipetrust::audit::{self, AuditOptions};
use pipetrust::checks::duplicate_deals::{DuplicateDealsConfig, accept};
use pipetrust::checks::similarity::{normalize, strip_legal};
use pipetrust::generate::{self, ExportFormat, GenerateOptions};
use pipetrust::ingest::{self, LoadOptions};
use pipetrust::stats::{binomial, fdr};

fn stats(c: &mut Criterion) {
    c.bench_function("binomial_p_greater_10k_cells", |b| {
        b.iter(|| {
            let mut acc = 0.0;
            for i in 0..10_000u64 {
                acc += binomial::p_greater(black_box(i % 50), 50 + i % 400, 0.09);
            }
            acc
        })
    });
    let p: Vec<f64> = (0..100_000).map(|i| ((i * 7919) % 100_000) as f64 / 100_000.0).collect();
    c.bench_function("bh_qvalues_100k", |b| b.iter(|| fdr::bh_qvalues(black_box(&p))));
}

fn pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = GenerateOptions {
        out: dir.path().to_owned(),
        deals: 20_000,
        seed: 11,
        format: ExportFormat::Csv,
    };
    generate::generate(&opts).expect("generate");
    let inputs = vec![dir.path().to_owned()];
    let mut group = c.benchmark_group("export_20k_deals");
    group.sample_size(10);
    group.bench_function("load", |b| {
        b.iter(|| ingest::load(&LoadOptions { inputs: inputs.clone(), ..LoadOptions::default() }))
    });
    let audit_opts = AuditOptions {
        inputs: inputs.clone(),
        checks: Some(vec!["month_end_spikes".to_owned()]),
        ..AuditOptions::default()
    };
    group.bench_function("load_and_month_end_spikes", |b| b.iter(|| audit::run(&audit_opts)));
    group.finish();
}

/// Deal-title pairs as the blocking passes score them: near variants,
/// different topics and number-only differences, normalised beforehand.
fn title_pairs(n: usize) -> Vec<(String, String)> {
    let orgs = ["Acme Logistics", "Moonhill Dynamics", "Snowcraft Health", "Redwood Pharma"];
    let topics = ["Security audit", "Team licenses", "Data migration", "Q1 2026 renewal"];
    let variants = ["Security audti", "team licenses", "Q2 2026 renewal", "Pilot project"];
    (0..n)
        .map(|i| {
            let org = orgs[i % orgs.len()];
            let a = format!("{org} - {}", topics[i % topics.len()]);
            let b = format!("{org} - {}", variants[(i / 4) % variants.len()]);
            (strip_legal(&normalize(&a)), strip_legal(&normalize(&b)))
        })
        .collect()
}

fn duplicates(c: &mut Criterion) {
    let pairs = title_pairs(100_000);
    let cfg = DuplicateDealsConfig::default();
    let mut group = c.benchmark_group("duplicate_pairs");
    group.throughput(Throughput::Elements(pairs.len() as u64));
    group.bench_function("score_100k_title_pairs", |b| {
        b.iter(|| {
            pairs.iter().filter(|(x, y)| accept(black_box(x), black_box(y), &cfg).is_some()).count()
        })
    });
    group.finish();
}

fn duplicates_1m(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = GenerateOptions {
        out: dir.path().to_owned(),
        deals: 1_000_000,
        seed: 11,
        format: ExportFormat::Csv,
    };
    generate::generate(&opts).expect("generate");
    let audit_opts = AuditOptions {
        inputs: vec![dir.path().to_owned()],
        checks: Some(vec!["duplicate_deals".to_owned()]),
        ..AuditOptions::default()
    };
    let mut group = c.benchmark_group("duplicates_1m_deals");
    group.sample_size(10);
    group.bench_function("load_and_duplicate_deals", |b| b.iter(|| audit::run(&audit_opts)));
    group.finish();
}

criterion_group!(benches, stats, pipeline, duplicates, duplicates_1m);
criterion_main!(benches);
