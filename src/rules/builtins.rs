//! Replacements for Rhai built-ins that swallow errors, registered over the packages' versions.
//!
//! A rule that raises anywhere must fail, but rhai 1.27's array functions that take a
//! comparison ignore what goes wrong in it: `sort`/`sort_by` and `order`/`order_by` turn an
//! error (a `throw`, a missing property, even running out of operations) or a result of the
//! wrong type into "compare by type", and `dedup` turns it into "not equal", so the rule went
//! on with a half-sorted array and passed. The versions here propagate the error, and refuse a
//! comparison that returns neither what the docs ask for. Every other built-in that calls a
//! closure (`filter`, `map`, `reduce`, `some`, `all`, `index_of`, `find`, `retain`, `drain`,
//! `zip`, `for_each`, and the map versions) propagates errors already; the hostile-rules tests
//! hold them to it.
//!
//! The sort is a merge sort of our own: `slice::sort_by` may panic when a comparison is not a
//! total order, which a script's comparison need not be, while a merge sort just produces some
//! order. It is stable, like Rhai's.

use std::cmp::Ordering;

use rhai::{Array, Dynamic, Engine, EvalAltResult, FnPtr, NativeCallContext, Position};

type Result<T> = std::result::Result<T, Box<EvalAltResult>>;

/// The Rhai functions replaced here: language built-ins, documented by Rhai, not host API.
pub const REPLACED: &[&str] = &["sort", "sort_by", "order", "order_by", "dedup"];

/// Registers the replacements. Functions registered on the engine are looked up before those
/// of the packages, so these win for every call with the same signature.
pub fn register(engine: &mut Engine) {
    for name in ["sort", "sort_by"] {
        engine.register_fn(name, sort);
    }
    for name in ["order", "order_by"] {
        engine.register_fn(name, |ctx: NativeCallContext, a: &mut Array, f: FnPtr| {
            let mut copy = a.clone();
            sort(ctx, &mut copy, f).map(|()| copy)
        });
    }
    engine.register_fn("dedup", |ctx: NativeCallContext, a: &mut Array| {
        dedup_with(a, |x, y| equals(&ctx, x, y))
    });
    engine.register_fn(
        "dedup",
        |ctx: NativeCallContext, a: &mut Array, f: FnPtr| {
            dedup_with(a, |x, y| {
                let same = f.call_raw(&ctx, None, [x.clone(), y.clone()])?;
                same.as_bool()
                    .map_err(|t| wrong_type("dedup", t, "a boolean"))
            })
        },
    );
}

fn wrong_type(function: &str, got: &str, wanted: &str) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(
        format!("the function given to `{function}` returned {got}; it must return {wanted}")
            .into(),
        Position::NONE,
    )
    .into()
}

/// `array.sort(|a, b| ...)`: the function returns a negative integer, 0 or a positive integer
/// (or `true` for "a first", `false` for "b first", as Rhai accepts).
fn sort(ctx: NativeCallContext, array: &mut Array, compare: FnPtr) -> Result<()> {
    merge_sort(array, |x, y| {
        let v = compare.call_raw(&ctx, None, [x.clone(), y.clone()])?;
        if let Ok(i) = v.as_int() {
            Ok(i.cmp(&0))
        } else if let Ok(b) = v.as_bool() {
            Ok(if b { Ordering::Less } else { Ordering::Greater })
        } else {
            Err(wrong_type(
                "sort",
                v.type_name(),
                "an integer (negative, 0 or positive) or a boolean",
            ))
        }
    })
}

/// A stable bottom-up merge sort of `array` by `compare`, stopping at the first error (the
/// array is then left as it was).
fn merge_sort(
    array: &mut Array,
    mut compare: impl FnMut(&Dynamic, &Dynamic) -> Result<Ordering>,
) -> Result<()> {
    let n = array.len();
    let mut order: Vec<usize> = (0..n).collect();
    let mut merged = vec![0; n];
    let mut width = 1;
    while width < n {
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut left, mut right) = (start, mid);
            for slot in &mut merged[start..end] {
                // Take from the right only when it is strictly less: equal items keep their
                // order.
                let from_right = left >= mid
                    || (right < end
                        && compare(&array[order[right]], &array[order[left]])? == Ordering::Less);
                if from_right {
                    *slot = order[right];
                    right += 1;
                } else {
                    *slot = order[left];
                    left += 1;
                }
            }
            start = end;
        }
        std::mem::swap(&mut order, &mut merged);
        width = width.saturating_mul(2);
    }
    let mut items = std::mem::take(array);
    *array = order
        .into_iter()
        .map(|i| std::mem::take(&mut items[i]))
        .collect();
    Ok(())
}

