//! The suites whose cases share one world (both Workers running, an account set up) are
//! normal test binaries: each case is a libtest trial (`libtest-mimic`), so
//! `cargo test --test worker -- lifecycle` runs one case and `--list` lists them. The world
//! starts with the first case that runs, the cases run one after another in the order they
//! are listed (later cases build on what earlier ones left, as a user's session would), and
//! the world stops once they have run, however they ended.
//!
//! ```ignore
//! tollgate_tests::suite!(Ctx on fx, [lifecycle, roles, gateway::hygiene]);
//! ```

use std::ops::DerefMut;
use std::sync::{Arc, Mutex};

use libtest_mimic::{Arguments, Failed, Trial};

use crate::Result;
use crate::fixture::Fixture;

/// A case of a suite: a function of the suite's world.
pub type Case<W> = fn(&mut W) -> Result<()>;

/// A suite's world: how it starts, on a [`Fixture`] (which stops it, and names where to look
/// when a case fails).
pub trait World: Sized + Send + 'static + DerefMut<Target = Fixture> {
    fn boot() -> Result<Self>;
}

/// A case's name as the suite lists it: its path without spaces (`gateway::hygiene`).
pub fn name(path: &str) -> String {
    path.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Runs the suite's cases, in order, against one world; exits with libtest's status.
pub fn run<W: World>(cases: Vec<(String, Case<W>)>) -> ! {
    let mut args = Arguments::from_args();
    // One world: the cases run one at a time, in the order listed.
    args.test_threads = Some(1);
    let world: Arc<Mutex<Option<Result<W>>>> = Arc::new(Mutex::new(None));
    let trials = cases
        .into_iter()
        .map(|(name, case)| {
            let world = Arc::clone(&world);
            Trial::test(name, move || run_case(&world, case))
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    if let Ok(mut guard) = world.lock()
        && let Some(Ok(w)) = guard.as_mut()
    {
        w.stop();
    }
    conclusion.exit()
}

fn run_case<W: World>(
    world: &Mutex<Option<Result<W>>>,
    case: Case<W>,
) -> std::result::Result<(), Failed> {
    let mut guard = world
        .lock()
        .map_err(|_| Failed::from("an earlier case panicked while it held the world"))?;
    let w = guard.get_or_insert_with(W::boot);
    match w {
        Ok(w) => case(w).map_err(|e| Failed::from(format!("{e}\n    ({})", w.describe()))),
        Err(e) => Err(Failed::from(format!("could not start the Workers: {e}"))),
    }
}

/// Declares a suite's `main`: its world type (and the field that holds its fixture, which
/// the world derefs to), and its cases, each named once.
#[macro_export]
macro_rules! suite {
    ($world:ident on $fixture:tt, [$($case:path),* $(,)?]) => {
        impl std::ops::Deref for $world {
            type Target = $crate::fixture::Fixture;
            fn deref(&self) -> &$crate::fixture::Fixture {
                &self.$fixture
            }
        }

        impl std::ops::DerefMut for $world {
            fn deref_mut(&mut self) -> &mut $crate::fixture::Fixture {
                &mut self.$fixture
            }
        }

        fn main() {
            $crate::suite::run::<$world>(vec![
                $(($crate::suite::name(stringify!($case)), $case as $crate::suite::Case<$world>)),*
            ])
        }
    };
}
