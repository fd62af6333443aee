/*
 * Rollover under load, C: THREADS threads call ecscred_provider_get_credential (then
 * sleep 1 ms, like an application between requests) from the first fetch until
 * AFTER seconds past the first credential's expiry, while the mock rotates the credential
 * and answers credential GETs slowly (the driver, bench/report.py, starts it so).
 *
 *     rollover URL ROLE THREADS AFTER
 *
 * Prints one JSON object: the worst wait of any call, the calls slower than 1 ms, the
 * metadata requests made after the first fetch (from /_mock/counters), and every snapshot
 * handed out checked against /_mock/credentials: torn (id, secret and token not of one
 * issued credential) and expired (handed out at or after the issued expiration, by the
 * wall clock read when the call returned). Never prints a secret.
 */
#include "common.h"

#include <ecscred.h>
#include <pthread.h>
#include <stdatomic.h>

#define MAX_SECONDS 512
#define MAX_SEEN 64

typedef struct {
    char *id, *secret, *token;
    long calls_at[MAX_SECONDS]; /* calls that returned it, by wall-clock second - base */
} seen_t;

typedef struct {
    pthread_t thread;
    double worst;
    long calls, slow, errors, overflow;
    seen_t seen[MAX_SEEN];
    int n_seen;
    char last_error[256];
} worker_t;

static ecscred_provider *provider;
static atomic_int stop;
static int64_t base_sec;

static void *run(void *arg) {
    worker_t *w = (worker_t *)arg;
    seen_t *last = NULL;
    while (!stop) {
        ecscred_credential *c;
        double t0 = mono_s(), waited;
        ecscred_status s = ecscred_provider_get_credential(provider, &c);
        double now = wall_s();
        waited = mono_s() - t0;
        if (waited > w->worst) w->worst = waited;
        if (waited > 0.001) w->slow++;
        w->calls++;
        if (s != ECSCRED_OK) {
            w->errors++;
            snprintf(w->last_error, sizeof w->last_error, "%s", ecscred_last_error_message());
        } else {
            const char *id = ecscred_credential_access_key_id(c);
            const char *secret = ecscred_credential_access_key_secret(c);
            const char *token = ecscred_credential_security_token(c);
            int64_t sec = (int64_t)now - base_sec;
            if (!last || strcmp(last->id, id) || strcmp(last->secret, secret) ||
                strcmp(last->token, token)) {
                int i;
                last = NULL;
                for (i = 0; i < w->n_seen; i++) {
                    seen_t *e = &w->seen[i];
                    if (!strcmp(e->id, id) && !strcmp(e->secret, secret) && !strcmp(e->token, token))
                        last = e;
                }
                if (!last && w->n_seen < MAX_SEEN) {
                    last = &w->seen[w->n_seen++];
                    last->id = strdup(id);
                    last->secret = strdup(secret);
                    last->token = strdup(token);
                }
            }
            if (last && sec >= 0 && sec < MAX_SECONDS)
                last->calls_at[sec]++;
            else
                w->overflow++;
            ecscred_credential_free(c);
        }
        sleep_us(1000);
    }
    return NULL;
}

int main(int argc, char **argv) {
    ecscred_options opts;
    ecscred_credential *first;
    worker_t *workers;
    int threads, i, rotated = 0;
    double after, started, expires;
    char *counters;
    issued_list issued = {NULL, 0};
    long calls = 0, slow = 0, errors = 0, overflow = 0, torn = 0, expired = 0, distinct = 0;
    double worst = 0;
    char first_id[128], last_error[256] = "";

    if (argc != 5) {
        fprintf(stderr, "usage: rollover URL ROLE THREADS AFTER_SECONDS\n");
        return 2;
    }
    loopback_port(argv[1]);
    threads = atoi(argv[3]);
    after = atof(argv[4]);
    ecscred_options_init(&opts);
    opts.endpoint = argv[1];
    opts.role_name = argv[2];
    if (ecscred_provider_new(&opts, &provider) != ECSCRED_OK ||
        ecscred_provider_get_credential(provider, &first) != ECSCRED_OK) {
        fprintf(stderr, "rollover: %s\n", ecscred_last_error_message());
        return 1;
    }
    snprintf(first_id, sizeof first_id, "%s", ecscred_credential_access_key_id(first));
    expires = (double)ecscred_credential_expiration(first);
    ecscred_credential_free(first);
    free(admin_request(argv[1], "POST", "/_mock/counters/reset"));

    started = wall_s();
    base_sec = (int64_t)started - 1;
    workers = (worker_t *)calloc((size_t)threads, sizeof *workers);
    for (i = 0; i < threads; i++) pthread_create(&workers[i].thread, NULL, run, &workers[i]);
    while (wall_s() < expires + after) sleep_us(100000);
    stop = 1;
    for (i = 0; i < threads; i++) pthread_join(workers[i].thread, NULL);

    counters = admin_request(argv[1], "GET", "/_mock/counters");
    if (issued_fetch(argv[1], &issued) != 0 || !counters) {
        fprintf(stderr, "rollover: cannot read the mock's admin endpoint\n");
        return 1;
    }
    for (i = 0; i < threads; i++) {
        worker_t *w = &workers[i];
        int j;
        if (w->worst > worst) worst = w->worst;
        calls += w->calls;
        slow += w->slow;
        errors += w->errors;
        overflow += w->overflow;
        if (w->last_error[0]) snprintf(last_error, sizeof last_error, "%s", w->last_error);
        for (j = 0; j < w->n_seen; j++) {
            seen_t *e = &w->seen[j];
            const issued_t *c = issued_find(&issued, e->id, e->secret, e->token);
            long n = 0;
            int k;
            for (k = 0; k < MAX_SECONDS; k++) n += e->calls_at[k];
            distinct++;
            if (!c) {
                torn += n;
                continue;
            }
            for (k = 0; k < MAX_SECONDS; k++) {
                if (base_sec + k >= c->expiration) expired += e->calls_at[k];
            }
            if (strcmp(e->id, first_id) != 0) rotated = 1;
        }
    }
    printf("{\"threads\":%d,\"calls\":%ld,\"errors\":%ld,\"worst_wait_ms\":%.3f,"
           "\"calls_over_1ms\":%ld,\"torn\":%ld,\"expired\":%ld,\"unchecked\":%ld,"
           "\"distinct_snapshots\":%ld,\"rotated\":%s,"
           "\"credential_gets\":%ld,\"token_puts\":%ld,\"role_gets\":%ld,\"requests\":%ld,"
           "\"max_concurrent\":%ld,\"seconds\":%.1f,\"last_error_len\":%zu}\n",
           threads, calls, errors, worst * 1000, slow, torn, expired, overflow, distinct,
           rotated ? "true" : "false", json_number(counters, "credential_gets"),
           json_number(counters, "token_puts"), json_number(counters, "role_gets"),
           json_number(counters, "requests"), json_number(counters, "max_concurrent"),
           wall_s() - started, strlen(last_error));
    if (errors) fprintf(stderr, "rollover: %ld failed calls, e.g.: %s\n", errors, last_error);
    free(counters);
    issued_free(&issued);
    ecscred_provider_free(provider);
    return 0;
}
