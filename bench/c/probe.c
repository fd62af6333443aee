/*
 * Cold start and footprint of the C API, in a fresh process: the time from just before
 * the first ecscred_get_credential to its return (the fetch from the mock), and the
 * threads (/proc/self/task) and resident memory (VmRSS) the process has before that
 * first call, right after it, and SETTLE_MS later.
 *
 *     probe [ROLE]        (endpoint from ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT,
 *                          which must be a loopback URL; no ROLE: the role is discovered)
 *
 * Prints one JSON object; never a secret.
 */
#include "common.h"

#include <ecscred.h>

#define SETTLE_MS 500

int main(int argc, char **argv) {
    const char *endpoint = getenv("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT");
    const char *role = argc > 1 && argv[1][0] ? argv[1] : NULL;
    ecscred_credential *c;
    ecscred_status s;
    int threads_before, threads_after, threads_settled;
    long rss_before, rss_after, rss_settled;
    double t0, t1;
    char names[1024];

    if (!endpoint) {
        fprintf(stderr, "probe: set ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT\n");
        return 2;
    }
    loopback_port(endpoint);
    /* Touch what the measurement itself uses, so that it does not count as ecscred's. */
    (void)ecscred_version();
    threads_before = count_threads();
    rss_before = vm_rss_kib();

    t0 = mono_s();
    s = ecscred_get_credential(role, &c);
    t1 = mono_s();
    if (s != ECSCRED_OK) {
        fprintf(stderr, "probe: %s: %s\n", ecscred_status_str(s), ecscred_last_error_message());
        return 1;
    }
    threads_after = count_threads();
    rss_after = vm_rss_kib();
    ecscred_credential_free(c);
    sleep_us(SETTLE_MS * 1000L);
    threads_settled = count_threads();
    thread_names(names, sizeof names);
    rss_settled = vm_rss_kib();

    printf("{\"cold_ms\":%.3f,\"threads_before\":%d,\"threads_after\":%d,"
           "\"threads_settled\":%d,\"rss_before_kib\":%ld,\"rss_after_kib\":%ld,"
           "\"rss_settled_kib\":%ld,\"settle_ms\":%d,\"thread_names\":\"%s\"}\n",
           (t1 - t0) * 1000, threads_before, threads_after, threads_settled, rss_before,
           rss_after, rss_settled, SETTLE_MS, names);
    return 0;
}
