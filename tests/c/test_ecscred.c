/*
 * Tests of the ecscred C API against the mock metadata service (tests/c/run.sh starts it
 * on 127.0.0.1 and sets ECSCRED_TEST_MOCK_URL and
 * ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT to its URL).
 *
 * No test measures time: they check statuses, messages and the mock's request counters.
 * Every error message and log line is kept, and the last test checks that none of them
 * holds a secret the mock handed out (AccessKeySecret, SecurityToken, metadata token).
 */
#define _GNU_SOURCE
#include <ecscred.h>

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "mock.h"

#define ROLE "EcsRamRoleTest"

/* ---- every message seen, for the secret check ---------------------------------------- */

#define MAX_SEEN 4096
static char *seen[MAX_SEEN];
static int seen_count;
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;

static void remember(const char *text) {
    pthread_mutex_lock(&seen_lock);
    if (seen_count < MAX_SEEN) seen[seen_count++] = strdup(text);
    pthread_mutex_unlock(&seen_lock);
}

/* The last error message of this thread, remembered and returned. */
static const char *last_error(void) {
    const char *message = ecscred_last_error_message();
    remember(message);
    return message;
}

/* ---- helpers --------------------------------------------------------------------------- */

static char *endpoint_of_port(int port) {
    static char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    return url;
}

/* A provider for the mock with these options changed; NULL (and a failed check) if none. */
static ecscred_provider *provider_for(const char *role, int disable_imds_v1) {
    ecscred_options opts;
    ecscred_provider *p = NULL;
    ecscred_status s;
    ecscred_options_init(&opts);
    opts.endpoint = mock_url();
    opts.role_name = role;
    opts.disable_imds_v1 = disable_imds_v1;
    s = ecscred_provider_new(&opts, &p);
    CHECK(s == ECSCRED_OK, "ecscred_provider_new: %s: %s", ecscred_status_str(s), last_error());
    return p;
}

/* Gets a credential from a fresh provider (role ROLE) and returns the status; the message
 * is copied into `message`. */
static ecscred_status fetch_status(const ecscred_options *opts, char *message, size_t len) {
    ecscred_provider *p = NULL;
    ecscred_credential *c = (ecscred_credential *)(uintptr_t)0x1;
    ecscred_status s = ecscred_provider_new(opts, &p);
    message[0] = '\0';
    if (s != ECSCRED_OK) {
        snprintf(message, len, "%s", last_error());
        return s;
    }
    s = ecscred_provider_get_credential(p, &c);
    if (s == ECSCRED_OK) {
        ecscred_credential_free(c);
    } else {
        CHECK(c == (ecscred_credential *)(uintptr_t)0x1, "out-param written on failure");
        snprintf(message, len, "%s", last_error());
    }
    ecscred_provider_free(p);
    return s;
}

static void mock_options(ecscred_options *opts) {
    ecscred_options_init(opts);
    opts->endpoint = mock_url();
    opts->role_name = ROLE;
}

static int64_t parse_utc(const char *text) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL) return -1;
    return (int64_t)timegm(&tm);
}

/* Checks that `c` is the mock's current credential. */
static void check_is_current(const ecscred_credential *c) {
    char *json = mock_must("GET", "/_mock/credential/current", NULL);
    char id[128], secret[128], token[2048], expiration[64];
    CHECK(json_string(json, "access_key_id", id, sizeof id, NULL), "no id in %s", json);
    CHECK(json_string(json, "access_key_secret", secret, sizeof secret, NULL), "no secret");
    CHECK(json_string(json, "security_token", token, sizeof token, NULL), "no token");
    CHECK(json_string(json, "expiration", expiration, sizeof expiration, NULL), "no exp");
    CHECK(strcmp(ecscred_credential_access_key_id(c), id) == 0, "id %s != %s",
          ecscred_credential_access_key_id(c), id);
    CHECK(strcmp(ecscred_credential_access_key_secret(c), secret) == 0, "secret differs");
    CHECK(strcmp(ecscred_credential_security_token(c), token) == 0, "token differs");
    CHECK(ecscred_credential_expiration(c) == parse_utc(expiration),
          "expiration %lld != %s", (long long)ecscred_credential_expiration(c), expiration);
    free(json);
}

/* ---- tests ----------------------------------------------------------------------------- */

static void test_version_and_status_names(void) {
    static const ecscred_status all[] = {
        ECSCRED_OK, ECSCRED_DISABLED, ECSCRED_INVALID_CONFIG, ECSCRED_UNREACHABLE,
        ECSCRED_TIMEOUT, ECSCRED_HTTP_STATUS, ECSCRED_ROLE_NOT_FOUND, ECSCRED_HARDENED_MODE,
        ECSCRED_INVALID_RESPONSE, ECSCRED_INTERNAL, ECSCRED_NULL_ARGUMENT,
        ECSCRED_INVALID_UTF8, ECSCRED_PANIC, ECSCRED_INVALID_ARGUMENT};
    size_t i, j;
    const char *version = ecscred_version();
    CHECK(version != NULL && strchr(version, '.') != NULL, "version %s", version);
    CHECK(strcmp(ecscred_status_str(ECSCRED_OK), "ok") == 0, "ok");
    CHECK(strcmp(ecscred_status_str(ECSCRED_HTTP_STATUS), "http status") == 0, "http");
    CHECK(strcmp(ecscred_status_str((ecscred_status)9999), "unknown status") == 0, "9999");
    CHECK(strcmp(ecscred_status_str((ecscred_status)10), "unknown status") == 0, "10");
    /* The numbers are part of the ABI. */
    CHECK(ECSCRED_UNREACHABLE == 3 && ECSCRED_INVALID_RESPONSE == 8 &&
              ECSCRED_NULL_ARGUMENT == 100 && ECSCRED_INVALID_ARGUMENT == 103,
          "status numbers changed");
    for (i = 0; i < sizeof all / sizeof all[0]; i++) {
        CHECK(strcmp(ecscred_status_str(all[i]), "unknown status") != 0, "%u unnamed",
              (unsigned)all[i]);
        for (j = 0; j < i; j++) {
            CHECK(strcmp(ecscred_status_str(all[i]), ecscred_status_str(all[j])) != 0,
                  "%u and %u share a name", (unsigned)all[i], (unsigned)all[j]);
        }
    }
}

