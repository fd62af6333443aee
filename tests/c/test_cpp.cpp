// Tests of the C++ RAII wrapper (examples/cpp/ecscred.hpp) against the mock metadata
// service; run by tests/c/run.sh, built through find_package(ecscred).

#include "ecscred.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

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

static void test_get_credential() {
    ecscred::Credential cred = ecscred::get_credential();
    CHECK(current_id() == cred.access_key_id(), "id %s", cred.access_key_id());
    CHECK(std::string(cred.access_key_secret()).size() > 0, "secret");
    CHECK(std::string(cred.security_token()).size() > 0, "token");
    CHECK(cred.expiration() > std::chrono::system_clock::now(), "expired");
    ecscred::Credential named = ecscred::get_credential(std::string(kRole));
    CHECK(std::string(named.access_key_id()) == cred.access_key_id(), "same credential");
}

static void test_copy_and_move() {
    static_assert(!std::is_copy_constructible<ecscred::Provider>::value, "move-only");
    ecscred::Credential a = ecscred::get_credential();
    std::string id = a.access_key_id();
    ecscred::Credential b = a;             // a second handle
    ecscred::Credential c = std::move(a);  // a is now empty
    CHECK(std::string(a.access_key_id()).empty(), "moved-from is empty");
    CHECK(id == b.access_key_id() && id == c.access_key_id(), "same snapshot");
    a = b;  // assignment takes a handle again
    CHECK(id == a.access_key_id(), "assigned");
    std::vector<ecscred::Credential> many(100, b);
    CHECK(id == many.back().access_key_id(), "copies in a vector");
}

static void test_provider() {
    ecscred::Provider provider(
        ecscred::Options().endpoint(mock_url()).role_name(kRole).read_timeout(
            std::chrono::milliseconds(2000)));
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

static void test_version() {
    CHECK(std::string(ecscred::version()).find('.') != std::string::npos, "%s",
          ecscred::version());
}

int main() {
    std::printf("ecscred %s (C++ wrapper), mock %s\n", ecscred::version(), mock_url());
    RUN(test_version);
    RUN(test_get_credential);
    RUN(test_copy_and_move);
    RUN(test_provider);
    RUN(test_errors_are_exceptions);
    return SUMMARY();
}
