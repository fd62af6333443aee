// ecscred::aliyun_oss::CredentialsProvider inside the real aliyun-oss-cpp-sdk (1.10.1),
// against the repository's OSS test server, which verifies every signature (V1 and V4)
// against the credentials the mock metadata service issued. Built with -fno-exceptions,
// as the SDK is. Run by tests/cpp/sdk_tests.py, which starts the servers, picks the scenario
// (argv[1]) and then checks the server's own record of every request.
//
//   test_oss one-line    the one-line wiring (role name, discovered, own Provider), V1 and V4
//   test_oss threads     8 threads on one client across a credential rotation
//   test_oss outage      no metadata service: sync, callable and async calls fail cleanly
//   test_oss oidc        over a Provider of the OIDC source (the mock STS), V1 and V4
//   test_oss chain       over default-chain Providers holding long-term AccessKeys (the
//                        environment's, a config.json profile's): no security token sent

#include <alibabacloud/oss/OssClient.h>
#include <ecscred/aliyun_oss.hpp>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "sdk_common.h"

namespace oss = AlibabaCloud::OSS;
using Adapter = ecscred::aliyun_oss::CredentialsProvider;

static const char *const kRole = "EcsRamRoleTest";
static const char *const kBucket = "ramroletest";

static std::string oss_url() { return required_env("ECSCRED_TEST_OSS_URL"); }

static oss::ClientConfiguration config(bool v4) {
    oss::ClientConfiguration conf;
    if (v4) conf.signatureVersion = oss::SignatureVersionType::V4;
    return conf;
}

static std::unique_ptr<oss::OssClient> client_for(std::shared_ptr<oss::CredentialsProvider> p,
                                                  bool v4) {
    std::unique_ptr<oss::OssClient> client(new oss::OssClient(oss_url(), p, config(v4)));
    client->SetRegion("cn-hangzhou");
    return client;
}

static oss::ListObjectsRequest list_request() {
    oss::ListObjectsRequest request(kBucket);
    request.setMaxKeys(10);
    return request;
}

// "ok" and the keys, or the SDK's error.
static std::string describe(const oss::ListObjectOutcome &outcome) {
    if (!outcome.isSuccess()) return outcome.error().Code() + ": " + outcome.error().Message();
    std::string keys = "ok";
    for (const auto &o : outcome.result().ObjectSummarys()) keys += " " + o.Key();
    return keys;
}

static const char *const kListed = "ok ramroletest.txt test.sh";

// One adapter and one client per request, as a program that builds them per call would:
// the process-wide provider of the role serves all of them with one metadata request.
static void test_role_name_per_request() {
    mock_reset();
    for (int i = 0; i < 20; i++) {
        auto credentials = std::make_shared<Adapter>(kRole);
        auto client = client_for(credentials, i % 2 == 1);
        std::string got = describe(client->ListObjects(list_request()));
        CHECK(got == kListed, "request %d: %s", i, got.c_str());
    }
    CHECK(mock_counter("credential_gets") == 1, "%ld credential GETs for 20 adapters",
          mock_counter("credential_gets"));
}

static void test_discovered_role_per_request() {
    mock_reset();
    for (int i = 0; i < 20; i++) {
        auto credentials = std::make_shared<Adapter>();
        auto client = client_for(credentials, i % 2 == 0);
        std::string got = describe(client->ListObjects(list_request()));
        CHECK(got == kListed, "request %d: %s", i, got.c_str());
    }
    CHECK(mock_counter("credential_gets") == 1, "%ld credential GETs for 20 adapters",
          mock_counter("credential_gets"));
}

// Over a Provider of one's own (explicit endpoint), moved in or shared by two adapters.
static void test_own_provider() {
    ecscred::Provider provider;
    CHECK(ecscred::Provider::create(
              provider, ecscred::Options().endpoint(mock_url()).role_name(kRole)) == ECSCRED_OK,
          "create: %s", ecscred::last_error_message().c_str());
    auto moved = std::make_shared<Adapter>(std::move(provider));
    CHECK(describe(client_for(moved, true)->ListObjects(list_request())) == kListed, "moved in");

    auto shared = std::make_shared<ecscred::Provider>();
    CHECK(ecscred::Provider::create(*shared, ecscred::Options().endpoint(mock_url())) == ECSCRED_OK,
          "create");
    auto a = std::make_shared<Adapter>(std::shared_ptr<const ecscred::Provider>(shared));
    auto b = std::make_shared<Adapter>(std::shared_ptr<const ecscred::Provider>(shared));
    CHECK(describe(client_for(a, false)->ListObjects(list_request())) == kListed, "shared a");
    CHECK(describe(client_for(b, true)->ListObjects(list_request())) == kListed, "shared b");
    CHECK(a->lastError().ok() && b->lastError().ok(), "no error");
}

// The file's text, "" when unreadable.
static std::string read_file(const std::string &path) {
    std::string text;
    FILE *f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return text;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
    return text;
}

