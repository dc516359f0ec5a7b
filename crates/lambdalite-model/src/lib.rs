//! Domain types of lambdalite and their validation: function configurations,
//! names and ARNs, runtimes, limits and the errors the Lambda API speaks.
//!
//! This crate is pure: no I/O, no async, no HTTP. The API crate turns
//! [`LambdaError`] into AWS's wire format; the store persists
//! [`FunctionConfig`]; the invoker runs it.

pub mod alias;
pub mod arn;
pub mod config;
pub mod error;
pub mod esm;
pub mod event_config;
pub mod layer;
pub mod limits;
pub mod runtime;
pub mod time;
pub mod url;
pub mod validate;

pub use alias::Alias;
pub use arn::{FunctionRef, Partition};
pub use config::{FunctionConfig, FunctionState, LATEST};
pub use error::LambdaError;
pub use runtime::{Runtime, RuntimeFamily};
