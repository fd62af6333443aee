//! `ecscred_options`: the C form of the engine's `ProviderBuilder`.

use std::ffi::c_char;
use std::time::Duration;

use ecscred_core::ProviderBuilder;

use crate::boundary::{guarded, opt_str, Failure};
use crate::status::ecscred_status;

/// The value of a yes/no field of `ecscred_options`.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ecscred_choice {
    /// Decide from the environment variable (what `ecscred_options_init` sets).
    ECSCRED_FROM_ENV = -1,
    /// No.
    ECSCRED_NO = 0,
    /// Yes.
    ECSCRED_YES = 1,
}

/// Underlying integer of an `ecscred_choice` field written by C (any number may be
/// there); it is `ecscred_choice` in the header.
pub type ecscred_choice_arg = i32;

/// How to build an `ecscred_provider`. Options set here win over the environment.
///
/// Always prepare one with `ecscred_options_init` (which records the struct's size, so
/// that later versions can add fields without breaking programs built against this
/// header), then set the fields you need:
///
/// ```c
/// ecscred_options opts;
/// ecscred_options_init(&opts);
/// opts.endpoint = "http://127.0.0.1:8080";
/// opts.role_name = "EcsRamRoleTest";
/// ```
///
/// The strings are read (and copied) by `ecscred_provider_new` only; they need not
/// outlive that call.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ecscred_options {
    /// `sizeof(ecscred_options)`, set by `ecscred_options_init`. Do not change it.
    pub struct_size: usize,
    /// Base URL of the metadata service, e.g. `"http://127.0.0.1:8080"`. NULL: the
    /// environment variable `ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT`, else
    /// `http://100.100.100.200`.
    pub endpoint: *const c_char,
    /// The RAM role. NULL: `ALIBABA_CLOUD_ECS_METADATA`, else discovered from the
    /// metadata service.
    pub role_name: *const c_char,
    /// Time allowed to connect, in milliseconds (1 to 3600000). 0: the default (1000).
    pub connect_timeout_ms: u32,
    /// Time allowed between reads of one response, in milliseconds (1 to 3600000). 0: the
    /// default (1000).
    pub read_timeout_ms: u32,
    /// Deadline of one whole fetch (token, discovery, credential, retries), in
    /// milliseconds (1 to 3600000): the longest a call can wait. 0: the default (5000).
    pub fetch_timeout_ms: u32,
    /// TTL asked for the hardened-mode metadata token, in seconds (1 to 21600). 0: the
    /// default (21600).
    pub token_ttl_seconds: u32,
    /// `ECSCRED_YES`: hardened mode (metadata token) only, never plain requests.
    /// `ECSCRED_FROM_ENV`: the boolean variable `ALIBABA_CLOUD_IMDSV1_DISABLED` (true, 1,
    /// yes, on / false, 0, no, off, any case; another value is `ECSCRED_INVALID_CONFIG`).
    pub disable_imds_v1: ecscred_choice_arg,
    /// `ECSCRED_YES`: never contact the metadata service; every call fails with
    /// `ECSCRED_DISABLED`. `ECSCRED_FROM_ENV`: the boolean variable
    /// `ALIBABA_CLOUD_ECS_METADATA_DISABLED`, read like `ALIBABA_CLOUD_IMDSV1_DISABLED`.
    pub disabled: ecscred_choice_arg,
}

impl Default for ecscred_options {
    fn default() -> Self {
        ecscred_options {
            struct_size: std::mem::size_of::<ecscred_options>(),
            endpoint: std::ptr::null(),
            role_name: std::ptr::null(),
            connect_timeout_ms: 0,
            read_timeout_ms: 0,
            fetch_timeout_ms: 0,
            token_ttl_seconds: 0,
            disable_imds_v1: ecscred_choice::ECSCRED_FROM_ENV as i32,
            disabled: ecscred_choice::ECSCRED_FROM_ENV as i32,
        }
    }
}

/// Sets every field of `*options` to its default: no endpoint, no role (both from the
/// environment), default timeouts, yes/no fields `ECSCRED_FROM_ENV`, and `struct_size`.
/// Does nothing if `options` is NULL. The caller owns the struct. Thread-safe.
///
/// # Safety
///
/// `options` is NULL or points to writable memory for an `ecscred_options`.
#[no_mangle]
pub unsafe extern "C" fn ecscred_options_init(options: *mut ecscred_options) {
    guarded((), || {
        if !options.is_null() {
            // SAFETY: non-NULL and writable, as the caller guarantees.
            unsafe { options.write(ecscred_options::default()) }
        }
    })
}

impl ecscred_options {
    /// The engine's builder for these options (`None`: all defaults).
    ///
    /// # Safety
    ///
    /// `options` is NULL or points to an `ecscred_options` whose strings are NULL or
    /// NUL-terminated.
    pub(crate) unsafe fn to_builder(
        options: *const ecscred_options,
        function: &str,
    ) -> Result<ProviderBuilder, Failure> {
        let mut builder = ProviderBuilder::default();
        // SAFETY: as the caller guarantees.
        let Some(o) = (unsafe { options.as_ref() }) else {
            return Ok(builder);
        };
        if o.struct_size != std::mem::size_of::<ecscred_options>() {
            return Err(Failure::new(
                ecscred_status::ECSCRED_INVALID_ARGUMENT,
                format!(
                    "{function}: options.struct_size is {} instead of {}: prepare the \
                     options with ecscred_options_init (from the header of this version)",
                    o.struct_size,
                    std::mem::size_of::<ecscred_options>()
                ),
            ));
        }
        // SAFETY: the strings are NULL or NUL-terminated, as the caller guarantees, and
        // are copied by the builder before this call returns.
        if let Some(endpoint) = unsafe { opt_str(function, "options.endpoint", o.endpoint)? } {
            builder = builder.endpoint(endpoint);
        }
        // SAFETY: as above.
        if let Some(role) = unsafe { opt_str(function, "options.role_name", o.role_name)? } {
            builder = builder.role_name(role);
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
        if o.token_ttl_seconds != 0 {
            builder = builder.token_ttl(Duration::from_secs(u64::from(o.token_ttl_seconds)));
        }
        if let Some(v) = yes_no(function, "options.disable_imds_v1", o.disable_imds_v1)? {
            builder = builder.disable_imds_v1(v);
        }
        if let Some(v) = yes_no(function, "options.disabled", o.disabled)? {
            builder = builder.disabled(v);
        }
        Ok(builder)
    }
}

pub(crate) fn yes_no(
    function: &str,
    what: &str,
    value: ecscred_choice_arg,
) -> Result<Option<bool>, Failure> {
    use ecscred_choice::*;
    match value {
        v if v == ECSCRED_FROM_ENV as i32 => Ok(None),
        v if v == ECSCRED_NO as i32 => Ok(Some(false)),
        v if v == ECSCRED_YES as i32 => Ok(Some(true)),
        other => Err(Failure::new(
            ecscred_status::ECSCRED_INVALID_ARGUMENT,
            format!(
                "{function}: {what} is {other}; use ECSCRED_YES (1), ECSCRED_NO (0) or \
                 ECSCRED_FROM_ENV (-1)"
            ),
        )),
    }
}
