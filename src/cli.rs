//! The command line (clap derive: doc comments are the help text) and the
//! dispatch from each subcommand to the library. Data goes to stdout; logs,
//! progress and the end-of-run summary go to stderr.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::audit::{self, AuditOptions, ExitStatus};
use crate::checks::{REGISTRY, Severity};
use crate::generate::{self, ExportFormat, GenerateOptions};
use crate::ingest::load::Profile;
use crate::model::Table;

/// Audits a CRM export for forecast trust: finds where integrations and habits
/// make the pipeline lie, and how much.
///
/// Exit codes: 0 no finding over threshold; 1 warnings only; 2 at least one
/// failing finding; 3 the run itself failed (bad input, I/O).
#[derive(Debug, Parser)]
#[command(name = "pipetrust", version, propagate_version = true)]
pub struct Cli {
    /// Quieter: no progress, no end-of-run summary.
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "verbose")]
    quiet: u8,
    /// Louder: `-v` for info logs, `-vv` for debug (or set `RUST_LOG`).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// The command.
    #[command(subcommand)]
    command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Audit an export and write the report and tables.
    ///
    /// With no `--input`, audits the bundled sample export in `data/sample/`
    /// into `reports/sample/`.
    Audit(AuditArgs),
    /// List every check: name, purpose, inputs, outputs.
    Checks,
    /// Write a synthetic Pipedrive-shaped export with labelled faults.
    Generate(GenerateArgs),
    /// Print the canonical input schema and the output tables.
    Schema {
        /// Only this table.
        table: Option<String>,
    },
    /// Print a commented example `pipetrust.toml` that loads as it is.
    Config {
        /// Print the example (the only action for now).
        #[arg(long)]
        example: bool,
    },
}

/// Options of `pipetrust audit`.
#[derive(Debug, Args)]
struct AuditArgs {
    /// Export folders or files (repeatable). Default: `data/sample`.
    #[arg(long, short, help_heading = "Input")]
    input: Vec<PathBuf>,
    /// How to read the files.
    #[arg(long, value_enum, default_value_t = ProfileArg::Auto, help_heading = "Input")]
    profile: ProfileArg,
    /// Mapping file for layouts no profile knows (see `mappings/`).
    #[arg(long, help_heading = "Input")]
    mapping: Option<PathBuf>,
    /// Config file. Default: `pipetrust.toml` in the input folder, else defaults.
    #[arg(long, help_heading = "Input")]
    config: Option<PathBuf>,
    /// Output folder. Default: `reports/sample` for the sample, else `reports/latest`.
    #[arg(long, short, help_heading = "Output")]
    out: Option<PathBuf>,
    /// Run only these checks (comma-separated; see `pipetrust checks`).
    #[arg(long, value_delimiter = ',', help_heading = "Checks")]
    checks: Option<Vec<String>>,
    /// The audit's "now" (YYYY-MM-DD). Default: the latest timestamp in the data.
    #[arg(long, help_heading = "Checks")]
    as_of: Option<NaiveDate>,
    /// Only events on or after this day.
    #[arg(long, help_heading = "Checks")]
    since: Option<NaiveDate>,
    /// Only events on or before this day.
    #[arg(long, help_heading = "Checks")]
    until: Option<NaiveDate>,
    /// Hide the progress display.
    #[arg(long, help_heading = "Output")]
    no_progress: bool,
    /// Exit 2 already on warnings (`warn`) instead of only on failing findings.
    #[arg(long, value_enum, default_value_t = FailOn::Fail, help_heading = "Checks")]
    fail_on: FailOn,
}

/// Severity from which a run fails.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum FailOn {
    /// Warnings and failing findings fail the run.
    Warn,
    /// Only failing findings fail the run.
    Fail,
}

/// Input profiles.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum ProfileArg {
    /// Pick per file by its columns.
    Auto,
    /// Pipedrive API dumps and spreadsheet exports.
    Pipedrive,
    /// Files already in pipetrust's canonical columns.
    Canonical,
    /// HubSpot exports (not yet supported).
    Hubspot,
    /// Salesforce exports (not yet supported).
    Salesforce,
}

/// Options of `pipetrust generate`.
#[derive(Debug, Args)]
struct GenerateArgs {
    /// Output folder.
    #[arg(long, short)]
    out: PathBuf,
    /// Number of real deals (default: 2,000 small, 1,000,000 large); the injected
    /// duplicates add about 3% on top.
    #[arg(long)]
    deals: Option<usize>,
    /// Random seed; the same seed gives the same bytes.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// `small` writes JSON like an API dump; `large` writes CSV.
    #[arg(long, value_enum, default_value_t = Scale::Small)]
    scale: Scale,
}

/// Export sizes.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum Scale {
    /// 2,000 deals, JSON.
    Small,
    /// 1,000,000 deals, CSV.
    Large,
}

