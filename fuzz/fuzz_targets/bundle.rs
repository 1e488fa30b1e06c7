//! Bytes → the one export of computer `C01` in a temporary bundle (with a VMM plan when the
//! first byte is odd) → the whole check with the built-in rules → the human and JSON reports.
//! Nothing may panic and no rule may fail with an error.

#![no_main]

use std::sync::OnceLock;

#[path = "../../tests/fuzzing/props.rs"]
mod props;

/// Compiled once: compiling the rules for each input would be most of the time.
static RULES: OnceLock<props::Rules> = OnceLock::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let rules = RULES.get_or_init(props::Rules::builtin);
    props::check_bundle(data, data.first().is_some_and(|b| b % 2 == 1), rules);
});
