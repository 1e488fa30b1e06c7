//! Diagnostic logging to stderr, off unless `--verbose`. Reports never go through here. Log
//! lines quote rules' `print` output, which may hold a bundle's values, so they are escaped
//! like reports.

use std::sync::atomic::{AtomicBool, Ordering};

static VERBOSE: AtomicBool = AtomicBool::new(false);

pub fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

pub fn debug(message: &str) {
    if VERBOSE.load(Ordering::Relaxed) {
        #[allow(clippy::print_stderr)] // the log is stderr by design
        {
            eprintln!("uplint: {}", crate::report::escape::terminal(message));
        }
    }
}
