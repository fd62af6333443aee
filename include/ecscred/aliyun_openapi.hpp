// ecscred/aliyun_openapi.hpp: ecscred as the credentials provider of the official OpenAPI
// C++ SDK (aliyun-openapi-cpp-sdk: AlibabaCloud::CommonClient and every generated product
// client such as EcsClient or StsClient). Header-only; link ecscred and the SDK's core.
//
//   #include <ecscred/aliyun_openapi.hpp>
//
//   auto credentials = std::make_shared<ecscred::aliyun_openapi::CredentialsProvider>("EcsRamRoleTest");
//   AlibabaCloud::Sts::StsClient client(credentials, AlibabaCloud::ClientConfiguration("cn-hangzhou"));
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
//   auto credentials = std::make_shared<ecscred::aliyun_openapi::CredentialsProvider>(std::move(chain));
//
// The SDK calls getCredentials() while building each request (also on the threads of its
// Async and Callable operations). Each call takes one snapshot (the id, secret and token of
// the same credential), never throws, takes no lock while a valid credential is cached, and
// is safe from many threads at once. One adapter may serve many clients; the clients
// themselves are not: a CommonClient (or product client) keeps one curl handle, so give each
// thread its own client over one shared adapter.
//
// Failure (no metadata service, role not attached, ...): getCredentials() returns empty
// credentials: the request is sent with an empty AccessKeyId and the service refuses it (the
// SDK's outcome is an error, e.g. InvalidAccessKeyId.NotFound); nothing aborts. ecscred's
// cause is kept: lastError() (status and message, thread-safe) until the next success, and
// the handler given to onFailure() is called once per transition to failing. ecscred's own
// log (ecscred_set_log_callback) has the engine's side (failed refreshes).
//
// A long-term AccessKey (from the environment or a profile, through a chain Provider) has
// no SecurityToken: the adapter hands the SDK an empty one, which the SDK treats as none for
// ROA requests (no x-acs-security-token header). For RPC requests this SDK version always
// writes a SecurityToken parameter, empty here, as it does for its own
// SimpleCredentialsProvider's AccessKeys; the services read an empty one as none.
//
// Secrets: the SDK copies the secret and token into its own std::string objects, which
// ecscred cannot wipe; ecscred's copies are wiped as usual.
// SPDX-License-Identifier: Apache-2.0

#ifndef ECSCRED_ALIYUN_OPENAPI_HPP
#define ECSCRED_ALIYUN_OPENAPI_HPP

#include <ecscred.hpp>

#include <alibabacloud/core/CredentialsProvider.h>

#include <memory>
#include <string>
#include <utility>

namespace ecscred {
namespace aliyun_openapi {

class CredentialsProvider : public ::AlibabaCloud::CredentialsProvider {
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
    ::AlibabaCloud::Credentials getCredentials() noexcept override {
        Credential cred;
        if (source_.fetch(cred) != ECSCRED_OK) {
            return ::AlibabaCloud::Credentials("", "", "");
        }
        // "" for a long-term AccessKey: the SDK then sends no token header (see above).
        return ::AlibabaCloud::Credentials(cred.access_key_id(), cred.access_key_secret(),
                                           cred.has_security_token() ? cred.security_token()
                                                                     : "");
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

}  // namespace aliyun_openapi
}  // namespace ecscred

#endif  // ECSCRED_ALIYUN_OPENAPI_HPP
