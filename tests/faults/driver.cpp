// The C++ surfaces of the fault matrix (tests/faults/matrix.py): the same line protocol as
// driver.c, through the C++ API instead of the C one.
//
//   faults_driver --via api       <ecscred.hpp>: Provider::create (create_oidc for
//                                 source=oidc, create_chain for source=chain, env,
//                                 profile, uri or ecs, as driver.c) / try_credential,
//                                 default=true: try_get_credential (built -fno-exceptions)
//   faults_driver --via oss       ecscred::aliyun_oss::CredentialsProvider::getCredentials(),
//                                 as aliyun-oss-cpp-sdk calls it before signing a request
//   faults_driver --via openapi   ecscred::aliyun_openapi::CredentialsProvider, likewise for
//                                 aliyun-openapi-cpp-sdk
//
// Through an adapter, a failure is what the SDK would get (empty credentials) and the error
// reported is the adapter's lastError(). The SDKs' Credentials carry no expiration: after a
// success the driver takes it from the adapter's source (one more snapshot, which must be
// the same credential; with a rotation in between it tries again).
//
// Built by tests/cpp/CMakeLists.txt (against both SDKs) with -fno-exceptions. Protocol
// (see driver.c): new [key=value ...] -> ok | err ...; get -> ok <t0> <t1> <id> <exp> |
// err <t0> <t1> <code> <status name> <http status|-> <message>; quit -> bye. The engine's
// log (ecscred_set_log_callback at DEBUG) goes to stderr.

#include <alibabacloud/core/Credentials.h>
#include <alibabacloud/oss/auth/Credentials.h>
#include <ecscred.hpp>
#include <ecscred/aliyun_openapi.hpp>
#include <ecscred/aliyun_oss.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

namespace {

long long now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

const char *status_name(ecscred_status s) {
    switch (s) {
        case ECSCRED_OK:
            return "ECSCRED_OK";
        case ECSCRED_DISABLED:
            return "ECSCRED_DISABLED";
        case ECSCRED_INVALID_CONFIG:
            return "ECSCRED_INVALID_CONFIG";
        case ECSCRED_UNREACHABLE:
            return "ECSCRED_UNREACHABLE";
        case ECSCRED_TIMEOUT:
            return "ECSCRED_TIMEOUT";
        case ECSCRED_HTTP_STATUS:
            return "ECSCRED_HTTP_STATUS";
        case ECSCRED_ROLE_NOT_FOUND:
            return "ECSCRED_ROLE_NOT_FOUND";
        case ECSCRED_HARDENED_MODE:
            return "ECSCRED_HARDENED_MODE";
        case ECSCRED_INVALID_RESPONSE:
            return "ECSCRED_INVALID_RESPONSE";
        case ECSCRED_INTERNAL:
            return "ECSCRED_INTERNAL";
        case ECSCRED_NULL_ARGUMENT:
            return "ECSCRED_NULL_ARGUMENT";
        case ECSCRED_INVALID_UTF8:
            return "ECSCRED_INVALID_UTF8";
        case ECSCRED_PANIC:
            return "ECSCRED_PANIC";
        case ECSCRED_INVALID_ARGUMENT:
            return "ECSCRED_INVALID_ARGUMENT";
    }
    return "ECSCRED_UNKNOWN";
}

void on_log(void *, ecscred_log_level level, const char *message) {
    static const char *const names[] = {"OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"};
    std::fprintf(stderr, "%lld %s %s\n", now_ms(), level <= ECSCRED_LOG_TRACE ? names[level] : "?",
                 message);
    std::fflush(stderr);
}

void print_err(long long t0, long long t1, const ecscred::ErrorInfo &e) {
    std::string message = e.message();
    for (char &c : message) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    std::string http = e.http_status() ? std::to_string(e.http_status()) : "-";
    std::printf("err %lld %lld %u %s %s %s\n", t0, t1, static_cast<unsigned>(e.status()),
                status_name(e.status()), http.c_str(), message.c_str());
}

std::uint32_t ms(const std::string &v) {
    return static_cast<std::uint32_t>(std::strtoul(v.c_str(), nullptr, 10));
}

// One surface: get() prints the protocol's answer for one credential.
class Surface {
public:
    Surface(std::string via, std::shared_ptr<const ecscred::Provider> provider)
        : via_(std::move(via)),
          source_(provider ? ecscred::CredentialSource(provider) : ecscred::CredentialSource()),
          oss_(provider ? ecscred::aliyun_oss::CredentialsProvider(provider)
                        : ecscred::aliyun_oss::CredentialsProvider()),
          openapi_(provider ? ecscred::aliyun_openapi::CredentialsProvider(provider)
                            : ecscred::aliyun_openapi::CredentialsProvider()) {}

