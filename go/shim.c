#include <stdlib.h>
#include <string.h>

#include "shim.h"
#include "_cgo_export.h"

static char *last_message(void) {
    return strdup(ecscred_last_error_message());
}

ecscred_go_new_result ecscred_go_provider_new(const ecscred_options *options) {
    ecscred_go_new_result r = {0};
    r.status = ecscred_provider_new(options, &r.provider);
    if (r.status != ECSCRED_OK) {
        r.message = last_message();
    }
    return r;
}

ecscred_go_new_result ecscred_go_provider_new_oidc(const ecscred_oidc_options *options) {
    ecscred_go_new_result r = {0};
    r.status = ecscred_provider_new_oidc(options, &r.provider);
    if (r.status != ECSCRED_OK) {
        r.message = last_message();
    }
    return r;
}

ecscred_go_new_result ecscred_go_provider_new_source(const ecscred_source_options *options) {
    ecscred_go_new_result r = {0};
    r.status = ecscred_provider_new_source(options, &r.provider);
    if (r.status != ECSCRED_OK) {
        r.message = last_message();
    }
    return r;
}

ecscred_go_result ecscred_go_get(const ecscred_provider *provider, const char *role) {
    ecscred_go_result r = {0};
    ecscred_warm_deadline deadline = {0};
    r.status = provider != NULL
                   ? ecscred_provider_get_credential_until(provider, &r.credential, &deadline)
                   : ecscred_get_credential_until(role, &r.credential, &deadline);
    if (r.status != ECSCRED_OK) {
        r.message = last_message();
        r.http_status = ecscred_last_error_http_status();
        return r;
    }
    r.access_key_id = ecscred_credential_access_key_id(r.credential);
    r.access_key_secret = ecscred_credential_access_key_secret(r.credential);
    r.security_token = ecscred_credential_security_token(r.credential);
    r.expiration = ecscred_credential_expiration(r.credential);
    r.has_security_token = ecscred_credential_has_security_token(r.credential);
    r.expires = ecscred_credential_expires(r.credential);
    r.until_unix_ms = deadline.until_unix_ms;
    r.epoch = deadline.epoch;
    return r;
}

ecscred_go_status_result ecscred_go_refresh_status(const ecscred_provider *provider,
                                                   const char *role) {
    ecscred_go_status_result r = {0};
    r.status = provider != NULL ? ecscred_provider_refresh_status(provider, &r.refresh)
                                : ecscred_get_refresh_status(role, &r.refresh);
    if (r.status != ECSCRED_OK) {
        r.message = last_message();
    }
    return r;
}

static void go_log(void *userdata, ecscred_log_level level, const char *message) {
    (void)userdata;
    ecscredGoLog(level, (char *)message);
}

ecscred_status ecscred_go_set_log(uint32_t max_level) {
    return ecscred_set_log_callback(max_level == ECSCRED_LOG_OFF ? NULL : go_log, NULL, max_level);
}
