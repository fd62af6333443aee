// Tests of the C++ API (the installed <ecscred.hpp>) against the mock metadata service
// and, for the OIDC source, the mock STS (`ecscred mock-sts`: ECSCRED_TEST_STS_URL,
// ECSCRED_TEST_STS_CA_FILE, ECSCRED_TEST_OIDC_TOKEN_FILE, ECSCRED_TEST_WRONG_TOKEN_FILE);
// run by tests/c/run.sh, built through find_package(ecscred) and through pkg-config, with
// and without exceptions (-fno-exceptions: the throwing forms are compiled out and only
// the non-throwing ones are tested), plain and under ASan+UBSan.

#include <ecscred.hpp>

#include <atomic>
#include <mutex>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "mock.h"

static const char *const kRole = "EcsRamRoleTest";

static std::string current_id() {
    char *json = mock_must("GET", "/_mock/credential/current", nullptr);
    char id[128] = "";
    json_string(json, "access_key_id", id, sizeof id, nullptr);
    std::free(json);
    return id;
}

#if ECSCRED_HPP_EXCEPTIONS
static void test_get_credential() {
    ecscred::Credential cred = ecscred::get_credential();
    CHECK(current_id() == cred.access_key_id(), "id %s", cred.access_key_id());
    CHECK(std::string(cred.access_key_secret()).size() > 0, "secret");
    CHECK(std::string(cred.security_token()).size() > 0, "token");
    CHECK(cred.expiration() > std::chrono::system_clock::now(), "expired");
    ecscred::Credential named = ecscred::get_credential(std::string(kRole));
    CHECK(std::string(named.access_key_id()) == cred.access_key_id(), "same credential");
}

#endif

static void test_copy_and_move() {
    static_assert(!std::is_copy_constructible<ecscred::Provider>::value, "move-only");
    ecscred::Credential a;
    CHECK(!a && std::string(a.access_key_id()).empty() && a.expiration_unix() == 0, "empty");
    CHECK(ecscred::try_get_credential(a) == ECSCRED_OK, "%s",
          ecscred::last_error_message().c_str());
    CHECK(static_cast<bool>(a), "holds one");
    std::string id = a.access_key_id();
    ecscred::Credential b = a;             // a second handle
    ecscred::Credential c = std::move(a);  // a is now empty
    CHECK(std::string(a.access_key_id()).empty(), "moved-from is empty");
    CHECK(id == b.access_key_id() && id == c.access_key_id(), "same snapshot");
    a = b;  // assignment takes a handle again
    CHECK(id == a.access_key_id(), "assigned");
    std::vector<ecscred::Credential> many(100, b);
    CHECK(id == many.back().access_key_id(), "copies in a vector");
    ecscred::Credential &self = a;
    a = self;  // self-assignment keeps the handle
    a = std::move(self);
    CHECK(id == a.access_key_id(), "self-assigned");
    ecscred_credential *raw = a.release();
    CHECK(!a && raw != nullptr, "released");
    a.reset(raw);
    CHECK(id == a.access_key_id(), "adopted again");
    a.reset();
    CHECK(!a, "reset");
}

