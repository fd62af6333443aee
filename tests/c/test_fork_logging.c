/*
 * fork() at every point where ecscred's refresh thread can be, and the log callback's
 * re-entry rule (tests/c/run.sh runs it against the mock, plain, under ASan+UBSan and
 * under valgrind).
 *
 * The refresh thread is caught, in the parent, inside the log callback (the callback blocks
 * on a pipe until the parent has forked), in the middle of a fetch (the mock delays the
 * credential answer, and the fork waits for the mock to count the request) and idle. Each
 * child must get the cached credential at once, fetch with a new provider (its own refresh
 * thread), and install and clear a log callback of its own; a watchdog (alarm) ends a
 * child that hangs. Children forked without atfork handlers (_Fork, a raw clone system
 * call) must do the same. A log callback that calls ecscred is refused at once.
 *
 * Ordering is by pipes and by the mock's request counters, never by sleeping.
 */
#define _GNU_SOURCE
#include <ecscred.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "mock.h"

#define ROLE "EcsRamRoleTest"
/* Seconds before a child that hangs is killed: generous, it only ends a hang. */
#define CHILD_WATCHDOG 60

static char parent_id[128];

/* ---- helpers ------------------------------------------------------------------------- */

static ecscred_provider *new_provider(void) {
    ecscred_options opts;
    ecscred_provider *p = NULL;
    ecscred_options_init(&opts);
    opts.endpoint = mock_url();
    opts.role_name = ROLE;
    if (ecscred_provider_new(&opts, &p) != ECSCRED_OK) return NULL;
    return p;
}

/* Waits until the mock has counted `n` requests of `counter` (at most ~30 s). */
static int wait_for_counter(const char *counter, long n) {
    struct timespec tick = {0, 5 * 1000 * 1000};
    int i;
    for (i = 0; i < 6000; i++) {
        if (mock_counter(counter) >= n) return 1;
        nanosleep(&tick, NULL);
    }
    return 0;
}

/* 1 if every other thread of this process is blocked in the kernel (state S): none holds a
 * lock of the C library, so even a fork that runs no atfork handler is safe. */
static int other_threads_sleep(void) {
    DIR *tasks = opendir("/proc/self/task");
    struct dirent *entry;
    int all = 1;
    pid_t self = (pid_t)syscall(SYS_gettid);
    if (tasks == NULL) return 0;
    while ((entry = readdir(tasks)) != NULL) {
        char path[64], stat[256];
        const char *state;
        ssize_t n;
        int fd;
        if (entry->d_name[0] == '.' || atoi(entry->d_name) == self) continue;
        snprintf(path, sizeof path, "/proc/self/task/%d/stat", atoi(entry->d_name));
        fd = open(path, O_RDONLY);
        if (fd < 0) continue; /* the thread just ended */
        n = read(fd, stat, sizeof stat - 1);
        close(fd);
        if (n <= 0) continue;
        stat[n] = '\0';
        state = strrchr(stat, ')'); /* "tid (comm) S ..." */
        if (state == NULL || state[1] != ' ' || state[2] != 'S') all = 0;
    }
    closedir(tasks);
    return all;
}

static int wait_until_idle(void) {
    struct timespec tick = {0, 1000 * 1000};
    int i;
    for (i = 0; i < 30000; i++) {
        if (other_threads_sleep()) return 1;
        nanosleep(&tick, NULL);
    }
    return 0;
}

/* ---- the child's checks ---------------------------------------------------------------- */

struct child_log {
    atomic_int messages;
    atomic_int not_refused;
};

static void child_on_log(void *userdata, ecscred_log_level level, const char *message) {
    struct child_log *log = (struct child_log *)userdata;
    ecscred_credential *c = NULL;
    (void)level;
    (void)message;
    atomic_fetch_add(&log->messages, 1);
    if (ecscred_get_credential(NULL, &c) != ECSCRED_INVALID_ARGUMENT) {
        atomic_fetch_add(&log->not_refused, 1);
        ecscred_credential_free(c);
    }
}

/* Runs in the child; returns its exit status (a bit per failed check). `inflight` is a
 * provider whose fetch was in progress in the parent at the fork (or NULL). */
