// Helpers of the C++ SDK test programs (tests/cpp/test_*.cpp): the environment the driver
// (tests/cpp/sdk_tests.py) sets, and the mock metadata service's issued credentials.
#ifndef ECSCRED_TEST_SDK_COMMON_H
#define ECSCRED_TEST_SDK_COMMON_H

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "mock.h"

// A variable the driver sets; exits if it is missing.
inline std::string required_env(const char *name) {
    const char *value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        std::fprintf(stdout, "%s is not set (tests/cpp/sdk_tests.py sets it)\n", name);
        std::exit(2);
    }
    return value;
}

// One credential the mock handed out: its AccessKeyId and when it expires (Unix seconds).
struct Issued {
    std::string id;
    std::time_t expires;
};

// "YYYY-MM-DDThh:mm:ssZ" as Unix seconds (UTC), 0 if malformed.
inline std::time_t parse_utc(const char *text) {
    std::tm tm = std::tm();
    if (std::sscanf(text, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                    &tm.tm_min, &tm.tm_sec) != 6) {
        return 0;
    }
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return timegm(&tm);
}

// Every credential the mock handed out, in order (GET /_mock/credentials).
inline std::vector<Issued> issued() {
    char *json = mock_must("GET", "/_mock/credentials", nullptr);
    std::vector<Issued> out;
    const char *cursor = nullptr;
    char id[128], expiration[64];
    while (json_string(json, "access_key_id", id, sizeof id, &cursor)) {
        const char *at = cursor;
        if (!json_string(json, "expiration", expiration, sizeof expiration, &at)) break;
        out.push_back(Issued{id, parse_utc(expiration)});
    }
    mock_free_wiped(json);
    return out;
}

inline std::time_t now_unix() {
    return std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
}

#endif
