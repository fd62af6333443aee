/*
 * Tests of the default credential chain and pinned sources through the C API
 * (ecscred_provider_new_source, ecscred_provider_new_shared, the source accessors,
 * ecscred_credential_has_security_token / _expires), in a temporary HOME with the
 * ALIBABA_CLOUD_* variables each test sets (tests/c/run.sh clears the caller's), beside the
 * mock metadata service (ECSCRED_TEST_MOCK_URL and
 * ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT), a mock STS accepting an AccessKey
 * (ECSCRED_TEST_STS_URL, ECSCRED_TEST_STS_CA_FILE, ECSCRED_TEST_STS_ACCESS_KEY_ID and
 * _SECRET) and a mock credentials URI (ECSCRED_TEST_URI_URL), all on loopback
 * (tests/c/run.sh's run_chain_suite starts them).
 */
#define _GNU_SOURCE
#include <ecscred.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "mock.h"

/* 9998-12-31T23:59:59Z: the expiration of a credential that never expires. */
#define NEVER 253370764799LL

static char home[256];
static char config_json[400];
static char credentials_ini[400];

static const char *const kId = "LTAI5tChainTestKeyId";
static const char *const kSecret = "chain-test-secret-Qw3rTy-never-shown";
static const char *const kToken = "chain-test-token-CAISzQ1q-never-shown";
static const char *const kProfileSecret = "profile-secret-Zx9cVb-never-shown";

static const char *sts_url, *sts_key_id, *sts_key_secret, *uri_url;
static char *sts_ca_pem;

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

/* Every ALIBABA_CLOUD_* variable a test may set, cleared between tests (the endpoint of
 * the mock stays). */
static void clear_env(void) {
    static const char *const names[] = {
        "ALIBABA_CLOUD_ACCESS_KEY_ID",   "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",  "ALIBABA_CLOUD_PROFILE",
        "ALIBABA_CLOUD_CONFIG_FILE",     "ALIBABA_CLOUD_CREDENTIALS_FILE",
        "ALIBABA_CLOUD_CREDENTIALS_URI", "ALIBABA_CLOUD_ECS_METADATA",
        "ALIBABA_CLOUD_ROLE_ARN",        "ALIBABA_CLOUD_OIDC_PROVIDER_ARN",
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE", "ALIBABA_CLOUD_ECS_METADATA_DISABLED",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) unsetenv(names[i]);
    unlink(config_json);
    unlink(credentials_ini);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stdout, "cannot write %s\n", path);
        exit(2);
    }
}

/* ~/.aliyun/config.json with an AK profile "ak", an StsToken profile "sts" and `current`. */
static void write_cli_config(const char *current) {
    char text[2048];
    snprintf(text, sizeof text,
             "{\"current\": \"%s\", \"profiles\": [\n"
             " {\"name\": \"ak\", \"mode\": \"AK\", \"access_key_id\": \"LTAI5tProfileAk\",\n"
             "  \"access_key_secret\": \"%s\", \"region_id\": \"cn-hangzhou\"},\n"
             " {\"name\": \"sts\", \"mode\": \"StsToken\", \"access_key_id\": \"STS.ProfileSts\",\n"
             "  \"access_key_secret\": \"%s\", \"sts_token\": \"%s\"}\n"
             "]}\n",
             current, kProfileSecret, kProfileSecret, kToken);
    write_file(config_json, text);
}

static void no_secret_in(const char *text) {
    CHECK(strstr(text, kSecret) == NULL, "the secret leaked into: %s", text);
    CHECK(strstr(text, kToken) == NULL, "the token leaked into: %s", text);
    CHECK(strstr(text, kProfileSecret) == NULL, "the profile secret leaked into: %s", text);
}

/* A chain provider (NULL options: everything from the environment), or NULL. */
static ecscred_provider *chain(void) {
    ecscred_provider *p = NULL;
    ecscred_status s = ecscred_provider_new_source(NULL, &p);
    CHECK(s == ECSCRED_OK, "%s: %s", ecscred_status_str(s), ecscred_last_error_message());
    return p;
}

static ecscred_credential *credential_of(ecscred_provider *p) {
    ecscred_credential *c = NULL;
    if (p == NULL) return NULL;
    ecscred_status s = ecscred_provider_get_credential(p, &c);
    CHECK(s == ECSCRED_OK, "%s: %s", ecscred_status_str(s), ecscred_last_error_message());
    return c;
}

