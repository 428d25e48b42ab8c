#!/usr/bin/env bash
# Whole-run benchmark on the large synthetic export (DESIGN.md §6): generates
# it once, then times the audit (wall time and peak RSS via /usr/bin/time) and,
# for comparison, Polars reading the same CSV files (Python polars, if present).
#
#   scripts/bench_large.sh [DEALS] [DIR]     # defaults: 1000000 /tmp/pipetrust-large
set -euo pipefail
cd "$(dirname "$0")/.."
deals="${1:-1000000}"
dir="${2:-/tmp/pipetrust-large}"
bin="${CARGO_TARGET_DIR:-target}/release/pipetrust"
cargo build --release --quiet
if [ ! -f "$dir/deals.csv" ]; then
  /usr/bin/time -f "generate: %e s, peak RSS %M KiB" "$bin" generate --scale large --deals "$deals" --out "$dir" >/dev/null
fi
du -sh "$dir"
/usr/bin/time -f "audit: %e s wall, %U s user, peak RSS %M KiB" \
  "$bin" audit -q --input "$dir" --out /tmp/pipetrust-large-report || true
if python3 -c "import polars" 2>/dev/null; then
  python3 - "$dir" <<'PY'
import sys, time, glob, polars as pl
start = time.perf_counter()
rows = sum(pl.read_csv(f, infer_schema_length=0).height for f in sorted(glob.glob(sys.argv[1] + "/*.csv")))
print(f"polars read_csv of the same files: {time.perf_counter() - start:.1f} s, {rows} rows")
PY
fi
