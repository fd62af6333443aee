/*
 * Instructions per warm call of the C API, counted by valgrind (callgrind): deterministic
 * where wall-clock figures on a shared machine are not.
 *
 *     valgrind --tool=callgrind --toggle-collect=measured instructions VARIANT CALLS
 *
 * VARIANT: null-role, named-role or provider (ecscred_get_credential(NULL),
 * ecscred_get_credential("EcsRamRoleTest"), ecscred_provider_get_credential), each
 * followed by the three string accessors and ecscred_credential_free; append "-get" for
 * the get alone (its handles are freed outside the counted function). The endpoint comes
 * from ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT (a loopback URL). The first call
 * fetches and a warm-up follows, both outside `measured`; divide callgrind's total by
 * CALLS. Prints nothing on success.
 */
#include "common.h"

#include <ecscred.h>

#define MAX_CALLS 100000

static ecscred_provider *provider;
static ecscred_credential *handles[MAX_CALLS];
static volatile uintptr_t sink;

static ecscred_status get(int variant, ecscred_credential **c) {
    switch (variant) {
    case 0: return ecscred_get_credential(NULL, c);
    case 1: return ecscred_get_credential("EcsRamRoleTest", c);
    default: return ecscred_provider_get_credential(provider, c);
    }
}

static int full_call(int variant) {
    ecscred_credential *c;
    if (get(variant, &c) != ECSCRED_OK) return -1;
    sink += (uintptr_t)ecscred_credential_access_key_id(c)[0] +
            (uintptr_t)ecscred_credential_access_key_secret(c)[0] +
            (uintptr_t)ecscred_credential_security_token(c)[0];
    ecscred_credential_free(c);
    return 0;
}

/* The counted calls. */
__attribute__((noinline)) static int measured(int variant, int get_only, long calls) {
    long i;
    for (i = 0; i < calls; i++) {
        if (get_only ? get(variant, &handles[i]) != ECSCRED_OK : full_call(variant) != 0)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    static const char *names[] = {"null-role", "named-role", "provider"};
    const char *endpoint = getenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT");
    int variant = -1, get_only = 0, v;
    long calls, i;

    if (argc != 3 || !endpoint) {
        fprintf(stderr, "usage: instructions VARIANT[-get] CALLS (endpoint in "
                        "ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT)\n");
        return 2;
    }
    loopback_port(endpoint);
    for (v = 0; v < 3; v++) {
        size_t n = strlen(names[v]);
        if (strncmp(argv[1], names[v], n) == 0 &&
            (argv[1][n] == 0 || strcmp(argv[1] + n, "-get") == 0)) {
            variant = v;
            get_only = argv[1][n] != 0;
        }
    }
    calls = atol(argv[2]);
    if (variant < 0 || calls < 1 || calls > MAX_CALLS) {
        fprintf(stderr, "instructions: bad variant or call count\n");
        return 2;
    }
    if (ecscred_provider_new(NULL, &provider) != ECSCRED_OK) {
        fprintf(stderr, "instructions: %s\n", ecscred_last_error_message());
        return 1;
    }
    for (i = 0; i < 1000; i++) { /* the fetch, then a warm-up */
        if (full_call(variant) != 0) {
            fprintf(stderr, "instructions: %s\n", ecscred_last_error_message());
            return 1;
        }
    }
    if (measured(variant, get_only, calls) != 0) {
        fprintf(stderr, "instructions: %s\n", ecscred_last_error_message());
        return 1;
    }
    if (get_only) {
        for (i = 0; i < calls; i++) ecscred_credential_free(handles[i]);
    }
    ecscred_provider_free(provider);
    return 0;
}
