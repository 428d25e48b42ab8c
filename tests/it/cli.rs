//! The binary: exit codes, stdout discipline, `checks` and `schema`.

use std::process::Command;

use crate::common::repo;

fn pipetrust() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pipetrust"));
    cmd.current_dir(repo(""));
    cmd
}

/// The sample audit exits 2 (a failing finding) and prints nothing on stdout.
#[test]
fn audit_exit_code_and_quiet_output() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = pipetrust()
        .args(["audit", "-q", "--input", "data/sample", "--out"])
        .arg(out_dir.path().join("r"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.is_empty(),
        "-q leaves stderr empty: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out_dir.path().join("r/report.md").is_file());
    assert!(out_dir.path().join("r/tables/rejected.parquet").is_file());
}

/// A clean input exits 0; a run that cannot proceed exits 3 and leaves the
/// previous report in place.
#[test]
fn clean_input_exits_0_and_bad_input_exits_3() {
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("r");
    let ok = pipetrust()
        .args(["audit", "-q", "--input", "tests/fixtures/spreadsheet", "--out"])
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stderr));
    let before = fs_err::read(target.join("report.md")).unwrap();
    let bad = pipetrust()
        .args(["audit", "--input", "tests/fixtures/bad/deals.csv", "--out"])
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("deals.csv") && stderr.contains("title"), "{stderr}");
    assert_eq!(fs_err::read(target.join("report.md")).unwrap(), before);
}

/// `checks` and `schema` print data on stdout.
#[test]
fn checks_and_schema_list_their_data() {
    let checks = pipetrust().arg("checks").output().unwrap();
    assert!(String::from_utf8_lossy(&checks.stdout).starts_with("month_end_spikes\t"));
    let schema = pipetrust().args(["schema", "deals"]).output().unwrap();
    let text = String::from_utf8_lossy(&schema.stdout);
    assert!(text.contains("input table deals") && text.contains("expected_close_date"), "{text}");
    let unknown = pipetrust().args(["schema", "nope"]).output().unwrap();
    assert_eq!(unknown.status.code(), Some(3));
}

/// A run killed at any point leaves either the previous report or a complete
/// new one, never a half-written folder; the next run clears the leftovers.
#[test]
fn killed_run_leaves_the_previous_report_intact() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    let opts = pipetrust::generate::GenerateOptions {
        out: export.clone(),
        deals: 20_000,
        seed: 3,
        format: pipetrust::generate::ExportFormat::Json,
    };
    pipetrust::generate::generate(&opts).unwrap();
    let target = dir.path().join("r");
    let audit = |args: &[&str]| {
        let mut cmd = pipetrust();
        cmd.args(["audit", "-q", "--out"]).arg(&target).args(args);
        cmd
    };
    let first = audit(&["--input", "tests/fixtures/spreadsheet"]).output().unwrap();
    assert_eq!(first.status.code(), Some(0));
    let old = fs_err::read(target.join("report.md")).unwrap();
    let started = std::time::Instant::now();
    let full = audit(&["--input"]).arg(&export).output().unwrap();
    assert!(full.status.code().is_some_and(|c| c < 3));
    let took = started.elapsed();
    let new = fs_err::read(target.join("report.md")).unwrap();
    for fraction in [0.1, 0.5, 0.8, 0.95] {
        let mut child = audit(&["--input"]).arg(&export).spawn().unwrap();
        std::thread::sleep(took.mul_f64(fraction));
        let _ = child.kill();
        let _ = child.wait();
        let now = fs_err::read(target.join("report.md")).unwrap();
        assert!(now == old || now == new, "report.md half-written after a kill at {fraction}");
        let summary = fs_err::read_to_string(target.join("summary.json")).unwrap();
        assert!(serde_json::from_str::<serde_json::Value>(&summary).is_ok());
    }
    let rerun = audit(&["--input", "tests/fixtures/spreadsheet"]).output().unwrap();
    assert_eq!(rerun.status.code(), Some(0));
    let leftovers: Vec<_> = fs_err::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".r."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// Warnings alone exit 1, and 2 with `--fail-on warn`; the example config
/// printed by `config --example` loads.
#[test]
fn fail_on_warn_and_config_example() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("warn-only.toml");
    let text =
        "[company]\ntimezone = \"America/New_York\"\n[month_end_spikes]\nfail_months = 1000\n";
    fs_err::write(&config, text).unwrap();
    let run = |extra: &[&str]| {
        let mut cmd = pipetrust();
        cmd.args(["audit", "-q", "--checks", "month_end_spikes", "--config"]).arg(&config);
        cmd.arg("--out").arg(dir.path().join("r")).args(extra);
        cmd.output().unwrap().status.code()
    };
    assert_eq!(run(&[]), Some(1));
    assert_eq!(run(&["--fail-on", "warn"]), Some(2));
    let example = pipetrust().args(["config", "--example"]).output().unwrap();
    let text = String::from_utf8(example.stdout).unwrap();
    assert!(pipetrust::config::Config::parse(&text).is_ok());
}

/// The help text is the documentation of the flags: a snapshot keeps it
/// from changing unnoticed.
#[test]
fn help_text_snapshot() {
    let top = pipetrust().arg("--help").output().unwrap();
    insta::assert_snapshot!("help", String::from_utf8_lossy(&top.stdout));
    let audit = pipetrust().args(["audit", "--help"]).output().unwrap();
    insta::assert_snapshot!("audit_help", String::from_utf8_lossy(&audit.stdout));
}

/// The report never replaces what is not a report: a non-empty folder of
/// other files, a file, the input folder itself. Each is refused (exit 3)
/// and left as it was.
#[test]
fn output_that_is_not_a_report_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    fs_err::create_dir_all(victim.join("sub")).unwrap();
    fs_err::write(victim.join("important.txt"), "keep me").unwrap();
    let file = dir.path().join("keep.txt");
    fs_err::write(&file, "precious").unwrap();
    let input = dir.path().join("export");
    fs_err::create_dir_all(&input).unwrap();
    fs_err::copy(repo("tests/fixtures/spreadsheet/deals.csv"), input.join("deals.csv")).unwrap();
    for (inp, out) in [(&input, &victim), (&input, &file), (&input, &input)] {
        let run =
            pipetrust().args(["audit", "-q", "--input"]).arg(inp).arg("--out").arg(out).output();
        let run = run.unwrap();
        assert_eq!(run.status.code(), Some(3), "{}", out.display());
        assert!(String::from_utf8_lossy(&run.stderr).contains("refusing"));
    }
    assert_eq!(fs_err::read_to_string(victim.join("important.txt")).unwrap(), "keep me");
    assert_eq!(fs_err::read_to_string(&file).unwrap(), "precious");
    assert!(input.join("deals.csv").is_file());
}

/// Nothing loaded is a failed run, and an empty window is a usage error.
#[test]
fn nothing_loaded_and_reversed_window_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    fs_err::create_dir_all(&empty).unwrap();
    let out = dir.path().join("r");
    let run = |args: &[&str]| {
        let mut cmd = pipetrust();
        cmd.args(["audit", "-q", "--out"]).arg(&out).args(args);
        cmd.output().unwrap()
    };
    let nothing = run(&["--input", empty.to_str().unwrap()]);
    assert_eq!(nothing.status.code(), Some(3));
    let report = fs_err::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("Nothing was loaded"));
    let reversed = run(&[
        "--input",
        "tests/fixtures/spreadsheet",
        "--since",
        "2030-01-01",
        "--until",
        "2020-01-01",
    ]);
    assert_eq!(reversed.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&reversed.stderr).contains("is after"));
}
