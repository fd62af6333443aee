// What a credential costs per request through each C++ credentials provider, and how each
// behaves across a rotation: ecscred's two adapters, the SDKs' SimpleCredentialsProvider
// (a fixed credential: the floor) and aliyun-openapi-cpp-sdk's own ECS RAM role provider,
// InstanceProfileCredentialsProvider. Run by tests/cpp/bench.py (make bench-cpp), which starts
// the mock metadata service and turns the JSON lines printed here into the report.
//
//   cpp_bench warm PROVIDER CALLS RUNS THREADS   median ns per getCredentials() per thread
//   cpp_bench watch PROVIDER SECONDS             1 call per ms for SECONDS: which credential
//                                                each call got, and when
//
// PROVIDER: ecscred-oss, simple-oss, ecscred-openapi, simple-openapi, instance-profile. The
// metadata service is ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT (the mock, on loopback).
// InstanceProfileCredentialsProvider hard-codes 100.100.100.200; the subclass below sends its
// requests to the mock instead, through the SDK's own fetcher (getMetadata is virtual), and
// changes nothing else of it.

#include <alibabacloud/core/InstanceProfileCredentialsProvider.h>
#include <alibabacloud/core/SimpleCredentialsProvider.h>
#include <alibabacloud/oss/auth/CredentialsProvider.h>
#include <ecscred/aliyun_openapi.hpp>
#include <ecscred/aliyun_oss.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

const char *const kRole = "EcsRamRoleTest";

// InstanceProfileCredentialsProvider asking the mock instead of 100.100.100.200.
class MockedInstanceProfile : public AlibabaCloud::InstanceProfileCredentialsProvider {
public:
    MockedInstanceProfile(const std::string &role, std::string host)
        : InstanceProfileCredentialsProvider(role), host_(std::move(host)) {}
    std::string getMetadata() override {
        return EcsMetadataFetcher::getMetadata(host_, URL_IN_ECS_METADATA);
    }

private:
    std::string host_;
};

// One call of a provider: the AccessKeyId it returned (the secret and token are read too,
// as a signer would, but not kept).
using Call = std::function<std::string()>;

template <class P>
Call openapi_call(std::shared_ptr<P> p) {
    return [p] {
        AlibabaCloud::Credentials c = p->getCredentials();
        volatile std::size_t n = c.accessKeySecret().size() + c.sessionToken().size();
        (void)n;
        return c.accessKeyId();
    };
}

template <class P>
Call oss_call(std::shared_ptr<P> p) {
    return [p] {
        AlibabaCloud::OSS::Credentials c = p->getCredentials();
        volatile std::size_t n = c.AccessKeySecret().size() + c.SessionToken().size();
        (void)n;
        return c.AccessKeyId();
    };
}

Call make_call(const std::string &name) {
    const char *endpoint = std::getenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT");
    std::string host = endpoint ? endpoint : "";
    if (host.compare(0, 7, "http://") == 0) host = host.substr(7);
    // A fixed credential of the mock's shape, for the floor.
    const std::string id = "STS.NQmPbnD3CSCSbNAW1GZSvg5Wm", secret(44, 's'), token(512, 't');
    if (name == "ecscred-oss") {
        return oss_call(std::make_shared<ecscred::aliyun_oss::CredentialsProvider>(kRole));
    }
    if (name == "simple-oss") {
        return oss_call(
            std::make_shared<AlibabaCloud::OSS::SimpleCredentialsProvider>(id, secret, token));
    }
    if (name == "ecscred-openapi") {
        return openapi_call(std::make_shared<ecscred::aliyun_openapi::CredentialsProvider>(kRole));
    }
    if (name == "simple-openapi") {
        return openapi_call(std::make_shared<AlibabaCloud::SimpleCredentialsProvider>(
            AlibabaCloud::Credentials(id, secret, token)));
    }
    if (name == "instance-profile") {
        return openapi_call(std::make_shared<MockedInstanceProfile>(kRole, host));
    }
    std::fprintf(stderr, "unknown provider %s\n", name.c_str());
    std::exit(2);
}

long long unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Median ns per call of CALLS calls, over RUNS runs, on each of THREADS threads at once.
int warm(const std::string &provider, long calls, int runs, int threads) {
    Call call = make_call(provider);
    std::string first = call();  // the cold fetch, outside the measurement
    std::vector<double> per_run;
    for (int r = 0; r < runs; r++) {
        std::vector<double> ns(static_cast<std::size_t>(threads));
        std::vector<std::thread> ts;
        for (int t = 0; t < threads; t++) {
            ts.emplace_back([&, t] {
                auto start = std::chrono::steady_clock::now();
                for (long i = 0; i < calls; i++) call();
                auto d = std::chrono::steady_clock::now() - start;
                ns[static_cast<std::size_t>(t)] =
                    std::chrono::duration<double, std::nano>(d).count() /
                    static_cast<double>(calls);
            });
        }
        for (auto &th : ts) th.join();
        per_run.push_back(*std::max_element(ns.begin(), ns.end()));
    }
    std::vector<double> sorted = per_run;
    std::sort(sorted.begin(), sorted.end());
    std::printf(
        "{\"provider\":\"%s\",\"threads\":%d,\"calls\":%ld,\"runs\":%d,"
        "\"median_ns\":%.2f,\"min_ns\":%.2f,\"max_ns\":%.2f,\"first_id\":\"%s\"}\n",
        provider.c_str(), threads, calls, runs, sorted[sorted.size() / 2], sorted.front(),
        sorted.back(), first.c_str());
    return 0;
}

// One call per millisecond for SECONDS: each run of calls that got the same AccessKeyId
// ("" = empty credentials), with the Unix ms of its first and last call.
int watch(const std::string &provider, double seconds) {
    Call call = make_call(provider);
    struct Span {
        std::string id;
        long long first, last;
        long calls;
    };
    std::vector<Span> spans;
    long long end = unix_ms() + static_cast<long long>(seconds * 1000);
    long total = 0;
    for (long long now = unix_ms(); now < end; now = unix_ms()) {
        std::string id = call();
        long long at = unix_ms();
        total++;
        if (spans.empty() || spans.back().id != id) {
            spans.push_back(Span{id, at, at, 0});
        }
        spans.back().last = at;
        spans.back().calls++;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::printf("{\"provider\":\"%s\",\"calls\":%ld,\"spans\":[", provider.c_str(), total);
    for (std::size_t i = 0; i < spans.size(); i++) {
        std::printf("%s{\"id\":\"%s\",\"first_ms\":%lld,\"last_ms\":%lld,\"calls\":%ld}",
                    i ? "," : "", spans[i].id.c_str(), spans[i].first, spans[i].last,
                    spans[i].calls);
    }
    std::printf("]}\n");
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc == 6 && std::strcmp(argv[1], "warm") == 0) {
        return warm(argv[2], std::atol(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]));
    }
    if (argc == 4 && std::strcmp(argv[1], "watch") == 0) {
        return watch(argv[2], std::atof(argv[3]));
    }
    std::fprintf(stderr,
                 "usage: cpp_bench warm PROVIDER CALLS RUNS THREADS | watch PROVIDER SECONDS\n");
    return 2;
}