static void test_one_call_api(void) {
    ecscred_credential *a = NULL, *b = NULL;
    ecscred_status s;
    /* Role discovered; endpoint from ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT. */
    s = ecscred_get_credential(NULL, &a);
    CHECK(s == ECSCRED_OK, "%s: %s", ecscred_status_str(s), last_error());
    if (s != ECSCRED_OK) return;
    check_is_current(a);
    CHECK(strncmp(ecscred_credential_access_key_id(a), "STS.", 4) == 0, "id prefix");
    CHECK(ecscred_credential_expiration(a) > (int64_t)time(NULL), "already expired");
    /* The same provider again: the cached snapshot. */
    s = ecscred_get_credential(NULL, &b);
    CHECK(s == ECSCRED_OK, "%s: %s", ecscred_status_str(s), last_error());
    if (s == ECSCRED_OK) {
        CHECK(strcmp(ecscred_credential_access_key_id(a), ecscred_credential_access_key_id(b)) == 0,
              "a second call gave another credential");
        ecscred_credential_free(b);
    }
    ecscred_credential_free(a);
}

static void test_provider_handle(void) {
    ecscred_provider *named = provider_for(ROLE, ECSCRED_FROM_ENV);
    ecscred_provider *discovered = provider_for(NULL, ECSCRED_FROM_ENV);
    ecscred_credential *a = NULL, *b = NULL, *copy;
    ecscred_status s;
    if (named == NULL || discovered == NULL) goto done;
    CHECK(strcmp(ecscred_provider_endpoint(named), mock_url()) == 0, "endpoint %s",
          ecscred_provider_endpoint(named));
    mock_reset();
    s = ecscred_provider_get_credential(named, &a);
    CHECK(s == ECSCRED_OK, "%s: %s", ecscred_status_str(s), last_error());
    CHECK(mock_counter("role_gets") == 0, "a named role needs no discovery");
    s = ecscred_provider_get_credential(discovered, &b);
    CHECK(s == ECSCRED_OK, "%s: %s", ecscred_status_str(s), last_error());
    CHECK(mock_counter("role_gets") == 1, "discovery expected");
    CHECK(mock_counter("credential_gets") == 2, "one GET per provider");
    if (a == NULL || b == NULL) goto done;
    check_is_current(a);
    check_is_current(b);
    /* A clone is the same snapshot, freed on its own, and outlives the provider. */
    copy = ecscred_credential_clone(a);
    CHECK(copy != NULL, "clone");
    ecscred_credential_free(a);
    a = NULL;
    ecscred_provider_free(named);
    named = NULL;
    check_is_current(copy);
    ecscred_credential_free(copy);
done:
    ecscred_credential_free(a);
    ecscred_credential_free(b);
    ecscred_provider_free(named);
    ecscred_provider_free(discovered);
}

static void test_hardened_instance(void) {
    /* An instance that requires the metadata token: one token for the fetch. */
    ecscred_provider *p;
    ecscred_credential *c = NULL;
    ecscred_status s;
    mock_reset();
    mock_mode("hardened");
    p = provider_for(ROLE, ECSCRED_YES);
    s = ecscred_provider_get_credential(p, &c);
    CHECK(s == ECSCRED_OK, "%s: %s", ecscred_status_str(s), last_error());
    CHECK(mock_counter("token_puts") == 1, "one token PUT");
    if (c) check_is_current(c);
    ecscred_credential_free(c);
    ecscred_provider_free(p);
    mock_reset();
}

static void test_unreachable(void) {
    ecscred_options opts;
    char message[1024];
    int port = closed_port();
    ecscred_status s;
    ecscred_options_init(&opts);
    opts.endpoint = endpoint_of_port(port);
    opts.role_name = ROLE;
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_UNREACHABLE, "%s: %s", ecscred_status_str(s), message);
    CHECK_CONTAINS(message, endpoint_of_port(port));
    CHECK(ecscred_last_error_http_status() == 0, "an unreachable service has no HTTP status");
}

static void test_http_500(void) {
    ecscred_options opts;
    char message[1024];
    ecscred_status s;
    mock_reset();
    mock_fault("{\"kind\":\"status\",\"status\":500,\"target\":\"credential\"}");
    mock_options(&opts);
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_HTTP_STATUS, "%s: %s", ecscred_status_str(s), message);
    CHECK_CONTAINS(message, "500");
    CHECK_CONTAINS(message, mock_url());
    CHECK(ecscred_last_error_http_status() == 500, "last HTTP status %u, want 500",
          (unsigned)ecscred_last_error_http_status());
    mock_reset();
}

static void test_role_not_found(void) {
    ecscred_options opts;
    char message[1024];
    ecscred_status s;
    mock_reset();
    mock_options(&opts);
    opts.role_name = "NoSuchRole";
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_ROLE_NOT_FOUND, "%s: %s", ecscred_status_str(s), message);
    CHECK_CONTAINS(message, "NoSuchRole");
    CHECK_CONTAINS(message, mock_url());
}

static void test_hardened_mode_required_but_unavailable(void) {
    /* The instance has no token path (v1-only) and plain requests are disabled. */
    ecscred_options opts;
    char message[1024];
    ecscred_status s;
    mock_reset();
    mock_mode("v1-only");
    mock_options(&opts);
    opts.disable_imds_v1 = ECSCRED_YES;
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_HARDENED_MODE, "%s: %s", ecscred_status_str(s), message);
    CHECK_CONTAINS(message, mock_url());
    CHECK(mock_counter("credential_gets") == 0, "a plain GET was sent");
    /* The same instance with plain requests allowed works. */
    opts.disable_imds_v1 = ECSCRED_NO;
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_OK, "%s: %s", ecscred_status_str(s), message);
    mock_reset();
}

static void test_invalid_response(void) {
    ecscred_options opts;
    char message[1024];
    ecscred_status s;
    mock_reset();
    mock_options(&opts);
    mock_fault("{\"kind\":\"malformed_json\",\"count\":1}");
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_INVALID_RESPONSE, "%s: %s", ecscred_status_str(s), message);
    CHECK_CONTAINS(message, mock_url());
    mock_fault("{\"kind\":\"code\",\"code\":\"Failure\",\"count\":1}");
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_INVALID_RESPONSE, "%s: %s", ecscred_status_str(s), message);
    CHECK_CONTAINS(message, "Failure");
    mock_fault("{\"kind\":\"expired\",\"count\":1}");
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_INVALID_RESPONSE, "%s: %s", ecscred_status_str(s), message);
    mock_reset();
}

