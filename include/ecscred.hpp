// ecscred.hpp: the C++ API of ecscred, header-only C++11 over the C ABI (ecscred.h).
//
//   #include <ecscred.hpp>
//
//   // Throwing form (where exceptions are enabled):
//   ecscred::Credential cred = ecscred::get_credential();      // throws ecscred::Error
//
//   // Non-throwing form (also with -fno-exceptions):
//   ecscred::Credential cred;
//   if (ecscred::try_get_credential(cred) != ECSCRED_OK) {
//       std::fprintf(stderr, "ecscred: %s\n", ecscred::last_error().message().c_str());
//       return 1;
//   }
//   sign(cred.access_key_id(), cred.access_key_secret(), cred.security_token());
//
// - ecscred::Credential owns one credential handle (RAII): one immutable snapshot whose
//   three strings always belong together. Copying takes a second handle to the same
//   snapshot (ecscred_credential_clone: no copy of the secrets, cannot fail), moving
//   transfers it, the destructor frees it. Its strings live as long as the object.
// - ecscred::Provider owns an ecscred_provider (move-only: the C ABI has no provider
//   clone; share one through a std::shared_ptr). ecscred::Options configures one of the
//   metadata service; ecscred::OidcOptions one of the OIDC source (an ACK pod's role with
//   RRSA, through STS: Provider::create_oidc, Provider(OidcOptions));
//   ecscred::SourceOptions one of the default credential chain (environment AccessKey,
//   OIDC, aliyun CLI profile, credentials-file profile, credentials URI, ECS) or of one
//   source pinned (Provider::create_chain, Provider::create_shared,
//   Provider(SourceOptions)). Provider::provider_name() says which source it uses, e.g.
//   "default/env".
// - A long-term AccessKey (from the environment or a profile) has no SecurityToken
//   (Credential::has_security_token() false, security_token() "") and never expires
//   (Credential::expires() false): sign without any token header or parameter.
// - Every call takes one snapshot: take a Credential per request, sign with it, let it go.
// - Errors: the try_* functions are noexcept and return the ecscred_status (ECSCRED_OK is
//   0); ecscred::last_error() then gives the status name and the message of the calling
//   thread's last failure (endpoint, HTTP status, timeout; never a secret). Where
//   exceptions are enabled (__cpp_exceptions), the throwing forms (get_credential(),
//   Provider(options), Provider::credential()) throw ecscred::Error, a
//   std::runtime_error carrying the status and the same message.
// - ecscred::CredentialSource is what an SDK adapter asks once per request (see
//   <ecscred/aliyun_oss.hpp> and <ecscred/aliyun_openapi.hpp>): never throws, takes no
//   lock on the warm path, and keeps the cause of its failures.
//
// Thread-safety is that of the C API: every function may be called from any thread; a
// Credential, Provider or CredentialSource may be used by several threads at once, except
// that assigning to or moving from an object needs exclusive access to it.
//
// Build: c++ -std=c++11 app.cpp $(pkg-config --cflags --libs ecscred), or with CMake:
// find_package(ecscred) and target_link_libraries(app PRIVATE ecscred::ecscred).
// SPDX-License-Identifier: Apache-2.0

#ifndef ECSCRED_HPP
#define ECSCRED_HPP

#include <ecscred.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define ECSCRED_HPP_EXCEPTIONS 1
#include <stdexcept>
#else
#define ECSCRED_HPP_EXCEPTIONS 0
#endif

namespace ecscred {

// The outcome of a call: ECSCRED_OK (0) or the failure (see ecscred.h).
using Status = ecscred_status;

// The short stable name of a status, e.g. "unreachable". A static string.
inline const char *status_name(Status status) noexcept { return ecscred_status_str(status); }

// The library's version, e.g. "0.1.0".
inline const char *version() noexcept { return ecscred_version(); }

// A failure as a value: its status, message (never a secret) and, when an answer of the
// metadata service was the cause, that answer's HTTP status. ok() when status is
// ECSCRED_OK, in which case the message is empty.
class ErrorInfo {
public:
    ErrorInfo() noexcept : status_(ECSCRED_OK), http_status_(0) {}
    ErrorInfo(Status status, std::string message, std::uint16_t http_status = 0)
        : status_(status), message_(std::move(message)), http_status_(http_status) {}

