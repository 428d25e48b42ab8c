#!/usr/bin/env bash
# Fuzzes the format readers (crates/pipetrust-formats) with cargo fuzz
# (libFuzzer): CSV, JSON and ICS, SECONDS each (default 600). Seeds the
# corpora from the test fixtures, the sample export and the shared calendars.
# Needs `cargo install cargo-fuzz`; RUSTC_BOOTSTRAP lets stable rustc take
# the sanitizer flags. A crash is saved under fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
export RUSTC_BOOTSTRAP=1
mkdir -p fuzz/corpus/csv fuzz/corpus/json fuzz/corpus/ics
cp tests/fixtures/*/*.csv fuzz/corpus/csv/ 2>/dev/null || true
cp tests/fixtures/*/*.json* fuzz/corpus/json/ 2>/dev/null || true
head -c 20000 data/sample/deal_flow.jsonl > fuzz/corpus/json/flow.jsonl
head -c 20000 data/sample/deals.jsonl > fuzz/corpus/json/deals.jsonl
cp data/sample/users.json fuzz/corpus/json/
head -c 30000 data/sample/calendar.ics > fuzz/corpus/ics/sample.ics
cp ../shared/data/calendar-ics-*/*.ics fuzz/corpus/ics/ 2>/dev/null || true
for target in csv json ics; do
  cargo fuzz run --fuzz-dir fuzz "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -print_final_stats=1 2>&1 | tail -12
done