static void test_timeout(void) {
    ecscred_options opts;
    char message[1024];
    ecscred_status s;
    mock_reset();
    mock_options(&opts);
    opts.read_timeout_ms = 200;
    mock_fault("{\"kind\":\"delay\",\"ms\":3000,\"target\":\"credential\",\"count\":1}");
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_TIMEOUT, "%s: %s", ecscred_status_str(s), message);
    CHECK_CONTAINS(message, "200 ms");
    CHECK_CONTAINS(message, mock_url());
    mock_reset();
}

static void test_disabled(void) {
    ecscred_options opts;
    char message[1024];
    ecscred_status s;
    mock_reset();
    mock_options(&opts);
    opts.disabled = ECSCRED_YES;
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_DISABLED, "%s: %s", ecscred_status_str(s), message);
    CHECK(mock_counter("requests") == 0, "a disabled provider sent a request");
}

static void test_invalid_config(void) {
    ecscred_options opts;
    char message[1024];
    ecscred_status s;
    ecscred_credential *c = (ecscred_credential *)(uintptr_t)0x1;

    mock_options(&opts);
    opts.endpoint = "https://127.0.0.1:1";
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_INVALID_CONFIG, "%s: %s", ecscred_status_str(s), message);
    CHECK_CONTAINS(message, "endpoint");

    mock_options(&opts);
    opts.role_name = "a/b";
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_INVALID_CONFIG, "%s: %s", ecscred_status_str(s), message);
    CHECK_CONTAINS(message, "role");

    mock_options(&opts);
    opts.token_ttl_seconds = 21601;
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_INVALID_CONFIG, "%s: %s", ecscred_status_str(s), message);
    CHECK_CONTAINS(message, "token_ttl");

    /* The one-call API reports a bad role name on every call. */
    s = ecscred_get_credential("no spaces allowed", &c);
    CHECK(s == ECSCRED_INVALID_CONFIG, "%s", ecscred_status_str(s));
    CHECK(c == (ecscred_credential *)(uintptr_t)0x1, "out written on failure");
    CHECK_CONTAINS(last_error(), "role name");
}

/* Boolean variables: true/1/yes/on and false/0/no/off in any case; anything else is an
 * invalid configuration naming the variable, never a silent "no". */
static void test_boolean_variables(void) {
    static const char *const truthy[] = {"1", "yes", "ON", " True "};
    static const char *const falsy[] = {"0", "no", "Off", ""};
    ecscred_options opts;
    char message[1024];
    ecscred_status s;
    size_t i;
    mock_reset();
    mock_mode("v1-only");
    for (i = 0; i < sizeof truthy / sizeof *truthy; i++) {
        setenv("ALIBABA_CLOUD_IMDSV1_DISABLED", truthy[i], 1);
        mock_options(&opts);
        s = fetch_status(&opts, message, sizeof message);
        CHECK(s == ECSCRED_HARDENED_MODE, "IMDSV1_DISABLED=%s: %s: %s", truthy[i],
              ecscred_status_str(s), message);
        setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", truthy[i], 1);
        unsetenv("ALIBABA_CLOUD_IMDSV1_DISABLED");
        mock_options(&opts);
        s = fetch_status(&opts, message, sizeof message);
        CHECK(s == ECSCRED_DISABLED, "METADATA_DISABLED=%s: %s", truthy[i],
              ecscred_status_str(s));
        unsetenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED");
    }
    CHECK(mock_counter("credential_gets") == 0, "a plain request was sent");
    for (i = 0; i < sizeof falsy / sizeof *falsy; i++) {
        setenv("ALIBABA_CLOUD_IMDSV1_DISABLED", falsy[i], 1);
        setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", falsy[i], 1);
        mock_options(&opts);
        s = fetch_status(&opts, message, sizeof message);
        CHECK(s == ECSCRED_OK, "=%s: %s: %s", falsy[i], ecscred_status_str(s), message);
    }
    setenv("ALIBABA_CLOUD_IMDSV1_DISABLED", "maybe", 1);
    mock_options(&opts);
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_INVALID_CONFIG, "%s", ecscred_status_str(s));
    CHECK_CONTAINS(message, "ALIBABA_CLOUD_IMDSV1_DISABLED");
    unsetenv("ALIBABA_CLOUD_IMDSV1_DISABLED");
    setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "2", 1);
    mock_options(&opts);
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_INVALID_CONFIG, "%s", ecscred_status_str(s));
    CHECK_CONTAINS(message, "ALIBABA_CLOUD_ECS_METADATA_DISABLED");
    unsetenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED");
    mock_reset();
}

/* Every numeric option at the largest value its type holds and just past its bound: an
 * invalid configuration naming the option, never a panic. */
static void test_option_bounds(void) {
    static const struct {
        size_t offset;
        uint32_t value;
        const char *name;
    } cases[] = {
        {offsetof(ecscred_options, connect_timeout_ms), UINT32_MAX, "connect_timeout"},
        {offsetof(ecscred_options, connect_timeout_ms), 3600001, "connect_timeout"},
        {offsetof(ecscred_options, read_timeout_ms), UINT32_MAX, "read_timeout"},
        {offsetof(ecscred_options, read_timeout_ms), 3600001, "read_timeout"},
        {offsetof(ecscred_options, fetch_timeout_ms), UINT32_MAX, "fetch_timeout"},
        {offsetof(ecscred_options, fetch_timeout_ms), 3600001, "fetch_timeout"},
        {offsetof(ecscred_options, token_ttl_seconds), UINT32_MAX, "token_ttl"},
        {offsetof(ecscred_options, token_ttl_seconds), 21601, "token_ttl"},
    };
    ecscred_options opts;
    ecscred_provider *p = NULL;
    ecscred_status s;
    size_t i;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        mock_options(&opts);
        memcpy((char *)&opts + cases[i].offset, &cases[i].value, sizeof cases[i].value);
        s = ecscred_provider_new(&opts, &p);
        CHECK(s == ECSCRED_INVALID_CONFIG, "%s = %lu: %s", cases[i].name,
              (unsigned long)cases[i].value, ecscred_status_str(s));
        CHECK_CONTAINS(last_error(), cases[i].name);
    }
    CHECK(p == NULL, "out written on failure");
    mock_options(&opts);
    opts.connect_timeout_ms = opts.read_timeout_ms = opts.fetch_timeout_ms = 3600000;
    opts.token_ttl_seconds = 21600;
    s = ecscred_provider_new(&opts, &p);
    CHECK(s == ECSCRED_OK, "the bounds themselves: %s: %s", ecscred_status_str(s), last_error());
    ecscred_provider_free(p);
}

