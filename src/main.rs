/// Log lines waiting for the writer thread.
const LOG_QUEUE_LINES: usize = 4096;

fn main() -> std::process::ExitCode {
    // Two TLS crypto providers end up linked (aws-lc-rs and ring, through the HTTP clients);
    // rustls needs one chosen before any TLS config is built.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    // One line per request goes to a writer thread through a queue: a request never waits for
    // the terminal or the journal. `_flush` writes what is queued when main returns. The queue
    // is allocated whole up front (128,000 lines, 4 MB resident, by default): 4,096 lines, a
    // few seconds of a burst, are plenty; past them lines are dropped, never requests slowed.
    let (log, _flush) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .finish(std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PORCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(log)
        .init();
    match porch::cli::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("porch: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
