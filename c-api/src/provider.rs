//! `ecscred_provider` (one cache per handle) and `ecscred_get_credential` (the engine's
//! process-wide provider per role).

use std::ffi::{c_char, CStr, CString};
use std::os::unix::ffi::OsStrExt;
use std::sync::atomic::{AtomicU64, Ordering};

use ecscred_core::Provider;

use crate::boundary::{boundary, guarded, write_out, Failure};
use crate::credential::ecscred_credential;
use crate::log::refuse_in_callback;
use crate::options::ecscred_options;
use crate::source::ecscred_source_kind;
use crate::status::ecscred_status;
use crate::thread_cache::{self, Source};

/// Gets, caches and refreshes the credential of one source (the ECS RAM role, an OIDC
/// role, the default chain's choice, ...), with its own cache and configuration. Opaque.
///
/// Created by `ecscred_provider_new` (ECS), `ecscred_provider_new_oidc`,
/// `ecscred_provider_new_source` or `ecscred_provider_new_shared`, released by
/// `ecscred_provider_free`; owned by the caller. Thread-safe: one handle may be used from any number of threads at once. Build
/// one per role and keep it (each has its own cache); or use `ecscred_get_credential`,
/// which keeps one per role for the whole process.
pub struct ecscred_provider {
    pub(crate) provider: Provider,
    endpoint: CString,
    /// The source's texts for the accessors (no secret).
    name: CString,
    selected_by: CString,
    file: CString,
    profile: CString,
    /// Unique in the process (never reused): keys the per-thread caches.
    pub(crate) id: u64,
}

static NEXT_PROVIDER_ID: AtomicU64 = AtomicU64::new(1);

impl ecscred_provider {
    /// A handle for `provider`, with a new id.
    pub(crate) fn boxed(provider: Provider) -> Box<ecscred_provider> {
        // The endpoint is a URL that the engine has validated: it has no NUL.
        let endpoint = CString::new(provider.endpoint()).unwrap_or_default();
        let info = provider.source_info();
        // Names of variables, files and profiles: a NUL cannot be in any of them (the
        // environment, paths and profile files cannot hold one); "" if it were.
        let text = |s: String| CString::new(s).unwrap_or_default();
        let name = text(info.provider_name());
        let selected_by = text(info.selected_by.clone());
        let file = info
            .file
            .as_ref()
            .map(|f| CString::new(f.as_os_str().as_bytes()).unwrap_or_default())
            .unwrap_or_default();
        let profile = text(info.profile.clone().unwrap_or_default());
        let id = NEXT_PROVIDER_ID.fetch_add(1, Ordering::Relaxed);
        Box::new(ecscred_provider {
            provider,
            endpoint,
            name,
            selected_by,
            file,
            profile,
            id,
        })
    }
}

/// The source of `ecscred_get_credential(role_name)`.
pub(crate) fn shared_source<'a>(role_name: *const c_char) -> Source<'a> {
    if role_name.is_null() {
        Source::Default
    } else {
        Source::Named(role_name)
    }
}

/// The credential of the RAM role `role_name`, from a provider that ecscred keeps for the
/// whole process (one per role name) and configures from the environment when first used:
/// `ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT`, `ALIBABA_CLOUD_IMDSV1_DISABLED`,
/// `ALIBABA_CLOUD_ECS_METADATA_DISABLED`. `role_name` NULL: the role from
/// `ALIBABA_CLOUD_ECS_METADATA`, else the one discovered from the metadata service.
///
/// This is the one call most programs need:
///
/// ```c
/// ecscred_credential *cred;
/// if (ecscred_get_credential(NULL, &cred) != ECSCRED_OK) {
///     fprintf(stderr, "%s\n", ecscred_last_error_message());
///     return 1;
/// }
/// sign(ecscred_credential_access_key_id(cred), ecscred_credential_access_key_secret(cred),
///      ecscred_credential_security_token(cred));
/// ecscred_credential_free(cred);
/// ```
///
/// On success `*out` receives a new handle owned by the caller (free it with
/// `ecscred_credential_free`), never expired. On failure `*out` is left untouched and the
/// status says why (`ecscred_last_error_message()` has the details).
///
/// Thread-safe. Never blocks on the network while a valid credential is cached: only the
/// first call (and a call in the last moments before expiry with the refresh still
/// running) waits, at most for the fetch timeout (5 s by default); concurrent callers share
/// one fetch. After a failed fetch, calls fail at once with the same error until the next
/// attempt is due (1 s doubling to 60 s). Works in a child after `fork()`.
///
/// `role_name` is read during the call only. Errors: `ECSCRED_NULL_ARGUMENT` (`out` NULL),
/// `ECSCRED_INVALID_UTF8`, `ECSCRED_INVALID_CONFIG` (bad role name or endpoint variable),
/// `ECSCRED_INVALID_ARGUMENT` (called from inside the log callback) and the
/// metadata-service failures 1 to 9.
///
/// # Safety
///
/// `role_name` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ecscred_get_credential(
    role_name: *const c_char,
    out: *mut *mut ecscred_credential,
) -> ecscred_status {
    const F: &str = "ecscred_get_credential";
    boundary(F, || {
        refuse_in_callback(F)?;
        if out.is_null() {
            return Err(Failure::null(F, "out"));
        }
        // SAFETY: NULL or NUL-terminated, as the caller guarantees.
        let got = unsafe { thread_cache::get(F, shared_source(role_name))? };
        // SAFETY: checked non-NULL above; writable as the caller guarantees.
        unsafe { write_out(out, got.handle) };
        Ok(())
    })
}

