//! Third-party parsers (mail-parser, mrml, cfb) run under [`catch`]: a panic of theirs on
//! hostile input becomes the caller's diagnostic instead of a crash. [`install_quiet_hook`]
//! (the binary installs it) keeps such caught panics off stderr, so the user sees the
//! diagnostic and not a backtrace; a panic anywhere else still prints in full, as the bug it is.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};

thread_local! {
    /// How many [`catch`] calls this thread is inside.
    static GUARDED: Cell<usize> = const { Cell::new(0) };
}

/// Runs `f`, turning a panic into `Err`. The closures passed here only read their input and
/// build fresh values, so nothing half-updated survives the unwind.
pub fn catch<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    GUARDED.with(|g| g.set(g.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(g.get() - 1));
    result
}

/// Replaces the panic hook with one that says nothing for panics [`catch`] will handle.
pub fn install_quiet_hook() {
    let report = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        if GUARDED.with(Cell::get) == 0 {
            report(info);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_panic_is_an_err_and_the_guard_unwinds() {
        assert!(catch(|| panic!("parser bug")).is_err());
        assert_eq!(catch(|| 7).ok(), Some(7));
        assert_eq!(GUARDED.with(Cell::get), 0);
    }
}
