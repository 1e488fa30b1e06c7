//! The fuzzing kit of the property test: the properties every input must keep
//! ([`props`], shared with the cargo-fuzz targets in `fuzz/`) and the byte-level mutations
//! that make inputs from real exports ([`mutate`]).

pub mod mutate;
pub mod props;
