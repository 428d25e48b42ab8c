//! Criterion benchmarks of the hot kernels: the binomial tail, BH over many
//! cells, loading a generated export, and the month-end check on it.
//!
//! `cargo bench --bench kernels` (the load and check benches generate a
//! 20,000-deal export into a temporary folder first).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pipetrust::audit::{self, AuditOptions};
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

criterion_group!(benches, stats, pipeline);
criterion_main!(benches);
