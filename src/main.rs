fn main() -> std::process::ExitCode {
    mcpform::cli::main()
}
