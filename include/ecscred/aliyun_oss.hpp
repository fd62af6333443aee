// ecscred/aliyun_oss.hpp: ecscred as the credentials provider of the official OSS C++ SDK
// (aliyun-oss-cpp-sdk, AlibabaCloud::OSS::OssClient). Header-only; link ecscred and the SDK.
//
//   #include <ecscred/aliyun_oss.hpp>
//
//   auto credentials = std::make_shared<ecscred::aliyun_oss::CredentialsProvider>("EcsRamRoleTest");
//   AlibabaCloud::OSS::OssClient client(endpoint, credentials, conf);
//
// Constructors: no argument (the role from ALIBABA_CLOUD_ECS_METADATA, else discovered), a
// role name, or an ecscred::Provider of your own (its own endpoint, timeouts, hardened-only
// mode; the OIDC source; the default credential chain). The first two use the provider
// ecscred keeps for the whole process, one per role: building an adapter per client or per
// request costs no metadata request. For the default chain (environment AccessKey, OIDC,
// aliyun CLI profile, credentials file, credentials URI, ECS):
//
//   ecscred::Provider chain;
//   if (ecscred::Provider::create_shared(chain) != ECSCRED_OK) { /* ecscred::last_error */ }
//   auto credentials = std::make_shared<ecscred::aliyun_oss::CredentialsProvider>(std::move(chain));
//
// The SDK calls getCredentials() before signing each request (each attempt, retries
// included, also on the threads of its async and callable operations). Each call takes one
// snapshot (the id, secret and token of the same credential), never throws (the SDK is
// built with -fno-exceptions: an exception would abort the process), takes no lock while a
// valid credential is cached, and is safe from many threads at once.
//
// Failure (no metadata service, role not attached, ...): getCredentials() returns empty
// credentials: the request is sent with an empty AccessKeyId and OSS refuses it (the SDK's
// outcome is an error, e.g. 403 InvalidAccessKeyId); nothing aborts. ecscred's cause is
// kept: lastError() (status and message, thread-safe) until the next success, and the
// handler given to onFailure() is called once per transition to failing. ecscred's own
// log (ecscred_set_log_callback) has the engine's side (failed refreshes).
//
// A long-term AccessKey (from the environment or a profile, through a chain Provider) has
// no SecurityToken: the adapter hands the SDK an empty one, which the SDK treats as none
// (no x-oss-security-token header, no security-token parameter in presigned URLs), as it
// does for its own SimpleCredentialsProvider.
//
// Secrets: the SDK copies the secret and token into its own std::string objects, which
// ecscred cannot wipe; ecscred's copies are wiped as usual.
// SPDX-License-Identifier: Apache-2.0

#ifndef ECSCRED_ALIYUN_OSS_HPP
#define ECSCRED_ALIYUN_OSS_HPP

#include <ecscred.hpp>

#include <alibabacloud/oss/auth/CredentialsProvider.h>

#include <memory>
#include <string>
#include <utility>

namespace ecscred {
namespace aliyun_oss {

class CredentialsProvider : public ::AlibabaCloud::OSS::CredentialsProvider {
public:
    // The process-wide provider of the discovered role (or ALIBABA_CLOUD_ECS_METADATA).
    CredentialsProvider() : source_() {}
    // The process-wide provider of `role`.
    explicit CredentialsProvider(std::string role) : source_(std::move(role)) {}
    explicit CredentialsProvider(const char *role)
        : source_(role ? CredentialSource(std::string(role)) : CredentialSource()) {}
    // `provider`, shared with whoever else holds it.
    explicit CredentialsProvider(std::shared_ptr<const Provider> provider)
        : source_(std::move(provider)) {}
    // `provider`, moved in.
    explicit CredentialsProvider(Provider &&provider)
        : source_(std::shared_ptr<const Provider>(new Provider(std::move(provider)))) {}
    // A source shared with other adapters (same failure state).
    explicit CredentialsProvider(CredentialSource source) : source_(std::move(source)) {}

    // One snapshot, copied into the SDK's Credentials; empty on failure (see above).
    ::AlibabaCloud::OSS::Credentials getCredentials() noexcept override {
        Credential cred;
        if (source_.fetch(cred) != ECSCRED_OK) {
            return ::AlibabaCloud::OSS::Credentials("", "", "");
        }
        // "" for a long-term AccessKey: the SDK then sends no token.
        return ::AlibabaCloud::OSS::Credentials(
            cred.access_key_id(), cred.access_key_secret(),
            cred.has_security_token() ? cred.security_token() : "");
    }

    // Why the latest getCredentials() failed, while none has succeeded since (ok()
    // otherwise). Thread-safe.
    ErrorInfo lastError() const { return source_.last_error(); }

    // Calls `handler` once per transition to failing (see ecscred::CredentialSource).
    void onFailure(CredentialSource::FailureHandler handler) {
        source_.on_failure(std::move(handler));
    }

    const CredentialSource &source() const noexcept { return source_; }

private:
    CredentialSource source_;
};

}  // namespace aliyun_oss
}  // namespace ecscred

#endif  // ECSCRED_ALIYUN_OSS_HPP