    void get() {
        long long t0 = now_ms();
        if (via_ == "api") {
            ecscred::Credential cred;
            ecscred::Status s = source_.fetch(cred);
            long long t1 = now_ms();
            if (s != ECSCRED_OK) return print_err(t0, t1, source_.last_error());
            return print_ok(t0, t1, cred.access_key_id(), cred.expiration_unix());
        }
        for (int attempt = 0; attempt < 3; attempt++) {
            std::string id;
            ecscred::ErrorInfo error;
            if (via_ == "oss") {
                id = oss_.getCredentials().AccessKeyId();
                error = oss_.lastError();
            } else {
                id = openapi_.getCredentials().accessKeyId();
                error = openapi_.lastError();
            }
            long long t1 = now_ms();
            if (id.empty()) return print_err(t0, t1, error);
            ecscred::Credential same;
            const ecscred::CredentialSource &source =
                via_ == "oss" ? oss_.source() : openapi_.source();
            if (source.fetch(same) == ECSCRED_OK && id == same.access_key_id()) {
                return print_ok(t0, t1, id.c_str(), same.expiration_unix());
            }
        }
        std::printf("error the adapter's credential changed three times in a row\n");
    }

private:
    static void print_ok(long long t0, long long t1, const char *id, std::int64_t expiration) {
        std::printf("ok %lld %lld %s %lld\n", t0, t1, id, static_cast<long long>(expiration));
    }

    std::string via_;
    ecscred::CredentialSource source_;
    ecscred::aliyun_oss::CredentialsProvider oss_;
    ecscred::aliyun_openapi::CredentialsProvider openapi_;
};

}  // namespace