static void test_non_throwing() {
    ecscred::Credential cred;
    CHECK(ecscred::try_get_credential(cred, kRole) == ECSCRED_OK, "%s",
          ecscred::last_error_message().c_str());
    CHECK(current_id() == cred.access_key_id(), "id %s", cred.access_key_id());
    CHECK(std::string(cred.access_key_secret()).size() > 0, "secret");
    CHECK(std::string(cred.security_token()).size() > 0, "token");
    CHECK(cred.expiration() > std::chrono::system_clock::now(), "expired");

    // A failure leaves `out` as it was and is described by last_error().
    std::string before = cred.access_key_id();
    ecscred::Status status = ecscred::try_get_credential(cred, "bad/role");
    CHECK(status == ECSCRED_INVALID_CONFIG, "status %u", static_cast<unsigned>(status));
    ecscred::ErrorInfo info = ecscred::last_error(status);
    CHECK(!info.ok() && info.status() == ECSCRED_INVALID_CONFIG, "info");
    CHECK(std::string(info.status_name()) == "invalid config", "%s", info.status_name());
    CHECK_CONTAINS(info.message().c_str(), "role name");
    CHECK(before == cred.access_key_id(), "out unchanged");
    CHECK(info.http_status() == 0, "no HTTP status for a bad role name");
    CHECK(ecscred::last_error(ECSCRED_OK).ok() && ecscred::last_error(ECSCRED_OK).message().empty(),
          "ok info");

    ecscred::Provider provider;
    CHECK(!provider && std::string(provider.endpoint()).empty(), "empty provider");
    status = provider.try_credential(cred);
    CHECK(status == ECSCRED_NULL_ARGUMENT, "empty provider: %s", ecscred::status_name(status));
    status =
        ecscred::Provider::create(provider, ecscred::Options().endpoint("https://127.0.0.1:1"));
    CHECK(status == ECSCRED_INVALID_CONFIG && !provider, "invalid endpoint: %s",
          ecscred::status_name(status));
    status = ecscred::Provider::create(
        provider, ecscred::Options().endpoint(mock_url()).token_ttl(std::chrono::seconds(-1)));
    CHECK(status == ECSCRED_INVALID_CONFIG && !provider, "negative TTL: %s",
          ecscred::status_name(status));
    status =
        ecscred::Provider::create(provider, ecscred::Options()
                                                .endpoint(mock_url())
                                                .role_name(kRole)
                                                .fetch_timeout(std::chrono::milliseconds(4000)));
    CHECK(status == ECSCRED_OK && provider, "create: %s", ecscred::last_error_message().c_str());
    CHECK(provider.try_credential(cred) == ECSCRED_OK && current_id() == cred.access_key_id(),
          "provider credential");

    char endpoint[64];
    std::snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", closed_port());
    ecscred::Provider down;
    CHECK(ecscred::Provider::create(down, ecscred::Options().endpoint(endpoint).role_name(kRole)) ==
              ECSCRED_OK,
          "create");
    status = down.try_credential(cred);
    CHECK(status == ECSCRED_UNREACHABLE, "status %s", ecscred::status_name(status));
    CHECK_CONTAINS(ecscred::last_error(status).message().c_str(), endpoint);
}

// Many sources for one role share the process-wide provider: one metadata request. Runs
// first: the process-wide provider of the role is still cold.
static void test_source_shares_the_process_provider() {
    mock_reset();
    for (int i = 0; i < 50; i++) {
        ecscred::CredentialSource source{std::string(kRole)};
        ecscred::Credential cred;
        CHECK(source.fetch(cred) == ECSCRED_OK, "fetch %d", i);
        CHECK(source.last_error().ok(), "no error");
    }
    CHECK(mock_counter("credential_gets") == 1, "%ld credential GETs for 50 sources",
          mock_counter("credential_gets"));
}