// An ACK pod's role (RRSA): a Provider of the OIDC source over the mock STS, moved into
// one adapter and shared by two, signing V1 and V4 requests; the metadata service is never
// asked. The driver checks that the server verified every request with a credential the
// mock STS issued.
static void test_oidc_provider() {
    mock_reset();
    ecscred::OidcOptions options;
    options.role_arn("acs:ram::1234567890:role/cpp-oss")
        .oidc_provider_arn("acs:ram::1234567890:oidc-provider/ack-rrsa")
        .oidc_token_file(required_env("ECSCRED_TEST_OIDC_TOKEN_FILE"))
        .sts_endpoint(required_env("ECSCRED_TEST_STS_URL"))
        .sts_extra_root_pem(read_file(required_env("ECSCRED_TEST_STS_CA_FILE")));
    ecscred::Provider provider;
    CHECK(ecscred::Provider::create_oidc(provider, options) == ECSCRED_OK, "create_oidc: %s",
          ecscred::last_error_message().c_str());
    auto moved = std::make_shared<Adapter>(std::move(provider));
    CHECK(describe(client_for(moved, false)->ListObjects(list_request())) == kListed, "moved V1");
    CHECK(describe(client_for(moved, true)->ListObjects(list_request())) == kListed, "moved V4");
    CHECK(moved->getCredentials().AccessKeyId().compare(0, 4, "STS.") == 0, "an STS credential");

    auto shared = std::make_shared<ecscred::Provider>();
    CHECK(ecscred::Provider::create_oidc(*shared, options) == ECSCRED_OK, "create_oidc");
    auto a = std::make_shared<Adapter>(std::shared_ptr<const ecscred::Provider>(shared));
    auto b = std::make_shared<Adapter>(std::shared_ptr<const ecscred::Provider>(shared));
    CHECK(describe(client_for(a, true)->ListObjects(list_request())) == kListed, "shared a");
    CHECK(describe(client_for(b, false)->ListObjects(list_request())) == kListed, "shared b");
    CHECK(a->getCredentials().AccessKeyId() == b->getCredentials().AccessKeyId(),
          "one provider, one credential");
    CHECK(a->lastError().ok() && moved->lastError().ok(), "no error");
    CHECK(mock_counter("requests") == 0, "the metadata service was asked %ld times",
          mock_counter("requests"));
}

// The default chain with a long-term AccessKey in the environment (the driver sets
// ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, a key the OSS server knows, and an empty HOME): V1 and
// V4 requests and a presigned URL, all without any security token (the server refuses
// one, even empty, with a permanent key, and the driver checks its record). Then a pinned
// profile source (the driver's config.json, ECSCRED_TEST_CONFIG_FILE).
static void test_chain_long_term_keys() {
    mock_reset();
    ecscred::Provider chain;
    CHECK(ecscred::Provider::create_shared(chain) == ECSCRED_OK, "create_shared: %s",
          ecscred::last_error_message().c_str());
    CHECK(std::strcmp(chain.provider_name(), "default/env") == 0, "%s", chain.provider_name());
    auto adapter = std::make_shared<Adapter>(std::move(chain));
    oss::Credentials creds = adapter->getCredentials();
    CHECK(creds.AccessKeyId() == required_env("ALIBABA_CLOUD_ACCESS_KEY_ID"), "the env key");
    CHECK(creds.SessionToken().empty(), "a session token for a long-term key");
    CHECK(describe(client_for(adapter, false)->ListObjects(list_request())) == kListed, "V1");
    CHECK(describe(client_for(adapter, true)->ListObjects(list_request())) == kListed, "V4");
    auto url = client_for(adapter, false)->GeneratePresignedUrl(kBucket, "test.sh");
    CHECK(url.isSuccess(), "presign");
    CHECK(url.result().find("security-token") == std::string::npos, "token in %s",
          url.isSuccess() ? "the presigned URL" : "");
    CHECK(url.result().find("OSSAccessKeyId=") != std::string::npos, "presigned V1");

    ecscred::Provider profile;
    CHECK(ecscred::Provider::create_chain(
              profile, ecscred::SourceOptions()
                           .source(ECSCRED_SOURCE_PROFILE)
                           .config_file(required_env("ECSCRED_TEST_CONFIG_FILE"))
                           .profile("cpp-ak")) == ECSCRED_OK,
          "create_chain: %s", ecscred::last_error_message().c_str());
    CHECK(std::strcmp(profile.provider_name(), "cli_profile/static_ak") == 0, "%s",
          profile.provider_name());
    auto from_profile = std::make_shared<Adapter>(std::move(profile));
    CHECK(describe(client_for(from_profile, true)->ListObjects(list_request())) == kListed,
          "profile V4");
    CHECK(describe(client_for(from_profile, false)->ListObjects(list_request())) == kListed,
          "profile V1");
    CHECK(from_profile->getCredentials().SessionToken().empty(), "a session token");
    CHECK(adapter->lastError().ok() && from_profile->lastError().ok(), "no error");
    CHECK(mock_counter("requests") == 0, "the metadata service was asked %ld times",
          mock_counter("requests"));
}