    bool ok() const noexcept { return status_ == ECSCRED_OK; }
    Status status() const noexcept { return status_; }
    // e.g. "unreachable".
    const char *status_name() const noexcept { return ecscred::status_name(status_); }
    // e.g. "credential request: GET http://127.0.0.1:8080/... connection refused".
    const std::string &message() const noexcept { return message_; }
    // e.g. 500, 404; 0 when no HTTP answer was the cause (a timeout, a refused connection).
    std::uint16_t http_status() const noexcept { return http_status_; }

private:
    Status status_;
    std::string message_;
    std::uint16_t http_status_;
};

// The failure `status` just returned by a call on this thread, with this thread's last
// error message and HTTP status (read now: the C ones live only until the thread's next
// failure).
inline ErrorInfo last_error(Status status) {
    if (status == ECSCRED_OK) return ErrorInfo();
    return ErrorInfo(status, ecscred_last_error_message(), ecscred_last_error_http_status());
}

// This thread's last error message ("" if no call on this thread has failed). Successful
// calls do not clear it: check the status first.
inline std::string last_error_message() { return ecscred_last_error_message(); }

#if ECSCRED_HPP_EXCEPTIONS
// A failed ecscred call, thrown by the throwing forms.
class Error : public std::runtime_error {
public:
    Error(Status status, const std::string &message, std::uint16_t http_status = 0)
        : std::runtime_error(message), status_(status), http_status_(http_status) {}
    explicit Error(const ErrorInfo &info)
        : Error(info.status(), info.message(), info.http_status()) {}

    // The ecscred_status of the failure, e.g. ECSCRED_UNREACHABLE.
    Status status() const noexcept { return status_; }
    // Its short stable name, e.g. "unreachable".
    const char *status_name() const noexcept { return ecscred::status_name(status_); }
    // The metadata service's HTTP status when an answer was the cause, else 0.
    std::uint16_t http_status() const noexcept { return http_status_; }

private:
    Status status_;
    std::uint16_t http_status_;
};

namespace detail {
// Throws the Error of a failed call; the message is read right away, on the failing
// thread, as ecscred_last_error_message() requires.
inline void check(Status status) {
    if (status != ECSCRED_OK) throw Error(last_error(status));
}
}  // namespace detail
#endif

// One STS credential: an immutable snapshot, never expired when handed out. Empty (no
// handle) when default-constructed or moved from: its strings are then "".
class Credential {
public:
    Credential() noexcept : handle_(nullptr) {}
    // Adopts a handle from ecscred_get_credential or ecscred_provider_get_credential.
    explicit Credential(ecscred_credential *handle) noexcept : handle_(handle) {}

    Credential(const Credential &other) noexcept
        : handle_(ecscred_credential_clone(other.handle_)) {}
    Credential(Credential &&other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
    Credential &operator=(const Credential &other) noexcept {
        if (this != &other) reset(ecscred_credential_clone(other.handle_));
        return *this;
    }
    Credential &operator=(Credential &&other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }
    ~Credential() { ecscred_credential_free(handle_); }

    // True when it holds a credential.
    explicit operator bool() const noexcept { return handle_ != nullptr; }

    // The AccessKeyId ("STS...." for an STS credential).
    const char *access_key_id() const noexcept { return ecscred_credential_access_key_id(handle_); }
    // The AccessKeySecret: never log it. Wiped when the last handle is freed, so prefer
    // using it in place to copying it into a std::string.
    const char *access_key_secret() const noexcept {
        return ecscred_credential_access_key_secret(handle_);
    }
    // The SecurityToken: never log it. Same lifetime as the secret. "" for a long-term
    // AccessKey, which has none: send no token header or parameter at all then.
    const char *security_token() const noexcept {
        return ecscred_credential_security_token(handle_);
    }
    // False for a long-term AccessKey (no SecurityToken) and when empty.
    bool has_security_token() const noexcept {
        return ecscred_credential_has_security_token(handle_) != 0;
    }
    // False for a credential that never expires (a long-term AccessKey, an STS token
    // configured without expiration: its expiration() reads 9998-12-31T23:59:59Z) and
    // when empty.
    bool expires() const noexcept { return ecscred_credential_expires(handle_) != 0; }
    // Expiration in seconds since the Unix epoch (UTC); 0 when empty.
    std::int64_t expiration_unix() const noexcept { return ecscred_credential_expiration(handle_); }
    // Expiration as a time point.
    std::chrono::system_clock::time_point expiration() const noexcept {
        return std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::seconds(expiration_unix())));
    }