// Failure transitions: the handler runs once per transition to failing, from any of the
// threads that failed; last_error() has the cause until a fetch succeeds.
static void test_source_failures() {
    auto provider = std::make_shared<ecscred::Provider>();
    CHECK(ecscred::Provider::create(
              *provider, ecscred::Options().endpoint(mock_url()).role_name(kRole)) == ECSCRED_OK,
          "create");
    ecscred::CredentialSource source(provider);
    std::atomic<int> calls(0);
    std::mutex mutex;
    std::string seen;
    source.on_failure([&](const ecscred::ErrorInfo &e) {
        calls++;
        std::lock_guard<std::mutex> lock(mutex);
        seen = e.message();
    });
    ecscred::Credential cred;
    CHECK(source.fetch(cred) == ECSCRED_OK, "first fetch");

    // Credential GETs answer 404 from now on (the role is gone); a fresh provider on the
    // same mock meets the fault at once.
    mock_fault("{\"kind\":\"status\",\"status\":404,\"target\":\"credential\"}");
    auto failing = std::make_shared<ecscred::Provider>();
    CHECK(ecscred::Provider::create(
              *failing, ecscred::Options().endpoint(mock_url()).role_name(kRole)) == ECSCRED_OK,
          "create");
    ecscred::CredentialSource broken(failing);
    broken.on_failure([&](const ecscred::ErrorInfo &e) {
        calls++;
        std::lock_guard<std::mutex> lock(mutex);
        seen = e.message();
    });
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++) {
        threads.emplace_back([&broken] {
            for (int i = 0; i < 100; i++) {
                ecscred::Credential c;
                (void)broken.fetch(c);
            }
        });
    }
    for (auto &th : threads) th.join();
    CHECK(calls == 1, "handler called %d times for one transition", calls.load());
    ecscred::ErrorInfo info = broken.last_error();
    CHECK(info.status() == ECSCRED_ROLE_NOT_FOUND, "status %s", info.status_name());
    CHECK(info.http_status() == 404, "HTTP status %u", static_cast<unsigned>(info.http_status()));
    CHECK_CONTAINS(info.message().c_str(), "answered 404");
    {
        std::lock_guard<std::mutex> lock(mutex);
        CHECK_CONTAINS(seen.c_str(), "answered 404");
    }
    CHECK(source.last_error().ok(), "the working source is unaffected");
    mock_reset();

    // A source over a null provider fails cleanly.
    ecscred::CredentialSource none{std::shared_ptr<const ecscred::Provider>()};
    CHECK(none.fetch(cred) == ECSCRED_NULL_ARGUMENT, "null provider");
    CHECK(none.last_error().status() == ECSCRED_NULL_ARGUMENT, "recorded");
    // Copies share the state.
    ecscred::CredentialSource copy = none;
    CHECK(copy.last_error().status() == ECSCRED_NULL_ARGUMENT, "copy shares the state");
}

#if ECSCRED_HPP_EXCEPTIONS
static void test_provider() {
    ecscred::Provider provider(ecscred::Options()
                                   .endpoint(mock_url())
                                   .role_name(kRole)
                                   .read_timeout(std::chrono::milliseconds(2000)));
    CHECK(std::string(provider.endpoint()) == mock_url(), "endpoint %s", provider.endpoint());
    ecscred::Credential cred = provider.credential();
    CHECK(current_id() == cred.access_key_id(), "id");
    ecscred::Provider moved = std::move(provider);
    CHECK(current_id() == moved.credential().access_key_id(), "moved provider works");

    // Several threads through one provider.
    std::vector<std::thread> threads;
    int failures[4] = {0, 0, 0, 0};
    for (int t = 0; t < 4; t++) {
        threads.emplace_back([&moved, &failures, t] {
            for (int i = 0; i < 1000; i++) {
                try {
                    if (moved.credential().access_key_id()[0] != 'S') failures[t]++;
                } catch (const ecscred::Error &) {
                    failures[t]++;
                }
            }
        });
    }
    for (auto &th : threads) th.join();
    CHECK(failures[0] + failures[1] + failures[2] + failures[3] == 0, "thread failures");
}

static void test_errors_are_exceptions() {
    char endpoint[64];
    std::snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", closed_port());
    ecscred::Provider provider(ecscred::Options().endpoint(endpoint).role_name(kRole));
    bool thrown = false;
    try {
        provider.credential();
    } catch (const ecscred::Error &e) {
        thrown = true;
        CHECK(e.status() == ECSCRED_UNREACHABLE, "status %s", e.status_name());
        CHECK(e.http_status() == 0, "HTTP status %u", static_cast<unsigned>(e.http_status()));
        CHECK(std::string(e.status_name()) == "unreachable", "%s", e.status_name());
        CHECK_CONTAINS(e.what(), endpoint);
    }
    CHECK(thrown, "no exception for a closed port");

    thrown = false;
    try {
        ecscred::Provider bad(ecscred::Options().endpoint("https://127.0.0.1:1"));
    } catch (const ecscred::Error &e) {
        thrown = true;
        CHECK(e.status() == ECSCRED_INVALID_CONFIG, "status %s", e.status_name());
    }
    CHECK(thrown, "no exception for an invalid endpoint");

    thrown = false;
    try {
        ecscred::Provider off(ecscred::Options().endpoint(mock_url()).disabled(true));
        off.credential();
    } catch (const ecscred::Error &e) {
        thrown = true;
        CHECK(e.status() == ECSCRED_DISABLED, "status %s", e.status_name());
    }
    CHECK(thrown, "no exception when disabled");

    thrown = false;
    try {
        ecscred::get_credential("bad/role");
    } catch (const std::runtime_error &e) {  // Error is a std::runtime_error
        thrown = true;
        CHECK_CONTAINS(e.what(), "role name");
    }
    CHECK(thrown, "no exception for an invalid role name");
}
#endif

