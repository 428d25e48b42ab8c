//! The `pipetrust` binary: everything lives in the library; see `cli`.

fn main() -> std::process::ExitCode {
    pipetrust::cli::main()
}