    // The C handle, still owned by this object (NULL when empty).
    const ecscred_credential *get() const noexcept { return handle_; }
    // Gives up the handle: the caller frees it with ecscred_credential_free.
    ecscred_credential *release() noexcept {
        ecscred_credential *h = handle_;
        handle_ = nullptr;
        return h;
    }
    // Frees the held handle (if any) and adopts `handle` (may be NULL).
    void reset(ecscred_credential *handle = nullptr) noexcept {
        ecscred_credential *old = handle_;
        handle_ = handle;
        ecscred_credential_free(old);
    }

private:
    ecscred_credential *handle_;
};

// The credential of `role` (nullptr: from ALIBABA_CLOUD_ECS_METADATA, else discovered)
// from the provider ecscred keeps for the whole process, one per role, configured from
// the environment. On success `out` holds it; on failure `out` is unchanged and
// last_error(status) says why. Never blocks on the network while a valid credential is
// cached (see ecscred_get_credential).
inline Status try_get_credential(Credential &out, const char *role = nullptr) noexcept {
    ecscred_credential *handle = nullptr;
    Status status = ecscred_get_credential(role, &handle);
    if (status == ECSCRED_OK) out.reset(handle);
    return status;
}

#if ECSCRED_HPP_EXCEPTIONS
// try_get_credential, throwing ecscred::Error on failure.
inline Credential get_credential(const char *role = nullptr) {
    Credential cred;
    detail::check(try_get_credential(cred, role));
    return cred;
}

inline Credential get_credential(const std::string &role) { return get_credential(role.c_str()); }
#endif

// Options of a Provider; unset ones come from the environment or the defaults. The
// setters only record values: ecscred checks them when the Provider is created.
class Options {
public:
    Options() noexcept : has_endpoint_(false), has_role_(false) { ecscred_options_init(&options_); }

    // Base URL of the metadata service, e.g. "http://127.0.0.1:8080".
    Options &endpoint(std::string url) {
        endpoint_ = std::move(url);
        has_endpoint_ = true;
        return *this;
    }
    // The RAM role name (default: ALIBABA_CLOUD_ECS_METADATA, else discovered).
    Options &role_name(std::string role) {
        role_ = std::move(role);
        has_role_ = true;
        return *this;
    }
    Options &connect_timeout(std::chrono::milliseconds t) noexcept {
        options_.connect_timeout_ms = clamp_ms(t);
        return *this;
    }
    Options &read_timeout(std::chrono::milliseconds t) noexcept {
        options_.read_timeout_ms = clamp_ms(t);
        return *this;
    }
    // Deadline of one whole fetch: the longest a call can wait.
    Options &fetch_timeout(std::chrono::milliseconds t) noexcept {
        options_.fetch_timeout_ms = clamp_ms(t);
        return *this;
    }
    // TTL asked for the hardened-mode metadata token.
    Options &token_ttl(std::chrono::seconds t) noexcept {
        options_.token_ttl_seconds = clamp_s(t);
        return *this;
    }
    // Hardened mode (metadata token) only.
    Options &disable_imds_v1(bool yes) noexcept {
        options_.disable_imds_v1 = yes ? ECSCRED_YES : ECSCRED_NO;
        return *this;
    }
    // Never contact the metadata service.
    Options &disabled(bool yes) noexcept {
        options_.disabled = yes ? ECSCRED_YES : ECSCRED_NO;
        return *this;
    }