static int child_checks(ecscred_provider *inflight) {
    static struct child_log log;
    ecscred_credential *c = NULL;
    ecscred_provider *p;
    int bad = 0;
    alarm(CHILD_WATCHDOG);
    /* 1. The cached credential, at once (the process-wide provider's cache survived). */
    if (ecscred_get_credential(NULL, &c) != ECSCRED_OK) return 1;
    if (strcmp(ecscred_credential_access_key_id(c), parent_id) != 0) bad |= 2;
    ecscred_credential_free(c);
    /* 2. A log callback of the child's own: this call returns. */
    if (ecscred_set_log_callback(child_on_log, &log, ECSCRED_LOG_DEBUG) != ECSCRED_OK) bad |= 4;
    /* 3. A fetch in the child: its own refresh thread, which logs to the new callback. */
    p = new_provider();
    if (p == NULL) return bad | 8;
    c = NULL;
    if (ecscred_provider_get_credential(p, &c) != ECSCRED_OK) bad |= 16;
    ecscred_credential_free(c);
    ecscred_provider_free(p);
    /* 4. The provider whose fetch the parent had in flight fetches again here. */
    if (inflight != NULL) {
        c = NULL;
        if (ecscred_provider_get_credential(inflight, &c) != ECSCRED_OK) bad |= 32;
        ecscred_credential_free(c);
    }
    if (ecscred_set_log_callback(NULL, NULL, ECSCRED_LOG_OFF) != ECSCRED_OK) bad |= 64;
    if (atomic_load(&log.messages) == 0) bad |= 128;
    if (atomic_load(&log.not_refused) != 0) bad |= 256;
    return bad;
}

