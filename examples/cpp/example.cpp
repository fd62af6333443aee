// The tutorial's step 3 in C++: get the instance's RAM role credential and show it, with
// the installed C++ API (<ecscred.hpp>). It uses the non-throwing form, so it builds with
// and without -fno-exceptions.
//
// Like examples/c/get_credential.c, it prints the AccessKeyId and the expiration, and only
// the lengths of the AccessKeySecret and the SecurityToken: secrets should not end up in
// a terminal or a log (the tutorial's curl shows them all).
//
// Build with CMake (CMakeLists.txt here):
//   cmake -S examples/cpp -B build -DCMAKE_PREFIX_PATH=/usr/local && cmake --build build
// or: c++ -std=c++11 example.cpp $(pkg-config --cflags --libs ecscred)
// Run on an ECS instance, or against the mock:
//   ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:PORT build/ecscred_example

#include <ecscred.hpp>

#include <cstdio>
#include <cstring>
#include <ctime>

int main(int argc, char **argv) {
    const char *role = argc > 1 ? argv[1] : nullptr;  // nullptr: the role is discovered
    ecscred::Credential cred;
    ecscred::Status status = ecscred::try_get_credential(cred, role);
    if (status != ECSCRED_OK) {
        ecscred::ErrorInfo error = ecscred::last_error(status);
        std::fprintf(stderr, "ecscred: %s: %s\n", error.status_name(), error.message().c_str());
        return 1;
    }
    std::time_t expires = static_cast<std::time_t>(cred.expiration_unix());
    std::tm utc;
    char when[32];
    gmtime_r(&expires, &utc);
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
    std::printf("AccessKeyId:     %s\n", cred.access_key_id());
    std::printf("AccessKeySecret: (%zu characters, not shown)\n",
                std::strlen(cred.access_key_secret()));
    std::printf("SecurityToken:   (%zu characters, not shown)\n",
                std::strlen(cred.security_token()));
    std::printf("Expiration:      %s\n", when);
    return 0;
}
