//! Where the meter's and the SDK's `tracing` events go: standard error, at
//! warning level and above (held hours, hours near their deadline, a clock
//! off from the store's, a claim another flusher took over), as text for a
//! terminal or as one JSON object a line (`--log-format json`) for a log
//! pipeline, each with its fields (hour, dimension, reason, …).

use tracing::Level;

/// How events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Lines for people.
    Text,
    /// One JSON object a line.
    Json,
}

/// Installs the writer of events for the whole process.
pub fn install(format: LogFormat) {
    let builder = tracing_subscriber::fmt().with_writer(std::io::stderr).with_max_level(Level::WARN).with_target(false);
    // Only the first install in a process takes effect; a second is not an error worth stopping for.
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}
