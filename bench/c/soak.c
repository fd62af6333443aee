/*
 * The C half of `make soak` (driven by bench/soak.py): THREADS threads get credentials for
 * SECONDS, half through ecscred_get_credential(NULL) (the process-wide provider, role
 * discovered, endpoint from ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT) and half through
 * an ecscred_provider with the role and endpoint set; and every FORK_MS a forked child gets
 * one credential and exits.
 *
 *     soak URL ROLE THREADS SECONDS FORK_MS LOG_FILE EVENTS_FILE
 *
 * Every credential handed out is checked: against the mock's /_mock/credentials (refetched
 * when an unknown snapshot shows up), torn = its id, secret and token are not those of one
 * issued credential; expired = the wall clock read after the call returned is at or past
 * that credential's issued expiration. ecscred's log (DEBUG and up) goes to LOG_FILE;
 * errors (aggregated by thread, kind and second, with the expiry of the thread's last good
 * credential), their messages, every expired or torn hand-out and every child's outcome go
 * to EVENTS_FILE as JSON lines; a summary JSON object goes to stdout. Secrets are never
 * written anywhere (only AccessKeyIds).
 */
#include "common.h"

#include <ecscred.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/wait.h>

#define MAX_IDS 256

static const char *url;
static const char *role;
static ecscred_provider *provider;
static int log_fd = -1, events_fd = -1;
static atomic_int stop;
static atomic_long total_calls, total_ok, total_errors, total_expired, total_torn;
static atomic_long max_past_expiry_us;
/* The newest expiry of a good credential any thread got (a forked child inherits it). */
static atomic_llong latest_good_exp;

/* The credentials the mock handed out, refetched on demand. */
static pthread_mutex_t issued_lock = PTHREAD_MUTEX_INITIALIZER;
static issued_list issued;

/* AccessKeyIds handed out by this process and its children. */
static pthread_mutex_t ids_lock = PTHREAD_MUTEX_INITIALIZER;
static char *ids[MAX_IDS];
static int n_ids;

/* One write(2) per line: atomic for lines under PIPE_BUF with O_APPEND, no lock (safe in a
 * forked child whatever other threads held at the fork). */
static void emit(int fd, const char *fmt, ...) {
    char line[4096];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
    line[n++] = '\n';
    if (write(fd, line, (size_t)n) < 0) {
        /* nothing to do */
    }
}