static void test_env_access_key_has_no_token_and_never_expires(void) {
    clear_env();
    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", kId, 1);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", kSecret, 1);
    mock_reset();
    ecscred_provider *p = chain();
    ecscred_credential *c = credential_of(p);
    if (c != NULL) {
        CHECK(ecscred_provider_source(p) == ECSCRED_SOURCE_ENV, "source %d",
              (int)ecscred_provider_source(p));
        CHECK(strcmp(ecscred_provider_name(p), "default/env") == 0, "%s", ecscred_provider_name(p));
        CHECK_CONTAINS(ecscred_provider_selected_by(p), "ALIBABA_CLOUD_ACCESS_KEY_ID");
        CHECK_CONTAINS(ecscred_provider_selected_by(p), "ALIBABA_CLOUD_ACCESS_KEY_SECRET");
        CHECK(strcmp(ecscred_provider_source_file(p), "") == 0, "no file");
        CHECK(strcmp(ecscred_provider_source_profile(p), "") == 0, "no profile");
        CHECK(strcmp(ecscred_provider_endpoint(p), "") == 0, "%s", ecscred_provider_endpoint(p));
        CHECK(strcmp(ecscred_credential_access_key_id(c), kId) == 0, "the id");
        CHECK(strcmp(ecscred_credential_access_key_secret(c), kSecret) == 0, "the secret");
        CHECK(strcmp(ecscred_credential_security_token(c), "") == 0, "a token");
        CHECK(ecscred_credential_has_security_token(c) == 0, "has a token");
        CHECK(ecscred_credential_expires(c) == 0, "expires");
        CHECK(ecscred_credential_expiration(c) == NEVER, "%lld",
              (long long)ecscred_credential_expiration(c));
        no_secret_in(ecscred_provider_selected_by(p));
    }
    ecscred_credential_free(c);
    ecscred_provider_free(p);
    CHECK(mock_counter("requests") == 0, "the metadata service was asked");
}

static void test_env_with_a_token(void) {
    clear_env();
    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.ChainEnvToken", 1);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", kSecret, 1);
    setenv("ALIBABA_CLOUD_SECURITY_TOKEN", kToken, 1);
    ecscred_provider *p = chain();
    ecscred_credential *c = credential_of(p);
    if (c != NULL) {
        CHECK(strcmp(ecscred_provider_name(p), "default/env") == 0, "%s", ecscred_provider_name(p));
        CHECK_CONTAINS(ecscred_provider_selected_by(p), "ALIBABA_CLOUD_SECURITY_TOKEN");
        CHECK(strcmp(ecscred_credential_security_token(c), kToken) == 0, "the token");
        CHECK(ecscred_credential_has_security_token(c) == 1, "no token");
        CHECK(ecscred_credential_expires(c) == 0, "an STS token without expiration expires");
    }
    ecscred_credential_free(c);
    ecscred_provider_free(p);
}

static void test_cli_profiles_in_home(void) {
    clear_env();
    write_cli_config("ak");
    ecscred_provider *p = chain();
    ecscred_credential *c = credential_of(p);
    if (c != NULL) {
        CHECK(ecscred_provider_source(p) == ECSCRED_SOURCE_PROFILE, "source %d",
              (int)ecscred_provider_source(p));
        CHECK(strcmp(ecscred_provider_name(p), "default/cli_profile/static_ak") == 0, "%s",
              ecscred_provider_name(p));
        CHECK(strcmp(ecscred_provider_source_file(p), config_json) == 0, "%s",
              ecscred_provider_source_file(p));
        CHECK(strcmp(ecscred_provider_source_profile(p), "ak") == 0, "%s",
              ecscred_provider_source_profile(p));
        CHECK_CONTAINS(ecscred_provider_selected_by(p), config_json);
        CHECK(strcmp(ecscred_credential_access_key_id(c), "LTAI5tProfileAk") == 0, "the id");
        CHECK(strcmp(ecscred_credential_access_key_secret(c), kProfileSecret) == 0, "secret");
        CHECK(ecscred_credential_has_security_token(c) == 0, "has a token");
        CHECK(ecscred_credential_expires(c) == 0, "expires");
        no_secret_in(ecscred_provider_selected_by(p));
    }
    ecscred_credential_free(c);
    ecscred_provider_free(p);

    /* The StsToken profile, chosen by ALIBABA_CLOUD_PROFILE. */
    setenv("ALIBABA_CLOUD_PROFILE", "sts", 1);
    p = chain();
    c = credential_of(p);
    if (c != NULL) {
        CHECK(strcmp(ecscred_provider_name(p), "default/cli_profile/static_sts") == 0, "%s",
              ecscred_provider_name(p));
        CHECK(strcmp(ecscred_provider_source_profile(p), "sts") == 0, "%s",
              ecscred_provider_source_profile(p));
        CHECK_CONTAINS(ecscred_provider_selected_by(p), "ALIBABA_CLOUD_PROFILE");
        CHECK(strcmp(ecscred_credential_access_key_id(c), "STS.ProfileSts") == 0, "the id");
        CHECK(ecscred_credential_has_security_token(c) == 1, "no token");
        CHECK(strcmp(ecscred_credential_security_token(c), kToken) == 0, "the token");
    }
    ecscred_credential_free(c);
    ecscred_provider_free(p);

    /* The profile option wins over the variable; a pinned profile source. */
    ecscred_source_options opts;
    ecscred_source_options_init(&opts);
    opts.source = ECSCRED_SOURCE_PROFILE;
    opts.profile = "ak";
    p = NULL;
    CHECK(ecscred_provider_new_source(&opts, &p) == ECSCRED_OK, "%s",
          ecscred_last_error_message());
    CHECK(strcmp(ecscred_provider_name(p), "cli_profile/static_ak") == 0, "pinned: %s",
          ecscred_provider_name(p));
    ecscred_provider_free(p);
}

