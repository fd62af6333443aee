//! `ecscred_source_options`, `ecscred_provider_new_source` and
//! `ecscred_provider_new_shared`: a provider of the default credential chain, or of one
//! source pinned (environment, profile, credentials URI, ECS, OIDC), and
//! `ecscred_source_kind_str`. The chain's decision is the engine's; this only translates.

use std::ffi::c_char;
use std::time::Duration;

use ecscred_core::{ProviderBuilder, SourceKind};

use crate::boundary::{boundary, opt_str, write_out, Failure};
use crate::log::refuse_in_callback;
use crate::options::{ecscred_choice, ecscred_choice_arg, yes_no};
use crate::provider::ecscred_provider;
use crate::status::ecscred_status;

/// Where a provider gets its credentials: the source an `ecscred_source_options` asks for
/// (`source`), and the one a provider uses (`ecscred_provider_source`). The numbers are
/// stable; new sources may be added.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ecscred_source_kind {
    /// The ECS instance metadata service (the instance's RAM role).
    ECSCRED_SOURCE_ECS = 0,
    /// STS `AssumeRoleWithOIDC` with an OIDC token file (an ACK pod's role with RRSA).
    ECSCRED_SOURCE_OIDC = 1,
    /// An AccessKey in the environment: `ALIBABA_CLOUD_ACCESS_KEY_ID` and
    /// `ALIBABA_CLOUD_ACCESS_KEY_SECRET`, optionally `ALIBABA_CLOUD_SECURITY_TOKEN`.
    ECSCRED_SOURCE_ENV = 2,
    /// A profile of the aliyun CLI's `config.json`, else of the credentials ini file.
    ECSCRED_SOURCE_PROFILE = 3,
    /// A credentials server (`ALIBABA_CLOUD_CREDENTIALS_URI`).
    ECSCRED_SOURCE_URI = 4,
    /// The default credential chain: the first source configured, in the order of the
    /// official SDKs (environment AccessKey, OIDC, aliyun CLI profile, credentials-file
    /// profile, ECS role named by `ALIBABA_CLOUD_ECS_METADATA`, credentials URI, ECS),
    /// decided from the configuration when the provider is built. Only asked for: a
    /// provider reports the source the chain selected.
    ECSCRED_SOURCE_CHAIN = 5,
}

/// Underlying integer of an `ecscred_source_kind` field written by C (any number may be
/// there); it is `ecscred_source_kind` in the header.
pub type ecscred_source_kind_arg = i32;

impl ecscred_source_kind {
    const ALL: [ecscred_source_kind; 6] = {
        use ecscred_source_kind::*;
        [
            ECSCRED_SOURCE_ECS,
            ECSCRED_SOURCE_OIDC,
            ECSCRED_SOURCE_ENV,
            ECSCRED_SOURCE_PROFILE,
            ECSCRED_SOURCE_URI,
            ECSCRED_SOURCE_CHAIN,
        ]
    };

    fn from_arg(value: ecscred_source_kind_arg) -> Option<ecscred_source_kind> {
        Self::ALL.into_iter().find(|k| *k as i32 == value)
    }

    fn to_core(self) -> SourceKind {
        use ecscred_source_kind::*;
        match self {
            ECSCRED_SOURCE_ECS => SourceKind::Ecs,
            ECSCRED_SOURCE_OIDC => SourceKind::Oidc,
            ECSCRED_SOURCE_ENV => SourceKind::Env,
            ECSCRED_SOURCE_PROFILE => SourceKind::Profile,
            ECSCRED_SOURCE_URI => SourceKind::Uri,
            ECSCRED_SOURCE_CHAIN => SourceKind::Chain,
        }
    }

    /// The kind of the engine's `kind` (`ECSCRED_SOURCE_CHAIN` for one added to the engine
    /// after this binding: never a source a provider reports today).
    pub(crate) fn from_core(kind: SourceKind) -> ecscred_source_kind {
        Self::ALL
            .into_iter()
            .find(|k| k.to_core() == kind)
            .unwrap_or(ecscred_source_kind::ECSCRED_SOURCE_CHAIN)
    }
}