/// Parses arguments, runs the command and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Help and version are not errors; a usage error is a failed run (3),
            // not "failing findings" (2).
            return if e.use_stderr() { ExitCode::from(3) } else { ExitCode::SUCCESS };
        },
    };
    init_logging(cli.quiet, cli.verbose);
    let result = match cli.command {
        Command::Audit(args) => run_audit(args, cli.quiet > 0),
        Command::Checks => print_checks(),
        Command::Generate(args) => run_generate(args),
        Command::Schema { table } => print_schema(table.as_deref()),
        Command::Config { example } => print_config(example),
    };
    match result {
        Ok(status) => ExitCode::from(status as u8),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pipetrust: {e:#}");
            ExitCode::from(ExitStatus::RunFailed as u8)
        },
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn init_logging(quiet: u8, verbose: u8) {
    let default = match (quiet, verbose) {
        (q, _) if q > 0 => "error",
        (_, 0) => "warn",
        (_, 1) => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ =
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn run_audit(args: AuditArgs, quiet: bool) -> anyhow::Result<ExitStatus> {
    let sample = args.input.is_empty();
    let inputs = if sample { vec![PathBuf::from("data/sample")] } else { args.input };
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from(if sample { "reports/sample" } else { "reports/latest" }));
    let profile = match args.profile {
        ProfileArg::Auto => Profile::Auto,
        ProfileArg::Pipedrive => Profile::Pipedrive,
        ProfileArg::Canonical => Profile::Canonical,
        ProfileArg::Hubspot | ProfileArg::Salesforce => {
            anyhow::bail!(
                "the HubSpot and Salesforce profiles are not built yet; use `--mapping FILE.toml`"
            )
        },
    };
    let opts = AuditOptions {
        inputs,
        profile,
        mapping: args.mapping,
        config: args.config,
        checks: args.checks,
        as_of: args.as_of,
        since: args.since,
        until: args.until,
        fail_on: Some(match args.fail_on {
            FailOn::Warn => Severity::Warn,
            FailOn::Fail => Severity::Fail,
        }),
    };
    let started = Instant::now();
    let spinner = progress(quiet || args.no_progress);
    let run = audit::run(&opts);
    spinner.finish_and_clear();
    let run = run?;
    crate::report::write(&run, &out)?;
    let status = run.exit_status();
    if !quiet {
        end_summary(&run, &out, started.elapsed().as_secs_f64())?;
    }
    Ok(status)
}

fn progress(hidden: bool) -> indicatif::ProgressBar {
    if hidden {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar.set_message("auditing");
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

fn end_summary(run: &audit::AuditRun, out: &std::path::Path, secs: f64) -> anyhow::Result<()> {
    let summary = crate::report::Summary::of(run);
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "pipetrust: {} rows read, {} loaded, {} rejected; {} failing, {} warning findings; report in `{}` ({secs:.1}s)",
        summary.rows.read,
        summary.rows.loaded,
        summary.rows.rejected,
        summary.findings.fail,
        summary.findings.warn,
        out.join("report.md").display(),
    )?;
    Ok(())
}

fn print_checks() -> anyhow::Result<ExitStatus> {
    let mut out = std::io::stdout().lock();
    for check in REGISTRY {
        let m = check.meta();
        let needs: Vec<_> = m.needs.iter().map(|t| t.name()).collect();
        writeln!(
            out,
            "{}\t{}\tneeds: {}\twrites: {}",
            m.name,
            m.purpose,
            needs.join(","),
            m.outputs.join(",")
        )?;
    }
    Ok(ExitStatus::Clean)
}

fn print_schema(only: Option<&str>) -> anyhow::Result<ExitStatus> {
    let mut out = std::io::stdout().lock();
    let tables: Vec<Table> =
        Table::ALL.into_iter().filter(|t| only.is_none_or(|o| o == t.name())).collect();
    if tables.is_empty() && !crate::report::tables::OUTPUT_TABLES.iter().any(|t| Some(t.0) == only)
    {
        anyhow::bail!("unknown table `{}`", only.unwrap_or(""));
    }
    for table in tables {
        writeln!(out, "input table {}", table.name())?;
        for c in table.columns() {
            writeln!(
                out,
                "  {:<24} {:<20} {}",
                c.name,
                c.ty.name(),
                if c.required { "required" } else { "" }
            )?;
        }
    }
    for (name, columns) in crate::report::tables::OUTPUT_TABLES {
        if only.is_none_or(|o| o == *name) {
            writeln!(
                out,
                "output table {name} (schema version {})",
                crate::report::SCHEMA_VERSION
            )?;
            for c in *columns {
                writeln!(out, "  {c}")?;
            }
        }
    }
    Ok(ExitStatus::Clean)
}

fn print_config(example: bool) -> anyhow::Result<ExitStatus> {
    if !example {
        anyhow::bail!("nothing to do: use `pipetrust config --example`");
    }
    std::io::stdout().lock().write_all(crate::config::EXAMPLE.as_bytes())?;
    Ok(ExitStatus::Clean)
}

fn run_generate(args: GenerateArgs) -> anyhow::Result<ExitStatus> {
    let (deals, format) = match args.scale {
        Scale::Small => (args.deals.unwrap_or(2_000), ExportFormat::Json),
        Scale::Large => (args.deals.unwrap_or(1_000_000), ExportFormat::Csv),
    };
    let opts = GenerateOptions { out: args.out.clone(), deals, seed: args.seed, format };
    let summary = generate::generate(&opts)?;
    let mut out = std::io::stdout().lock();
    for (file, rows) in summary.files {
        writeln!(out, "{}\t{rows}", args.out.join(file).display())?;
    }
    Ok(ExitStatus::Clean)
}
