//! uplint: an offline pre-upgrade linter for Windows estates.
//!
//! Data flows one way: a bundle of exports ([`bundle`]) is decoded ([`source`]) and parsed
//! ([`parse`]) into documents ([`model`]), per-computer facts are derived from them
//! ([`facts`]), Rhai rules run over both ([`rules`]) and produce findings ([`finding`]), which
//! reports format ([`report`]). The command line ([`cli`]) only wires these together.

pub mod bundle;
pub mod check;

pub mod facts;
pub mod finding;
pub mod fixtures;
pub mod limits;
pub mod log;
pub mod model;
pub mod parse;
pub mod plan;

pub mod cli;
pub mod config;
pub mod report;
pub mod rules;
pub mod scaffold;
pub mod source;
pub mod util;