/* The health surface: a snapshot with the expiry, or the last error and the backoff. */
static void test_refresh_status(void) {
    ecscred_options opts;
    ecscred_provider *p = NULL;
    ecscred_credential *c = NULL;
    ecscred_refresh_status *st = NULL;
    ecscred_status s;
    int port = closed_port();

    mock_reset();
    mock_options(&opts);
    CHECK(ecscred_provider_new(&opts, &p) == ECSCRED_OK, "%s", last_error());
    CHECK(ecscred_provider_refresh_status(p, &st) == ECSCRED_OK, "%s", last_error());
    CHECK(ecscred_refresh_status_expiration_ms(st) == 0, "nothing fetched yet");
    CHECK(ecscred_refresh_status_consecutive_failures(st) == 0, "no failure yet");
    ecscred_refresh_status_free(st);
    CHECK(ecscred_provider_get_credential(p, &c) == ECSCRED_OK, "%s", last_error());
    CHECK(ecscred_provider_refresh_status(p, &st) == ECSCRED_OK, "%s", last_error());
    CHECK(ecscred_refresh_status_expiration_ms(st) ==
              ecscred_credential_expiration(c) * 1000,
          "expiration %lld", (long long)ecscred_refresh_status_expiration_ms(st));
    CHECK(ecscred_refresh_status_last_error(st) == ECSCRED_OK, "healthy");
    CHECK(strcmp(ecscred_refresh_status_last_error_message(st), "") == 0, "no message");
    CHECK(ecscred_refresh_status_next_attempt_ms(st) == 0, "not backing off");
    CHECK(ecscred_refresh_status_in_flight(st) == 0, "nothing in flight");
    ecscred_refresh_status_free(st);
    ecscred_credential_free(c);
    ecscred_provider_free(p);

    ecscred_options_init(&opts);
    opts.endpoint = endpoint_of_port(port);
    opts.role_name = ROLE;
    p = NULL;
    CHECK(ecscred_provider_new(&opts, &p) == ECSCRED_OK, "%s", last_error());
    s = ecscred_provider_get_credential(p, &c);
    CHECK(s == ECSCRED_UNREACHABLE, "%s", ecscred_status_str(s));
    CHECK(ecscred_provider_refresh_status(p, &st) == ECSCRED_OK, "%s", last_error());
    CHECK(ecscred_refresh_status_last_error(st) == ECSCRED_UNREACHABLE, "%s",
          ecscred_status_str(ecscred_refresh_status_last_error(st)));
    CHECK_CONTAINS(ecscred_refresh_status_last_error_message(st), endpoint_of_port(port));
    CHECK(ecscred_refresh_status_consecutive_failures(st) == 1, "one failure");
    CHECK(ecscred_refresh_status_next_attempt_ms(st) > (int64_t)time(NULL) * 1000 - 1000,
          "next attempt %lld", (long long)ecscred_refresh_status_next_attempt_ms(st));
    ecscred_refresh_status_free(st);
    ecscred_provider_free(p);

    /* The process-wide provider of the one-call API, and the misuses. */
    st = NULL;
    CHECK(ecscred_get_refresh_status(ROLE, &st) == ECSCRED_OK, "%s", last_error());
    ecscred_refresh_status_free(st);
    CHECK(ecscred_get_refresh_status("a/b", &st) == ECSCRED_INVALID_CONFIG, "bad role");
    CHECK(ecscred_get_refresh_status(ROLE, NULL) == ECSCRED_NULL_ARGUMENT, "NULL out");
    CHECK(ecscred_provider_refresh_status(NULL, &st) == ECSCRED_NULL_ARGUMENT, "NULL p");
    CHECK(ecscred_refresh_status_consecutive_failures(NULL) == 0, "NULL status");
    CHECK(strcmp(ecscred_refresh_status_last_error_message(NULL), "") == 0, "NULL status");
    ecscred_refresh_status_free(NULL);
}

/* Expiration at the edges of the range every binding represents (1970 to 9998): the same
 * instants as the Rust, Python and Go tests, converted or refused alike. */
static void test_expiration_range(void) {
    static const struct {
        const char *sent;
        int64_t want; /* -1: refused */
    } cases[] = {
        {"9998-12-31T23:59:59Z", 253370764799},
        {"9999-01-01T07:59:59+08:00", 253370764799},
        {"9998-12-31t23:59:59.5z", 253370764799},
        {"2030-01-02T11:04:05+08:00", 1893553445},
        /* A leap second is the second before it (the instant the system clock shows). */
        {"2030-06-30T23:59:60Z", 1909094399},
        {"2030-07-01T07:59:60.5+08:00", 1909094399},
        {"9998-12-31T23:59:60Z", 253370764799},
        {"9999-01-01T00:00:00Z", -1},
        {"2030-01-02T03:04:05", -1},
        {"2030-06-29T23:59:60Z", -1},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ecscred_options opts;
        ecscred_provider *p = NULL;
        ecscred_credential *c = NULL;
        ecscred_status s;
        char fault[256];
        mock_reset();
        snprintf(fault, sizeof fault,
                 "{\"kind\":\"expiration\",\"expiration\":\"%s\",\"count\":1}",
                 cases[i].sent);
        mock_fault(fault);
        mock_options(&opts);
        CHECK(ecscred_provider_new(&opts, &p) == ECSCRED_OK, "%s", last_error());
        s = ecscred_provider_get_credential(p, &c);
        if (cases[i].want < 0) {
            CHECK(s == ECSCRED_INVALID_RESPONSE, "%s: %s", cases[i].sent, ecscred_status_str(s));
            CHECK_CONTAINS(last_error(), "Expiration");
        } else {
            CHECK(s == ECSCRED_OK, "%s: %s", cases[i].sent, last_error());
            if (s == ECSCRED_OK) {
                CHECK(ecscred_credential_expiration(c) == cases[i].want, "%s: %lld", cases[i].sent,
                      (long long)ecscred_credential_expiration(c));
                ecscred_credential_free(c);
            }
        }
        ecscred_provider_free(p);
    }
    mock_reset();
}