int main(int argc, char **argv) {
    std::string via = argc == 3 && std::strcmp(argv[1], "--via") == 0 ? argv[2] : "";
    if (via != "api" && via != "oss" && via != "openapi") {
        std::fprintf(stderr, "usage: faults_driver --via api|oss|openapi\n");
        return 2;
    }
    ecscred_status ls = ecscred_set_log_callback(on_log, nullptr, ECSCRED_LOG_DEBUG);
    if (ls != ECSCRED_OK) {
        std::fprintf(stderr, "faults_driver: ecscred_set_log_callback failed: %s\n",
                     status_name(ls));
        return 1;
    }
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    std::unique_ptr<Surface> surface;
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream words(line);
        std::string cmd;
        if (!(words >> cmd)) continue;
        if (cmd == "new") {
            ecscred::Options options;
            ecscred::OidcOptions oidc;
            ecscred::SourceOptions src;
            bool use_default = false, use_oidc = false, use_source = false;
            for (std::string arg; words >> arg;) {
                std::size_t eq = arg.find('=');
                std::string key = arg.substr(0, eq),
                            value = eq == std::string::npos ? "" : arg.substr(eq + 1);
                if (key == "endpoint") {
                    options.endpoint(value);
                    src.endpoint(value);
                } else if (key == "role") {
                    options.role_name(value);
                    src.role_name(value);
                } else if (key == "disable_imds_v1") {
                    options.disable_imds_v1(value == "true");
                    src.disable_imds_v1(value == "true");
                } else if (key == "connect_timeout_ms") {
                    options.connect_timeout(std::chrono::milliseconds(ms(value)));
                    oidc.connect_timeout(std::chrono::milliseconds(ms(value)));
                    src.connect_timeout(std::chrono::milliseconds(ms(value)));
                } else if (key == "read_timeout_ms") {
                    options.read_timeout(std::chrono::milliseconds(ms(value)));
                    oidc.read_timeout(std::chrono::milliseconds(ms(value)));
                    src.read_timeout(std::chrono::milliseconds(ms(value)));
                } else if (key == "fetch_timeout_ms") {
                    options.fetch_timeout(std::chrono::milliseconds(ms(value)));
                    oidc.fetch_timeout(std::chrono::milliseconds(ms(value)));
                    src.fetch_timeout(std::chrono::milliseconds(ms(value)));
                } else if (key == "default")
                    use_default = value == "true";
                else if (key == "source") {
                    use_oidc = value == "oidc";
                    use_source = true;
                    if (value == "chain")
                        src.source(ECSCRED_SOURCE_CHAIN);
                    else if (value == "env")
                        src.source(ECSCRED_SOURCE_ENV);
                    else if (value == "profile")
                        src.source(ECSCRED_SOURCE_PROFILE);
                    else if (value == "uri")
                        src.source(ECSCRED_SOURCE_URI);
                    else if (value == "ecs")
                        src.source(ECSCRED_SOURCE_ECS);
                    else
                        use_source = false;
                } else if (key == "profile")
                    src.profile(value);
                else if (key == "config_file")
                    src.config_file(value);
                else if (key == "credentials_file")
                    src.credentials_file(value);
                else if (key == "credentials_uri")
                    src.credentials_uri(value);
                else if (key == "role_arn") {
                    oidc.role_arn(value);
                    src.role_arn(value);
                } else if (key == "oidc_provider_arn") {
                    oidc.oidc_provider_arn(value);
                    src.oidc_provider_arn(value);
                } else if (key == "oidc_token_file") {
                    oidc.oidc_token_file(value);
                    src.oidc_token_file(value);
                } else if (key == "sts_endpoint") {
                    oidc.sts_endpoint(value);
                    src.sts_endpoint(value);
                } else if (key == "sts_ca_file") {
                    std::ifstream file(value, std::ios::binary);
                    std::ostringstream pem;
                    pem << file.rdbuf();
                    if (!file) std::fprintf(stderr, "faults_driver: cannot read %s\n", value.c_str());
                    oidc.sts_extra_root_pem(pem.str());
                    src.sts_extra_root_pem(pem.str());
                } else
                    std::fprintf(stderr, "faults_driver: unknown option %s ignored\n", key.c_str());
            }
            surface.reset();
            if (use_default) {
                surface.reset(new Surface(via, nullptr));
                std::printf("ok\n");
                continue;
            }
            long long t0 = now_ms();
            auto provider = std::make_shared<ecscred::Provider>();
            ecscred::Status s = use_oidc     ? ecscred::Provider::create_oidc(*provider, oidc)
                                : use_source ? ecscred::Provider::create_chain(*provider, src)
                                             : ecscred::Provider::create(*provider, options);
            if (s != ECSCRED_OK) {
                print_err(t0, now_ms(), ecscred::last_error(s));
                continue;
            }
            surface.reset(new Surface(via, provider));
            std::printf("ok\n");
        } else if (cmd == "get") {
            if (!surface) {
                std::printf("error no provider: send new first\n");
                continue;
            }
            surface->get();
        } else if (cmd == "quit") {
            break;
        } else {
            std::printf("error unknown command %s\n", cmd.c_str());
        }
    }
    surface.reset();
    ecscred_set_log_callback(nullptr, nullptr, ECSCRED_LOG_OFF);
    std::printf("bye\n");
    return 0;
}
