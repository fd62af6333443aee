/*
 * Tests of ecscred_provider_new_oidc (the OIDC source: an ACK pod's role through STS)
 * against the mock STS (`ecscred mock-sts`, HTTPS with its own CA). tests/c/run.sh starts
 * it and sets ECSCRED_TEST_STS_URL, ECSCRED_TEST_STS_CA_FILE (its CA's PEM) and
 * ECSCRED_TEST_OIDC_TOKEN_FILE (the token it accepts), next to the mock metadata service
 * (ECSCRED_TEST_MOCK_URL), which must never be asked.
 */
#define _GNU_SOURCE
#include <ecscred.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mock.h"

static const char *sts_url;
static const char *token_file;
static char *ca_pem;
static char token[4096];

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

/* Options for the mock STS, trusting its CA. */
static void oidc_options(ecscred_oidc_options *opts) {
    ecscred_oidc_options_init(opts);
    opts->role_arn = "acs:ram::1234567890:role/c-test";
    opts->oidc_provider_arn = "acs:ram::1234567890:oidc-provider/ack-rrsa";
    opts->oidc_token_file = token_file;
    opts->sts_endpoint = sts_url;
    opts->sts_extra_root_pem = ca_pem;
}

static void no_token_in(const char *text) {
    CHECK(strstr(text, token) == NULL, "the OIDC token leaked into: %s", text);
}

static void test_gets_the_credential_sts_issued(void) {
    ecscred_oidc_options opts;
    oidc_options(&opts);
    ecscred_provider *p = NULL;
    ecscred_credential *c = NULL;
    CHECK(ecscred_provider_new_oidc(&opts, &p) == ECSCRED_OK, "%s", ecscred_last_error_message());
    if (p == NULL) return;
    CHECK(strcmp(ecscred_provider_endpoint(p), sts_url) == 0, "%s", ecscred_provider_endpoint(p));
    CHECK(ecscred_provider_get_credential(p, &c) == ECSCRED_OK, "%s", ecscred_last_error_message());
    if (c != NULL) {
        CHECK(strncmp(ecscred_credential_access_key_id(c), "STS.", 4) == 0, "%s",
              ecscred_credential_access_key_id(c));
        CHECK(strlen(ecscred_credential_security_token(c)) > 100, "a token");
        ecscred_credential *again = NULL;
        CHECK(ecscred_provider_get_credential(p, &again) == ECSCRED_OK, "cached");
        if (again != NULL) {
            CHECK(strcmp(ecscred_credential_access_key_id(again),
                         ecscred_credential_access_key_id(c)) == 0, "the cached credential");
            ecscred_credential_free(again);
        }
        ecscred_credential_free(c);
    }
    ecscred_provider_free(p);
    CHECK(mock_counter("requests") == 0, "the metadata service was asked");
}

static void test_from_the_environment(void) {
    setenv("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1234567890:role/c-env", 1);
    setenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1234567890:oidc-provider/env", 1);
    setenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE", token_file, 1);
    setenv("ALIBABA_CLOUD_STS_ENDPOINT", sts_url, 1);
    ecscred_oidc_options opts;
    ecscred_oidc_options_init(&opts);
    opts.sts_extra_root_pem = ca_pem; /* no variable for a test CA */
    ecscred_provider *p = NULL;
    ecscred_credential *c = NULL;
    CHECK(ecscred_provider_new_oidc(&opts, &p) == ECSCRED_OK, "%s", ecscred_last_error_message());
    if (p != NULL) {
        CHECK(ecscred_provider_get_credential(p, &c) == ECSCRED_OK, "%s",
              ecscred_last_error_message());
        ecscred_credential_free(c);
        ecscred_provider_free(p);
    }
    unsetenv("ALIBABA_CLOUD_ROLE_ARN");
    unsetenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN");
    unsetenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE");
    unsetenv("ALIBABA_CLOUD_STS_ENDPOINT");
}