    // The C struct, pointing into this object: valid while it lives unchanged.
    ecscred_options to_c() const noexcept {
        ecscred_options c = options_;
        c.endpoint = has_endpoint_ ? endpoint_.c_str() : nullptr;
        c.role_name = has_role_ ? role_.c_str() : nullptr;
        return c;
    }

private:
    // The C fields are 32-bit: a negative or larger value becomes 2^32-1 (a timeout of
    // about 49 days; a token TTL ecscred refuses with ECSCRED_INVALID_CONFIG). Zero is
    // the default, as in ecscred_options.
    static std::uint32_t clamp_ms(std::chrono::milliseconds t) noexcept {
        return t.count() < 0 || t.count() > 0xffffffffLL ? 0xffffffffU
                                                         : static_cast<std::uint32_t>(t.count());
    }
    static std::uint32_t clamp_s(std::chrono::seconds t) noexcept {
        return t.count() < 0 || t.count() > 0xffffffffLL ? 0xffffffffU
                                                         : static_cast<std::uint32_t>(t.count());
    }

    ecscred_options options_;
    std::string endpoint_, role_;
    bool has_endpoint_, has_role_;
};

// Options of a Provider of the OIDC source (an ACK pod's role with RRSA: STS
// AssumeRoleWithOIDC over verified TLS, never the metadata service); see
// ecscred_provider_new_oidc. Unset strings come from their ALIBABA_CLOUD_* variables
// (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE,
// ...), unset numbers are the defaults. The setters only record values: ecscred checks
// them when the Provider is created.
class OidcOptions {
public:
    OidcOptions() noexcept { ecscred_oidc_options_init(&options_); }

    // The role to assume, e.g. "acs:ram::123456789012:role/my-pod-role".
    OidcOptions &role_arn(std::string arn) { return set(role_arn_, std::move(arn)); }
    // The cluster's OIDC identity provider.
    OidcOptions &oidc_provider_arn(std::string arn) {
        return set(oidc_provider_arn_, std::move(arn));
    }
    // The file holding the OIDC token, read again at every fetch.
    OidcOptions &oidc_token_file(std::string path) {
        return set(oidc_token_file_, std::move(path));
    }
    // The role session name (default: ALIBABA_CLOUD_ROLE_SESSION_NAME, else generated).
    OidcOptions &role_session_name(std::string name) {
        return set(role_session_name_, std::move(name));
    }
    // A policy (JSON) further restricting the role.
    OidcOptions &policy(std::string json) { return set(policy_, std::move(json)); }
    // STS endpoint: host[:port] or an https:// URL (http:// only to loopback).
    OidcOptions &sts_endpoint(std::string url) { return set(sts_endpoint_, std::move(url)); }
    // PEM text of certificates trusted for STS besides the system's roots (a test STS's CA).
    OidcOptions &sts_extra_root_pem(std::string pem) {
        return set(sts_extra_root_pem_, std::move(pem));
    }
    // Credential lifetime asked of STS, 900 s to 43200 s.
    OidcOptions &duration(std::chrono::seconds t) noexcept {
        options_.duration_seconds = clamp(t.count());
        return *this;
    }
    OidcOptions &connect_timeout(std::chrono::milliseconds t) noexcept {
        options_.connect_timeout_ms = clamp(t.count());
        return *this;
    }
    OidcOptions &read_timeout(std::chrono::milliseconds t) noexcept {
        options_.read_timeout_ms = clamp(t.count());
        return *this;
    }
    // Deadline of one whole fetch (token file, STS call, retries): the longest a call waits.
    OidcOptions &fetch_timeout(std::chrono::milliseconds t) noexcept {
        options_.fetch_timeout_ms = clamp(t.count());
        return *this;
    }

    // The C struct, pointing into this object: valid while it lives unchanged.
    ecscred_oidc_options to_c() const noexcept {
        ecscred_oidc_options c = options_;
        c.role_arn = role_arn_.get();
        c.oidc_provider_arn = oidc_provider_arn_.get();
        c.oidc_token_file = oidc_token_file_.get();
        c.role_session_name = role_session_name_.get();
        c.policy = policy_.get();
        c.sts_endpoint = sts_endpoint_.get();
        c.sts_extra_root_pem = sts_extra_root_pem_.get();
        return c;
    }

private:
    // A string option: NULL in the C struct until set.
    struct Field {
        Field() : set(false) {}
        const char *get() const noexcept { return set ? value.c_str() : nullptr; }
        std::string value;
        bool set;
    };
    OidcOptions &set(Field &field, std::string value) {
        field.value = std::move(value);
        field.set = true;
        return *this;
    }
    // As in Options: a negative or larger value becomes 2^32-1, which ecscred refuses
    // (ECSCRED_INVALID_CONFIG) where it is out of range; zero is the default.
    static std::uint32_t clamp(long long v) noexcept {
        return v < 0 || v > 0xffffffffLL ? 0xffffffffU : static_cast<std::uint32_t>(v);
    }