/* JSON string escaping of a message (messages hold no secret, but may hold quotes). */
static void json_escape(const char *in, char *out, size_t len) {
    size_t o = 0;
    for (; *in && o + 7 < len; in++) {
        unsigned char ch = (unsigned char)*in;
        if (ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = (char)ch;
        } else if (ch < 0x20) {
            o += (size_t)snprintf(out + o, len - o, "\\u%04x", ch);
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o] = '\0';
}

static void on_log(void *userdata, ecscred_log_level level, const char *message) {
    static const char *names[] = {"OFF", "ERROR", "WARN", "INFO", "DEBUG", "TRACE"};
    (void)userdata;
    emit(log_fd, "%.6f %d %s %s", wall_s(), (int)getpid(), level <= 5 ? names[level] : "?",
         message);
}

static void note_id(const char *id) {
    int i;
    pthread_mutex_lock(&ids_lock);
    for (i = 0; i < n_ids; i++) {
        if (strcmp(ids[i], id) == 0) break;
    }
    if (i == n_ids && n_ids < MAX_IDS) ids[n_ids++] = strdup(id);
    pthread_mutex_unlock(&ids_lock);
}

/* A thread's view of the snapshot it got last. */
typedef struct {
    char *id, *secret, *token;
    int64_t expiration;
    int known;
} last_t;

static void last_clear(last_t *last) {
    if (last->secret) memset(last->secret, 0, strlen(last->secret));
    if (last->token) memset(last->token, 0, strlen(last->token));
    free(last->id);
    free(last->secret);
    free(last->token);
    memset(last, 0, sizeof *last);
}

/* Checks one credential handed out at wall time `now`; updates `last`. Returns 0 ok,
 * 1 expired, 2 torn. `locked`: the caller holds issued_lock (a forked child). */
static int check(ecscred_credential *c, double now, last_t *last, int locked) {
    const char *id = ecscred_credential_access_key_id(c);
    const char *secret = ecscred_credential_access_key_secret(c);
    const char *token = ecscred_credential_security_token(c);
    if (!last->id || strcmp(last->id, id) || strcmp(last->secret, secret) ||
        strcmp(last->token, token)) {
        const issued_t *found;
        last_clear(last);
        last->id = strdup(id);
        last->secret = strdup(secret);
        last->token = strdup(token);
        if (!locked) pthread_mutex_lock(&issued_lock);
        found = issued_find(&issued, id, secret, token);
        if (!found && issued_fetch(url, &issued) == 0) found = issued_find(&issued, id, secret, token);
        last->known = found != NULL;
        last->expiration = found ? found->expiration : 0;
        if (!locked) pthread_mutex_unlock(&issued_lock);
        /* A forked child must not take ids_lock (another thread may have held it at the
         * fork): the parent notes the id from the child's report. */
        if (!locked) note_id(id);
    }
    if (!last->known) {
        emit(events_fd, "{\"type\":\"torn\",\"src\":\"c\",\"pid\":%d,\"t\":%.6f,\"id\":\"%s\"}",
             (int)getpid(), now, id);
        return 2;
    }
    if (now >= (double)last->expiration) {
        long past = (long)((now - (double)last->expiration) * 1e6);
        long prev = atomic_load(&max_past_expiry_us);
        while (past > prev && !atomic_compare_exchange_weak(&max_past_expiry_us, &prev, past)) {
        }
        emit(events_fd,
             "{\"type\":\"expired\",\"src\":\"c\",\"pid\":%d,\"t\":%.6f,\"exp\":%lld,\"id\":\"%s\"}",
             (int)getpid(), now, (long long)last->expiration, id);
        return 1;
    }
    return 0;
}

/* Errors are aggregated while consecutive ones share thread, kind, second and the expiry of
 * the thread's last good credential. */
typedef struct {
    int thread;
    ecscred_status status;
    int64_t sec, last_good_exp;
    long count;
    char message[1024];
} error_run_t;

static void flush_errors(error_run_t *run) {
    if (run->count == 0) return;
    emit(events_fd,
         "{\"type\":\"error\",\"src\":\"c\",\"thread\":%d,\"kind\":\"%s\",\"sec\":%lld,"
         "\"count\":%ld,\"last_good_exp\":%lld}",
         run->thread, ecscred_status_str(run->status), (long long)run->sec, run->count,
         (long long)run->last_good_exp);
    run->count = 0;
}

/* Whether two messages differ at most in their digits ("next attempt in 1538 ms"). */
static int same_but_digits(const char *a, const char *b) {
    for (;;) {
        while (*a >= '0' && *a <= '9') a++;
        while (*b >= '0' && *b <= '9') b++;
        if (*a != *b) return 0;
        if (!*a) return 1;
        a++;
        b++;
    }
}

static void on_error(error_run_t *run, int thread, ecscred_status s, double now,
                     int64_t last_good_exp) {
    const char *message = ecscred_last_error_message();
    int64_t sec = (int64_t)now;
    if (run->count && (run->status != s || run->sec != sec || run->last_good_exp != last_good_exp))
        flush_errors(run);
    if (!same_but_digits(run->message, message)) {
        char escaped[2400];
        snprintf(run->message, sizeof run->message, "%s", message);
        json_escape(message, escaped, sizeof escaped);
        emit(events_fd, "{\"type\":\"error_text\",\"src\":\"c\",\"kind\":\"%s\",\"t\":%.6f,\"text\":\"%s\"}",
             ecscred_status_str(s), now, escaped);
    }
    run->thread = thread;
    run->status = s;
    run->sec = sec;
    run->last_good_exp = last_good_exp;
    run->count++;
}

static ecscred_status get(int shared, ecscred_credential **c) {
    return shared ? ecscred_get_credential(NULL, c) : ecscred_provider_get_credential(provider, c);
}

static void *caller(void *arg) {
    int thread = (int)(intptr_t)arg;
    int shared = thread % 2 == 0;
    last_t last = {NULL, NULL, NULL, 0, 0};
    error_run_t run;
    int64_t last_good_exp = 0;
    memset(&run, 0, sizeof run);
    while (!atomic_load(&stop)) {
        ecscred_credential *c;
        ecscred_status s = get(shared, &c);
        double now = wall_s();
        atomic_fetch_add(&total_calls, 1);
        if (s == ECSCRED_OK) {
            int verdict = check(c, now, &last, 0);
            if (verdict == 1) atomic_fetch_add(&total_expired, 1);
            if (verdict == 2) atomic_fetch_add(&total_torn, 1);
            if (verdict == 0) {
                long long prev = atomic_load(&latest_good_exp);
                atomic_fetch_add(&total_ok, 1);
                last_good_exp = last.expiration;
                while (last_good_exp > prev &&
                       !atomic_compare_exchange_weak(&latest_good_exp, &prev, last_good_exp)) {
                }
            }
            ecscred_credential_free(c);
        } else {
            atomic_fetch_add(&total_errors, 1);
            on_error(&run, thread, s, now, last_good_exp);
        }
        sleep_us(200);
    }
    flush_errors(&run);
    last_clear(&last);
    return NULL;
}

static atomic_long forks, children_ok, children_failed, children_hung, children_bad;

/* In the child: one credential, checked, reported on `fd`, then _exit. issued_lock is held
 * (taken by the parent's forking thread before fork, so the list is consistent). */
static void child(int fd, int n) {
    ecscred_credential *c;
    int shared = n % 2 == 0;
    ecscred_status s = get(shared, &c);
    double now = wall_s();
    char line[1400];
    if (s == ECSCRED_OK) {
        last_t last = {NULL, NULL, NULL, 0, 0};
        int verdict = check(c, now, &last, 1);
        snprintf(line, sizeof line,
                 "{\"type\":\"child\",\"src\":\"c\",\"pid\":%d,\"t\":%.6f,\"shared\":%d,\"ok\":%s,"
                 "\"verdict\":\"%s\",\"id\":\"%s\"}\n",
                 (int)getpid(), now, shared, verdict == 0 ? "true" : "false",
                 verdict == 0 ? "ok" : verdict == 1 ? "expired" : "torn", last.id);
        ecscred_credential_free(c);
    } else {
        char escaped[1200];
        json_escape(ecscred_last_error_message(), escaped, sizeof escaped);
        snprintf(line, sizeof line,
                 "{\"type\":\"child\",\"src\":\"c\",\"pid\":%d,\"t\":%.6f,\"shared\":%d,\"ok\":false,"
                 "\"verdict\":\"error\",\"kind\":\"%s\",\"last_good_exp\":%lld,\"text\":\"%s\"}\n",
                 (int)getpid(), now, shared, ecscred_status_str(s),
                 (long long)atomic_load(&latest_good_exp), escaped);
    }
    if (write(fd, line, strlen(line)) < 0) _exit(3);
    _exit(0);
}

static void *forker(void *arg) {
    long every_ms = (long)(intptr_t)arg;
    int n = 0;
    while (!atomic_load(&stop)) {
        int fds[2];
        pid_t pid;
        char buf[2048];
        ssize_t got = 0;
        struct pollfd p;
        double deadline;
        int status, hung = 0;
        sleep_us(every_ms * 1000);
        if (atomic_load(&stop) || pipe(fds) != 0) break;
        pthread_mutex_lock(&issued_lock);
        pid = fork();
        if (pid == 0) {
            close(fds[0]);
            child(fds[1], n);
        }
        pthread_mutex_unlock(&issued_lock);
        close(fds[1]);
        n++;
        if (pid < 0) {
            close(fds[0]);
            continue;
        }
        atomic_fetch_add(&forks, 1);
        /* The child's answer, or its end: at most 20 s (the fetch timeout is 5 s). */
        deadline = mono_s() + 20;
        p.fd = fds[0];
        p.events = POLLIN;
        for (;;) {
            int left = (int)((deadline - mono_s()) * 1000);
            ssize_t r;
            if (left <= 0) {
                hung = 1;
                break;
            }
            if (poll(&p, 1, left) <= 0) continue;
            r = read(fds[0], buf + got, sizeof buf - 1 - (size_t)got);
            if (r <= 0) break;
            got += r;
        }
        close(fds[0]);
        if (hung) {
            kill(pid, SIGKILL);
            atomic_fetch_add(&children_hung, 1);
            emit(events_fd, "{\"type\":\"child\",\"src\":\"c\",\"pid\":%d,\"t\":%.6f,\"ok\":false,"
                 "\"verdict\":\"hung\"}", (int)pid, wall_s());
        }
        waitpid(pid, &status, 0);
        buf[got] = '\0';
        if (hung) continue;
        if (got > 0 && buf[got - 1] == '\n') buf[got - 1] = '\0';
        if (got == 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            atomic_fetch_add(&children_bad, 1);
            emit(events_fd, "{\"type\":\"child\",\"src\":\"c\",\"pid\":%d,\"t\":%.6f,\"ok\":false,"
                 "\"verdict\":\"crashed\",\"status\":%d}", (int)pid, wall_s(), status);
            continue;
        }
        if (strstr(buf, "\"ok\":true")) {
            atomic_fetch_add(&children_ok, 1);
        } else {
            atomic_fetch_add(&children_failed, 1);
        }
        /* Ids handed out in the child count too. */
        {
            const char *next;
            char *id = json_take(buf, "id", &next);
            if (id) {
                note_id(id);
                free(id);
            }
        }
        emit(events_fd, "%s", buf);
    }
    return NULL;
}

int main(int argc, char **argv) {
    ecscred_options opts;
    pthread_t *threads, fork_thread;
    int n_threads, i;
    double seconds, end;
    long fork_ms;

    if (argc != 8) {
        fprintf(stderr, "usage: soak URL ROLE THREADS SECONDS FORK_MS LOG_FILE EVENTS_FILE\n");
        return 2;
    }
    url = argv[1];
    role = argv[2];
    loopback_port(url);
    n_threads = atoi(argv[3]);
    seconds = atof(argv[4]);
    fork_ms = atol(argv[5]);
    log_fd = open(argv[6], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    events_fd = open(argv[7], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0 || events_fd < 0) {
        perror("soak: open");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (ecscred_set_log_callback(on_log, NULL, ECSCRED_LOG_DEBUG) != ECSCRED_OK) {
        fprintf(stderr, "soak: %s\n", ecscred_last_error_message());
        return 1;
    }
    ecscred_options_init(&opts);
    opts.endpoint = url;
    opts.role_name = role;
    if (ecscred_provider_new(&opts, &provider) != ECSCRED_OK) {
        fprintf(stderr, "soak: %s\n", ecscred_last_error_message());
        return 1;
    }
    end = mono_s() + seconds;
    threads = (pthread_t *)calloc((size_t)n_threads, sizeof *threads);
    for (i = 0; i < n_threads; i++) pthread_create(&threads[i], NULL, caller, (void *)(intptr_t)i);
    pthread_create(&fork_thread, NULL, forker, (void *)(intptr_t)fork_ms);
    while (mono_s() < end) sleep_us(100000);
    atomic_store(&stop, 1);
    for (i = 0; i < n_threads; i++) pthread_join(threads[i], NULL);
    pthread_join(fork_thread, NULL);

    printf("{\"src\":\"c\",\"threads\":%d,\"calls\":%ld,\"ok\":%ld,\"errors\":%ld,"
           "\"expired\":%ld,\"torn\":%ld,\"max_past_expiry_ms\":%.3f,\"forks\":%ld,"
           "\"children_ok\":%ld,\"children_failed\":%ld,\"children_hung\":%ld,"
           "\"children_crashed\":%ld,\"ids\":[",
           n_threads, atomic_load(&total_calls), atomic_load(&total_ok),
           atomic_load(&total_errors), atomic_load(&total_expired), atomic_load(&total_torn),
           (double)atomic_load(&max_past_expiry_us) / 1000, atomic_load(&forks),
           atomic_load(&children_ok), atomic_load(&children_failed),
           atomic_load(&children_hung), atomic_load(&children_bad));
    for (i = 0; i < n_ids; i++) printf("%s\"%s\"", i ? "," : "", ids[i]);
    printf("]}\n");
    ecscred_provider_free(provider);
    issued_free(&issued);
    return 0;
}