/// Removes each element that `same(previous kept element, element)` says repeats the one
/// before it; on an error the array is left as it was.
fn dedup_with(
    array: &mut Array,
    mut same: impl FnMut(&Dynamic, &Dynamic) -> Result<bool>,
) -> Result<()> {
    let mut keep = vec![true; array.len()];
    let mut last = 0;
    for i in 1..array.len() {
        if same(&array[last], &array[i])? {
            keep[i] = false;
        } else {
            last = i;
        }
    }
    let mut flags = keep.into_iter();
    array.retain(|_| flags.next().unwrap_or(true));
    Ok(())
}

/// `x == y` as the script would compute it. Values of different types without an `==` between
/// them are unequal, as in Rhai's `contains`; any other error is the script's.
fn equals(ctx: &NativeCallContext, x: &Dynamic, y: &Dynamic) -> Result<bool> {
    let same_type = x.type_id() == y.type_id();
    let (mut x, mut y) = (x.clone(), y.clone());
    match ctx.call_native_fn_raw("==", true, &mut [&mut x, &mut y]) {
        Ok(v) => v.as_bool().map_err(|t| wrong_type("==", t, "a boolean")),
        Err(e)
            if !same_type
                && matches!(&*e, EvalAltResult::ErrorFunctionNotFound(sig, _) if sig.starts_with("==")) =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    fn run(script: &str) -> Result<rhai::Dynamic, Box<rhai::EvalAltResult>> {
        super::super::engine::build(&[]).eval::<rhai::Dynamic>(script)
    }

    fn ints(script: &str) -> Vec<i64> {
        run(script)
            .unwrap_or_else(|e| panic!("{script}: {e}"))
            .into_typed_array::<i64>()
            .unwrap_or_else(|e| panic!("{script}: {e}"))
    }

    #[test]
    fn sorting_orders_like_rhai_and_keeps_equal_items_in_place() {
        assert_eq!(
            ints("let a = [5, 3, 9, 1, 3]; a.sort(|x, y| x - y); a"),
            [1, 3, 3, 5, 9]
        );
        assert_eq!(
            ints("let a = [5, 3, 9, 1]; a.sort_by(|x, y| x > y); a"),
            [9, 5, 3, 1]
        );
        assert_eq!(
            ints("[21, 10, 11, 20].order(|x, y| x / 10 - y / 10)"),
            [10, 11, 21, 20]
        );
        assert_eq!(ints("let a = [3, 1, 2]; a.sort(); a"), [1, 2, 3]);
        // Not a total order: some order, no panic.
        assert_eq!(ints("let a = [3, 1, 2, 7]; a.sort(|x, y| 1); a").len(), 4);
    }

    #[test]
    fn an_error_or_a_wrong_result_in_a_comparison_is_the_scripts() {
        for script in [
            "let a = [3, 1, 2]; a.sort(|x, y| throw \"cmp\"); a",
            "let a = [3, 1, 2]; a.sort_by(|x, y| throw \"cmp\"); a",
            "[3, 1, 2].order(|x, y| throw \"cmp\")",
            "[3, 1, 2].order_by(|x, y| x.nope)",
            "let a = [3, 1, 2]; a.sort(|x, y| \"later\"); a",
            "let a = [3, 3, 2]; a.dedup(|x, y| throw \"same\"); a",
            "let a = [3, 3, 2]; a.dedup(|x, y| 1); a",
            "let a = [version(\"1.0\"), \"x\"]; a.dedup(); a",
        ] {
            assert!(run(script).is_err(), "{script} must fail");
        }
    }

    #[test]
    fn dedup_removes_repeats_like_rhai() {
        assert_eq!(ints("let a = [1, 1, 2, 2, 2, 1]; a.dedup(); a"), [1, 2, 1]);
        assert_eq!(
            ints("let a = [1, 2, 3, 7, 8]; a.dedup(|p, x| x - p == 1); a"),
            [1, 3, 7]
        );
        let mixed = run("let a = [1, \"1\", \"1\", ()]; a.dedup(); a.len()");
        assert_eq!(mixed.ok().and_then(|v| v.as_int().ok()), Some(3));
    }
}