/// Creates a provider configured by `options` (NULL: all defaults, i.e. everything from
/// the environment). Reads the environment and checks the configuration now; sends
/// nothing and starts no thread: the first fetch happens on first use.
///
/// On success `*out` receives the new handle, owned by the caller (release it with
/// `ecscred_provider_free`); on failure `*out` is left untouched. The strings in `options`
/// are copied: they need not outlive the call. Thread-safe.
///
/// Errors: `ECSCRED_NULL_ARGUMENT` (`out` NULL), `ECSCRED_INVALID_ARGUMENT` (`options`
/// not prepared by `ecscred_options_init`, a yes/no field out of range, or called from
/// inside the log callback),
/// `ECSCRED_INVALID_UTF8`, `ECSCRED_INVALID_CONFIG` (endpoint URL, role name, a timeout or
/// TTL out of range).
///
/// # Safety
///
/// `options` is NULL or points to an `ecscred_options` whose strings are NULL or
/// NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn ecscred_provider_new(
    options: *const ecscred_options,
    out: *mut *mut ecscred_provider,
) -> ecscred_status {
    const F: &str = "ecscred_provider_new";
    boundary(F, || {
        refuse_in_callback(F)?;
        if out.is_null() {
            return Err(Failure::null(F, "out"));
        }
        // SAFETY: as the caller guarantees.
        let builder = unsafe { ecscred_options::to_builder(options, F)? };
        let handle = ecscred_provider::boxed(builder.build()?);
        // SAFETY: checked non-NULL above; writable as the caller guarantees.
        unsafe { write_out(out, Box::into_raw(handle)) };
        Ok(())
    })
}

/// The current credential of `provider`: same contract as `ecscred_get_credential`
/// (thread-safe, never blocks on the network while a valid credential is cached, `*out`
/// written only on success with a handle the caller frees with `ecscred_credential_free`).
/// The credential handle may outlive the provider.
///
/// Errors: `ECSCRED_NULL_ARGUMENT` (`provider` or `out` NULL), `ECSCRED_INVALID_ARGUMENT`
/// (called from inside the log callback) and the metadata-service failures 1 to 9.
///
/// # Safety
///
/// `provider` is NULL or a live handle from `ecscred_provider_new`; `out` is NULL or
/// writable.
#[no_mangle]
pub unsafe extern "C" fn ecscred_provider_get_credential(
    provider: *const ecscred_provider,
    out: *mut *mut ecscred_credential,
) -> ecscred_status {
    const F: &str = "ecscred_provider_get_credential";
    boundary(F, || {
        refuse_in_callback(F)?;
        // SAFETY: NULL or live, as the caller guarantees.
        let Some(handle) = (unsafe { provider.as_ref() }) else {
            return Err(Failure::null(F, "provider"));
        };
        if out.is_null() {
            return Err(Failure::null(F, "out"));
        }
        // SAFETY: no name to read.
        let got = unsafe { thread_cache::get(F, Source::Handle(handle))? };
        // SAFETY: checked non-NULL above; writable as the caller guarantees.
        unsafe { write_out(out, got.handle) };
        Ok(())
    })
}

/// The service `provider` talks to, as resolved from the options and the environment: the
/// metadata service URL, e.g. `"http://127.0.0.1:8080"`, the STS URL (OIDC, a profile that
/// assumes a role), the credentials server's origin (URI), and `""` for a source that
/// talks to none (an AccessKey from the environment or a profile). Belongs to `provider`:
/// valid until `ecscred_provider_free`. Returns `""` if `provider` is NULL. Thread-safe.
///
/// # Safety
///
/// `provider` is NULL or a live handle from `ecscred_provider_new`.
#[no_mangle]
pub unsafe extern "C" fn ecscred_provider_endpoint(
    provider: *const ecscred_provider,
) -> *const c_char {
    guarded(c"".as_ptr(), || {
        // SAFETY: NULL or live, as the caller guarantees.
        match unsafe { provider.as_ref() } {
            Some(handle) => handle.endpoint.as_ptr(),
            None => c"".as_ptr(),
        }
    })
}