    ecscred_oidc_options options_;
    Field role_arn_, oidc_provider_arn_, oidc_token_file_, role_session_name_, policy_,
        sts_endpoint_, sts_extra_root_pem_;
};

// Where a provider gets its credentials (ECSCRED_SOURCE_ENV, ..._PROFILE, ..._URI,
// ..._ECS, ..._OIDC; ECSCRED_SOURCE_CHAIN asks for the default chain's choice).
using SourceKind = ecscred_source_kind;

// "env", "profile", "uri", "ecs", "oidc", "chain". A static string.
inline const char *source_kind_name(SourceKind kind) noexcept {
    return ecscred_source_kind_str(kind);
}

// Options of a Provider of the default credential chain or of one pinned source; see
// ecscred_source_options. Unset strings come from their ALIBABA_CLOUD_* variables (and the
// profile files from the home directory), unset numbers are the defaults. The setters only
// record values: ecscred reads the configuration and checks them when the Provider is
// created.
class SourceOptions {
public:
    SourceOptions() noexcept { ecscred_source_options_init(&options_); }

    // ECSCRED_SOURCE_CHAIN (the default): the chain decides; another kind pins that source.
    SourceOptions &source(SourceKind kind) noexcept {
        options_.source = kind;
        return *this;
    }
    // Profile sources: the profile (default: ALIBABA_CLOUD_PROFILE, else the current one).
    SourceOptions &profile(std::string name) { return set(profile_, std::move(name)); }
    // The aliyun CLI's config.json (default: ALIBABA_CLOUD_CONFIG_FILE, else ~/.aliyun/).
    SourceOptions &config_file(std::string path) { return set(config_file_, std::move(path)); }
    // The credentials ini file (default: ALIBABA_CLOUD_CREDENTIALS_FILE, else
    // ~/.alibabacloud/credentials.ini or credentials).
    SourceOptions &credentials_file(std::string path) {
        return set(credentials_file_, std::move(path));
    }
    // The credentials server's URL (default: ALIBABA_CLOUD_CREDENTIALS_URI).
    SourceOptions &credentials_uri(std::string url) {
        return set(credentials_uri_, std::move(url));
    }
    // ECS: base URL of the metadata service.
    SourceOptions &endpoint(std::string url) { return set(endpoint_, std::move(url)); }
    // ECS: the RAM role name (default: ALIBABA_CLOUD_ECS_METADATA, else discovered).
    SourceOptions &role_name(std::string role) { return set(role_name_, std::move(role)); }
    // ECS: TTL asked for the hardened-mode metadata token.
    SourceOptions &token_ttl(std::chrono::seconds t) noexcept {
        options_.token_ttl_seconds = clamp(t.count());
        return *this;
    }
    // ECS: hardened mode (metadata token) only.
    SourceOptions &disable_imds_v1(bool yes) noexcept {
        options_.disable_imds_v1 = yes ? ECSCRED_YES : ECSCRED_NO;
        return *this;
    }
    // ECS: never contact the metadata service (for the chain: no ECS fallback).
    SourceOptions &disabled(bool yes) noexcept {
        options_.disabled = yes ? ECSCRED_YES : ECSCRED_NO;
        return *this;
    }
    // OIDC: the role to assume, the identity provider, the token file.
    SourceOptions &role_arn(std::string arn) { return set(role_arn_, std::move(arn)); }
    SourceOptions &oidc_provider_arn(std::string arn) {
        return set(oidc_provider_arn_, std::move(arn));
    }
    SourceOptions &oidc_token_file(std::string path) {
        return set(oidc_token_file_, std::move(path));
    }
    // STS (OIDC, profiles that assume a role): session name, policy, endpoint, extra CA
    // certificates (PEM), credential lifetime.
    SourceOptions &role_session_name(std::string name) {
        return set(role_session_name_, std::move(name));
    }
    SourceOptions &policy(std::string json) { return set(policy_, std::move(json)); }
    SourceOptions &sts_endpoint(std::string url) { return set(sts_endpoint_, std::move(url)); }
    SourceOptions &sts_extra_root_pem(std::string pem) {
        return set(sts_extra_root_pem_, std::move(pem));
    }
    SourceOptions &duration(std::chrono::seconds t) noexcept {
        options_.duration_seconds = clamp(t.count());
        return *this;
    }
    SourceOptions &connect_timeout(std::chrono::milliseconds t) noexcept {
        options_.connect_timeout_ms = clamp(t.count());
        return *this;
    }
    SourceOptions &read_timeout(std::chrono::milliseconds t) noexcept {
        options_.read_timeout_ms = clamp(t.count());
        return *this;
    }
    // Deadline of one whole fetch: the longest a call waits.
    SourceOptions &fetch_timeout(std::chrono::milliseconds t) noexcept {
        options_.fetch_timeout_ms = clamp(t.count());
        return *this;
    }

