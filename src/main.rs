fn main() -> std::process::ExitCode {
    // Two TLS crypto providers end up linked (aws-lc-rs and ring, through the HTTP clients);
    // rustls needs one chosen before any TLS config is built.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PORCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match porch::cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("porch: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
