fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(uplint::cli::main())
}
