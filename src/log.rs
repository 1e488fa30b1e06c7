//! Diagnostic logging to stderr, off unless `--verbose`. Reports never go through here.

use std::sync::atomic::{AtomicBool, Ordering};

static VERBOSE: AtomicBool = AtomicBool::new(false);

pub fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

pub fn debug(message: &str) {
    if VERBOSE.load(Ordering::Relaxed) {
        #[allow(clippy::print_stderr)] // the log is stderr by design
        {
            eprintln!("uplint: {message}");
        }
    }
}