/* No role name or endpoint from the configuration changes where a request goes. */
static void test_request_targets(void) {
    ecscred_options opts;
    char message[1024];
    ecscred_status s;
    char *lines;

    mock_reset();
    mock_options(&opts);
    opts.role_name = "..";
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_INVALID_CONFIG, "%s: %s", ecscred_status_str(s), message);
    CHECK_CONTAINS(message, "\"..\"");
    CHECK(mock_counter("requests") == 0, "a refused role sends nothing");

    opts.role_name = "...";
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_ROLE_NOT_FOUND, "%s: %s", ecscred_status_str(s), message);
    lines = mock_must("GET", "/_mock/requests", NULL);
    CHECK_CONTAINS(lines, "\"GET /latest/meta-data/ram/security-credentials/...\"");
    free(lines);

    mock_options(&opts);
    opts.endpoint = "http://:pw-secret@127.0.0.1:1";
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_INVALID_CONFIG, "%s: %s", ecscred_status_str(s), message);
    CHECK_CONTAINS(message, "user info");
    CHECK(strstr(message, "pw-secret") == NULL, "the password is echoed: %s", message);
    mock_reset();
}

static void test_null_arguments(void) {
    ecscred_provider *p = NULL;
    ecscred_credential *c = NULL;
    ecscred_status s;
    char buf[8];

    s = ecscred_get_credential(NULL, NULL);
    CHECK(s == ECSCRED_NULL_ARGUMENT, "%s", ecscred_status_str(s));
    CHECK_CONTAINS(last_error(), "out");
    s = ecscred_provider_new(NULL, NULL);
    CHECK(s == ECSCRED_NULL_ARGUMENT, "%s", ecscred_status_str(s));
    s = ecscred_provider_get_credential(NULL, &c);
    CHECK(s == ECSCRED_NULL_ARGUMENT, "%s", ecscred_status_str(s));
    CHECK_CONTAINS(last_error(), "provider");
    CHECK(c == NULL, "out written on failure");

    /* NULL options: everything from the environment (the run sets the endpoint). */
    s = ecscred_provider_new(NULL, &p);
    CHECK(s == ECSCRED_OK, "%s: %s", ecscred_status_str(s), last_error());
    CHECK(strcmp(ecscred_provider_endpoint(p), mock_url()) == 0, "endpoint from env: %s",
          ecscred_provider_endpoint(p));
    s = ecscred_provider_get_credential(p, NULL);
    CHECK(s == ECSCRED_NULL_ARGUMENT, "%s", ecscred_status_str(s));
    ecscred_provider_free(p);

    /* Accessors and frees accept NULL. */
    CHECK(strcmp(ecscred_credential_access_key_id(NULL), "") == 0, "id");
    CHECK(strcmp(ecscred_credential_access_key_secret(NULL), "") == 0, "secret");
    CHECK(strcmp(ecscred_credential_security_token(NULL), "") == 0, "token");
    CHECK(ecscred_credential_expiration(NULL) == 0, "expiration");
    CHECK(ecscred_credential_clone(NULL) == NULL, "clone");
    CHECK(strcmp(ecscred_provider_endpoint(NULL), "") == 0, "endpoint");
    ecscred_credential_free(NULL);
    ecscred_provider_free(NULL);
    ecscred_options_init(NULL);
    CHECK(ecscred_last_error_copy(NULL, 0) > 0, "length query");
    CHECK(ecscred_last_error_copy(buf, sizeof buf) > 0 && strlen(buf) == sizeof buf - 1,
          "truncated copy");
}

static void test_invalid_utf8(void) {
    ecscred_options opts;
    ecscred_provider *p = NULL;
    ecscred_credential *c = NULL;
    ecscred_status s;

    s = ecscred_get_credential("Ecs\xff\xfeRole", &c);
    CHECK(s == ECSCRED_INVALID_UTF8, "%s", ecscred_status_str(s));
    CHECK(c == NULL, "out written on failure");
    CHECK_CONTAINS(last_error(), "role_name");

    mock_options(&opts);
    opts.endpoint = "http://127.0.0.1:1/\xc3";
    s = ecscred_provider_new(&opts, &p);
    CHECK(s == ECSCRED_INVALID_UTF8, "%s", ecscred_status_str(s));
    CHECK_CONTAINS(last_error(), "options.endpoint");

    mock_options(&opts);
    opts.role_name = "\x80";
    s = ecscred_provider_new(&opts, &p);
    CHECK(s == ECSCRED_INVALID_UTF8, "%s", ecscred_status_str(s));
    CHECK_CONTAINS(last_error(), "options.role_name");
    CHECK(p == NULL, "out written on failure");
}

static void test_invalid_arguments(void) {
    ecscred_options opts;
    ecscred_provider *p = NULL;
    ecscred_status s;

    memset(&opts, 0, sizeof opts); /* not prepared by ecscred_options_init */
    s = ecscred_provider_new(&opts, &p);
    CHECK(s == ECSCRED_INVALID_ARGUMENT, "%s", ecscred_status_str(s));
    CHECK_CONTAINS(last_error(), "ecscred_options_init");

    mock_options(&opts);
    opts.disable_imds_v1 = (ecscred_choice)7;
    s = ecscred_provider_new(&opts, &p);
    CHECK(s == ECSCRED_INVALID_ARGUMENT, "%s", ecscred_status_str(s));
    CHECK_CONTAINS(last_error(), "disable_imds_v1");
    CHECK(p == NULL, "out written on failure");

    s = ecscred_set_log_callback(NULL, NULL, (ecscred_log_level)6);
    CHECK(s == ECSCRED_INVALID_ARGUMENT, "%s", ecscred_status_str(s));
}

