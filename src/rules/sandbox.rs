//! The guard around every evaluation of a rule: what stops a script that performs too many
//! operations, runs too long or recurses too deeply, and the stack worker threads need so that
//! nothing a script can build overflows it.
//!
//! Rhai calls [`progress`] before every operation it performs (`Engine::on_progress`), including
//! those inside closures that built-in functions such as `map` or `sort` call. Rhai's own
//! operation counter is copied into such calls and the copy is dropped afterwards (measured on
//! rhai 1.27: a `map` whose closure runs 300,000 operations per element ran 85 s under a limit
//! of 10 million), so the guard keeps its own count, per thread, for the evaluation under way.
//! Once the guard stops a script it stays stopped: every later operation fails too, so a rule
//! cannot catch the error with `try` and carry on.
//!
//! Nested values are the other danger. Dropping, copying, printing or comparing an array of
//! arrays recurses once per level, in Rust or through the engine. Levels of arrays and maps
//! each cost an element or an entry, so the size limits bound the depth; closures that capture
//! variables and `curry` could nest without bound and are not available (see `engine`).
//! Recursion through the engine (`==`, `to_string` on nested arrays, script calls) passes
//! through [`progress`] at every level and is stopped once it used [`SCRIPT_STACK`]; recursion
//! in Rust (drop, clone, formatting) cannot be interrupted, so [`STACK_SIZE`] leaves room for
//! it at the deepest nesting the size limits allow. Every evaluation therefore runs on a thread
//! with that stack: the check pipeline's workers, or [`on_worker_stack`].
//!
//! The size limits themselves have a gap that [`check_variable`] closes: Rhai checks a value
//! assigned into an array or map, not the container it goes into, so `m[key] = v` in a loop
//! adds entries past any limit and `a[i] = v` swaps small elements for large ones (measured:
//! a map of 2,500 fresh half-MiB strings, 1.3 GB, passed; a few more and the process is
//! killed for its memory). The container is checked when the variable that holds it is next
//! used, which every such assignment does.

use std::cell::Cell;
use std::time::{Duration, Instant};

use rhai::{Dynamic, EvalAltResult, EvalContext, Position};

use crate::limits::{Limits, rule};

/// Stack that recursion through the engine may use below the point where the evaluation
/// started. Measured: one level of `==` or `to_string` on nested arrays takes ~1.9 KiB in a
/// release build and ~8.4 KiB in a debug build, so this allows ~8,000 (debug ~2,000) levels.
pub const SCRIPT_STACK: usize = 16 << 20;

/// Stack one level of nesting takes in Rust code that cannot be interrupted (dropping, cloning,
/// formatting, hashing a value), for arrays and for maps. Measured on rhai 1.27 at most 275 and
/// 360 bytes per level in a release build, 1.3 and 2.2 KiB in a debug build; these leave about
/// half as much again.
const NATIVE_PER_ARRAY_LEVEL: usize = if cfg!(debug_assertions) { 2048 } else { 512 };
const NATIVE_PER_MAP_LEVEL: usize = if cfg!(debug_assertions) { 3584 } else { 640 };

/// What the pipeline itself needs below the evaluation: parsing, facts, the host API.
const BASE_STACK: usize = 8 << 20;

/// The stack of every thread that evaluates rules: room for the engine's recursion plus Rust's
/// recursion through a value nested as deeply as the size limits allow (each level of arrays
/// costs one element, each level of maps one entry). About 80 MiB in a release build, 260 MiB
/// in a debug build; it is reserved address space, and only what a script really uses is ever
/// touched.
pub const STACK_SIZE: usize = BASE_STACK
    + SCRIPT_STACK
    + rule::ARRAY_ELEMENTS * NATIVE_PER_ARRAY_LEVEL
    + rule::MAP_ENTRIES * NATIVE_PER_MAP_LEVEL;

/// How many operations pass between two looks at the clock. Reading it costs ~25 ns, an
/// operation ~50 ns, so this is free; the costliest single operation (a size check of a
/// 100,000-element array) takes ~0.5 ms, so a deadline is overrun by at most a few tens of ms.
const CLOCK_EVERY: u64 = 64;

/// Why the guard stopped a script. Travels as the token of Rhai's `ErrorTerminated`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    Operations,
    Time,
    Stack,
}