static void test_credentials_ini_profile(void) {
    clear_env();
    char text[512];
    snprintf(text, sizeof text,
             "[default]\ntype = access_key\naccess_key_id = LTAI5tIniKey\n"
             "access_key_secret = %s\n",
             kProfileSecret);
    write_file(credentials_ini, text);
    ecscred_provider *p = chain();
    ecscred_credential *c = credential_of(p);
    if (c != NULL) {
        CHECK(strcmp(ecscred_provider_name(p), "default/profile/access_key") == 0, "%s",
              ecscred_provider_name(p));
        CHECK(strcmp(ecscred_provider_source_file(p), credentials_ini) == 0, "%s",
              ecscred_provider_source_file(p));
        CHECK(strcmp(ecscred_provider_source_profile(p), "default") == 0, "%s",
              ecscred_provider_source_profile(p));
        CHECK(strcmp(ecscred_credential_access_key_id(c), "LTAI5tIniKey") == 0, "the id");
        CHECK(ecscred_credential_has_security_token(c) == 0, "has a token");
    }
    ecscred_credential_free(c);
    ecscred_provider_free(p);
}

static void test_env_wins_over_a_profile(void) {
    clear_env();
    write_cli_config("ak");
    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", kId, 1);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", kSecret, 1);
    ecscred_provider *p = chain();
    ecscred_credential *c = credential_of(p);
    if (c != NULL) {
        CHECK(strcmp(ecscred_provider_name(p), "default/env") == 0, "%s", ecscred_provider_name(p));
        CHECK(strcmp(ecscred_credential_access_key_id(c), kId) == 0, "%s",
              ecscred_credential_access_key_id(c));
    }
    ecscred_credential_free(c);
    ecscred_provider_free(p);
}