/// The short, stable name of a source kind: `"ecs"`, `"oidc"`, `"env"`, `"profile"`,
/// `"uri"` or `"chain"` (the names the `ecscred` command and the other bindings use), and
/// `"unknown source"` for a number that is not a kind. A static string: never NULL, never
/// freed. Thread-safe.
#[no_mangle]
pub extern "C" fn ecscred_source_kind_str(kind: ecscred_source_kind_arg) -> *const c_char {
    use ecscred_source_kind::*;
    match ecscred_source_kind::from_arg(kind) {
        Some(ECSCRED_SOURCE_ECS) => c"ecs".as_ptr(),
        Some(ECSCRED_SOURCE_OIDC) => c"oidc".as_ptr(),
        Some(ECSCRED_SOURCE_ENV) => c"env".as_ptr(),
        Some(ECSCRED_SOURCE_PROFILE) => c"profile".as_ptr(),
        Some(ECSCRED_SOURCE_URI) => c"uri".as_ptr(),
        Some(ECSCRED_SOURCE_CHAIN) => c"chain".as_ptr(),
        None => c"unknown source".as_ptr(),
    }
}

/// How to build a provider of the default credential chain or of one source
/// (`ecscred_provider_new_source`, `ecscred_provider_new_shared`). Options set here win
/// over the environment; every string left NULL and every number left 0 falls back to its
/// environment variable or default. Each option applies to whichever source is used: the
/// metadata-service ones to ECS (also when a profile names an ECS role), the STS ones to
/// OIDC and to profiles that assume a role.
///
/// Always prepare one with `ecscred_source_options_init` (the default chain, everything
/// from the environment), then set the fields you need:
///
/// ```c
/// ecscred_source_options opts;
/// ecscred_source_options_init(&opts);
/// opts.profile = "project-a";          // else ALIBABA_CLOUD_PROFILE, else the current one
/// ```
///
/// The strings are read (and copied) by the call they are passed to only.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ecscred_source_options {
    /// `sizeof(ecscred_source_options)`, set by `ecscred_source_options_init`. Do not
    /// change it.
    pub struct_size: usize,
    /// `ECSCRED_SOURCE_CHAIN` (what `ecscred_source_options_init` sets): the chain decides.
    /// Another kind pins that source: the provider uses it or fails to build, naming what
    /// is missing.
    pub source: ecscred_source_kind_arg,
    /// Profile sources: the profile to use. NULL: `ALIBABA_CLOUD_PROFILE`, else the
    /// `current` profile of the aliyun CLI's `config.json`, else the credentials file's
    /// `default`.
    pub profile: *const c_char,
    /// Profile sources: the aliyun CLI's configuration file. NULL:
    /// `ALIBABA_CLOUD_CONFIG_FILE`, else `~/.aliyun/config.json`.
    pub config_file: *const c_char,
    /// Profile sources: the credentials ini file. NULL: `ALIBABA_CLOUD_CREDENTIALS_FILE`,
    /// else `~/.alibabacloud/credentials.ini`, else `~/.alibabacloud/credentials`.
    pub credentials_file: *const c_char,
    /// The credentials URI source: the URL to GET (`https://`, or `http://` to a loopback
    /// address). NULL: `ALIBABA_CLOUD_CREDENTIALS_URI`.
    pub credentials_uri: *const c_char,
    /// ECS: base URL of the metadata service. NULL:
    /// `ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT`, else `http://100.100.100.200`.
    pub endpoint: *const c_char,
    /// ECS: the RAM role. NULL: `ALIBABA_CLOUD_ECS_METADATA`, else discovered. For the
    /// chain, a role set here (like the variable) selects ECS before the credentials URI.
    pub role_name: *const c_char,
    /// ECS: TTL asked for the hardened-mode metadata token, in seconds (1 to 21600). 0:
    /// the default (21600).
    pub token_ttl_seconds: u32,
    /// ECS: `ECSCRED_YES`: hardened mode (metadata token) only. `ECSCRED_FROM_ENV`:
    /// `ALIBABA_CLOUD_IMDSV1_DISABLED`.
    pub disable_imds_v1: ecscred_choice_arg,
    /// ECS: `ECSCRED_YES`: never contact the metadata service (for the chain: ECS is not a
    /// fallback). `ECSCRED_FROM_ENV`: `ALIBABA_CLOUD_ECS_METADATA_DISABLED`.
    pub disabled: ecscred_choice_arg,
    /// OIDC: the role to assume. NULL: `ALIBABA_CLOUD_ROLE_ARN`.
    pub role_arn: *const c_char,
    /// OIDC: the OIDC identity provider. NULL: `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`.
    pub oidc_provider_arn: *const c_char,
    /// OIDC: the file holding the OIDC token. NULL: `ALIBABA_CLOUD_OIDC_TOKEN_FILE`.
    pub oidc_token_file: *const c_char,
    /// STS: the role session name. NULL: `ALIBABA_CLOUD_ROLE_SESSION_NAME`, else
    /// generated.
    pub role_session_name: *const c_char,
    /// STS: a policy (JSON) further restricting the role. NULL: none.
    pub policy: *const c_char,
    /// STS endpoint, `host[:port]` or an `https://` URL (`http://` only to loopback).
    /// NULL: `ALIBABA_CLOUD_STS_ENDPOINT`, else `ALIBABA_CLOUD_STS_REGION`'s, else
    /// `sts.aliyuncs.com`.
    pub sts_endpoint: *const c_char,
    /// STS: PEM text of certificates trusted besides the system's roots. NULL: none.
    pub sts_extra_root_pem: *const c_char,
    /// STS: credential lifetime asked for, 900 to 43200 seconds. 0: the default (3600).
    pub duration_seconds: u32,
    /// Time allowed to connect, in milliseconds (1 to 3600000). 0: the default (1000).
    pub connect_timeout_ms: u32,
    /// Time allowed between reads of one response, in milliseconds (1 to 3600000). 0: the
    /// default (1000).
    pub read_timeout_ms: u32,
    /// Deadline of one whole fetch, in milliseconds (1 to 3600000): the longest a call
    /// can wait. 0: the default (5000).
    pub fetch_timeout_ms: u32,
}

