//! Packages given as S3 objects (`S3Bucket` and `S3Key`): read from
//! lambdalite's own S3 through [`CodeObjects`], which the binary wires
//! to it, and stored like an inline zip.

use std::path::PathBuf;

use lambdalite_model::config::CodeRef;
use lambdalite_model::validate::CodeSource;
use lambdalite_model::LambdaError;

use crate::error::ApiError;
use crate::AppState;

/// Why an object could not be read: S3's error code and message.
#[derive(Debug, Clone)]
pub struct ObjectError {
    pub code: String,
    pub message: String,
}

/// Objects a package may come from.
pub trait CodeObjects: Send + Sync {
    /// The files holding the object's bytes, in order; they stay until
    /// [`CodeObjects::release`].
    fn lease(&self, bucket: &str, key: &str) -> Result<Vec<PathBuf>, ObjectError>;
    fn release(&self, files: &[PathBuf]);
}

/// Stores a package from wherever the request said it is. Blocks.
pub(crate) fn store(st: &AppState, source: &CodeSource) -> Result<CodeRef, ApiError> {
    match source {
        CodeSource::Zip(zip) => Ok(st.code.put(zip)?),
        CodeSource::S3 { bucket, key } => {
            let objects = st.code_objects.get().ok_or_else(|| {
                ApiError(LambdaError::InvalidParameterValue(
                    "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error \
                     Message: The specified bucket does not exist"
                        .into(),
                ))
            })?;
            let files = objects.lease(bucket, key).map_err(|e| {
                ApiError(LambdaError::InvalidParameterValue(format!(
                    "Error occurred while GetObject. S3 Error Code: {}. S3 Error Message: {}",
                    e.code, e.message
                )))
            })?;
            let size: u64 = files
                .iter()
                .filter_map(|f| std::fs::metadata(f).ok())
                .map(|m| m.len())
                .sum();
            let stored = if size > lambdalite_model::limits::UNZIPPED_MAX_BYTES {
                Err(ApiError(LambdaError::InvalidParameterValue(format!(
                    "Unzipped size must be smaller than {} bytes",
                    lambdalite_model::limits::UNZIPPED_MAX_BYTES
                ))))
            } else {
                st.code.put_files(&files).map_err(ApiError::from)
            };
            objects.release(&files);
            stored
        }
    }
}
