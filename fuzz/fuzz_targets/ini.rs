//! Bytes → decoded as the pipeline does → the `ini` parser, whatever the recognizers say,
//! keeping every property of `tests/fuzzing/props.rs`.

#![no_main]

#[path = "../../tests/fuzzing/props.rs"]
mod props;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    props::check_bytes(data, &[props::format_named("ini")]);
});
