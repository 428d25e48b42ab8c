//! Shared helpers: paths, the shared real data (skipped when absent), runs.

use std::path::{Path, PathBuf};

use pipetrust::audit::{self, AuditOptions, AuditRun};

/// A path inside the repository.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A folder of `../shared/data`, or `None` (with a message) when this clone
/// has no shared data beside it.
pub fn shared(name: &str) -> Option<PathBuf> {
    let path = repo("../shared/data").join(name);
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("skipped: {} is not present", path.display());
        None
    }
}

/// Audits the given inputs with default options.
pub fn audit(inputs: &[PathBuf]) -> AuditRun {
    let opts = AuditOptions { inputs: inputs.to_vec(), ..AuditOptions::default() };
    audit::run(&opts).expect("audit runs")
}

/// Reads a CSV with a header into rows of (header → value).
pub fn read_labels(path: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("labels readable");
    let headers = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("label row");
            headers.iter().zip(r.iter()).map(|(h, v)| (h.to_owned(), v.to_owned())).collect()
        })
        .collect()
}

/// Asserts reads balance with loads and rejections, file by file.
pub fn assert_reconciles(run: &AuditRun) {
    for f in &run.inputs {
        assert_eq!(f.rows_read, f.rows_loaded + f.rows_rejected, "{} does not reconcile", f.path);
    }
    let rejected_rows = run.rejected.len() as u64;
    let rejected_counted: u64 = run.inputs.iter().map(|f| f.rows_rejected).sum();
    assert_eq!(rejected_rows, rejected_counted);
}
