//! Starting the process of an execution environment: the seam where
//! isolation plugs in. The sandboxes themselves live in lambdalite-sandbox;
//! this re-exports what the invoker uses.

pub use lambdalite_sandbox::{
    choose, LaunchSpec, Namespaces, NamespacesConfig, NetworkMode, PlainProcess, Prepared, Process,
    Sandbox, SandboxError, SandboxKind, View,
};
pub use lambdalite_sandbox::{host_api_address, HOST_API_ADDR, HOST_NAME};