impl Stop {
    /// The rule error shown for it. The same on every subject, so that failures group into one
    /// diagnostic that lists the subjects.
    pub fn message(self, limits: &Limits) -> String {
        match self {
            Stop::Operations => format!(
                "Too many operations: the rule performed more than {} operations plus {} per node of the subject's exports and facts (limits `rule-operations` and `rule-operations-per-node`); a rule that really needs more can have it with `--limit rule-operations=N` or under `[limits]` in uplint.toml",
                limits.rule_operations, limits.rule_operations_per_node
            ),
            Stop::Time => format!(
                "the rule ran longer than {} ms on one subject (limit `rule-ms`); {}",
                limits.rule_ms,
                crate::limits::how_to_raise("rule-ms")
            ),
            Stop::Stack => "a value or a chain of calls is nested too deeply: comparing, printing or calling through this many levels would overflow the stack; nest values less deeply".into(),
        }
    }
}

/// The guard of the evaluation under way on this thread.
#[derive(Clone, Copy)]
struct State {
    /// Whether an evaluation is being guarded.
    active: bool,
    /// Operations performed, counted here because Rhai's count is not (see the module docs).
    operations: u64,
    max_operations: u64,
    deadline: Option<Instant>,
    next_clock: u64,
    /// Where the stack was when the evaluation started.
    stack_start: usize,
    stopped: Option<Stop>,
}

impl State {
    /// Outside an evaluation (tests that drive an engine directly) only the default operation
    /// budget applies, counted by Rhai per call since nothing marks where a call starts.
    const IDLE: State = State {
        active: false,
        operations: 0,
        max_operations: 10_000_000,
        deadline: None,
        next_clock: u64::MAX,
        stack_start: 0,
        stopped: None,
    };
}

thread_local! {
    static STATE: Cell<State> = const { Cell::new(State::IDLE) };
    static WORKER: Cell<bool> = const { Cell::new(false) };
}

/// The stack pointer, near enough: the address of a local of a function that is never inlined.
#[inline(never)]
fn stack_address() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// What one evaluation may cost.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub operations: u64,
    pub time: Duration,
}

impl Budget {
    /// The budget of a rule on a subject whose documents hold `nodes` nodes.
    pub fn for_subject(limits: &Limits, nodes: u64) -> Budget {
        Budget {
            operations: limits.rule_operation_budget(nodes),
            time: Duration::from_millis(limits.rule_ms),
        }
    }
}

/// The guard of one evaluation, from [`enter`] until dropped.
pub struct Guarded {
    previous: State,
}

/// Starts guarding an evaluation on this thread with `budget`; the guard ends when the returned
/// value is dropped.
pub fn enter(budget: Budget) -> Guarded {
    let previous = STATE.with(Cell::get);
    STATE.with(|s| {
        s.set(State {
            active: true,
            operations: 0,
            max_operations: budget.operations,
            deadline: Instant::now().checked_add(budget.time),
            next_clock: CLOCK_EVERY,
            stack_start: stack_address(),
            stopped: None,
        });
    });
    Guarded { previous }
}

impl Guarded {
    /// Why the guard stopped the evaluation, if it did, even when the script caught the error.
    pub fn stopped(&self) -> Option<Stop> {
        STATE.with(Cell::get).stopped
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        STATE.with(|s| s.set(self.previous));
    }
}

/// The `Engine::on_progress` callback: `Some(token)` stops the script.
pub fn progress(rhai_count: u64) -> Option<Dynamic> {
    STATE.with(|s| {
        let mut st = s.get();
        if !st.active {
            return (rhai_count > st.max_operations).then(|| Dynamic::from(Stop::Operations));
        }
        let stop = next_stop(&mut st, 1);
        s.set(st);
        stop.map(Dynamic::from)
    })
}

/// Counts `operations` more and says whether the evaluation must stop.
fn next_stop(st: &mut State, operations: u64) -> Option<Stop> {
    if st.stopped.is_some() {
        return st.stopped;
    }
    st.operations = st.operations.saturating_add(operations);
    let stop = if st.operations > st.max_operations {
        Some(Stop::Operations)
    } else if stack_address().abs_diff(st.stack_start) > SCRIPT_STACK {
        Some(Stop::Stack)
    } else if st.operations >= st.next_clock {
        st.next_clock = st.operations.saturating_add(CLOCK_EVERY);
        st.deadline
            .is_some_and(|d| Instant::now() >= d)
            .then_some(Stop::Time)
    } else {
        None
    };
    st.stopped = stop;
    stop
}

