//! The only place a Rhai [`Engine`] is built.
//!
//! Rules are untrusted code from the user's point of view (a consultant's rule pack, a
//! colleague's gist), so the engine starts empty (`new_raw`) and gets only the language core,
//! strings, arrays, maps, maths and logic: no file, network or process access exists in it,
//! `import` finds no module, and `eval` is disabled. Every limit is set together, because an
//! operation budget alone does not bound memory (`s += s` doubles a string long before it runs
//! out of operations). `print` and `debug` go to the log under `--verbose`, never into reports.
//!
//! The sizes come from [`crate::limits::rule`]; operations, time and stack are watched by
//! [`super::sandbox`] through `on_progress`, because they depend on the run's limits and the
//! subject, while an engine is built once per worker thread. Nothing a script builds may nest
//! deeper than the size limits allow, so two features are left out: `curry` (a function
//! pointer carrying itself twice doubles in size each time, without counting towards any size
//! limit) and closures that capture variables (Rhai's `no_closure` feature: a chain of closures
//! each capturing the previous one nests a level per operation, and dropping a chain of
//! 100,000 overflowed an 8 MiB stack). Anonymous functions that use only their parameters, as
//! in `a.filter(|x| x > 1)`, remain.

use rhai::packages::{
    BasicArrayPackage, BasicMapPackage, BasicMathPackage, BasicStringPackage, CorePackage,
    LogicPackage, MoreStringPackage, Package,
};
use rhai::{Engine, OptimizationLevel};

use crate::limits::rule as limits;

/// Builds an engine with the host API and every limit set.
pub fn build(property_names: &[&str]) -> Engine {
    let mut engine = Engine::new_raw();
    for package in [
        CorePackage::new().as_shared_module(),
        LogicPackage::new().as_shared_module(),
        BasicStringPackage::new().as_shared_module(),
        MoreStringPackage::new().as_shared_module(),
        BasicArrayPackage::new().as_shared_module(),
        BasicMapPackage::new().as_shared_module(),
        BasicMathPackage::new().as_shared_module(),
    ] {
        engine.register_global_module(package);
    }
    engine
        .set_optimization_level(OptimizationLevel::Simple)
        // The sandbox counts operations itself (see `sandbox`): Rhai's count misses the ones
        // inside closures called by built-in functions.
        .set_max_operations(0)
        .set_max_call_levels(limits::CALL_LEVELS)
        .set_max_expr_depths(limits::EXPR_DEPTH, limits::FN_EXPR_DEPTH)
        .set_max_string_size(limits::STRING_BYTES)
        .set_max_array_size(limits::ARRAY_ELEMENTS)
        .set_max_map_size(limits::MAP_ENTRIES)
        .set_max_variables(limits::VARIABLES)
        .set_max_functions(limits::FUNCTIONS)
        .set_max_modules(0)
        // Interning swaps a string for a cached copy, which would cut the link between a value
        // and the node it came from (see `api`); per-thread engines gain nothing from it.
        .set_max_strings_interned(0)
        .set_strict_variables(true)
        .set_fail_on_invalid_map_property(true)
        .set_module_resolver(rhai::module_resolvers::DummyModuleResolver::new());
    engine.disable_symbol("eval");
    engine.disable_symbol("curry");
    engine.on_progress(super::sandbox::progress);
    // Rhai calls this API volatile ("may change"); it is the only hook that sees a variable's
    // value before each use, which the sandbox needs to check containers grown by assignment.
    #[allow(deprecated)]
    engine.on_var(super::sandbox::check_variable);
    engine.on_print(|text| crate::log::debug(&format!("rule print: {text}")));
    engine.on_debug(|text, source, pos| {
        crate::log::debug(&format!(
            "rule debug {}:{}: {text}",
            source.unwrap_or("?"),
            pos.line().unwrap_or(0)
        ));
    });
    super::builtins::register(&mut engine);
    super::api::register(&mut engine, property_names);
    engine
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(script: &str) -> Result<rhai::Dynamic, Box<rhai::EvalAltResult>> {
        build(&[]).eval::<rhai::Dynamic>(script)
    }

    #[test]
    fn endless_loop_is_stopped_by_the_operation_limit() {
        let err = run("let i = 0; loop { i += 1; }").expect_err("must stop");
        assert!(
            matches!(&*err, rhai::EvalAltResult::ErrorTerminated(token, _)
                if token.clone().try_cast::<super::super::sandbox::Stop>()
                    == Some(super::super::sandbox::Stop::Operations)),
            "{err}"
        );
    }

    #[test]
    fn doubling_a_string_is_stopped_by_the_size_limit() {
        let err = run("let s = \"xx\"; loop { s += s; }").expect_err("must stop");
        assert!(
            matches!(*err, rhai::EvalAltResult::ErrorDataTooLarge(..)),
            "{err}"
        );
    }

    #[test]
    fn containers_grown_by_assignment_are_stopped_by_the_size_limits() {
        for script in [
            "let m = #{}; for i in 0..20000 { m[`k${i}`] = i; } 1",
            "let a = [#{}]; for i in 0..20000 { a[0][`k${i}`] = i; } 1",
            "let big = \"x\"; for i in 0..16 { big += big; }\n\
             let a = []; a.pad(100, 0); for i in 0..100 { a[i] = `${big}`; } 1",
        ] {
            let err = run(script).expect_err(script);
            assert!(
                matches!(*err, rhai::EvalAltResult::ErrorDataTooLarge(..)),
                "{script}: {err}"
            );
        }
    }

    #[test]
    fn unbounded_recursion_is_stopped() {
        let err = run("fn f(x) { f(x + 1) } f(0)").expect_err("must stop");
        assert!(
            matches!(*err, rhai::EvalAltResult::ErrorStackOverflow(_))
                || err.to_string().contains("Stack overflow"),
            "{err}"
        );
    }

    #[test]
    fn eval_import_and_undeclared_variables_are_refused() {
        assert!(build(&[]).compile("eval(\"1\")").is_err());
        assert!(run("import \"std\" as s; 1").is_err());
        assert!(build(&[]).compile("fn f() { undeclared }").is_err());
    }
}