static void check_child(pid_t pid, const char *how) {
    int status = 0;
    CHECK(pid > 0, "%s failed", how);
    if (pid <= 0) return;
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "%s child: %s %d (exit status: a bit per failed check in child_checks)", how,
          WIFEXITED(status) ? "exit status" : "killed by signal",
          WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* ---- the refresh thread inside the log callback ---------------------------------------- */

static int entered[2], release[2];
static atomic_int armed;
static pid_t parent_pid;
static atomic_int refused, not_refused;
static ecscred_provider *callback_provider;

static void blocking_on_log(void *userdata, ecscred_log_level level, const char *message) {
    ecscred_credential *c = NULL;
    char byte = 0;
    (void)userdata;
    (void)level;
    (void)message;
    /* Calls back into ecscred are refused at once (here, on the refresh thread, a fetch
     * would wait for this very thread). */
    if (ecscred_get_credential(NULL, &c) == ECSCRED_INVALID_ARGUMENT &&
        strstr(ecscred_last_error_message(), "log callback") != NULL &&
        ecscred_provider_get_credential(callback_provider, &c) == ECSCRED_INVALID_ARGUMENT) {
        atomic_fetch_add(&refused, 1);
    } else {
        atomic_fetch_add(&not_refused, 1);
    }
    /* The first message in the parent: tell the main thread, then wait for the fork. */
    if (getpid() == parent_pid && atomic_exchange(&armed, 0)) {
        if (write(entered[1], &byte, 1) != 1) abort();
        if (read(release[0], &byte, 1) != 1) abort();
    }
}

struct fetch {
    pthread_t thread;
    ecscred_provider *provider;
    ecscred_status status;
};

static void *fetch_main(void *arg) {
    struct fetch *f = (struct fetch *)arg;
    ecscred_credential *c = NULL;
    f->status = ecscred_provider_get_credential(f->provider, &c);
    ecscred_credential_free(c);
    return NULL;
}

static void test_fork_while_the_refresh_thread_is_in_the_log_callback(void) {
    struct fetch f;
    char byte = 0;
    pid_t pid;
    ecscred_status s;

    mock_reset();
    CHECK(pipe(entered) == 0 && pipe(release) == 0, "pipe");
    parent_pid = getpid();
    atomic_store(&armed, 1);
    f.provider = new_provider();
    callback_provider = f.provider;
    CHECK(f.provider != NULL, "ecscred_provider_new: %s", ecscred_last_error_message());
    if (f.provider == NULL) return;
    s = ecscred_set_log_callback(blocking_on_log, NULL, ECSCRED_LOG_DEBUG);
    CHECK(s == ECSCRED_OK, "%s", ecscred_status_str(s));
    CHECK(pthread_create(&f.thread, NULL, fetch_main, &f) == 0, "thread");
    /* The refresh thread is now inside blocking_on_log, in the middle of the fetch. */
    CHECK(read(entered[0], &byte, 1) == 1, "the callback never ran");
    fflush(stdout);
    pid = fork();
    if (pid == 0) _exit(child_checks(f.provider));
    if (write(release[1], &byte, 1) != 1) abort();
    check_child(pid, "fork");
    pthread_join(f.thread, NULL);
    CHECK(f.status == ECSCRED_OK, "the parent's fetch: %s", ecscred_status_str(f.status));
    s = ecscred_set_log_callback(NULL, NULL, ECSCRED_LOG_OFF);
    CHECK(s == ECSCRED_OK, "%s", ecscred_status_str(s));
    CHECK(atomic_load(&refused) >= 1, "no message reached the callback");
    CHECK(atomic_load(&not_refused) == 0, "%d calls from the callback were not refused",
          atomic_load(&not_refused));
    ecscred_provider_free(f.provider);
    close(entered[0]);
    close(entered[1]);
    close(release[0]);
    close(release[1]);
}

/* ---- the refresh thread in the middle of a fetch --------------------------------------- */

static void test_fork_while_a_fetch_is_in_flight(void) {
    struct fetch f;
    pid_t pid;

    mock_reset();
    /* The mock sits on the next credential request, which the fork waits for. */
    mock_fault("{\"kind\":\"delay\",\"ms\":700,\"target\":\"credential\",\"count\":1}");
    f.provider = new_provider();
    CHECK(f.provider != NULL, "ecscred_provider_new: %s", ecscred_last_error_message());
    if (f.provider == NULL) return;
    CHECK(pthread_create(&f.thread, NULL, fetch_main, &f) == 0, "thread");
    CHECK(wait_for_counter("credential_gets", 1), "the fetch never reached the mock");
    fflush(stdout);
    pid = fork();
    if (pid == 0) _exit(child_checks(f.provider));
    check_child(pid, "fork");
    pthread_join(f.thread, NULL);
    CHECK(f.status == ECSCRED_OK, "the parent's fetch: %s", ecscred_status_str(f.status));
    ecscred_provider_free(f.provider);
}

/* ---- the refresh thread idle, and forks without atfork handlers ------------------------ */

static pid_t fork_plain(void) { return fork(); }
static pid_t fork_without_handlers(void) { return _Fork(); }
static pid_t raw_clone(void) {
    /* What a fork() without the C library looks like: no atfork handler, no pid reset. */
    return (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
}

static void fork_idle(pid_t (*how)(void), const char *name) {
    pid_t pid;
    mock_reset();
    CHECK(wait_until_idle(), "the refresh thread never went idle");
    fflush(stdout);
    pid = how();
    if (pid == 0) _exit(child_checks(NULL));
    check_child(pid, name);
    CHECK(mock_counter("credential_gets") == 1, "the child fetched %ld times, not once",
          mock_counter("credential_gets"));
}

static void test_fork_while_idle(void) { fork_idle(fork_plain, "fork"); }
static void test_fork_without_atfork_handlers(void) {
    fork_idle(fork_without_handlers, "_Fork");
}
static void test_raw_clone(void) { fork_idle(raw_clone, "clone"); }

/* ---- a fork during the very first ecscred_set_log_callback ----------------------------- */

/* Attempts, each in a fresh process (the first call installs the log subscriber once per
 * process); the fork lands at a different point of the installation in each. About one
 * in five forked in the middle of it (and hung, before the installation was fork-safe).
 * ECSCRED_TEST_FIRST_SET_ATTEMPTS lowers the count for the slow valgrind run. */
static int first_set_attempts(void) {
    const char *attempts = getenv("ECSCRED_TEST_FIRST_SET_ATTEMPTS");
    return attempts != NULL && atoi(attempts) > 0 ? atoi(attempts) : 200;
}

static atomic_int first_set_started;

static void quiet_on_log(void *userdata, ecscred_log_level level, const char *message) {
    (void)userdata;
    (void)level;
    (void)message;
}

static void *first_set_main(void *arg) {
    ecscred_status *status = (ecscred_status *)arg;
    atomic_store(&first_set_started, 1);
    *status = ecscred_set_log_callback(quiet_on_log, NULL, ECSCRED_LOG_DEBUG);
    return NULL;
}

/* Runs in a child that never set a log callback: a thread makes the first call while this
 * thread forks at once (after `spin` idle loops). The grandchild must do what any child
 * does (child_checks: its own callback, a fetch), or its watchdog ends it. Returns the
 * exit status: a bit per failed check. */
static int first_set_attempt(int spin) {
    ecscred_status status = ECSCRED_INTERNAL;
    pthread_t thread;
    volatile int i;
    int child_status = 0, bad = 0;
    pid_t pid;
    alarm(2 * CHILD_WATCHDOG);
    if (pthread_create(&thread, NULL, first_set_main, &status) != 0) return 1;
    while (!atomic_load(&first_set_started)) {
    }
    for (i = 0; i < spin; i++) {
    }
    pid = fork();
    if (pid == 0) _exit(child_checks(NULL));
    if (pid < 0 || waitpid(pid, &child_status, 0) != pid) return 2;
    if (!WIFEXITED(child_status) || WEXITSTATUS(child_status) != 0) {
        fprintf(stdout, "  grandchild (spin %d): %s %d\n", spin,
                WIFEXITED(child_status) ? "exit status" : "killed by signal",
                WIFEXITED(child_status) ? WEXITSTATUS(child_status) : WTERMSIG(child_status));
        bad |= 4;
    }
    pthread_join(thread, NULL);
    if (status != ECSCRED_OK) bad |= 8;
    return bad;
}

/* Must run before any ecscred_set_log_callback of this process. */
static void test_fork_during_the_first_set_log_callback(void) {
    int attempt, attempts = first_set_attempts(), failures = 0;
#if defined(__SANITIZE_ADDRESS__)
    /* ASan's allocator (GCC's libsanitizer) takes no lock around fork(): a child forked
     * while the other thread allocates can find an allocator lock held for ever, and hang
     * in malloc. glibc's malloc, which the plain and valgrind runs use, is fork-safe. */
    fprintf(stdout, "  skipped under ASan (its allocator is not fork-safe)\n");
    return;
#endif
    mock_reset();
    fflush(stdout);
    for (attempt = 0; attempt < attempts && failures == 0; attempt++) {
        pid_t pid = fork();
        if (pid == 0) _exit(first_set_attempt((attempt % 50) * 40));
        check_child(pid, "fork during the first ecscred_set_log_callback");
        failures = check_failures_in_test;
    }
}

/* ---- a callback that calls ecscred ---------------------------------------------------- */

static void test_a_callback_calling_ecscred_is_refused(void) {
    ecscred_options opts;
    ecscred_provider *p = NULL;
    ecscred_status s;
    atomic_store(&refused, 0);
    atomic_store(&not_refused, 0);
    parent_pid = 0; /* never block */
    mock_reset();
    /* A refresh that fails logs a warning; every message tries to call back in. */
    mock_fault("{\"kind\":\"status\",\"status\":500,\"target\":\"credential\"}");
    s = ecscred_set_log_callback(blocking_on_log, NULL, ECSCRED_LOG_DEBUG);
    CHECK(s == ECSCRED_OK, "%s", ecscred_status_str(s));
    callback_provider = new_provider();
    ecscred_options_init(&opts);
    opts.endpoint = mock_url();
    opts.role_name = ROLE;
    s = ecscred_provider_new(&opts, &p);
    CHECK(s == ECSCRED_OK, "%s", ecscred_status_str(s));
    if (p != NULL) {
        ecscred_credential *c = NULL;
        s = ecscred_provider_get_credential(p, &c);
        CHECK(s == ECSCRED_HTTP_STATUS, "%s", ecscred_status_str(s));
        ecscred_provider_free(p);
    }
    s = ecscred_set_log_callback(NULL, NULL, ECSCRED_LOG_OFF);
    CHECK(s == ECSCRED_OK, "%s", ecscred_status_str(s));
    CHECK(atomic_load(&refused) >= 1, "no message reached the callback");
    CHECK(atomic_load(&not_refused) == 0, "%d calls from the callback were not refused",
          atomic_load(&not_refused));
    ecscred_provider_free(callback_provider);
    mock_reset();
}

int main(void) {
    ecscred_credential *c = NULL;
    ecscred_status s;
    setvbuf(stdout, NULL, _IOLBF, 0);
    fprintf(stdout, "ecscred %s, mock %s\n", ecscred_version(), mock_url());
    /* The process-wide provider's credential, cached before every fork. */
    s = ecscred_get_credential(NULL, &c);
    if (s != ECSCRED_OK) {
        fprintf(stdout, "ecscred_get_credential: %s: %s\n", ecscred_status_str(s),
                ecscred_last_error_message());
        return 1;
    }
    snprintf(parent_id, sizeof parent_id, "%s", ecscred_credential_access_key_id(c));
    ecscred_credential_free(c);
    /* First: it needs processes in which no log callback was ever set. */
    RUN(test_fork_during_the_first_set_log_callback);
    RUN(test_fork_while_the_refresh_thread_is_in_the_log_callback);
    RUN(test_fork_while_a_fetch_is_in_flight);
    RUN(test_fork_while_idle);
    RUN(test_fork_without_atfork_handlers);
    RUN(test_raw_clone);
    RUN(test_a_callback_calling_ecscred_is_refused);
    return SUMMARY();
}