/// The `Engine::on_var` callback, run before every use of a variable: fails when the array or
/// map it holds grew past the size limits through index assignments (see the module docs).
/// The cost is one walk of the value, as Rhai already spends on every method call on it.
pub fn check_variable(
    name: &str,
    _index: usize,
    context: EvalContext,
) -> Result<Option<Dynamic>, Box<EvalAltResult>> {
    if let Some(value) = context.scope().get(name)
        && (value.is_array() || value.is_map())
    {
        context.engine().ensure_data_size_within_limits(value)?;
    }
    // Let Rhai look the variable up as usual.
    Ok(None)
}

/// Charges work a host function does as `operations`, so that a function that scans a large
/// export counts for what it costs; an error stops the script when the budget or the time is
/// used up. Call it before the work.
pub fn charge(operations: u64) -> Result<(), Box<EvalAltResult>> {
    STATE.with(|s| {
        let mut st = s.get();
        if !st.active {
            return Ok(());
        }
        // A host function's work is not spread over operations: look at the clock now.
        st.next_clock = st.operations;
        let stop = next_stop(&mut st, operations);
        s.set(st);
        match stop {
            Some(stop) => Err(terminated(stop)),
            None => Ok(()),
        }
    })
}

/// The error that stops a script for `stop`.
pub fn terminated(stop: Stop) -> Box<EvalAltResult> {
    EvalAltResult::ErrorTerminated(Dynamic::from(stop), Position::NONE).into()
}

/// Marks this thread as one with [`STACK_SIZE`] of stack (a check pipeline's worker).
pub fn mark_worker() {
    WORKER.with(|w| w.set(true));
}

/// Whether this thread has [`STACK_SIZE`] of stack.
pub fn on_worker() -> bool {
    WORKER.with(Cell::get)
}

/// Runs `f` on a thread with [`STACK_SIZE`] of stack: this one if it is a worker, else a new
/// one that lives as long as `f`. For work outside the pipeline's pool that runs scripts, such
/// as loading libraries.
pub fn on_worker_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if on_worker() {
        return f();
    }
    let mut f = Some(f);
    let ran = std::thread::scope(|scope| {
        let slot = &mut f;
        std::thread::Builder::new()
            .name("uplint-rules".into())
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, move || {
                mark_worker();
                slot.take().map(|f| f())
            })
            .map(|handle| handle.join())
    });
    match (ran, f.take()) {
        (Ok(Ok(Some(value))), _) => value,
        // The thread's panic is the caller's: nothing is swallowed.
        (Ok(Err(panic)), _) => std::panic::resume_unwind(panic),
        // No thread could be started (address space exhausted): run here, with the stack
        // this thread has, rather than not at all.
        (_, Some(f)) => f(),
        (_, None) => unreachable!("the closure ran on the thread or is still here"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(operations: u64, ms: u64) -> Budget {
        Budget {
            operations,
            time: Duration::from_millis(ms),
        }
    }

    #[test]
    fn the_budget_stops_after_its_operations_and_stays_stopped() {
        let guard = enter(budget(100, 60_000));
        for _ in 0..100 {
            assert!(progress(0).is_none());
        }
        assert!(progress(0).is_some());
        assert!(progress(0).is_some(), "a stop is sticky");
        assert_eq!(guard.stopped(), Some(Stop::Operations));
        drop(guard);
        assert!(progress(0).is_none(), "the guard ends with its evaluation");
    }

    #[test]
    fn the_deadline_stops_within_a_few_operations() {
        let guard = enter(budget(u64::MAX, 0));
        let stopped_after = (0..1_000).position(|_| progress(0).is_some());
        assert!(
            stopped_after.is_some_and(|n| n < CLOCK_EVERY as usize),
            "{stopped_after:?}"
        );
        assert_eq!(guard.stopped(), Some(Stop::Time));
    }

    #[test]
    fn host_work_is_charged_as_operations() {
        let guard = enter(budget(1_000, 60_000));
        assert!(charge(999).is_ok());
        assert!(charge(2).is_err());
        assert_eq!(guard.stopped(), Some(Stop::Operations));
    }

    #[test]
    fn deep_recursion_is_stopped_before_it_uses_the_script_stack() {
        fn recurse(depth: usize) -> Option<usize> {
            let pad = std::hint::black_box([0u8; 1024]);
            if progress(0).is_some() {
                return Some(depth);
            }
            recurse(depth + 1).map(|d| d + usize::from(pad[0]))
        }
        let depth = on_worker_stack(|| {
            let _guard = enter(budget(u64::MAX, 60_000));
            recurse(0)
        });
        // About SCRIPT_STACK / (1 KiB + a frame) levels, far below the thread's stack.
        assert!(depth.is_some_and(|d| d > 1_000), "{depth:?}");
    }
}
