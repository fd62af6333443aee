//! `ecscred_oidc_options` and `ecscred_provider_new_oidc`: a provider of the OIDC source
//! (an ACK pod's role with RRSA, through STS `AssumeRoleWithOIDC`).

use std::ffi::c_char;
use std::time::Duration;

use ecscred_core::{ProviderBuilder, SourceKind};

use crate::boundary::{boundary, guarded, opt_str, write_out, Failure};
use crate::log::refuse_in_callback;
use crate::provider::ecscred_provider;
use crate::status::ecscred_status;

/// How to build an OIDC provider (`ecscred_provider_new_oidc`). Options set here win over
/// the environment; every string left NULL falls back to its environment variable.
///
/// Always prepare one with `ecscred_oidc_options_init`, then set the fields you need:
///
/// ```c
/// ecscred_oidc_options opts;
/// ecscred_oidc_options_init(&opts);
/// opts.role_arn = "acs:ram::123456789012:role/my-pod-role";   // else ALIBABA_CLOUD_ROLE_ARN
/// ```
///
/// The strings are read (and copied) by `ecscred_provider_new_oidc` only.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ecscred_oidc_options {
    /// `sizeof(ecscred_oidc_options)`, set by `ecscred_oidc_options_init`. Do not change it.
    pub struct_size: usize,
    /// The role to assume. NULL: `ALIBABA_CLOUD_ROLE_ARN`.
    pub role_arn: *const c_char,
    /// The OIDC identity provider. NULL: `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`.
    pub oidc_provider_arn: *const c_char,
    /// The file holding the OIDC token, read again at every fetch. NULL:
    /// `ALIBABA_CLOUD_OIDC_TOKEN_FILE`.
    pub oidc_token_file: *const c_char,
    /// The role session name. NULL: `ALIBABA_CLOUD_ROLE_SESSION_NAME`, else generated.
    pub role_session_name: *const c_char,
    /// A policy (JSON) further restricting the role. NULL: none.
    pub policy: *const c_char,
    /// STS endpoint, `host[:port]` or an `https://` URL (`http://` only to loopback). NULL:
    /// `ALIBABA_CLOUD_STS_ENDPOINT`, else `ALIBABA_CLOUD_STS_REGION`'s, else
    /// `sts.aliyuncs.com`.
    pub sts_endpoint: *const c_char,
    /// PEM text of certificates trusted for STS besides the system's roots (a test STS's
    /// CA). NULL: none.
    pub sts_extra_root_pem: *const c_char,
    /// Credential lifetime asked of STS, 900 to 43200 seconds. 0: the default (3600).
    pub duration_seconds: u32,
    /// Time allowed to connect, in milliseconds. 0: the default (1000).
    pub connect_timeout_ms: u32,
    /// Time allowed between reads of one response, in milliseconds. 0: the default (1000).
    pub read_timeout_ms: u32,
    /// Deadline of one whole fetch (token file, STS call, retries), in milliseconds: the
    /// longest a call can wait. 0: the default (5000).
    pub fetch_timeout_ms: u32,
}

impl Default for ecscred_oidc_options {
    fn default() -> Self {
        ecscred_oidc_options {
            struct_size: std::mem::size_of::<ecscred_oidc_options>(),
            role_arn: std::ptr::null(),
            oidc_provider_arn: std::ptr::null(),
            oidc_token_file: std::ptr::null(),
            role_session_name: std::ptr::null(),
            policy: std::ptr::null(),
            sts_endpoint: std::ptr::null(),
            sts_extra_root_pem: std::ptr::null(),
            duration_seconds: 0,
            connect_timeout_ms: 0,
            read_timeout_ms: 0,
            fetch_timeout_ms: 0,
        }
    }
}

/// Sets every field of `*options` to its default (NULL strings: from the environment; 0:
/// default numbers) and `struct_size`. Does nothing if `options` is NULL. Thread-safe.
///
/// # Safety
///
/// `options` is NULL or points to writable memory for an `ecscred_oidc_options`.
#[no_mangle]
pub unsafe extern "C" fn ecscred_oidc_options_init(options: *mut ecscred_oidc_options) {
    guarded((), || {
        if !options.is_null() {
            // SAFETY: non-NULL and writable, as the caller guarantees.
            unsafe { options.write(ecscred_oidc_options::default()) }
        }
    })
}