static void *other_thread_message(void *arg) {
    (void)arg;
    return (void *)(intptr_t)(strcmp(ecscred_last_error_message(), "") == 0);
}

static void test_last_error_is_per_thread(void) {
    pthread_t t;
    void *empty = NULL;
    ecscred_credential *c;
    ecscred_get_credential(NULL, NULL);
    CHECK_CONTAINS(last_error(), "ecscred_get_credential");
    pthread_create(&t, NULL, other_thread_message, NULL);
    pthread_join(t, &empty);
    CHECK(empty != NULL, "another thread saw this thread's message");
    /* A success leaves the message as it was (errno-like). */
    if (ecscred_get_credential(NULL, &c) == ECSCRED_OK) ecscred_credential_free(c);
    CHECK_CONTAINS(last_error(), "ecscred_get_credential");
}

/* ---- log callback ---------------------------------------------------------------------- */

struct log_sink {
    pthread_mutex_t lock;
    int count;
    int warnings;
    int any_500;
};

static void on_log(void *userdata, ecscred_log_level level, const char *message) {
    struct log_sink *sink = (struct log_sink *)userdata;
    ecscred_status s;
    remember(message);
    pthread_mutex_lock(&sink->lock);
    sink->count++;
    if (level == ECSCRED_LOG_WARN) sink->warnings++;
    if (level == ECSCRED_LOG_WARN && strstr(message, "500") != NULL) sink->any_500++;
    pthread_mutex_unlock(&sink->lock);
    /* Calling back into ecscred is refused, not a deadlock. */
    s = ecscred_set_log_callback(NULL, NULL, ECSCRED_LOG_OFF);
    if (s != ECSCRED_INVALID_ARGUMENT) abort();
}

static void test_log_callback(void) {
    struct log_sink sink;
    ecscred_options opts;
    char message[1024];
    ecscred_status s;
    int count_after_clear;

    memset(&sink, 0, sizeof sink);
    pthread_mutex_init(&sink.lock, NULL);
    s = ecscred_set_log_callback(on_log, &sink, ECSCRED_LOG_DEBUG);
    CHECK(s == ECSCRED_OK, "%s", ecscred_status_str(s));

    mock_reset();
    mock_fault("{\"kind\":\"status\",\"status\":500,\"target\":\"credential\"}");
    mock_options(&opts);
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_HTTP_STATUS, "%s: %s", ecscred_status_str(s), message);
    mock_reset();
    s = fetch_status(&opts, message, sizeof message); /* success: debug lines */
    CHECK(s == ECSCRED_OK, "%s: %s", ecscred_status_str(s), message);

    s = ecscred_set_log_callback(NULL, NULL, ECSCRED_LOG_OFF);
    CHECK(s == ECSCRED_OK, "%s", ecscred_status_str(s));
    pthread_mutex_lock(&sink.lock);
    CHECK(sink.warnings >= 1, "no warning for a failed fetch (%d messages)", sink.count);
    CHECK(sink.any_500 >= 1, "the warning does not name the HTTP status");
    CHECK(sink.count > sink.warnings, "no debug messages at ECSCRED_LOG_DEBUG");
    count_after_clear = sink.count;
    pthread_mutex_unlock(&sink.lock);

    /* Cleared: nothing more arrives (and sink may go away). */
    mock_fault("{\"kind\":\"status\",\"status\":503,\"target\":\"credential\"}");
    s = fetch_status(&opts, message, sizeof message);
    CHECK(s == ECSCRED_HTTP_STATUS, "%s: %s", ecscred_status_str(s), message);
    CHECK(sink.count == count_after_clear, "called after being cleared");
    mock_reset();
    pthread_mutex_destroy(&sink.lock);
}

/* ---- threads --------------------------------------------------------------------------- */

#define THREADS 16
#define CALLS 10000

struct worker {
    pthread_t thread;
    const ecscred_provider *provider; /* NULL: the one-call API with ROLE */
    char expected_id[128];
    int failures;
};

static void *hammer(void *arg) {
    struct worker *w = (struct worker *)arg;
    int i;
    for (i = 0; i < CALLS; i++) {
        ecscred_credential *c = NULL;
        ecscred_status s = w->provider ? ecscred_provider_get_credential(w->provider, &c)
                                       : ecscred_get_credential(ROLE, &c);
        if (s != ECSCRED_OK) {
            w->failures++;
            continue;
        }
        if (w->expected_id[0] == '\0') {
            snprintf(w->expected_id, sizeof w->expected_id, "%s",
                     ecscred_credential_access_key_id(c));
        } else if (strcmp(w->expected_id, ecscred_credential_access_key_id(c)) != 0 ||
                   ecscred_credential_access_key_secret(c)[0] == '\0' ||
                   ecscred_credential_security_token(c)[0] == '\0') {
            w->failures++;
        }
        ecscred_credential_free(c);
    }
    return NULL;
}

static void hammer_all(const ecscred_provider *provider) {
    struct worker workers[THREADS];
    int i, failures = 0;
    memset(workers, 0, sizeof workers);
    for (i = 0; i < THREADS; i++) {
        workers[i].provider = provider;
        CHECK(pthread_create(&workers[i].thread, NULL, hammer, &workers[i]) == 0, "thread");
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(workers[i].thread, NULL);
        failures += workers[i].failures;
        CHECK(strcmp(workers[i].expected_id, workers[0].expected_id) == 0,
              "threads saw different credentials");
    }
    CHECK(failures == 0, "%d of %d calls failed or differed", failures, THREADS * CALLS);
}

static void test_threads_share_one_fetch(void) {
    ecscred_provider *p;
    /* 16 threads start cold on a new provider: one fetch serves all 160,000 calls. */
    mock_reset();
    p = provider_for(ROLE, ECSCRED_FROM_ENV);
    hammer_all(p);
    CHECK(mock_counter("credential_gets") == 1, "%ld credential GETs",
          mock_counter("credential_gets"));
    CHECK(mock_counter("token_puts") <= 1, "%ld token PUTs", mock_counter("token_puts"));
    ecscred_provider_free(p);

    /* Same through the one-call API (first use of this role's process-wide provider). */
    mock_reset();
    hammer_all(NULL);
    CHECK(mock_counter("credential_gets") == 1, "%ld credential GETs",
          mock_counter("credential_gets"));
    CHECK(mock_counter("role_gets") == 0, "discovery for a named role");
}