impl Default for ecscred_source_options {
    fn default() -> Self {
        let null = std::ptr::null();
        ecscred_source_options {
            struct_size: std::mem::size_of::<ecscred_source_options>(),
            source: ecscred_source_kind::ECSCRED_SOURCE_CHAIN as i32,
            profile: null,
            config_file: null,
            credentials_file: null,
            credentials_uri: null,
            endpoint: null,
            role_name: null,
            token_ttl_seconds: 0,
            disable_imds_v1: ecscred_choice::ECSCRED_FROM_ENV as i32,
            disabled: ecscred_choice::ECSCRED_FROM_ENV as i32,
            role_arn: null,
            oidc_provider_arn: null,
            oidc_token_file: null,
            role_session_name: null,
            policy: null,
            sts_endpoint: null,
            sts_extra_root_pem: null,
            duration_seconds: 0,
            connect_timeout_ms: 0,
            read_timeout_ms: 0,
            fetch_timeout_ms: 0,
        }
    }
}

/// Sets every field of `*options` to its default (`source` `ECSCRED_SOURCE_CHAIN`, NULL
/// strings and yes/no fields `ECSCRED_FROM_ENV`: from the environment; 0: default numbers)
/// and `struct_size`. Does nothing if `options` is NULL. Thread-safe.
///
/// # Safety
///
/// `options` is NULL or points to writable memory for an `ecscred_source_options`.
#[no_mangle]
pub unsafe extern "C" fn ecscred_source_options_init(options: *mut ecscred_source_options) {
    crate::boundary::guarded((), || {
        if !options.is_null() {
            // SAFETY: non-NULL and writable, as the caller guarantees.
            unsafe { options.write(ecscred_source_options::default()) }
        }
    })
}

