//! `ecscred._ecscred`: the native half of the `ecscred` Python package.
//!
//! This crate only translates: Python arguments into a [`ecscred::ProviderBuilder`], core
//! [`ecscred::Error`]s into the exception classes of `ecscred/_errors.py`, credentials into
//! immutable Python snapshots, `tracing` events into `logging` records. Every decision
//! about fetching, caching, refreshing and retrying is the core's.
//!
//! The hand-written `ecscred/__init__.py` is the public face; this module is private and
//! its stubs are `ecscred/_ecscred.pyi` (checked against the built module by the tests).

mod chain;
mod credentials;
mod errors;
mod gil;
mod logging;
mod oidc;
mod options;
mod provider;
mod source;
mod status;
mod testing;

use pyo3::prelude::*;

/// Every block the extension module frees is zeroed first, so that no copy of a secret (in the
/// HTTP and JSON libraries' buffers too) outlives its use; see `ecscred::WipingAllocator`.
#[global_allocator]
static ALLOCATOR: ecscred::WipingAllocator = ecscred::WIPING_ALLOCATOR;

#[pymodule]
fn _ecscred(m: &Bound<'_, PyModule>) -> PyResult<()> {
    gil::init(m.py())?;
    logging::install();
    logging::refresh_threshold(m.py());
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<credentials::Credentials>()?;
    m.add_class::<provider::EcsRamRoleCredentialsProvider>()?;
    m.add_class::<oidc::OidcRoleArnCredentialsProvider>()?;
    m.add_class::<chain::DefaultCredentialsProvider>()?;
    m.add_class::<source::SourceInfo>()?;
    m.add_class::<testing::MockSts>()?;
    m.add_class::<status::RefreshStatus>()?;
    m.add_class::<testing::ManualClock>()?;
    m.add_class::<testing::MockServer>()?;
    m.add_class::<testing::MockCredentialsUri>()?;
    m.add_function(wrap_pyfunction!(provider::shared_provider, m)?)?;
    m.add_function(wrap_pyfunction!(logging::flush_logs, m)?)?;
    m.add_function(wrap_pyfunction!(gil::at_exit, m)?)?;
    m.add_function(wrap_pyfunction!(gil::parked_threads, m)?)?;
    m.add_function(wrap_pyfunction!(errors::error_kinds, m)?)?;
    Ok(())
}