// 8 threads share one client (the OSS SDK's clients are thread-safe) and one adapter, with
// sync and callable requests, until every thread has made 3 requests with the credential
// the mock rotated to. The driver checks that the server verified every request.
static void test_threads_across_rotation() {
    auto credentials = std::make_shared<Adapter>(kRole);
    auto client = client_for(credentials, true);
    std::string first = credentials->getCredentials().AccessKeyId();
    CHECK(first == issued().at(0).id, "first credential %s", first.c_str());

    std::atomic<bool> failed(false);
    std::atomic<int> done(0);
    std::vector<std::thread> threads;
    std::mutex mutex;
    std::string errors;
    for (int t = 0; t < 8; t++) {
        threads.emplace_back([&, t] {
            int after = 0;  // requests made after the adapter switched credentials
            auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            for (int i = 0; after < 3 && !failed; i++) {
                if (std::chrono::steady_clock::now() > deadline) {
                    std::lock_guard<std::mutex> lock(mutex);
                    errors += "thread " + std::to_string(t) + ": no rotation within 60 s\n";
                    failed = true;
                    break;
                }
                bool rotated = credentials->getCredentials().AccessKeyId() != first;
                std::string got = i % 4 == 3
                                      ? describe(client->ListObjectsCallable(list_request()).get())
                                      : describe(client->ListObjects(list_request()));
                if (got != kListed) {
                    std::lock_guard<std::mutex> lock(mutex);
                    errors += "thread " + std::to_string(t) + ": " + got + "\n";
                    failed = true;
                }
                if (rotated) after++;
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            done++;
        });
    }
    // The moment the adapter hands out the new credential, the old one must still be
    // valid: ecscred switches ahead of expiry, not after.
    bool switched_in_time = false;
    while (done < 8) {
        std::vector<Issued> ids = issued();
        std::string now_id = credentials->getCredentials().AccessKeyId();
        if (ids.size() >= 2 && now_id != first) {
            switched_in_time = now_unix() < ids[0].expires;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (auto &th : threads) th.join();
    CHECK(!failed, "%s", errors.c_str());
    CHECK(switched_in_time, "the adapter switched after the old credential expired");
    CHECK(credentials->lastError().ok(), "%s", credentials->lastError().message().c_str());
}

// No metadata service: every call fails with the server's refusal, on every path; nothing
// aborts; the adapter says why, and its failure handler ran once.
static void test_outage() {
    std::string endpoint = required_env("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT");
    auto credentials = std::make_shared<Adapter>(kRole);
    std::atomic<int> reported(0);
    credentials->onFailure([&reported](const ecscred::ErrorInfo &) { reported++; });
    auto client = client_for(credentials, true);

    auto sync = client->ListObjects(list_request());
    CHECK(!sync.isSuccess(), "sync call succeeded");
    auto callable = client->ListObjectsCallable(list_request()).get();
    CHECK(!callable.isSuccess(), "callable call succeeded");

    std::promise<std::string> async_result;
    client->ListObjectsAsync(
        list_request(), [&async_result](const oss::OssClient *, const oss::ListObjectsRequest &,
                                        const oss::ListObjectOutcome &outcome,
                                        const std::shared_ptr<const oss::AsyncCallerContext> &) {
            async_result.set_value(describe(outcome));
        });
    std::string async_got = async_result.get_future().get();
    CHECK(async_got != kListed, "async call succeeded");
    std::printf("  the SDK's error: %s\n", describe(sync).c_str());
    CHECK(sync.error().Code() == "InvalidAccessKeyId", "%s", describe(sync).c_str());

    ecscred::ErrorInfo cause = credentials->lastError();
    CHECK(cause.status() == ECSCRED_UNREACHABLE, "status %s", cause.status_name());
    CHECK_CONTAINS(cause.message().c_str(), endpoint.c_str());
    std::printf("  the adapter's lastError(): %s: %s\n", cause.status_name(),
                cause.message().c_str());
    CHECK(reported == 1, "failure handler ran %d times", reported.load());
}

int main(int argc, char **argv) {
    std::string scenario = argc > 1 ? argv[1] : "";
    oss::InitializeSdk();
    std::printf("ecscred %s in aliyun-oss-cpp-sdk: %s\n", ecscred::version(), scenario.c_str());
    if (scenario == "one-line") {
        RUN(test_role_name_per_request);
        RUN(test_discovered_role_per_request);
        RUN(test_own_provider);
    } else if (scenario == "threads") {
        RUN(test_threads_across_rotation);
    } else if (scenario == "outage") {
        RUN(test_outage);
    } else if (scenario == "oidc") {
        RUN(test_oidc_provider);
    } else if (scenario == "chain") {
        RUN(test_chain_long_term_keys);
    } else {
        std::printf("usage: test_oss one-line|threads|outage|oidc|chain\n");
        return 2;
    }
    int status = SUMMARY();
    oss::ShutdownSdk();
    return status;
}