static void test_invalid_configurations(void) {
    ecscred_oidc_options opts;
    ecscred_provider *p = NULL;
    /* Nothing configured: the role ARN is named. */
    CHECK(ecscred_provider_new_oidc(NULL, &p) == ECSCRED_INVALID_CONFIG, "no configuration");
    CHECK_CONTAINS(ecscred_last_error_message(), "ALIBABA_CLOUD_ROLE_ARN");
    /* Plain http to a host that is not loopback. */
    oidc_options(&opts);
    opts.sts_endpoint = "http://sts.example.com";
    CHECK(ecscred_provider_new_oidc(&opts, &p) == ECSCRED_INVALID_CONFIG, "plain http");
    CHECK_CONTAINS(ecscred_last_error_message(), "plain http");
    /* Out of range duration. */
    oidc_options(&opts);
    opts.duration_seconds = 60;
    CHECK(ecscred_provider_new_oidc(&opts, &p) == ECSCRED_INVALID_CONFIG, "duration");
    /* Options not prepared by ecscred_oidc_options_init. */
    oidc_options(&opts);
    opts.struct_size = 8;
    CHECK(ecscred_provider_new_oidc(&opts, &p) == ECSCRED_INVALID_ARGUMENT, "struct_size");
    CHECK(ecscred_provider_new_oidc(NULL, NULL) == ECSCRED_NULL_ARGUMENT, "out NULL");
    CHECK(p == NULL, "out written on failure");
    /* A missing token file: invalid configuration naming the path, at the fetch. */
    oidc_options(&opts);
    opts.oidc_token_file = "/nonexistent/ecscred-test/token";
    CHECK(ecscred_provider_new_oidc(&opts, &p) == ECSCRED_OK, "%s", ecscred_last_error_message());
    if (p != NULL) {
        ecscred_credential *c = NULL;
        CHECK(ecscred_provider_get_credential(p, &c) == ECSCRED_INVALID_CONFIG, "missing file");
        CHECK_CONTAINS(ecscred_last_error_message(), "/nonexistent/ecscred-test/token");
        CHECK(c == NULL, "out written on failure");
        ecscred_provider_free(p);
    }
}

static void test_sts_refusal_names_its_code_never_the_token(void) {
    ecscred_oidc_options opts;
    oidc_options(&opts);
    opts.role_session_name = "c-refused";
    opts.oidc_token_file = getenv("ECSCRED_TEST_WRONG_TOKEN_FILE");
    ecscred_provider *p = NULL;
    CHECK(ecscred_provider_new_oidc(&opts, &p) == ECSCRED_OK, "%s", ecscred_last_error_message());
    if (p == NULL) return;
    ecscred_credential *c = NULL;
    CHECK(ecscred_provider_get_credential(p, &c) == ECSCRED_HTTP_STATUS, "refused");
    CHECK_CONTAINS(ecscred_last_error_message(), "InvalidParameter.OIDCToken");
    CHECK(ecscred_last_error_http_status() == 400, "%u", ecscred_last_error_http_status());
    no_token_in(ecscred_last_error_message());
    ecscred_provider_free(p);
}

static void test_an_untrusted_certificate_is_refused(void) {
    ecscred_oidc_options opts;
    oidc_options(&opts);
    opts.sts_extra_root_pem = NULL;
    ecscred_provider *p = NULL;
    CHECK(ecscred_provider_new_oidc(&opts, &p) == ECSCRED_OK, "%s", ecscred_last_error_message());
    if (p == NULL) return;
    ecscred_credential *c = NULL;
    CHECK(ecscred_provider_get_credential(p, &c) == ECSCRED_UNREACHABLE, "%s",
          ecscred_last_error_message());
    CHECK_CONTAINS(ecscred_last_error_message(), "certificate");
    ecscred_provider_free(p);
}

int main(void) {
    sts_url = getenv("ECSCRED_TEST_STS_URL");
    token_file = getenv("ECSCRED_TEST_OIDC_TOKEN_FILE");
    const char *ca_file = getenv("ECSCRED_TEST_STS_CA_FILE");
    if (sts_url == NULL || token_file == NULL || ca_file == NULL ||
        getenv("ECSCRED_TEST_WRONG_TOKEN_FILE") == NULL) {
        fprintf(stderr, "run me from tests/c/run.sh (ECSCRED_TEST_STS_* unset)\n");
        return 2;
    }
    ca_pem = read_file(ca_file);
    char *t = read_file(token_file);
    if (ca_pem == NULL || t == NULL) {
        fprintf(stderr, "cannot read the CA or token file\n");
        return 2;
    }
    snprintf(token, sizeof token, "%s", t);
    token[strcspn(token, "\r\n")] = '\0';
    free(t);
    RUN(test_gets_the_credential_sts_issued);
    RUN(test_from_the_environment);
    RUN(test_invalid_configurations);
    RUN(test_sts_refusal_names_its_code_never_the_token);
    RUN(test_an_untrusted_certificate_is_refused);
    free(ca_pem);
    return SUMMARY();
}