// ---- the OIDC source ----

static std::string read_file(const char *path) {
    std::string text;
    FILE *f = path ? std::fopen(path, "rb") : nullptr;
    if (f == nullptr) return text;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
    return text;
}

static std::string sts_url() {
    const char *url = std::getenv("ECSCRED_TEST_STS_URL");
    return url ? url : "";
}

static std::string oidc_token() {
    std::string token = read_file(std::getenv("ECSCRED_TEST_OIDC_TOKEN_FILE"));
    return token.substr(0, token.find_first_of("\r\n"));
}

// Options for the mock STS, trusting its CA unless told otherwise.
static ecscred::OidcOptions oidc_options(bool trust_the_ca = true) {
    ecscred::OidcOptions options;
    options.role_arn("acs:ram::1234567890:role/cpp-test")
        .oidc_provider_arn("acs:ram::1234567890:oidc-provider/ack-rrsa")
        .oidc_token_file(std::getenv("ECSCRED_TEST_OIDC_TOKEN_FILE"))
        .sts_endpoint(sts_url());
    if (trust_the_ca)
        options.sts_extra_root_pem(read_file(std::getenv("ECSCRED_TEST_STS_CA_FILE")));
    return options;
}

static void test_oidc_non_throwing() {
    ecscred::Provider provider;
    ecscred::Status status = ecscred::Provider::create_oidc(
        provider,
        oidc_options().role_session_name("cpp-session").duration(std::chrono::seconds(900)));
    CHECK(status == ECSCRED_OK && provider, "create_oidc: %s",
          ecscred::last_error_message().c_str());
    CHECK(std::string(provider.endpoint()) == sts_url(), "endpoint %s", provider.endpoint());
    ecscred::Credential cred, again;
    CHECK(provider.try_credential(cred) == ECSCRED_OK, "%s", ecscred::last_error_message().c_str());
    CHECK(std::string(cred.access_key_id()).compare(0, 4, "STS.") == 0, "id %s",
          cred.access_key_id());
    CHECK(std::string(cred.security_token()).size() > 100, "a token");
    CHECK(cred.expiration() > std::chrono::system_clock::now(), "expired");
    CHECK(provider.try_credential(again) == ECSCRED_OK &&
              std::string(again.access_key_id()) == cred.access_key_id(),
          "the cached credential");

    // Through a CredentialSource, as the SDK adapters use it.
    auto shared = std::make_shared<ecscred::Provider>(std::move(provider));
    ecscred::CredentialSource source{std::shared_ptr<const ecscred::Provider>(shared)};
    ecscred::Credential via;
    CHECK(
        source.fetch(via) == ECSCRED_OK && std::string(via.access_key_id()) == cred.access_key_id(),
        "source over the OIDC provider");
    CHECK(mock_counter("requests") == 0, "the metadata service was asked");

    // Invalid configurations leave `out` as it was.
    ecscred::Provider bad;
    status =
        ecscred::Provider::create_oidc(bad, oidc_options().sts_endpoint("http://sts.example.com"));
    CHECK(status == ECSCRED_INVALID_CONFIG && !bad, "plain http: %s", ecscred::status_name(status));
    CHECK_CONTAINS(ecscred::last_error(status).message().c_str(), "plain http");
    status = ecscred::Provider::create_oidc(bad, oidc_options().duration(std::chrono::seconds(-1)));
    CHECK(status == ECSCRED_INVALID_CONFIG && !bad, "negative duration: %s",
          ecscred::status_name(status));

    // A missing token file: invalid configuration naming the path, at the fetch.
    ecscred::Provider missing;
    CHECK(ecscred::Provider::create_oidc(
              missing, oidc_options().oidc_token_file("/nonexistent/ecscred-cpp/token")) ==
              ECSCRED_OK,
          "%s", ecscred::last_error_message().c_str());
    std::string before = cred.access_key_id();
    status = missing.try_credential(cred);
    CHECK(status == ECSCRED_INVALID_CONFIG, "missing file: %s", ecscred::status_name(status));
    CHECK_CONTAINS(ecscred::last_error(status).message().c_str(), "/nonexistent/ecscred-cpp/token");
    CHECK(before == cred.access_key_id(), "out unchanged");

    // STS refuses the token: its code and HTTP status, never the token.
    ecscred::Provider refused;
    CHECK(ecscred::Provider::create_oidc(
              refused, oidc_options().oidc_token_file(
                           std::getenv("ECSCRED_TEST_WRONG_TOKEN_FILE"))) == ECSCRED_OK,
          "create");
    status = refused.try_credential(cred);
    ecscred::ErrorInfo info = ecscred::last_error(status);
    CHECK(status == ECSCRED_HTTP_STATUS, "refused: %s", ecscred::status_name(status));
    CHECK(info.http_status() == 400, "HTTP status %u", static_cast<unsigned>(info.http_status()));
    CHECK_CONTAINS(info.message().c_str(), "InvalidParameter.OIDCToken");
    CHECK(info.message().find(oidc_token()) == std::string::npos, "the token leaked");
}