/* ---- fork ------------------------------------------------------------------------------ */

static int child_checks(const char *parent_id) {
    ecscred_credential *c = NULL;
    ecscred_provider *p;
    ecscred_options opts;
    int bad = 0;
    /* The process-wide provider's cache survived the fork. */
    if (ecscred_get_credential(NULL, &c) != ECSCRED_OK) return 1;
    if (strcmp(ecscred_credential_access_key_id(c), parent_id) != 0) bad |= 2;
    ecscred_credential_free(c);
    /* A new provider fetches in the child: the refresh thread is rebuilt there. */
    mock_options(&opts);
    if (ecscred_provider_new(&opts, &p) != ECSCRED_OK) return 4;
    c = NULL;
    if (ecscred_provider_get_credential(p, &c) != ECSCRED_OK) bad |= 8;
    else if (strcmp(ecscred_credential_access_key_id(c), parent_id) != 0) bad |= 16;
    ecscred_credential_free(c);
    ecscred_provider_free(p);
    return bad;
}

static void test_fork(void) {
    ecscred_credential *c = NULL;
    char parent_id[128];
    pid_t pid;
    int status = 0;
    ecscred_status s = ecscred_get_credential(NULL, &c);
    CHECK(s == ECSCRED_OK, "%s: %s", ecscred_status_str(s), last_error());
    if (s != ECSCRED_OK) return;
    snprintf(parent_id, sizeof parent_id, "%s", ecscred_credential_access_key_id(c));
    ecscred_credential_free(c);
    mock_reset();
    fflush(stdout);
    pid = fork();
    if (pid == 0) _exit(child_checks(parent_id));
    CHECK(pid > 0, "fork failed");
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    CHECK(mock_counter("credential_gets") == 1, "the child's new provider fetched once: %ld",
          mock_counter("credential_gets"));
    /* And the parent still works. */
    s = ecscred_get_credential(NULL, &c);
    CHECK(s == ECSCRED_OK, "%s", ecscred_status_str(s));
    ecscred_credential_free(c);
}

/* ---- per-thread handles and the warm deadline -------------------------------------------- */

/* One handle of each form: ecscred_get_credential(NULL), (ROLE), ecscred_provider_get_credential. */
struct three {
    const ecscred_provider *provider;
    ecscred_credential *handles[3];
    int failures;
};

static void get_three(struct three *t) {
    if (ecscred_get_credential(NULL, &t->handles[0]) != ECSCRED_OK) t->failures++;
    if (ecscred_get_credential(ROLE, &t->handles[1]) != ECSCRED_OK) t->failures++;
    if (ecscred_provider_get_credential(t->provider, &t->handles[2]) != ECSCRED_OK) t->failures++;
}

static void *get_three_main(void *arg) {
    get_three((struct three *)arg);
    return NULL;
}

static int handle_ok(const ecscred_credential *c) {
    return c != NULL && strncmp(ecscred_credential_access_key_id(c), "STS.", 4) == 0 &&
           ecscred_credential_access_key_secret(c)[0] != '\0' &&
           ecscred_credential_security_token(c)[0] != '\0';
}

static void test_warm_calls_reuse_this_thread_s_handle(void) {
    /* A warm call hands out another count of the thread's own handle; another thread gets
     * one of its own. */
    ecscred_provider *p = provider_for(ROLE, ECSCRED_FROM_ENV);
    struct three mine = {p, {NULL, NULL, NULL}, 0}, again = mine, other = mine;
    pthread_t thread;
    int i;
    get_three(&mine);
    get_three(&again);
    CHECK(pthread_create(&thread, NULL, get_three_main, &other) == 0, "thread");
    pthread_join(thread, NULL);
    CHECK(mine.failures + again.failures + other.failures == 0, "%s", last_error());
    for (i = 0; i < 3; i++) {
        CHECK(mine.handles[i] == again.handles[i], "form %d: a new handle on a warm call", i);
        CHECK(mine.handles[i] != other.handles[i], "form %d: two threads share a handle", i);
        CHECK(strcmp(ecscred_credential_access_key_id(mine.handles[i]),
                     ecscred_credential_access_key_id(other.handles[i])) == 0,
              "form %d: the threads got different credentials", i);
        ecscred_credential_free(mine.handles[i]);
        ecscred_credential_free(again.handles[i]);
        ecscred_credential_free(other.handles[i]);
    }
    ecscred_provider_free(p);
}

static void test_handles_outlive_their_thread_and_provider(void) {
    /* Handles from a thread that has exited (its cache released) and from a provider that
     * has been freed stay valid until freed, in any order, on any thread. ASan and
     * valgrind run this too. */
    ecscred_provider *p = provider_for(ROLE, ECSCRED_FROM_ENV);
    struct three t = {p, {NULL, NULL, NULL}, 0};
    ecscred_credential *copy;
    pthread_t thread;
    int i;
    CHECK(pthread_create(&thread, NULL, get_three_main, &t) == 0, "thread");
    pthread_join(thread, NULL);
    CHECK(t.failures == 0, "%d calls failed", t.failures);
    if (t.failures != 0) return;
    ecscred_provider_free(p);
    copy = ecscred_credential_clone(t.handles[2]);
    ecscred_credential_free(t.handles[2]);
    for (i = 0; i < 2; i++) CHECK(handle_ok(t.handles[i]), "handle %d after its thread exited", i);
    CHECK(handle_ok(copy), "a clone after the provider and the original were freed");
    ecscred_credential_free(t.handles[1]);
    ecscred_credential_free(copy);
    CHECK(handle_ok(t.handles[0]), "the last handle");
    ecscred_credential_free(t.handles[0]);
}