impl ecscred_source_options {
    /// The engine's builder for these options (`options` NULL: the chain, all from the
    /// environment).
    ///
    /// # Safety
    ///
    /// `options` is NULL or points to an `ecscred_source_options` whose strings are NULL
    /// or NUL-terminated.
    unsafe fn to_builder(
        options: *const ecscred_source_options,
        function: &str,
    ) -> Result<ProviderBuilder, Failure> {
        let builder = ProviderBuilder::default();
        // SAFETY: as the caller guarantees.
        let Some(o) = (unsafe { options.as_ref() }) else {
            return Ok(builder.source(SourceKind::Chain));
        };
        if o.struct_size != std::mem::size_of::<ecscred_source_options>() {
            return Err(Failure::new(
                ecscred_status::ECSCRED_INVALID_ARGUMENT,
                format!(
                    "{function}: options.struct_size is {} instead of {}: prepare the \
                     options with ecscred_source_options_init (from the header of this \
                     version)",
                    o.struct_size,
                    std::mem::size_of::<ecscred_source_options>()
                ),
            ));
        }
        let Some(kind) = ecscred_source_kind::from_arg(o.source) else {
            return Err(Failure::new(
                ecscred_status::ECSCRED_INVALID_ARGUMENT,
                format!(
                    "{function}: options.source is {}; use one of ECSCRED_SOURCE_CHAIN (5), \
                     ECSCRED_SOURCE_ENV (2), ECSCRED_SOURCE_PROFILE (3), ECSCRED_SOURCE_URI \
                     (4), ECSCRED_SOURCE_ECS (0), ECSCRED_SOURCE_OIDC (1)",
                    o.source
                ),
            ));
        };
        let mut b = builder.source(kind.to_core());
        let text = |what: &str, ptr: *const c_char| {
            // SAFETY: NULL or NUL-terminated, as the caller guarantees; copied by the
            // builder before this call returns.
            unsafe { opt_str(function, what, ptr) }
        };
        if let Some(v) = text("options.profile", o.profile)? {
            b = b.profile(v);
        }
        if let Some(v) = text("options.config_file", o.config_file)? {
            b = b.config_file(v);
        }
        if let Some(v) = text("options.credentials_file", o.credentials_file)? {
            b = b.credentials_file(v);
        }
        if let Some(v) = text("options.credentials_uri", o.credentials_uri)? {
            b = b.credentials_uri(v);
        }
        if let Some(v) = text("options.endpoint", o.endpoint)? {
            b = b.endpoint(v);
        }
        if let Some(v) = text("options.role_name", o.role_name)? {
            b = b.role_name(v);
        }
        if o.token_ttl_seconds != 0 {
            b = b.token_ttl(Duration::from_secs(u64::from(o.token_ttl_seconds)));
        }
        if let Some(v) = yes_no(function, "options.disable_imds_v1", o.disable_imds_v1)? {
            b = b.disable_imds_v1(v);
        }
        if let Some(v) = yes_no(function, "options.disabled", o.disabled)? {
            b = b.disabled(v);
        }
        if let Some(v) = text("options.role_arn", o.role_arn)? {
            b = b.role_arn(v);
        }
        if let Some(v) = text("options.oidc_provider_arn", o.oidc_provider_arn)? {
            b = b.oidc_provider_arn(v);
        }
        if let Some(v) = text("options.oidc_token_file", o.oidc_token_file)? {
            b = b.oidc_token_file(v);
        }
        if let Some(v) = text("options.role_session_name", o.role_session_name)? {
            b = b.role_session_name(v);
        }
        if let Some(v) = text("options.policy", o.policy)? {
            b = b.policy(v);
        }
        if let Some(v) = text("options.sts_endpoint", o.sts_endpoint)? {
            b = b.sts_endpoint(v);
        }
        if let Some(v) = text("options.sts_extra_root_pem", o.sts_extra_root_pem)? {
            b = b.sts_extra_root_pem(v.as_bytes());
        }
        if o.duration_seconds != 0 {
            b = b.duration(Duration::from_secs(u64::from(o.duration_seconds)));
        }
        let ms = |v: u32| Duration::from_millis(u64::from(v));
        if o.connect_timeout_ms != 0 {
            b = b.connect_timeout(ms(o.connect_timeout_ms));
        }
        if o.read_timeout_ms != 0 {
            b = b.read_timeout(ms(o.read_timeout_ms));
        }
        if o.fetch_timeout_ms != 0 {
            b = b.fetch_timeout(ms(o.fetch_timeout_ms));
        }
        Ok(b)
    }
}

