// ecscred.hpp: a small header-only C++11 wrapper of the ecscred C API (ecscred.h).
//
//   #include "ecscred.hpp"
//
//   ecscred::Credential cred = ecscred::get_credential();        // throws ecscred::Error
//   sign(cred.access_key_id(), cred.access_key_secret(), cred.security_token());
//
// - ecscred::Credential owns one credential handle (RAII): copying takes another handle
//   to the same immutable snapshot (no copy of the secrets), moving transfers it, the
//   destructor frees it. The strings it returns live as long as the Credential object.
// - ecscred::Provider owns an ecscred_provider (move-only); ecscred::Options builds it.
// - Failures throw ecscred::Error, which carries the ecscred_status and the message of
//   ecscred_last_error_message() (endpoint, HTTP status, timeout; never a secret).
//
// Thread-safety is that of the C API: every function may be called from any thread; a
// Credential or Provider object may be used by several threads at once for reading.
//
// Build: c++ -std=c++11 app.cpp $(pkg-config --cflags --libs ecscred), or with CMake:
// find_package(ecscred) and target_link_libraries(app PRIVATE ecscred::ecscred).

#ifndef ECSCRED_HPP
#define ECSCRED_HPP

#include <ecscred.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace ecscred {

// A failed ecscred call.
class Error : public std::runtime_error {
public:
    Error(ecscred_status status, const std::string &message)
        : std::runtime_error(message), status_(status) {}

    // The ecscred_status of the failure, e.g. ECSCRED_UNREACHABLE.
    ecscred_status status() const noexcept { return status_; }

    // Its short stable name, e.g. "unreachable".
    const char *status_name() const noexcept { return ecscred_status_str(status_); }

private:
    ecscred_status status_;
};

namespace detail {
// Throws the Error of a failed call; the message is read right away, on the failing
// thread, as ecscred_last_error_message() requires.
inline void check(ecscred_status status) {
    if (status != ECSCRED_OK) {
        throw Error(status, ecscred_last_error_message());
    }
}
}  // namespace detail

// One STS credential: an immutable snapshot, never expired when handed out.
class Credential {
public:
    // Adopts a handle from ecscred_get_credential or ecscred_provider_get_credential.
    explicit Credential(ecscred_credential *handle) noexcept : handle_(handle) {}

    Credential(const Credential &other) noexcept
        : handle_(ecscred_credential_clone(other.handle_)) {}
    Credential(Credential &&other) noexcept : handle_(other.handle_) {
        other.handle_ = nullptr;
    }
    Credential &operator=(Credential other) noexcept {
        std::swap(handle_, other.handle_);
        return *this;
    }
    ~Credential() { ecscred_credential_free(handle_); }

    // The AccessKeyId ("STS...."). "" for a moved-from object.
    const char *access_key_id() const noexcept {
        return ecscred_credential_access_key_id(handle_);
    }
    // The AccessKeySecret: never log it. Wiped when the last handle is freed, so prefer
    // using it in place to copying it into a std::string.
    const char *access_key_secret() const noexcept {
        return ecscred_credential_access_key_secret(handle_);
    }
    // The SecurityToken: never log it.
    const char *security_token() const noexcept {
        return ecscred_credential_security_token(handle_);
    }
    // Expiration in seconds since the Unix epoch (UTC).
    std::int64_t expiration_unix() const noexcept {
        return ecscred_credential_expiration(handle_);
    }
    // Expiration as a time point.
    std::chrono::system_clock::time_point expiration() const {
        return std::chrono::system_clock::time_point(
            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                std::chrono::seconds(expiration_unix())));
    }
    // The C handle, still owned by this object.
    const ecscred_credential *get() const noexcept { return handle_; }

private:
    ecscred_credential *handle_;
};

// The credential of `role` (nullptr: from ALIBABA_CLOUD_ECS_METADATA, else discovered)
// from the process-wide cached provider. Throws Error.
inline Credential get_credential(const char *role = nullptr) {
    ecscred_credential *handle = nullptr;
    detail::check(ecscred_get_credential(role, &handle));
    return Credential(handle);
}

inline Credential get_credential(const std::string &role) {
    return get_credential(role.c_str());
}

// Options of a Provider; unset ones come from the environment or the defaults.
class Options {
public:
    Options() { ecscred_options_init(&options_); }

    // Base URL of the metadata service, e.g. "http://127.0.0.1:8080".
    Options &endpoint(std::string url) {
        endpoint_ = std::move(url);
        has_endpoint_ = true;
        return *this;
    }
    // The RAM role name (default: discovered).
    Options &role_name(std::string role) {
        role_ = std::move(role);
        has_role_ = true;
        return *this;
    }
    Options &connect_timeout(std::chrono::milliseconds t) {
        options_.connect_timeout_ms = static_cast<std::uint32_t>(t.count());
        return *this;
    }
    Options &read_timeout(std::chrono::milliseconds t) {
        options_.read_timeout_ms = static_cast<std::uint32_t>(t.count());
        return *this;
    }
    Options &fetch_timeout(std::chrono::milliseconds t) {
        options_.fetch_timeout_ms = static_cast<std::uint32_t>(t.count());
        return *this;
    }
    // Hardened mode (metadata token) only.
    Options &disable_imds_v1(bool yes) {
        options_.disable_imds_v1 = yes ? ECSCRED_YES : ECSCRED_NO;
        return *this;
    }
    // Never contact the metadata service.
    Options &disabled(bool yes) {
        options_.disabled = yes ? ECSCRED_YES : ECSCRED_NO;
        return *this;
    }

    // The C struct, pointing into this object: valid while it lives unchanged.
    ecscred_options to_c() const {
        ecscred_options c = options_;
        c.endpoint = has_endpoint_ ? endpoint_.c_str() : nullptr;
        c.role_name = has_role_ ? role_.c_str() : nullptr;
        return c;
    }

private:
    ecscred_options options_;
    std::string endpoint_, role_;
    bool has_endpoint_ = false, has_role_ = false;
};

// A provider with its own cache and configuration. Move-only. Thread-safe.
class Provider {
public:
    // Throws Error for an invalid configuration.
    explicit Provider(const Options &options = Options()) : handle_(nullptr) {
        ecscred_options c = options.to_c();
        detail::check(ecscred_provider_new(&c, &handle_));
    }
    Provider(Provider &&other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
    Provider &operator=(Provider &&other) noexcept {
        std::swap(handle_, other.handle_);
        return *this;
    }
    Provider(const Provider &) = delete;
    Provider &operator=(const Provider &) = delete;
    ~Provider() { ecscred_provider_free(handle_); }

    // The current credential. Throws Error.
    Credential credential() const {
        ecscred_credential *handle = nullptr;
        detail::check(ecscred_provider_get_credential(handle_, &handle));
        return Credential(handle);
    }

    // The metadata service URL in use.
    const char *endpoint() const noexcept { return ecscred_provider_endpoint(handle_); }

private:
    ecscred_provider *handle_;
};

// The library's version, e.g. "0.1.0".
inline const char *version() noexcept { return ecscred_version(); }

}  // namespace ecscred

#endif  // ECSCRED_HPP