static void test_warm_deadline(void) {
    ecscred_provider *p = provider_for(ROLE, ECSCRED_FROM_ENV);
    ecscred_credential *c = NULL;
    ecscred_warm_deadline d;
    const volatile uint64_t *epoch = ecscred_warm_epoch();
    uint64_t now_ms = (uint64_t)time(NULL) * 1000;
    ecscred_status s;
    int form;
    CHECK(epoch != NULL && epoch == ecscred_warm_epoch(), "the epoch's address");
    for (form = 0; form < 3; form++) {
        memset(&d, 0, sizeof d);
        s = form == 0   ? ecscred_get_credential_until(NULL, &c, &d)
            : form == 1 ? ecscred_get_credential_until(ROLE, &c, &d)
                        : ecscred_provider_get_credential_until(p, &c, &d);
        CHECK(s == ECSCRED_OK, "form %d: %s: %s", form, ecscred_status_str(s), last_error());
        if (s != ECSCRED_OK) continue;
        /* Warm, 6 h credentials: served until their refresh, hours from now. */
        CHECK(d.until_unix_ms > now_ms + 3600 * 1000, "form %d: until %llu", form,
              (unsigned long long)d.until_unix_ms);
        CHECK(d.until_unix_ms < (uint64_t)ecscred_credential_expiration(c) * 1000,
              "form %d: the deadline reaches the expiration", form);
        CHECK(d.epoch == *epoch, "form %d: a stale epoch", form);
        ecscred_credential_free(c);
    }
    c = NULL;
    CHECK(ecscred_get_credential_until(NULL, &c, NULL) == ECSCRED_NULL_ARGUMENT, "deadline NULL");
    CHECK(ecscred_provider_get_credential_until(p, NULL, &d) == ECSCRED_NULL_ARGUMENT, "out NULL");
    CHECK(ecscred_provider_get_credential_until(NULL, &c, &d) == ECSCRED_NULL_ARGUMENT,
          "provider NULL");
    CHECK(c == NULL, "out written on failure");
    ecscred_provider_free(p);
}

static void test_fork_with_warm_thread_caches(void) {
    /* Every form is warm in this thread's cache when it forks; the child's calls still get
     * the cached credential, through the engine (the fork changes its epoch). */
    ecscred_provider *p = provider_for(ROLE, ECSCRED_FROM_ENV);
    struct three parent = {p, {NULL, NULL, NULL}, 0};
    uint64_t epoch_before = *ecscred_warm_epoch();
    pid_t pid;
    int status = 0, i;
    get_three(&parent);
    CHECK(parent.failures == 0, "%s", last_error());
    if (parent.failures != 0) return;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct three child = {p, {NULL, NULL, NULL}, 0};
        int bad = *ecscred_warm_epoch() == epoch_before ? 1 : 0;
        get_three(&child);
        if (child.failures != 0) _exit(bad | 2);
        for (i = 0; i < 3; i++) {
            if (strcmp(ecscred_credential_access_key_id(child.handles[i]),
                       ecscred_credential_access_key_id(parent.handles[i])) != 0)
                bad |= 4;
            ecscred_credential_free(child.handles[i]);
            ecscred_credential_free(parent.handles[i]);
        }
        ecscred_provider_free(p);
        _exit(bad);
    }
    CHECK(pid > 0, "fork failed");
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    for (i = 0; i < 3; i++) ecscred_credential_free(parent.handles[i]);
    ecscred_provider_free(p);
}

/* ---- secrets --------------------------------------------------------------------------- */

static int check_absent(const char *secret) {
    int i, found = 0;
    if (strlen(secret) < 8) return 0;
    for (i = 0; i < seen_count; i++) {
        if (strstr(seen[i], secret) != NULL) {
            CHECK(0, "a message holds a secret: message %d", i);
            found = 1;
        }
    }
    return found;
}

static void test_no_secret_in_any_message(void) {
    char *credentials = mock_must("GET", "/_mock/credentials", NULL);
    char *tokens = mock_must("GET", "/_mock/tokens", NULL);
    char value[4096];
    const char *cursor;
    int secrets = 0, i;

    cursor = NULL;
    while (json_string(credentials, "access_key_secret", value, sizeof value, &cursor)) {
        check_absent(value);
        secrets++;
    }
    cursor = NULL;
    while (json_string(credentials, "security_token", value, sizeof value, &cursor)) {
        check_absent(value);
        secrets++;
    }
    /* /_mock/tokens is a JSON array of strings. */
    cursor = strchr(tokens, '"');
    while (cursor != NULL) {
        const char *end = strchr(cursor + 1, '"');
        size_t n;
        if (end == NULL) break;
        n = (size_t)(end - cursor - 1);
        if (n < sizeof value) {
            memcpy(value, cursor + 1, n);
            value[n] = '\0';
            check_absent(value);
            secrets++;
        }
        cursor = strchr(end + 1, '"');
    }
    CHECK(secrets >= 4, "too few secrets to check (%d)", secrets);
    CHECK(seen_count >= 20, "too few messages were collected (%d)", seen_count);
    fprintf(stdout, "  %d messages checked against %d secrets\n", seen_count, secrets);
    free(credentials);
    free(tokens);
    for (i = 0; i < seen_count; i++) free(seen[i]);
    seen_count = 0;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    fprintf(stdout, "ecscred %s, mock %s\n", ecscred_version(), mock_url());
    RUN(test_version_and_status_names);
    RUN(test_one_call_api);
    RUN(test_provider_handle);
    RUN(test_hardened_instance);
    RUN(test_unreachable);
    RUN(test_http_500);
    RUN(test_role_not_found);
    RUN(test_hardened_mode_required_but_unavailable);
    RUN(test_invalid_response);
    RUN(test_timeout);
    RUN(test_disabled);
    RUN(test_invalid_config);
    RUN(test_boolean_variables);
    RUN(test_option_bounds);
    RUN(test_refresh_status);
    RUN(test_expiration_range);
    RUN(test_request_targets);
    RUN(test_null_arguments);
    RUN(test_invalid_utf8);
    RUN(test_invalid_arguments);
    RUN(test_last_error_is_per_thread);
    RUN(test_log_callback);
    RUN(test_threads_share_one_fetch);
    RUN(test_fork);
    RUN(test_warm_calls_reuse_this_thread_s_handle);
    RUN(test_handles_outlive_their_thread_and_provider);
    RUN(test_warm_deadline);
    RUN(test_fork_with_warm_thread_caches);
    RUN(test_no_secret_in_any_message);
    return SUMMARY();
}
