// ecscred::aliyun_openapi::CredentialsProvider inside the real aliyun-openapi-cpp-sdk core
// and its STS client (1.36.2132), against the repository's OpenAPI test server, which
// verifies every signature (RPC V1, ROA) against the credentials the mock metadata service
// issued. Run by tests/cpp/sdk_tests.py, which starts the servers, picks the scenario
// (argv[1]) and then checks the server's own record of every request.
//
//   test_openapi one-line   CommonClient DescribeRegions (RPC and ROA), StsClient
//                           GetCallerIdentity; one metadata request for many adapters
//   test_openapi threads    8 threads, each with its own StsClient over one adapter, across
//                           a credential rotation
//   test_openapi outage     no metadata service: sync, callable and async calls fail cleanly
//   test_openapi chain      over default-chain Providers holding long-term AccessKeys (the
//                           environment's, a config.json profile's): RPC and ROA, no token

#include <alibabacloud/core/AlibabaCloud.h>
#include <alibabacloud/core/CommonClient.h>
#include <alibabacloud/sts/StsClient.h>
#include <ecscred/aliyun_openapi.hpp>

#include <atomic>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "sdk_common.h"

using Adapter = ecscred::aliyun_openapi::CredentialsProvider;

static const char *const kRole = "EcsRamRoleTest";

// host:port of the OpenAPI test server; the SDK's requests go there over http.
static std::string api_endpoint() { return required_env("ECSCRED_TEST_OPENAPI_ENDPOINT"); }

static AlibabaCloud::CommonRequest describe_regions_rpc() {
    AlibabaCloud::CommonRequest request(AlibabaCloud::CommonRequest::RpcPattern);
    request.setScheme("http");
    request.setDomain(api_endpoint());
    request.setVersion("2014-05-26");
    request.setHttpMethod(AlibabaCloud::HttpRequest::Get);
    request.setQueryParameter("Action", "DescribeRegions");
    return request;
}

static AlibabaCloud::CommonRequest describe_regions_roa() {
    AlibabaCloud::CommonRequest request(AlibabaCloud::CommonRequest::RoaPattern);
    request.setScheme("http");
    request.setDomain(api_endpoint());
    request.setVersion("2014-05-26");
    request.setHttpMethod(AlibabaCloud::HttpRequest::Get);
    request.setResourcePath("/regions");
    return request;
}

static std::string describe(const AlibabaCloud::CommonClient::CommonResponseOutcome &outcome) {
    if (!outcome.isSuccess()) {
        return outcome.error().errorCode() + ": " + outcome.error().errorMessage();
    }
    return outcome.result().payload();
}

static std::unique_ptr<AlibabaCloud::Sts::StsClient> sts_client(
    const std::shared_ptr<AlibabaCloud::CredentialsProvider> &credentials) {
    AlibabaCloud::ClientConfiguration conf("cn-hangzhou");
    conf.setEndpoint(api_endpoint());
    return std::unique_ptr<AlibabaCloud::Sts::StsClient>(
        new AlibabaCloud::Sts::StsClient(credentials, conf));
}

// The AccessKeyId that signed a GetCallerIdentity (the test server's PrincipalId is
// "<role id>:<AccessKeyId>"), or "error: ..." .
static std::string caller(const AlibabaCloud::Sts::StsClient &client) {
    AlibabaCloud::Sts::Model::GetCallerIdentityRequest request;
    request.setScheme("http");
    auto outcome = client.getCallerIdentity(request);
    if (!outcome.isSuccess()) {
        return "error: " + outcome.error().errorCode() + ": " + outcome.error().errorMessage();
    }
    std::string principal = outcome.result().getPrincipalId();
    return principal.substr(principal.find(':') + 1);
}

static void test_common_client() {
    auto credentials = std::make_shared<Adapter>(kRole);
    AlibabaCloud::CommonClient client(credentials,
                                      AlibabaCloud::ClientConfiguration("cn-hangzhou"));
    std::string rpc = describe(client.commonResponse(describe_regions_rpc()));
    CHECK(rpc.find("\"Regions\"") != std::string::npos &&
              rpc.find("cn-hangzhou") != std::string::npos,
          "RPC: %s", rpc.c_str());
    std::string roa = describe(client.commonResponse(describe_regions_roa()));
    CHECK(roa.find("\"Regions\"") != std::string::npos &&
              roa.find("cn-hangzhou") != std::string::npos,
          "ROA: %s", roa.c_str());
}