    // The C struct, pointing into this object: valid while it lives unchanged.
    ecscred_source_options to_c() const noexcept {
        ecscred_source_options c = options_;
        c.profile = profile_.get();
        c.config_file = config_file_.get();
        c.credentials_file = credentials_file_.get();
        c.credentials_uri = credentials_uri_.get();
        c.endpoint = endpoint_.get();
        c.role_name = role_name_.get();
        c.role_arn = role_arn_.get();
        c.oidc_provider_arn = oidc_provider_arn_.get();
        c.oidc_token_file = oidc_token_file_.get();
        c.role_session_name = role_session_name_.get();
        c.policy = policy_.get();
        c.sts_endpoint = sts_endpoint_.get();
        c.sts_extra_root_pem = sts_extra_root_pem_.get();
        return c;
    }

private:
    // A string option: NULL in the C struct until set.
    struct Field {
        Field() : set(false) {}
        const char *get() const noexcept { return set ? value.c_str() : nullptr; }
        std::string value;
        bool set;
    };
    SourceOptions &set(Field &field, std::string value) {
        field.value = std::move(value);
        field.set = true;
        return *this;
    }
    // As in Options: a negative or larger value becomes 2^32-1, which ecscred refuses
    // (ECSCRED_INVALID_CONFIG) where it is out of range; zero is the default.
    static std::uint32_t clamp(long long v) noexcept {
        return v < 0 || v > 0xffffffffLL ? 0xffffffffU : static_cast<std::uint32_t>(v);
    }

    ecscred_source_options options_;
    Field profile_, config_file_, credentials_file_, credentials_uri_, endpoint_, role_name_,
        role_arn_, oidc_provider_arn_, oidc_token_file_, role_session_name_, policy_,
        sts_endpoint_, sts_extra_root_pem_;
};