/// Where `provider` gets its credentials: for a provider of the default chain, the source
/// the chain selected (never `ECSCRED_SOURCE_CHAIN`); `ECSCRED_SOURCE_ECS` for
/// `ecscred_provider_new`, `ECSCRED_SOURCE_OIDC` for `ecscred_provider_new_oidc`. Returns
/// `ECSCRED_SOURCE_CHAIN` if `provider` is NULL. Thread-safe.
///
/// # Safety
///
/// `provider` is NULL or a live handle from ecscred.
#[no_mangle]
pub unsafe extern "C" fn ecscred_provider_source(
    provider: *const ecscred_provider,
) -> ecscred_source_kind {
    guarded(ecscred_source_kind::ECSCRED_SOURCE_CHAIN, || {
        // SAFETY: NULL or live, as the caller guarantees.
        match unsafe { provider.as_ref() } {
            Some(handle) => ecscred_source_kind::from_core(handle.provider.source()),
            None => ecscred_source_kind::ECSCRED_SOURCE_CHAIN,
        }
    })
}

/// The name of `provider`'s source in the convention of the official SDKs'
/// `getProviderName()`: `"default/<name>"` when the default chain selected it (e.g.
/// `"default/env"`, `"default/cli_profile/static_ak"`, `"default/ecs_ram_role"`), else
/// `"<name>"` (e.g. `"ecs_ram_role"` for `ecscred_provider_new`, `"oidc_role_arn"`). The
/// names: `env`, `oidc_role_arn`, `cli_profile/<mode>` (`static_ak`, `static_sts`,
/// `ram_role_arn`, `ecs_ram_role`, `oidc_role_arn`, `external`), `profile/<type>`
/// (`access_key`, `ram_role_arn`, ...), `ecs_ram_role`, `credential_uri`. No secret.
///
/// Belongs to `provider`: valid until `ecscred_provider_free`. Returns `""` if `provider`
/// is NULL. Thread-safe.
///
/// # Safety
///
/// `provider` is NULL or a live handle from ecscred.
#[no_mangle]
pub unsafe extern "C" fn ecscred_provider_name(provider: *const ecscred_provider) -> *const c_char {
    // SAFETY: as the caller guarantees.
    unsafe { text_of(provider, |h| &h.name) }
}

/// What selected `provider`'s source, for people (logs, diagnostics): the variables (e.g.
/// `"ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"`), the file and
/// profile, or that nothing else is configured. Not a stable format. No secret.
///
/// Belongs to `provider`: valid until `ecscred_provider_free`. Returns `""` if `provider`
/// is NULL. Thread-safe.
///
/// # Safety
///
/// `provider` is NULL or a live handle from ecscred.
#[no_mangle]
pub unsafe extern "C" fn ecscred_provider_selected_by(
    provider: *const ecscred_provider,
) -> *const c_char {
    // SAFETY: as the caller guarantees.
    unsafe { text_of(provider, |h| &h.selected_by) }
}

/// The path of the profile file that configures `provider`'s source (the aliyun CLI's
/// `config.json` or the credentials ini file), or `""` when no file does (and for NULL).
///
/// Belongs to `provider`: valid until `ecscred_provider_free`. Thread-safe.
///
/// # Safety
///
/// `provider` is NULL or a live handle from ecscred.
#[no_mangle]
pub unsafe extern "C" fn ecscred_provider_source_file(
    provider: *const ecscred_provider,
) -> *const c_char {
    // SAFETY: as the caller guarantees.
    unsafe { text_of(provider, |h| &h.file) }
}

/// The profile within `ecscred_provider_source_file` that configures `provider`'s source,
/// or `""` when no profile does (and for NULL).
///
/// Belongs to `provider`: valid until `ecscred_provider_free`. Thread-safe.
///
/// # Safety
///
/// `provider` is NULL or a live handle from ecscred.
#[no_mangle]
pub unsafe extern "C" fn ecscred_provider_source_profile(
    provider: *const ecscred_provider,
) -> *const c_char {
    // SAFETY: as the caller guarantees.
    unsafe { text_of(provider, |h| &h.profile) }
}

/// One of a handle's strings, `""` for NULL.
///
/// # Safety
///
/// `provider` is NULL or a live handle.
unsafe fn text_of(
    provider: *const ecscred_provider,
    field: impl FnOnce(&ecscred_provider) -> &CStr,
) -> *const c_char {
    guarded(c"".as_ptr(), || {
        // SAFETY: NULL or live, as the caller guarantees.
        match unsafe { provider.as_ref() } {
            Some(handle) => field(handle).as_ptr(),
            None => c"".as_ptr(),
        }
    })
}

/// Releases a provider. NULL is accepted and ignored. Credentials obtained from it stay
/// valid until freed themselves. A fetch still running for it finishes in the background.
/// No other thread may be using the handle, and it must not be used afterwards (freeing
/// twice is undefined behaviour).
///
/// # Safety
///
/// `provider` is NULL or a live handle from `ecscred_provider_new`, not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn ecscred_provider_free(provider: *mut ecscred_provider) {
    guarded((), || {
        if !provider.is_null() {
            // SAFETY: created by `Box::into_raw` in `ecscred_provider_new`, freed once.
            drop(unsafe { Box::from_raw(provider) });
        }
    })
}