#if ECSCRED_HPP_EXCEPTIONS
static void test_oidc_throwing() {
    ecscred::Provider provider(oidc_options());
    CHECK(std::string(provider.credential().access_key_id()).compare(0, 4, "STS.") == 0,
          "credential");
    bool thrown = false;
    try {
        ecscred::Provider bad(oidc_options().sts_endpoint("ftp://127.0.0.1:1"));
    } catch (const ecscred::Error &e) {
        thrown = true;
        CHECK(e.status() == ECSCRED_INVALID_CONFIG, "status %s", e.status_name());
    }
    CHECK(thrown, "no exception for an invalid STS endpoint");

    thrown = false;
    try {
        ecscred::Provider untrusted(oidc_options(false));
        untrusted.credential();
    } catch (const ecscred::Error &e) {
        thrown = true;
        CHECK(e.status() == ECSCRED_UNREACHABLE, "status %s", e.status_name());
        CHECK_CONTAINS(e.what(), "certificate");
    }
    CHECK(thrown, "no exception for an untrusted STS certificate");
    CHECK(mock_counter("requests") == 0, "the metadata service was asked");
}
#endif

// The default chain: a long-term AccessKey in the environment (in an empty temporary HOME),
// its source info, a credential without token that never expires; a half-set pair.
static void test_chain() {
    char home[] = "/tmp/ecscred-cpp-chain-XXXXXX";
    CHECK(mkdtemp(home) != nullptr, "mkdtemp");
    std::string old_home = std::getenv("HOME") ? std::getenv("HOME") : "";
    setenv("HOME", home, 1);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI5tCppApiChain", 1);
    setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "cpp-api-chain-secret-never-shown", 1);
    mock_reset();

    ecscred::Provider chain;
    CHECK(ecscred::Provider::create_chain(chain) == ECSCRED_OK, "%s",
          ecscred::last_error_message().c_str());
    CHECK(chain.source() == ECSCRED_SOURCE_ENV, "source %s",
          ecscred::source_kind_name(chain.source()));
    CHECK(std::string(chain.provider_name()) == "default/env", "%s", chain.provider_name());
    CHECK_CONTAINS(chain.selected_by(), "ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    CHECK(std::string(chain.source_file()).empty() && std::string(chain.source_profile()).empty(),
          "file or profile");
    ecscred::Credential cred;
    CHECK(chain.try_credential(cred) == ECSCRED_OK, "%s", ecscred::last_error_message().c_str());
    CHECK(std::string(cred.access_key_id()) == "LTAI5tCppApiChain", "%s", cred.access_key_id());
    CHECK(!cred.has_security_token() && std::string(cred.security_token()).empty(), "a token");
    CHECK(!cred.expires(), "expires");
    CHECK(cred.expiration_unix() == 253370764799LL, "%lld", (long long)cred.expiration_unix());

    // A shared one, through a CredentialSource (what the SDK adapters hold).
    auto shared = std::make_shared<ecscred::Provider>();
    CHECK(ecscred::Provider::create_shared(*shared) == ECSCRED_OK, "%s",
          ecscred::last_error_message().c_str());
    ecscred::CredentialSource source{std::shared_ptr<const ecscred::Provider>(shared)};
    ecscred::Credential via_source;
    CHECK(source.fetch(via_source) == ECSCRED_OK, "fetch");
    CHECK(std::string(via_source.access_key_id()) == "LTAI5tCppApiChain", "via the source");

    // Pinned ECS with options: the metadata service's credential, which expires.
    ecscred::Provider ecs;
    CHECK(ecscred::Provider::create_chain(ecs, ecscred::SourceOptions()
                                                   .source(ECSCRED_SOURCE_ECS)
                                                   .endpoint(mock_url())
                                                   .role_name(kRole)) == ECSCRED_OK,
          "%s", ecscred::last_error_message().c_str());
    CHECK(std::string(ecs.provider_name()) == "ecs_ram_role", "%s", ecs.provider_name());
    ecscred::Credential sts;
    CHECK(ecs.try_credential(sts) == ECSCRED_OK, "%s", ecscred::last_error_message().c_str());
    CHECK(sts.has_security_token() && sts.expires(), "an STS credential");

    // Half-set: ECSCRED_INVALID_CONFIG naming the missing variable; the provider unchanged.
    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_ID");
    CHECK(ecscred::Provider::create_chain(chain) == ECSCRED_INVALID_CONFIG, "half-set");
    CHECK_CONTAINS(ecscred::last_error_message().c_str(), "ALIBABA_CLOUD_ACCESS_KEY_ID");
    CHECK(std::string(chain.provider_name()) == "default/env", "replaced on failure");