// A provider with its own cache and configuration. Move-only; thread-safe. Empty when
// default-constructed or moved from (its calls then fail with ECSCRED_NULL_ARGUMENT).
class Provider {
public:
    Provider() noexcept : handle_(nullptr) {}
    Provider(Provider &&other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
    Provider &operator=(Provider &&other) noexcept {
        if (this != &other) {
            ecscred_provider_free(handle_);
            handle_ = other.handle_;
            other.handle_ = nullptr;
        }
        return *this;
    }
    Provider(const Provider &) = delete;
    Provider &operator=(const Provider &) = delete;
    ~Provider() { ecscred_provider_free(handle_); }

    // Creates a provider into `out` (replacing what it held). Reads the environment and
    // checks the configuration; sends nothing. On failure `out` is unchanged.
    static Status create(Provider &out, const Options &options = Options()) noexcept {
        ecscred_options c = options.to_c();
        ecscred_provider *handle = nullptr;
        Status status = ecscred_provider_new(&c, &handle);
        if (status == ECSCRED_OK) out = Provider(handle);
        return status;
    }

    // Creates a provider of the OIDC source into `out` (replacing what it held): the same
    // Provider, used and shared the same way (also by the SDK adapters). Reads the
    // environment and checks the configuration; sends nothing and reads no token yet (a
    // missing token file fails the first credential call, naming the path). On failure
    // `out` is unchanged.
    static Status create_oidc(Provider &out, const OidcOptions &options = OidcOptions()) noexcept {
        ecscred_oidc_options c = options.to_c();
        ecscred_provider *handle = nullptr;
        Status status = ecscred_provider_new_oidc(&c, &handle);
        if (status == ECSCRED_OK) out = Provider(handle);
        return status;
    }

    // Creates a provider of the default credential chain (or of the source pinned by
    // options.source()) into `out` (replacing what it held), with its own cache. Reads the
    // variables and profile files now and decides; sends nothing. A configured but broken
    // source (a half-set AccessKey pair, a profile without its fields) is
    // ECSCRED_INVALID_CONFIG naming the variable, file or profile. On failure `out` is
    // unchanged.
    static Status create_chain(Provider &out,
                               const SourceOptions &options = SourceOptions()) noexcept {
        ecscred_source_options c = options.to_c();
        ecscred_provider *handle = nullptr;
        Status status = ecscred_provider_new_source(&c, &handle);
        if (status == ECSCRED_OK) out = Provider(handle);
        return status;
    }

    // create_chain, but a handle to the provider ecscred keeps for the whole process for
    // this resolved configuration (ecscred_provider_new_shared): creating one per request
    // or per SDK client costs no fetch.
    static Status create_shared(Provider &out,
                                const SourceOptions &options = SourceOptions()) noexcept {
        ecscred_source_options c = options.to_c();
        ecscred_provider *handle = nullptr;
        Status status = ecscred_provider_new_shared(&c, &handle);
        if (status == ECSCRED_OK) out = Provider(handle);
        return status;
    }

#if ECSCRED_HPP_EXCEPTIONS
    // Provider::create_chain, throwing ecscred::Error for an invalid configuration.
    explicit Provider(const SourceOptions &options) : handle_(nullptr) {
        detail::check(create_chain(*this, options));
    }

    // Provider::create, throwing ecscred::Error for an invalid configuration.
    explicit Provider(const Options &options) : handle_(nullptr) {
        detail::check(create(*this, options));
    }

    // Provider::create_oidc, throwing ecscred::Error for an invalid configuration.
    explicit Provider(const OidcOptions &options) : handle_(nullptr) {
        detail::check(create_oidc(*this, options));
    }

    // try_credential, throwing ecscred::Error on failure.
    Credential credential() const {
        Credential cred;
        detail::check(try_credential(cred));
        return cred;
    }
#endif

    // The current credential into `out`; same contract as try_get_credential.
    Status try_credential(Credential &out) const noexcept {
        ecscred_credential *handle = nullptr;
        Status status = ecscred_provider_get_credential(handle_, &handle);
        if (status == ECSCRED_OK) out.reset(handle);
        return status;
    }

    // True when it holds a provider.
    explicit operator bool() const noexcept { return handle_ != nullptr; }
    // The metadata service URL in use, the STS URL of an OIDC provider (or of a profile
    // that assumes a role), the credentials server's origin; "" for an AccessKey source
    // and when empty.
    const char *endpoint() const noexcept { return ecscred_provider_endpoint(handle_); }
    // The source in use (for a chain provider: the one it selected); ECSCRED_SOURCE_CHAIN
    // when empty.
    SourceKind source() const noexcept { return ecscred_provider_source(handle_); }
    // The source's name, e.g. "default/env", "default/cli_profile/static_ak",
    // "ecs_ram_role" (ecscred_provider_name); "" when empty. The strings of these
    // accessors live as long as the provider.
    const char *provider_name() const noexcept { return ecscred_provider_name(handle_); }
    // What selected the source, for people (variables, file and profile).
    const char *selected_by() const noexcept { return ecscred_provider_selected_by(handle_); }
    // The profile file and the profile within it that configure the source ("" if none).
    const char *source_file() const noexcept { return ecscred_provider_source_file(handle_); }
    const char *source_profile() const noexcept {
        return ecscred_provider_source_profile(handle_);
    }
    // The C handle, still owned by this object.
    const ecscred_provider *get() const noexcept { return handle_; }

private:
    explicit Provider(ecscred_provider *handle) noexcept : handle_(handle) {}

    ecscred_provider *handle_;
};

// What an SDK adapter asks for each request: either the process-wide provider of a role
// (ecscred_get_credential, one per role: building many sources for one role costs no
// fetch) or a Provider of your own, shared. It also remembers why it failed.
//
// fetch() is noexcept, takes no lock on the warm path (one relaxed atomic load besides
// the C call) and may be called from any number of threads at once. On a failure it
// records the cause (last_error()) and, on the transition from working (or new) to
// failing, calls the failure handler once; the next success ends the failing state.
class CredentialSource {
public:
    // Called once per transition to failing, with the cause, on the thread whose call
    // failed. Must be thread-safe, must not throw, and should return quickly.
    using FailureHandler = std::function<void(const ErrorInfo &)>;

