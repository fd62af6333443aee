/*
 * Benchmark (not a test): the warm path of the C API, i.e. one
 * ecscred_get_credential + the 3 string accessors + ecscred_credential_free, in ns per
 * call, median of 7 runs of 1,000,000 calls after a warm-up. Also through a provider
 * handle, with a role name, and from 2 threads at once.
 *
 * Run by `make bench-c` (tests/c/run.sh bench) against the mock metadata service; the
 * first call fetches, every measured call is served from the cache.
 */
#define _GNU_SOURCE
#include <ecscred.h>

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 7
#define CALLS 1000000L

/* Per thread: a shared one would make the two-thread rows measure this counter. */
static _Thread_local volatile uintptr_t sink;

enum variant { ONE_CALL_NULL_ROLE, ONE_CALL_NAMED_ROLE, PROVIDER_HANDLE };
static ecscred_provider *provider;

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int one(enum variant v) {
    ecscred_credential *c;
    ecscred_status s;
    switch (v) {
    case ONE_CALL_NULL_ROLE: s = ecscred_get_credential(NULL, &c); break;
    case ONE_CALL_NAMED_ROLE: s = ecscred_get_credential("EcsRamRoleTest", &c); break;
    default: s = ecscred_provider_get_credential(provider, &c); break;
    }
    if (s != ECSCRED_OK) return -1;
    sink += (uintptr_t)ecscred_credential_access_key_id(c)[0] +
            (uintptr_t)ecscred_credential_access_key_secret(c)[0] +
            (uintptr_t)ecscred_credential_security_token(c)[0];
    ecscred_credential_free(c);
    return 0;
}

/* ns per call over CALLS calls; negative on a failed call. */
static double run(enum variant v) {
    long i;
    double start = now_ns();
    for (i = 0; i < CALLS; i++) {
        if (one(v) != 0) return -1;
    }
    return (now_ns() - start) / (double)CALLS;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(enum variant v) {
    double t[RUNS];
    int r;
    for (r = 0; r < RUNS; r++) {
        t[r] = run(v);
        if (t[r] < 0) return -1;
    }
    qsort(t, RUNS, sizeof t[0], cmp);
    return t[RUNS / 2];
}

struct job {
    enum variant variant;
    double result;
};

static void *thread_main(void *arg) {
    struct job *job = (struct job *)arg;
    job->result = median(job->variant);
    return NULL;
}

int main(void) {
    static const char *names[] = {"ecscred_get_credential(NULL)",
                                  "ecscred_get_credential(\"EcsRamRoleTest\")",
                                  "ecscred_provider_get_credential"};
    ecscred_options opts;
    pthread_t threads[2];
    struct job jobs[2];
    int v, t, failed = 0;

    ecscred_options_init(&opts);
    if (ecscred_provider_new(&opts, &provider) != ECSCRED_OK) {
        fprintf(stderr, "bench: %s\n", ecscred_last_error_message());
        return 1;
    }
    for (v = 0; v <= PROVIDER_HANDLE; v++) {
        double ns;
        if (one((enum variant)v) != 0) { /* the fetch */
            fprintf(stderr, "bench: %s\n", ecscred_last_error_message());
            return 1;
        }
        run((enum variant)v); /* warm-up */
        ns = median((enum variant)v);
        if (ns < 0) failed = 1;
        printf("%-45s + 3 accessors + free: %6.1f ns/call (median of %d x %ld)\n", names[v],
               ns, RUNS, CALLS);
    }
    for (v = 0; v <= PROVIDER_HANDLE; v++) {
        for (t = 0; t < 2; t++) {
            jobs[t].variant = (enum variant)v;
            pthread_create(&threads[t], NULL, thread_main, &jobs[t]);
        }
        for (t = 0; t < 2; t++) pthread_join(threads[t], NULL);
        if (jobs[0].result < 0 || jobs[1].result < 0) failed = 1;
        printf("%-45s + 3 accessors + free: %6.1f / %6.1f ns/call, 2 threads at once\n",
               names[v], jobs[0].result, jobs[1].result);
    }
    ecscred_provider_free(provider);
    return failed;
}