static void test_sts_client() {
    auto credentials = std::make_shared<Adapter>(kRole);
    auto client = sts_client(credentials);
    std::string id = caller(*client);
    CHECK(id == issued().back().id, "signed by %s", id.c_str());
}

// Many adapters and clients, one metadata request (the process-wide provider of the role;
// the tests above already warmed it).
static void test_adapter_per_request() {
    mock_reset();
    for (int i = 0; i < 20; i++) {
        auto client = sts_client(std::make_shared<Adapter>(kRole));
        std::string id = caller(*client);
        CHECK(id.compare(0, 4, "STS.") == 0, "request %d: %s", i, id.c_str());
    }
    CHECK(mock_counter("credential_gets") == 0, "%ld credential GETs for 20 warm adapters",
          mock_counter("credential_gets"));
    // The discovered role has a process-wide provider of its own: one GET for all.
    for (int i = 0; i < 20; i++) {
        auto client = sts_client(std::make_shared<Adapter>());
        std::string id = caller(*client);
        CHECK(id.compare(0, 4, "STS.") == 0, "request %d: %s", i, id.c_str());
    }
    CHECK(mock_counter("credential_gets") == 1, "%ld credential GETs for 20 adapters",
          mock_counter("credential_gets"));
}

// Each thread has its own client (a client keeps one curl handle: not for concurrent
// calls) over one shared adapter. The server's answer names the AccessKeyId that signed
// each request: per thread the sequence is old... then new..., never back; the switch
// happens before the old credential expires.
static void test_threads_across_rotation() {
    auto credentials = std::make_shared<Adapter>(kRole);
    std::string first = caller(*sts_client(credentials));
    CHECK(first == issued().at(0).id, "first %s", first.c_str());
    std::mutex mutex;
    std::string errors;
    std::atomic<bool> failed(false);
    std::vector<std::time_t> switched(8, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; t++) {
        threads.emplace_back([&, t] {
            auto client = sts_client(credentials);
            AlibabaCloud::CommonClient common(credentials,
                                              AlibabaCloud::ClientConfiguration("cn-hangzhou"));
            std::string last = first;
            int after = 0;
            auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            for (int i = 0; after < 3 && !failed; i++) {
                std::string problem;
                if (std::chrono::steady_clock::now() > deadline) {
                    problem = "no rotation within 60 s";
                } else if (i % 3 == 2) {
                    std::string got = describe(common.commonResponse(describe_regions_rpc()));
                    if (got.find("cn-hangzhou") == std::string::npos) problem = got;
                } else {
                    std::string id = caller(*client);
                    if (id.compare(0, 4, "STS.") != 0) {
                        problem = id;
                    } else if (id != last) {
                        if (last != first) problem = "signed by " + id + " after " + last;
                        switched[t] = now_unix();
                        last = id;
                    }
                }
                if (last != first) after++;
                if (!problem.empty()) {
                    std::lock_guard<std::mutex> lock(mutex);
                    errors += "thread " + std::to_string(t) + ": " + problem + "\n";
                    failed = true;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        });
    }
    for (auto &th : threads) th.join();
    CHECK(!failed, "%s", errors.c_str());
    std::vector<Issued> ids = issued();
    CHECK(ids.size() >= 2, "%zu credentials issued", ids.size());
    for (int t = 0; t < 8 && ids.size() >= 2; t++) {
        CHECK(switched[t] != 0 && switched[t] < ids[0].expires,
              "thread %d switched at %lld, the old credential expired at %lld", t,
              static_cast<long long>(switched[t]), static_cast<long long>(ids[0].expires));
    }
}

static void test_outage() {
    std::string endpoint = required_env("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT");
    auto credentials = std::make_shared<Adapter>(kRole);
    std::atomic<int> reported(0);
    credentials->onFailure([&reported](const ecscred::ErrorInfo &) { reported++; });
    AlibabaCloud::CommonClient client(credentials,
                                      AlibabaCloud::ClientConfiguration("cn-hangzhou"));

    auto sync = client.commonResponse(describe_regions_rpc());
    CHECK(!sync.isSuccess(), "sync call succeeded");
    std::printf("  the SDK's error: %s\n", describe(sync).c_str());
    CHECK(sync.error().errorCode() == "InvalidAccessKeyId.NotFound", "%s", describe(sync).c_str());
    auto callable = client.commonResponseCallable(describe_regions_roa()).get();
    CHECK(!callable.isSuccess(), "callable call succeeded: %s", describe(callable).c_str());
    std::promise<std::string> async_result;
    client.commonResponseAsync(
        describe_regions_rpc(),
        [&async_result](const AlibabaCloud::CommonClient *, const AlibabaCloud::CommonRequest &,
                        const AlibabaCloud::CommonClient::CommonResponseOutcome &outcome,
                        const std::shared_ptr<const AlibabaCloud::AsyncCallerContext> &) {
            async_result.set_value(outcome.isSuccess() ? "success" : describe(outcome));
        });
    std::string async_got = async_result.get_future().get();
    CHECK(async_got != "success", "async call succeeded");

    std::string id = caller(*sts_client(credentials));
    CHECK(id.compare(0, 6, "error:") == 0, "STS: %s", id.c_str());

    ecscred::ErrorInfo cause = credentials->lastError();
    CHECK(cause.status() == ECSCRED_UNREACHABLE, "status %s", cause.status_name());
    CHECK_CONTAINS(cause.message().c_str(), endpoint.c_str());
    std::printf("  the adapter's lastError(): %s: %s\n", cause.status_name(),
                cause.message().c_str());
    CHECK(reported == 1, "failure handler ran %d times", reported.load());
}

// The default chain with a long-term AccessKey in the environment (the driver sets
// ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, a key the server knows, and an empty HOME), then a
// pinned profile source (ECSCRED_TEST_CONFIG_FILE): RPC and ROA requests and
// GetCallerIdentity, which reports the account (a permanent key), not an assumed role. The
// driver checks that no token was sent (ROA) or only the empty SecurityToken parameter this
// SDK writes for every AccessKey (RPC).
static void test_chain_long_term_keys() {
    mock_reset();
    ecscred::Provider chain;
    CHECK(ecscred::Provider::create_shared(chain) == ECSCRED_OK, "create_shared: %s",
          ecscred::last_error_message().c_str());
    CHECK(std::strcmp(chain.provider_name(), "default/env") == 0, "%s", chain.provider_name());
    CHECK(chain.source() == ECSCRED_SOURCE_ENV, "source %s",
          ecscred::source_kind_name(chain.source()));
    auto env = std::make_shared<Adapter>(std::move(chain));
    CHECK(env->getCredentials().sessionToken().empty(), "a session token for a long-term key");

    ecscred::Provider profile;
    CHECK(ecscred::Provider::create_chain(
              profile, ecscred::SourceOptions()
                           .source(ECSCRED_SOURCE_PROFILE)
                           .config_file(required_env("ECSCRED_TEST_CONFIG_FILE"))
                           .profile("cpp-ak")) == ECSCRED_OK,
          "create_chain: %s", ecscred::last_error_message().c_str());
    auto from_profile = std::make_shared<Adapter>(std::move(profile));

    for (const auto &credentials : {env, from_profile}) {
        AlibabaCloud::CommonClient client(credentials,
                                          AlibabaCloud::ClientConfiguration("cn-hangzhou"));
        std::string rpc = describe(client.commonResponse(describe_regions_rpc()));
        CHECK(rpc.find("cn-hangzhou") != std::string::npos, "RPC: %s", rpc.c_str());
        std::string roa = describe(client.commonResponse(describe_regions_roa()));
        CHECK(roa.find("cn-hangzhou") != std::string::npos, "ROA: %s", roa.c_str());
        std::string id = caller(*sts_client(credentials));
        CHECK(id.compare(0, 6, "error:") != 0 && id.compare(0, 4, "STS.") != 0,
              "GetCallerIdentity: %s", id.c_str());
        CHECK(credentials->lastError().ok(), "%s", credentials->lastError().message().c_str());
    }
    CHECK(mock_counter("requests") == 0, "the metadata service was asked %ld times",
          mock_counter("requests"));
}

int main(int argc, char **argv) {
    std::string scenario = argc > 1 ? argv[1] : "";
    AlibabaCloud::InitializeSdk();  // the async and callable operations run on its executor
    std::printf("ecscred %s in aliyun-openapi-cpp-sdk: %s\n", ecscred::version(), scenario.c_str());
    if (scenario == "one-line") {
        RUN(test_common_client);
        RUN(test_sts_client);
        RUN(test_adapter_per_request);
    } else if (scenario == "threads") {
        RUN(test_threads_across_rotation);
    } else if (scenario == "outage") {
        RUN(test_outage);
    } else if (scenario == "chain") {
        RUN(test_chain_long_term_keys);
    } else {
        std::printf("usage: test_openapi one-line|threads|outage|chain\n");
        return 2;
    }
    int status = SUMMARY();
    AlibabaCloud::ShutdownSdk();
    return status;
}