#if ECSCRED_HPP_EXCEPTIONS
    bool thrown = false;
    try {
        ecscred::Provider p{ecscred::SourceOptions()};
    } catch (const ecscred::Error &e) {
        thrown = e.status() == ECSCRED_INVALID_CONFIG;
    }
    CHECK(thrown, "Provider(SourceOptions) throws for a half-set pair");
#endif
    ecscred::Provider empty;
    CHECK(empty.source() == ECSCRED_SOURCE_CHAIN && std::string(empty.provider_name()).empty(),
          "an empty provider");
    CHECK(!ecscred::Credential().has_security_token() && !ecscred::Credential().expires(),
          "an empty credential");

    unsetenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET");
    setenv("HOME", old_home.c_str(), 1);
    rmdir(home);
    CHECK(mock_counter("credential_gets") == 1, "%ld credential GETs",
          mock_counter("credential_gets"));
}

static void test_version() {
    CHECK(std::string(ecscred::version()).find('.') != std::string::npos, "%s", ecscred::version());
}

int main() {
    std::printf("ecscred %s (C++ API, exceptions %s), mock %s\n", ecscred::version(),
                ECSCRED_HPP_EXCEPTIONS ? "on" : "off", mock_url());
    if (sts_url().empty() || !std::getenv("ECSCRED_TEST_OIDC_TOKEN_FILE") ||
        !std::getenv("ECSCRED_TEST_STS_CA_FILE") || !std::getenv("ECSCRED_TEST_WRONG_TOKEN_FILE")) {
        std::fprintf(stderr, "run me from tests/c/run.sh (ECSCRED_TEST_STS_* unset)\n");
        return 2;
    }
    RUN(test_source_shares_the_process_provider);
    RUN(test_version);
    RUN(test_copy_and_move);
    RUN(test_non_throwing);
    RUN(test_source_failures);
    mock_reset();
    RUN(test_oidc_non_throwing);
#if ECSCRED_HPP_EXCEPTIONS
    RUN(test_oidc_throwing);
    RUN(test_get_credential);
    RUN(test_provider);
    RUN(test_errors_are_exceptions);
#endif
    RUN(test_chain);  // last: it uses the mock, which the OIDC tests expect unasked
    return SUMMARY();
}