    // The process-wide provider of the role from ALIBABA_CLOUD_ECS_METADATA, else the
    // discovered one.
    CredentialSource() : state_(std::make_shared<State>(false, std::string(), nullptr)) {}
    // The process-wide provider of `role`. An invalid role name is reported by fetch()
    // (ECSCRED_INVALID_CONFIG).
    explicit CredentialSource(std::string role)
        : state_(std::make_shared<State>(true, std::move(role), nullptr)) {}
    // `provider` (shared: several sources and other code may use it at once). A null or
    // empty provider makes every fetch() fail with ECSCRED_NULL_ARGUMENT.
    explicit CredentialSource(std::shared_ptr<const Provider> provider)
        : state_(std::make_shared<State>(false, std::string(),
                                         provider ? std::move(provider) : empty_provider())) {}

    // One snapshot into `out`. On failure `out` is unchanged.
    Status fetch(Credential &out) const noexcept {
        State &s = *state_;
        Status status = s.provider ? s.provider->try_credential(out)
                                   : try_get_credential(out, s.has_role ? s.role.c_str() : nullptr);
        if (status == ECSCRED_OK) {
            // A plain load on the warm path; a store only when ending a failure.
            if (s.failing.load(std::memory_order_relaxed)) {
                s.failing.store(false, std::memory_order_relaxed);
            }
            return status;
        }
        s.record_failure(status);
        return status;
    }

    // The failure of the latest fetch() that failed, while no fetch() has succeeded
    // since; an ok() ErrorInfo otherwise. Thread-safe (takes a lock: not for hot paths).
    ErrorInfo last_error() const {
        std::lock_guard<std::mutex> lock(state_->mutex);
        if (!state_->failing.load(std::memory_order_relaxed)) return ErrorInfo();
        return state_->last_error;
    }

    // Sets (or, with an empty function, removes) the failure handler. Thread-safe.
    void on_failure(FailureHandler handler) {
        std::lock_guard<std::mutex> lock(state_->mutex);
        state_->handler = std::move(handler);
    }

private:
    static std::shared_ptr<const Provider> empty_provider() {
        return std::shared_ptr<const Provider>(std::make_shared<Provider>());
    }

    struct State {
        State(bool named, std::string r, std::shared_ptr<const Provider> p)
            : has_role(named), role(std::move(r)), provider(std::move(p)), failing(false) {}

        // The failure path only: copies the C message (per thread) under the lock, and
        // calls the handler outside it on the working-to-failing transition.
        void record_failure(Status status) noexcept {
            FailureHandler call;
            ErrorInfo info;
            {
                std::lock_guard<std::mutex> lock(mutex);
                last_error = ecscred::last_error(status);
                if (!failing.exchange(true, std::memory_order_relaxed) && handler) {
                    call = handler;
                    info = last_error;
                }
            }
            if (call) call(info);
        }

        const bool has_role;
        const std::string role;
        const std::shared_ptr<const Provider> provider;  // null: the process-wide one
        std::atomic<bool> failing;
        mutable std::mutex mutex;
        ErrorInfo last_error;    // guarded by mutex
        FailureHandler handler;  // guarded by mutex
    };

    // Shared, so that a source (and an adapter holding one) can be copied cheaply.
    std::shared_ptr<State> state_;
};

}  // namespace ecscred

#endif  // ECSCRED_HPP
