//! Concurrency accounting: the account's limit, functions' reserved
//! concurrency, and the permits invocations hold while they run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// Why an invocation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Throttle {
    /// The function's reserved concurrency is in use (or zero).
    Reserved,
    /// The account's unreserved concurrency is in use.
    Account,
}

impl Throttle {
    /// AWS's `Reason` for this throttle.
    pub fn reason(self) -> &'static str {
        match self {
            Throttle::Reserved => "ReservedFunctionConcurrentInvocationLimitExceeded",
            Throttle::Account => "ConcurrentInvocationLimitExceeded",
        }
    }
}

#[derive(Debug, Default)]
struct State {
    reserved: HashMap<String, u32>,
    reserved_total: u32,
    /// Invocations running per function with reserved concurrency.
    reserved_in_flight: HashMap<String, u32>,
    /// Invocations running on the unreserved pool.
    unreserved_in_flight: u32,
}

/// The account's concurrency.
#[derive(Debug)]
pub struct Admission {
    limit: u32,
    state: Mutex<State>,
}

/// Held by a running invocation; releases its slot when dropped.
#[derive(Debug)]
pub struct Permit {
    admission: Arc<Admission>,
    /// The function, when it ran on its reserved concurrency.
    reserved_for: Option<String>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut st = self.admission.lock();
        match self.reserved_for.take() {
            Some(f) => {
                if let Some(n) = st.reserved_in_flight.get_mut(&f) {
                    *n = n.saturating_sub(1);
                }
            }
            None => st.unreserved_in_flight = st.unreserved_in_flight.saturating_sub(1),
        }
    }
}

impl Admission {
    pub fn new(limit: u32) -> Arc<Admission> {
        Arc::new(Admission {
            limit,
            state: Mutex::new(State::default()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The account's concurrency limit.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Concurrency not reserved by any function.
    pub fn unreserved(&self) -> u32 {
        self.limit.saturating_sub(self.lock().reserved_total)
    }

    /// Sets or clears a function's reserved concurrency.
    pub fn set_reserved(&self, function: &str, reserved: Option<u32>) {
        let mut st = self.lock();
        let old = match reserved {
            Some(n) => st.reserved.insert(function.to_string(), n),
            None => st.reserved.remove(function),
        };
        st.reserved_total = st.reserved_total - old.unwrap_or(0) + reserved.unwrap_or(0);
    }

    /// Takes a slot for one invocation of `function`, or says why not.
    pub fn try_acquire(self: &Arc<Self>, function: &str) -> Result<Permit, Throttle> {
        let mut st = self.lock();
        if let Some(&reserved) = st.reserved.get(function) {
            let running = st
                .reserved_in_flight
                .entry(function.to_string())
                .or_insert(0);
            if *running >= reserved {
                return Err(Throttle::Reserved);
            }
            *running += 1;
            return Ok(Permit {
                admission: self.clone(),
                reserved_for: Some(function.to_string()),
            });
        }
        let unreserved = self.limit.saturating_sub(st.reserved_total);
        if st.unreserved_in_flight >= unreserved {
            return Err(Throttle::Account);
        }
        st.unreserved_in_flight += 1;
        Ok(Permit {
            admission: self.clone(),
            reserved_for: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_account_limits() {
        let a = Admission::new(3);
        a.set_reserved("r", Some(1));
        assert_eq!(a.unreserved(), 2);
        let r1 = a.try_acquire("r").unwrap();
        assert_eq!(a.try_acquire("r").unwrap_err(), Throttle::Reserved);
        let u1 = a.try_acquire("x").unwrap();
        let u2 = a.try_acquire("y").unwrap();
        assert_eq!(a.try_acquire("z").unwrap_err(), Throttle::Account);
        drop(u1);
        let _u3 = a.try_acquire("z").unwrap();
        drop(r1);
        let _r2 = a.try_acquire("r").unwrap();
        drop(u2);
        a.set_reserved("zero", Some(0));
        assert_eq!(a.try_acquire("zero").unwrap_err(), Throttle::Reserved);
        a.set_reserved("zero", None);
        a.set_reserved("r", None);
        assert_eq!(a.unreserved(), 3);
    }

    #[test]
    fn permits_never_exceed_the_limit() {
        // Random acquire/release sequences keep the count within bounds.
        let a = Admission::new(5);
        let mut held = Vec::new();
        let mut seed = 12345u64;
        for _ in 0..10_000 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if seed >> 63 == 0 {
                if let Ok(p) = a.try_acquire(["a", "b", "c"][(seed % 3) as usize]) {
                    held.push(p);
                }
            } else if !held.is_empty() {
                held.swap_remove((seed as usize) % held.len());
            }
            assert!(held.len() <= 5);
        }
        held.clear();
        assert_eq!(a.lock().unreserved_in_flight, 0);
    }
}