/// Creates a provider of the default credential chain, or of the one source pinned by
/// `options->source`, with its own cache. `options` NULL: the chain, everything from the
/// environment. Reads the variables and the profile files now and decides: sends nothing
/// and starts no thread (the first fetch happens on first use). A source that is
/// configured but broken (a half-set AccessKey pair, a profile file that does not parse, a
/// profile without its fields) is `ECSCRED_INVALID_CONFIG` naming the variable, file or
/// profile (never a value from it): the chain never skips it for the next source.
///
/// ```c
/// ecscred_provider *p;
/// if (ecscred_provider_new_source(NULL, &p) != ECSCRED_OK) {
///     fprintf(stderr, "%s\n", ecscred_last_error_message());
///     return 1;
/// }
/// printf("credentials from %s\n", ecscred_provider_name(p));   // e.g. "default/env"
/// ```
///
/// The handle is an ordinary `ecscred_provider` (`ecscred_provider_get_credential`,
/// `_until`, `ecscred_provider_free`, the source accessors), with the same contracts. A
/// long-term AccessKey (environment, `AK` profile) is handed out as a credential without
/// SecurityToken that never expires (see `ecscred_credential_has_security_token`).
///
/// On success `*out` receives the new handle, owned by the caller; on failure `*out` is
/// left untouched. Errors: `ECSCRED_NULL_ARGUMENT` (`out` NULL), `ECSCRED_INVALID_ARGUMENT`
/// (`options` not prepared by `ecscred_source_options_init`, `source` or a yes/no field out
/// of range, or called from inside the log callback), `ECSCRED_INVALID_UTF8`,
/// `ECSCRED_INVALID_CONFIG` (nothing configured for a pinned source, a broken
/// configuration, an option out of range). Thread-safe.
///
/// # Safety
///
/// `options` is NULL or points to an `ecscred_source_options` whose strings are NULL or
/// NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ecscred_provider_new_source(
    options: *const ecscred_source_options,
    out: *mut *mut ecscred_provider,
) -> ecscred_status {
    const F: &str = "ecscred_provider_new_source";
    // SAFETY: as the caller guarantees.
    unsafe { new_provider(F, options, out, ProviderBuilder::build) }
}

/// `ecscred_provider_new_source`, but the provider ecscred keeps for the whole process for
/// this configuration (as resolved from `options`, the variables and the profile files):
/// every handle created with the same resolved configuration shares one cache and one
/// refresh, so creating a handle per request (or per SDK client) costs no fetch. Freeing a
/// handle frees the handle only; the provider stays for the life of the process. Same
/// arguments, errors and thread-safety.
///
/// # Safety
///
/// As for `ecscred_provider_new_source`.
#[no_mangle]
pub unsafe extern "C" fn ecscred_provider_new_shared(
    options: *const ecscred_source_options,
    out: *mut *mut ecscred_provider,
) -> ecscred_status {
    const F: &str = "ecscred_provider_new_shared";
    // SAFETY: as the caller guarantees.
    unsafe { new_provider(F, options, out, ProviderBuilder::build_shared) }
}

/// # Safety
///
/// As for `ecscred_provider_new_source`.
unsafe fn new_provider(
    function: &str,
    options: *const ecscred_source_options,
    out: *mut *mut ecscred_provider,
    build: fn(ProviderBuilder) -> ecscred_core::Result<ecscred_core::Provider>,
) -> ecscred_status {
    boundary(function, || {
        refuse_in_callback(function)?;
        if out.is_null() {
            return Err(Failure::null(function, "out"));
        }
        // SAFETY: as the caller guarantees.
        let builder = unsafe { ecscred_source_options::to_builder(options, function)? };
        let handle = ecscred_provider::boxed(build(builder)?);
        // SAFETY: checked non-NULL above; writable as the caller guarantees.
        unsafe { write_out(out, Box::into_raw(handle)) };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn kinds_match_the_engine_names() {
        for kind in ecscred_source_kind::ALL {
            // SAFETY: a static string.
            let name = unsafe { CStr::from_ptr(ecscred_source_kind_str(kind as i32)) };
            assert_eq!(name.to_str().unwrap(), kind.to_core().as_str());
            assert_eq!(ecscred_source_kind::from_core(kind.to_core()), kind);
        }
        // SAFETY: a static string.
        let unknown = unsafe { CStr::from_ptr(ecscred_source_kind_str(6)) };
        assert_eq!(unknown.to_str().unwrap(), "unknown source");
    }
}