impl ecscred_oidc_options {
    /// # Safety
    ///
    /// `options` is NULL or points to an `ecscred_oidc_options` whose strings are NULL or
    /// NUL-terminated.
    unsafe fn to_builder(
        options: *const ecscred_oidc_options,
        function: &str,
    ) -> Result<ProviderBuilder, Failure> {
        let mut builder = ProviderBuilder::default().source(SourceKind::Oidc);
        // SAFETY: as the caller guarantees.
        let Some(o) = (unsafe { options.as_ref() }) else {
            return Ok(builder);
        };
        if o.struct_size != std::mem::size_of::<ecscred_oidc_options>() {
            return Err(Failure::new(
                ecscred_status::ECSCRED_INVALID_ARGUMENT,
                format!(
                    "{function}: options.struct_size is {} instead of {}: prepare the \
                     options with ecscred_oidc_options_init (from the header of this version)",
                    o.struct_size,
                    std::mem::size_of::<ecscred_oidc_options>()
                ),
            ));
        }
        let text = |what: &str, ptr: *const c_char| {
            // SAFETY: NULL or NUL-terminated, as the caller guarantees; copied by the
            // builder before this call returns.
            unsafe { opt_str(function, what, ptr) }
        };
        if let Some(v) = text("options.role_arn", o.role_arn)? {
            builder = builder.role_arn(v);
        }
        if let Some(v) = text("options.oidc_provider_arn", o.oidc_provider_arn)? {
            builder = builder.oidc_provider_arn(v);
        }
        if let Some(v) = text("options.oidc_token_file", o.oidc_token_file)? {
            builder = builder.oidc_token_file(v);
        }
        if let Some(v) = text("options.role_session_name", o.role_session_name)? {
            builder = builder.role_session_name(v);
        }
        if let Some(v) = text("options.policy", o.policy)? {
            builder = builder.policy(v);
        }
        if let Some(v) = text("options.sts_endpoint", o.sts_endpoint)? {
            builder = builder.sts_endpoint(v);
        }
        if let Some(v) = text("options.sts_extra_root_pem", o.sts_extra_root_pem)? {
            builder = builder.sts_extra_root_pem(v.as_bytes());
        }
        if o.duration_seconds != 0 {
            builder = builder.duration(Duration::from_secs(u64::from(o.duration_seconds)));
        }
        let ms = |v: u32| Duration::from_millis(u64::from(v));
        if o.connect_timeout_ms != 0 {
            builder = builder.connect_timeout(ms(o.connect_timeout_ms));
        }
        if o.read_timeout_ms != 0 {
            builder = builder.read_timeout(ms(o.read_timeout_ms));
        }
        if o.fetch_timeout_ms != 0 {
            builder = builder.fetch_timeout(ms(o.fetch_timeout_ms));
        }
        Ok(builder)
    }
}

/// Creates a provider of the OIDC source: the role of an ACK pod with RRSA, whose OIDC
/// token STS (`AssumeRoleWithOIDC`, over verified TLS) exchanges for a credential. It never
/// contacts the metadata service. `options` NULL: everything from the environment
/// (`ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`,
/// `ALIBABA_CLOUD_OIDC_TOKEN_FILE`, …). Checks the configuration now; sends nothing and
/// reads no token yet.
///
/// The handle is an ordinary `ecscred_provider`: `ecscred_provider_get_credential`,
/// `ecscred_provider_get_credential_until`, `ecscred_provider_endpoint` (the STS URL) and
/// `ecscred_provider_free` work on it, with the same contracts. Its credential errors are
/// the same status numbers: a missing, empty or unreadable token file is
/// `ECSCRED_INVALID_CONFIG` (naming the path), an STS refusal `ECSCRED_HTTP_STATUS` naming
/// STS's code (`ECSCRED_ROLE_NOT_FOUND` for `EntityNotExist.Role`), never the token.
///
/// On success `*out` receives the new handle, owned by the caller; on failure `*out` is
/// left untouched. Errors: `ECSCRED_NULL_ARGUMENT` (`out` NULL), `ECSCRED_INVALID_ARGUMENT`
/// (`options` not prepared by `ecscred_oidc_options_init`, or called from inside the log
/// callback), `ECSCRED_INVALID_UTF8`, `ECSCRED_INVALID_CONFIG` (a required value missing,
/// duration out of range, plain http to a non-loopback STS, bad PEM). Thread-safe.
///
/// # Safety
///
/// `options` is NULL or points to an `ecscred_oidc_options` whose strings are NULL or
/// NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ecscred_provider_new_oidc(
    options: *const ecscred_oidc_options,
    out: *mut *mut ecscred_provider,
) -> ecscred_status {
    const F: &str = "ecscred_provider_new_oidc";
    boundary(F, || {
        refuse_in_callback(F)?;
        if out.is_null() {
            return Err(Failure::null(F, "out"));
        }
        // SAFETY: as the caller guarantees.
        let builder = unsafe { ecscred_oidc_options::to_builder(options, F)? };
        let handle = ecscred_provider::boxed(builder.build()?);
        // SAFETY: checked non-NULL above; writable as the caller guarantees.
        unsafe { write_out(out, Box::into_raw(handle)) };
        Ok(())
    })
}
