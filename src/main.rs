//! The `mcpform` binary: everything lives in the library; this only calls it.

fn main() -> std::process::ExitCode {
    mcpform::cli::main()
}