static void test_a_half_set_pair_is_invalid_config(void) {
    clear_env();
    write_cli_config("ak"); /* configured, but never a fallback for a broken pair */
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", kSecret, 1);
    ecscred_provider *p = NULL;
    CHECK(ecscred_provider_new_source(NULL, &p) == ECSCRED_INVALID_CONFIG, "secret alone");
    CHECK(p == NULL, "out written on failure");
    CHECK_CONTAINS(ecscred_last_error_message(), "ALIBABA_CLOUD_ACCESS_KEY_ID");
    no_secret_in(ecscred_last_error_message());

    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", kId, 1);
    CHECK(ecscred_provider_new_shared(NULL, &p) == ECSCRED_INVALID_CONFIG, "id alone");
    CHECK_CONTAINS(ecscred_last_error_message(), "ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    CHECK(p == NULL, "out written on failure");

    /* A pinned source that is not configured says what to set. */
    clear_env();
    ecscred_source_options opts;
    ecscred_source_options_init(&opts);
    opts.source = ECSCRED_SOURCE_ENV;
    CHECK(ecscred_provider_new_source(&opts, &p) == ECSCRED_INVALID_CONFIG, "env pinned");
    CHECK_CONTAINS(ecscred_last_error_message(), "ALIBABA_CLOUD_ACCESS_KEY_ID");
    CHECK(p == NULL, "out written on failure");
}

/* The log callback's messages, all of them. */
static struct {
    pthread_mutex_t lock;
    char text[65536];
    size_t len;
    int count;
} logged = {PTHREAD_MUTEX_INITIALIZER, "", 0, 0};

static void on_log(void *userdata, ecscred_log_level level, const char *message) {
    (void)userdata;
    (void)level;
    pthread_mutex_lock(&logged.lock);
    int n = snprintf(logged.text + logged.len, sizeof logged.text - logged.len, "%s\n", message);
    if (n > 0 && logged.len + (size_t)n < sizeof logged.text) logged.len += (size_t)n;
    logged.count++;
    pthread_mutex_unlock(&logged.lock);
}

static void test_profile_secrets_stay_out_of_errors_and_logs(void) {
    clear_env();
    CHECK(ecscred_set_log_callback(on_log, NULL, ECSCRED_LOG_TRACE) == ECSCRED_OK, "%s",
          ecscred_last_error_message());
    /* A profile missing its id, with a secret beside it. */
    char text[1024];
    snprintf(text, sizeof text,
             "{\"current\": \"broken\", \"profiles\": [{\"name\": \"broken\", \"mode\": \"AK\",\n"
             " \"access_key_secret\": \"%s\", \"sts_token\": \"%s\"}]}\n",
             kProfileSecret, kToken);
    write_file(config_json, text);
    ecscred_provider *p = NULL;
    CHECK(ecscred_provider_new_source(NULL, &p) == ECSCRED_INVALID_CONFIG, "broken profile");
    CHECK_CONTAINS(ecscred_last_error_message(), "broken");
    CHECK_CONTAINS(ecscred_last_error_message(), "access_key_id");
    CHECK_CONTAINS(ecscred_last_error_message(), config_json);
    no_secret_in(ecscred_last_error_message());
    /* A file that is not JSON, its secret in the middle. */
    snprintf(text, sizeof text, "{\"current\": \"x\", \"profiles\": [%s}\n", kProfileSecret);
    write_file(config_json, text);
    CHECK(ecscred_provider_new_source(NULL, &p) == ECSCRED_INVALID_CONFIG, "not JSON");
    CHECK_CONTAINS(ecscred_last_error_message(), config_json);
    no_secret_in(ecscred_last_error_message());
    /* Working profiles, used: their secrets are in no message either. */
    write_cli_config("sts");
    p = chain();
    ecscred_credential *c = credential_of(p);
    ecscred_credential_free(c);
    ecscred_provider_free(p);
    /* An EcsRamRole profile beside AK profiles holding secrets, fetching from the mock
     * (which logs each request), and failing once (which logs the failure). */
    snprintf(text, sizeof text,
             "{\"current\": \"ecs\", \"profiles\": [\n"
             " {\"name\": \"ecs\", \"mode\": \"EcsRamRole\", \"ram_role_name\": \"EcsRamRoleTest\"},\n"
             " {\"name\": \"ak\", \"mode\": \"AK\", \"access_key_id\": \"LTAI5tOther\",\n"
             "  \"access_key_secret\": \"%s\", \"sts_token\": \"%s\"}]}\n",
             kProfileSecret, kToken);
    write_file(config_json, text);
    mock_reset();
    p = chain();
    if (p != NULL) {
        CHECK(strcmp(ecscred_provider_name(p), "default/cli_profile/ecs_ram_role") == 0, "%s",
              ecscred_provider_name(p));
        c = credential_of(p);
        ecscred_credential_free(c);
        ecscred_provider_free(p);
    }
    mock_fault("{\"kind\":\"status\",\"status\":500,\"target\":\"credential\"}");
    p = chain();
    c = NULL;
    CHECK(ecscred_provider_get_credential(p, &c) == ECSCRED_HTTP_STATUS, "%s",
          ecscred_last_error_message());
    CHECK_CONTAINS(ecscred_last_error_message(), "cli_profile");
    no_secret_in(ecscred_last_error_message());
    ecscred_credential_free(c);
    ecscred_provider_free(p);
    mock_reset();
    CHECK(ecscred_set_log_callback(NULL, NULL, ECSCRED_LOG_OFF) == ECSCRED_OK, "unset");
    pthread_mutex_lock(&logged.lock);
    CHECK(logged.count > 0, "nothing was logged");
    no_secret_in(logged.text);
    fprintf(stdout, "  %d log messages checked\n", logged.count);
    pthread_mutex_unlock(&logged.lock);
}

static void test_ecs_when_nothing_else_is_configured(void) {
    clear_env();
    mock_reset();
    ecscred_provider *p = chain();
    ecscred_credential *c = credential_of(p);
    if (c != NULL) {
        CHECK(ecscred_provider_source(p) == ECSCRED_SOURCE_ECS, "source %d",
              (int)ecscred_provider_source(p));
        CHECK(strcmp(ecscred_provider_name(p), "default/ecs_ram_role") == 0, "%s",
              ecscred_provider_name(p));
        CHECK(strcmp(ecscred_provider_endpoint(p), mock_url()) == 0, "%s",
              ecscred_provider_endpoint(p));
        CHECK_CONTAINS(ecscred_provider_selected_by(p), "nothing else is configured");
        CHECK(strncmp(ecscred_credential_access_key_id(c), "STS.", 4) == 0, "%s",
              ecscred_credential_access_key_id(c));
        CHECK(ecscred_credential_has_security_token(c) == 1, "no token");
        CHECK(ecscred_credential_expires(c) == 1, "never expires");
        CHECK(ecscred_credential_expiration(c) < NEVER, "expiration");
    }
    ecscred_credential_free(c);
    ecscred_provider_free(p);
    CHECK(mock_counter("credential_gets") == 1, "%ld credential GETs",
          mock_counter("credential_gets"));

    /* ALIBABA_CLOUD_ECS_METADATA_DISABLED: nothing is left to choose. */
    setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true", 1);
    p = NULL;
    CHECK(ecscred_provider_new_source(NULL, &p) == ECSCRED_INVALID_CONFIG, "nothing to choose");
    CHECK_CONTAINS(ecscred_last_error_message(), "ALIBABA_CLOUD_ECS_METADATA_DISABLED");
    CHECK(p == NULL, "out written on failure");
}

static void test_pinned_ecs_with_options_and_the_shared_provider(void) {
    clear_env();
    mock_reset();
    ecscred_source_options opts;
    ecscred_source_options_init(&opts);
    opts.source = ECSCRED_SOURCE_ECS;
    opts.endpoint = mock_url();
    opts.role_name = "EcsRamRoleTest";
    ecscred_provider *a = NULL, *b = NULL;
    CHECK(ecscred_provider_new_shared(&opts, &a) == ECSCRED_OK, "%s", ecscred_last_error_message());
    CHECK(ecscred_provider_new_shared(&opts, &b) == ECSCRED_OK, "%s", ecscred_last_error_message());
    CHECK(a != b, "two handles");
    CHECK(strcmp(ecscred_provider_name(a), "ecs_ram_role") == 0, "%s", ecscred_provider_name(a));
    ecscred_credential *ca = credential_of(a);
    ecscred_credential *cb = credential_of(b);
    if (ca != NULL && cb != NULL) {
        CHECK(strcmp(ecscred_credential_access_key_id(ca), ecscred_credential_access_key_id(cb)) == 0,
              "one cache");
    }
    ecscred_credential_free(ca);
    ecscred_credential_free(cb);
    ecscred_provider_free(a);
    ecscred_provider_free(b);
    CHECK(mock_counter("credential_gets") == 1, "%ld credential GETs for two shared handles",
          mock_counter("credential_gets"));

    /* The providers of ecscred_provider_new report their source too. */
    ecscred_options base;
    ecscred_options_init(&base);
    base.endpoint = mock_url();
    CHECK(ecscred_provider_new(&base, &a) == ECSCRED_OK, "%s", ecscred_last_error_message());
    CHECK(ecscred_provider_source(a) == ECSCRED_SOURCE_ECS, "source");
    CHECK(strcmp(ecscred_provider_name(a), "ecs_ram_role") == 0, "%s", ecscred_provider_name(a));
    ecscred_provider_free(a);
}

/* ALIBABA_CLOUD_CREDENTIALS_URI: the chain's credential_uri source over the mock. */
static void test_credentials_uri(void) {
    clear_env();
    setenv("ALIBABA_CLOUD_CREDENTIALS_URI", uri_url, 1);
    mock_reset();
    ecscred_provider *p = chain();
    ecscred_credential *c = credential_of(p);
    if (c != NULL) {
        CHECK(ecscred_provider_source(p) == ECSCRED_SOURCE_URI, "source %d",
              (int)ecscred_provider_source(p));
        CHECK(strcmp(ecscred_provider_name(p), "default/credential_uri") == 0, "%s",
              ecscred_provider_name(p));
        CHECK_CONTAINS(ecscred_provider_selected_by(p), "ALIBABA_CLOUD_CREDENTIALS_URI");
        CHECK(strncmp(uri_url, ecscred_provider_endpoint(p), strlen(ecscred_provider_endpoint(p))) ==
                      0 && *ecscred_provider_endpoint(p) != '\0',
              "endpoint %s", ecscred_provider_endpoint(p));
        CHECK(strncmp(ecscred_credential_access_key_id(c), "STS.", 4) == 0, "%s",
              ecscred_credential_access_key_id(c));
        CHECK(ecscred_credential_has_security_token(c) == 1, "no token");
        CHECK(ecscred_credential_expires(c) == 1, "never expires");
    }
    ecscred_credential_free(c);
    ecscred_provider_free(p);
    CHECK(mock_counter("requests") == 0, "the metadata service was asked");

    /* Pinned, with the URL as an option instead. */
    clear_env();
    ecscred_source_options opts;
    ecscred_source_options_init(&opts);
    opts.source = ECSCRED_SOURCE_URI;
    opts.credentials_uri = uri_url;
    p = NULL;
    CHECK(ecscred_provider_new_source(&opts, &p) == ECSCRED_OK, "%s",
          ecscred_last_error_message());
    CHECK(strcmp(ecscred_provider_name(p), "credential_uri") == 0, "%s", ecscred_provider_name(p));
    c = credential_of(p);
    ecscred_credential_free(c);
    ecscred_provider_free(p);
    /* Plain http to a host that is not loopback is refused, naming the option. */
    opts.credentials_uri = "http://credentials.example.com/latest";
    p = NULL;
    CHECK(ecscred_provider_new_source(&opts, &p) == ECSCRED_INVALID_CONFIG, "plain http");
    fprintf(stdout, "  %s\n", ecscred_last_error_message());
    CHECK(p == NULL, "out written on failure");
}

/* The OIDC variables select the OIDC source, before any profile. */
static void test_oidc_before_profiles(void) {
    clear_env();
    write_cli_config("ak");
    setenv("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1234567890:role/c-chain", 1);
    setenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1234567890:oidc-provider/ack", 1);
    setenv("ALIBABA_CLOUD_OIDC_TOKEN_FILE", getenv("ECSCRED_TEST_OIDC_TOKEN_FILE"), 1);
    ecscred_source_options opts;
    ecscred_source_options_init(&opts);
    opts.sts_endpoint = sts_url;
    opts.sts_extra_root_pem = sts_ca_pem;
    mock_reset();
    ecscred_provider *p = NULL;
    CHECK(ecscred_provider_new_source(&opts, &p) == ECSCRED_OK, "%s",
          ecscred_last_error_message());
    ecscred_credential *c = credential_of(p);
    if (c != NULL) {
        CHECK(ecscred_provider_source(p) == ECSCRED_SOURCE_OIDC, "source %d",
              (int)ecscred_provider_source(p));
        CHECK(strcmp(ecscred_provider_name(p), "default/oidc_role_arn") == 0, "%s",
              ecscred_provider_name(p));
        CHECK_CONTAINS(ecscred_provider_selected_by(p), "ALIBABA_CLOUD_OIDC_TOKEN_FILE");
        CHECK(strncmp(ecscred_credential_access_key_id(c), "STS.", 4) == 0, "%s",
              ecscred_credential_access_key_id(c));
        CHECK(ecscred_credential_has_security_token(c) == 1 && ecscred_credential_expires(c) == 1,
              "an STS credential");
    }
    ecscred_credential_free(c);
    ecscred_provider_free(p);
    CHECK(mock_counter("requests") == 0, "the metadata service was asked");
    /* Two of the three variables: an error naming the third, never a fallback. */
    unsetenv("ALIBABA_CLOUD_OIDC_PROVIDER_ARN");
    p = NULL;
    CHECK(ecscred_provider_new_source(&opts, &p) == ECSCRED_INVALID_CONFIG, "half OIDC");
    CHECK_CONTAINS(ecscred_last_error_message(), "ALIBABA_CLOUD_OIDC_PROVIDER_ARN");
    CHECK(p == NULL, "out written on failure");
}

/* A RamRoleArn profile: its AccessKey signs STS AssumeRole (the mock STS checks the
 * signature); the secret appears in no message. */
static void test_ram_role_arn_profile(void) {
    clear_env();
    char text[2048];
    snprintf(text, sizeof text,
             "{\"current\": \"dev\", \"profiles\": [\n"
             " {\"name\": \"dev\", \"mode\": \"RamRoleArn\", \"access_key_id\": \"%s\",\n"
             "  \"access_key_secret\": \"%s\", \"ram_role_arn\": \"acs:ram::1:role/c-dev\",\n"
             "  \"ram_session_name\": \"c-suite\", \"expired_seconds\": 3600},\n"
             " {\"name\": \"wrong\", \"mode\": \"RamRoleArn\", \"access_key_id\": \"%s\",\n"
             "  \"access_key_secret\": \"%s\", \"ram_role_arn\": \"acs:ram::1:role/c-dev\"}\n"
             "]}\n",
             sts_key_id, sts_key_secret, sts_key_id, kProfileSecret);
    write_file(config_json, text);
    ecscred_source_options opts;
    ecscred_source_options_init(&opts);
    opts.sts_endpoint = sts_url;
    opts.sts_extra_root_pem = sts_ca_pem;
    ecscred_provider *p = NULL;
    CHECK(ecscred_provider_new_source(&opts, &p) == ECSCRED_OK, "%s",
          ecscred_last_error_message());
    ecscred_credential *c = credential_of(p);
    if (c != NULL) {
        CHECK(strcmp(ecscred_provider_name(p), "default/cli_profile/ram_role_arn") == 0, "%s",
              ecscred_provider_name(p));
        CHECK(strcmp(ecscred_provider_source_profile(p), "dev") == 0, "%s",
              ecscred_provider_source_profile(p));
        CHECK(strcmp(ecscred_provider_endpoint(p), sts_url) == 0, "%s",
              ecscred_provider_endpoint(p));
        CHECK(strncmp(ecscred_credential_access_key_id(c), "STS.", 4) == 0, "%s",
              ecscred_credential_access_key_id(c));
        CHECK(ecscred_credential_has_security_token(c) == 1, "no token");
        CHECK(ecscred_credential_expires(c) == 1, "never expires");
        CHECK(strstr(ecscred_provider_selected_by(p), sts_key_secret) == NULL, "the secret");
    }
    ecscred_credential_free(c);
    ecscred_provider_free(p);

    /* The wrong secret: STS refuses the signature; the message names the profile and STS's
     * code, never the secret. */
    opts.profile = "wrong";
    p = NULL;
    CHECK(ecscred_provider_new_source(&opts, &p) == ECSCRED_OK, "%s",
          ecscred_last_error_message());
    c = NULL;
    ecscred_status s = ecscred_provider_get_credential(p, &c);
    CHECK(s == ECSCRED_HTTP_STATUS, "%s: %s", ecscred_status_str(s), ecscred_last_error_message());
    CHECK_CONTAINS(ecscred_last_error_message(), "wrong");
    fprintf(stdout, "  %s\n", ecscred_last_error_message());
    no_secret_in(ecscred_last_error_message());
    CHECK(strstr(ecscred_last_error_message(), sts_key_secret) == NULL, "the secret leaked");
    CHECK(c == NULL, "out written on failure");
    ecscred_provider_free(p);
}

static void test_arguments(void) {
    clear_env();
    ecscred_provider *p = NULL;
    ecscred_source_options opts;
    CHECK(ecscred_provider_new_source(NULL, NULL) == ECSCRED_NULL_ARGUMENT, "out NULL");
    CHECK_CONTAINS(ecscred_last_error_message(), "ecscred_provider_new_source: out is NULL");
    CHECK(ecscred_provider_new_shared(NULL, NULL) == ECSCRED_NULL_ARGUMENT, "out NULL");

    ecscred_source_options_init(&opts);
    opts.profile = "ab\xff" "cd";
    CHECK(ecscred_provider_new_source(&opts, &p) == ECSCRED_INVALID_UTF8, "profile");
    CHECK_CONTAINS(ecscred_last_error_message(), "options.profile is not valid UTF-8");
    ecscred_source_options_init(&opts);
    opts.config_file = "/tmp/\xc3(";
    CHECK(ecscred_provider_new_source(&opts, &p) == ECSCRED_INVALID_UTF8, "config_file");
    CHECK_CONTAINS(ecscred_last_error_message(), "options.config_file");

    ecscred_source_options_init(&opts);
    opts.source = (ecscred_source_kind)42;
    CHECK(ecscred_provider_new_source(&opts, &p) == ECSCRED_INVALID_ARGUMENT, "source 42");
    CHECK_CONTAINS(ecscred_last_error_message(), "options.source is 42");
    ecscred_source_options_init(&opts);
    opts.struct_size = 8;
    CHECK(ecscred_provider_new_source(&opts, &p) == ECSCRED_INVALID_ARGUMENT, "struct_size");
    CHECK_CONTAINS(ecscred_last_error_message(), "ecscred_source_options_init");
    ecscred_source_options_init(&opts);
    opts.disabled = 7;
    CHECK(ecscred_provider_new_source(&opts, &p) == ECSCRED_INVALID_ARGUMENT, "disabled 7");
    ecscred_source_options_init(&opts);
    opts.fetch_timeout_ms = 3600001;
    CHECK(ecscred_provider_new_source(&opts, &p) == ECSCRED_INVALID_CONFIG, "fetch timeout");
    CHECK(p == NULL, "out written on failure");
    ecscred_source_options_init(NULL); /* ignored */

    /* A missing file named by an option is an error naming it. */
    ecscred_source_options_init(&opts);
    opts.config_file = "/nonexistent/ecscred-chain-test/config.json";
    CHECK(ecscred_provider_new_source(&opts, &p) == ECSCRED_INVALID_CONFIG, "missing file");
    CHECK_CONTAINS(ecscred_last_error_message(), "/nonexistent/ecscred-chain-test/config.json");

    /* Accessors on NULL. */
    CHECK(ecscred_provider_source(NULL) == ECSCRED_SOURCE_CHAIN, "source of NULL");
    CHECK(strcmp(ecscred_provider_name(NULL), "") == 0, "name of NULL");
    CHECK(strcmp(ecscred_provider_selected_by(NULL), "") == 0, "selected_by of NULL");
    CHECK(strcmp(ecscred_provider_source_file(NULL), "") == 0, "file of NULL");
    CHECK(strcmp(ecscred_provider_source_profile(NULL), "") == 0, "profile of NULL");
    CHECK(ecscred_credential_has_security_token(NULL) == 0, "has_security_token of NULL");
    CHECK(ecscred_credential_expires(NULL) == 0, "expires of NULL");
    CHECK(strcmp(ecscred_source_kind_str(ECSCRED_SOURCE_PROFILE), "profile") == 0, "profile");
    CHECK(strcmp(ecscred_source_kind_str(ECSCRED_SOURCE_CHAIN), "chain") == 0, "chain");
    CHECK(strcmp(ecscred_source_kind_str((ecscred_source_kind)99), "unknown source") == 0, "99");
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(home, sizeof home, "%s/ecscred-chain-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    sts_url = getenv("ECSCRED_TEST_STS_URL");
    sts_key_id = getenv("ECSCRED_TEST_STS_ACCESS_KEY_ID");
    sts_key_secret = getenv("ECSCRED_TEST_STS_ACCESS_KEY_SECRET");
    uri_url = getenv("ECSCRED_TEST_URI_URL");
    const char *ca_file = getenv("ECSCRED_TEST_STS_CA_FILE");
    sts_ca_pem = ca_file ? read_file(ca_file) : NULL;
    if (getenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT") == NULL || sts_url == NULL ||
        sts_key_id == NULL || sts_key_secret == NULL || uri_url == NULL || sts_ca_pem == NULL ||
        getenv("ECSCRED_TEST_OIDC_TOKEN_FILE") == NULL ||
        mkdtemp(home) == NULL) {
        fprintf(stderr, "run me from tests/c/run.sh (needs the mocks and a temporary directory)\n");
        return 2;
    }
    /* Never the machine's own ~/.aliyun or ~/.alibabacloud. */
    setenv("HOME", home, 1);
    char dir[300];
    snprintf(dir, sizeof dir, "%s/.aliyun", home);
    mkdir(dir, 0700);
    snprintf(config_json, sizeof config_json, "%s/config.json", dir);
    snprintf(dir, sizeof dir, "%s/.alibabacloud", home);
    mkdir(dir, 0700);
    snprintf(credentials_ini, sizeof credentials_ini, "%s/credentials", dir);

    RUN(test_env_access_key_has_no_token_and_never_expires);
    RUN(test_env_with_a_token);
    RUN(test_cli_profiles_in_home);
    RUN(test_credentials_ini_profile);
    RUN(test_env_wins_over_a_profile);
    RUN(test_a_half_set_pair_is_invalid_config);
    RUN(test_profile_secrets_stay_out_of_errors_and_logs);
    RUN(test_ecs_when_nothing_else_is_configured);
    RUN(test_pinned_ecs_with_options_and_the_shared_provider);
    RUN(test_credentials_uri);
    RUN(test_oidc_before_profiles);
    RUN(test_ram_role_arn_profile);
    RUN(test_arguments);

    clear_env();
    snprintf(dir, sizeof dir, "%s/.aliyun", home);
    rmdir(dir);
    snprintf(dir, sizeof dir, "%s/.alibabacloud", home);
    rmdir(dir);
    rmdir(home);
    free(sts_ca_pem);
    return SUMMARY();
}
