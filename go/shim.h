/* One C call per Go call, with no Go memory passed in: libecscred's last-error message
 * is per OS thread, and a goroutine may move to another thread between two cgo calls,
 * so the message is copied out (malloc'd, freed by Go) in the call that failed. */
#ifndef ECSCRED_GO_SHIM_H
#define ECSCRED_GO_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <ecscred.h>

typedef struct ecscred_go_result {
    ecscred_status status;
    /* On success: the handle (owned by the caller) and its fields, borrowed from it. */
    ecscred_credential *credential;
    const char *access_key_id;
    const char *access_key_secret;
    const char *security_token;
    int64_t expiration;
    /* 0 for a long-term AccessKey (security_token ""); 0 for one that never expires. */
    int has_security_token;
    int expires;
    /* The engine's warm deadline for it (ecscred_warm_deadline; until_unix_ms 0: none). */
    uint64_t until_unix_ms;
    uint64_t epoch;
    /* On failure: the message, malloc'd (free it), or NULL if out of memory, and the
     * metadata service's HTTP status behind it (0: none). */
    char *message;
    uint16_t http_status;
} ecscred_go_result;

typedef struct ecscred_go_new_result {
    ecscred_status status;
    ecscred_provider *provider;
    char *message;
} ecscred_go_new_result;

ecscred_go_new_result ecscred_go_provider_new(const ecscred_options *options);
ecscred_go_new_result ecscred_go_provider_new_oidc(const ecscred_oidc_options *options);
ecscred_go_new_result ecscred_go_provider_new_source(const ecscred_source_options *options);
/* provider NULL: the process-wide provider for role (NULL: from the environment). With the
 * engine's warm deadline (ecscred_provider_get_credential_until). */
ecscred_go_result ecscred_go_get(const ecscred_provider *provider, const char *role);
typedef struct ecscred_go_status_result {
    ecscred_status status;
    ecscred_refresh_status *refresh; /* on success: owned by the caller */
    char *message;                    /* on failure: malloc'd (free it), or NULL */
} ecscred_go_status_result;

/* provider NULL: the process-wide provider for role (NULL: from the environment). */
ecscred_go_status_result ecscred_go_refresh_status(const ecscred_provider *provider,
                                                   const char *role);
/* Routes libecscred's log messages up to max_level to the Go function ecscredGoLog
 * (ECSCRED_LOG_OFF: stop). */
ecscred_status ecscred_go_set_log(uint32_t max_level);

#endif
