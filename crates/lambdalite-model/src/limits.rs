//! AWS Lambda's quotas, as lambdalite enforces them by default.

/// Largest decoded zip accepted in a request (50 MB).
pub const ZIP_MAX_BYTES: u64 = 50 * 1024 * 1024;
/// Largest request body of CreateFunction / UpdateFunctionCode: the base64
/// form of a 50 MB zip plus room for the rest of the JSON (AWS's figure).
pub const CODE_REQUEST_MAX_BYTES: usize = 70_167_211;
/// Longest function name (the name part of an ARN).
pub const FUNCTION_NAME_MAX: usize = 64;
/// Largest unzipped package (250 MB).
pub const UNZIPPED_MAX_BYTES: u64 = 262_144_000;
/// Total code storage of an account (75 GB).
pub const TOTAL_CODE_SIZE: u64 = 80_530_636_800;
/// Environment variables, encoded as JSON, at most 4 KB.
pub const ENVIRONMENT_MAX_BYTES: usize = 4096;
pub const MEMORY_MIN_MB: i64 = 128;
pub const MEMORY_MAX_MB: i64 = 10_240;
pub const TIMEOUT_MIN_S: i64 = 1;
pub const TIMEOUT_MAX_S: i64 = 900;
pub const EPHEMERAL_MIN_MB: i64 = 512;
pub const EPHEMERAL_MAX_MB: i64 = 10_240;
/// Synchronous invoke request and response payloads (6 MB).
pub const SYNC_PAYLOAD_MAX_BYTES: usize = 6_291_456;
/// Asynchronous invoke request payloads (1 MB; AWS raised it from 256 KB).
pub const ASYNC_PAYLOAD_MAX_BYTES: usize = 1_048_576;
/// The default concurrency of an account.
pub const ACCOUNT_CONCURRENCY: u32 = 1000;
/// Functions listed per page at most.
pub const LIST_PAGE_MAX: usize = 50;
