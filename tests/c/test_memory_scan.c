/*
 * No copy of a secret outlives its handles: after the last ecscred_credential_free and
 * ecscred_provider_free, the process's writable memory (read through /proc/self/mem, so
 * freed heap blocks count too) holds no copy of any AccessKeySecret, SecurityToken or
 * metadata token the mock handed out. tests/c/run.sh runs it against a mock in another
 * process, so the only copies in this process are the ones ecscred made.
 *
 * The test never holds a secret in plain: it reads them from the mock's admin endpoint
 * (into buffers wiped right away) and keeps them XOR-masked, unmasking one byte at a time
 * while comparing. The scan buffer is a mapping of its own, left out of the scan.
 *
 * With a mock STS (ECSCRED_TEST_STS_URL, run by tests/c/run.sh's OIDC suite), the same
 * holds for an OIDC provider: no copy of the OIDC token, nor of the secret and token STS
 * issued, after the last free.
 *
 * That the scan can fail is shown twice: while the provider and the credential are alive
 * it finds their copies, and in a child it finds a copy freed without wiping.
 */
#define _GNU_SOURCE
#include <ecscred.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "mock.h"

#define ROLE "EcsRamRoleTest"
#define KEY_LEN 16
#define MAX_NEEDLES 64
#define MAX_NEEDLE 4096
#define CHUNK (1 << 20)

/* ---- masked needles -------------------------------------------------------------------- */

struct needle {
    const char *what;
    size_t len;
    unsigned char masked[MAX_NEEDLE];
};

static unsigned char key[KEY_LEN];
static struct needle needles[MAX_NEEDLES];
static int needle_count;

static void make_key(void) {
    uint64_t seed = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL ^ (uint64_t)time(NULL);
    int i;
    for (i = 0; i < KEY_LEN; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        key[i] = (unsigned char)((seed >> 56) | 1); /* never 0: a masked byte never equals
                                                       its plain one */
    }
}

static unsigned char plain_at(const struct needle *n, size_t i) {
    return n->masked[i] ^ key[i % KEY_LEN];
}

/* Masks `value` into a new needle, then wipes `value`. */
static void add_needle(const char *what, char *value) {
    size_t len = strlen(value), i;
    struct needle *n;
    if (len >= 8 && len <= MAX_NEEDLE && needle_count < MAX_NEEDLES) {
        n = &needles[needle_count++];
        n->what = what;
        n->len = len;
        for (i = 0; i < len; i++) n->masked[i] = (unsigned char)value[i] ^ key[i % KEY_LEN];
    }
    explicit_bzero(value, len);
}

/* Every secret and token the mock has handed out, as needles. */
static void load_needles(void) {
    char *credentials = mock_must("GET", "/_mock/credentials", NULL);
    char *tokens = mock_must("GET", "/_mock/tokens", NULL);
    static char value[MAX_NEEDLE + 1];
    const char *cursor = NULL;
    char *at;
    needle_count = 0;
    while (json_string(credentials, "access_key_secret", value, sizeof value, &cursor))
        add_needle("AccessKeySecret", value);
    cursor = NULL;
    while (json_string(credentials, "security_token", value, sizeof value, &cursor))
        add_needle("SecurityToken", value);
    /* /_mock/tokens is a JSON array of strings. */
    at = strchr(tokens, '"');
    while (at != NULL) {
        char *end = strchr(at + 1, '"');
        size_t n;
        if (end == NULL) break;
        n = (size_t)(end - at - 1);
        if (n < sizeof value) {
            memcpy(value, at + 1, n);
            value[n] = '\0';
            add_needle("metadata token", value);
        }
        at = strchr(end + 1, '"');
    }
    explicit_bzero(value, sizeof value);
    mock_free_wiped(credentials);
    mock_free_wiped(tokens);
}

/* 1 if `s` is the plain text of needle `n`. */
static int is_needle(const struct needle *n, const char *s) {
    size_t i;
    for (i = 0; i < n->len; i++)
        if ((unsigned char)s[i] != plain_at(n, i)) return 0;
    return s[n->len] == '\0';
}

/* ---- the scan -------------------------------------------------------------------------- */

static unsigned char *scan_buf; /* its own mapping, left out of the scan */
static char maps[1 << 20];

/* Counts, for each needle, its occurrences in [buf, buf + len) that start before
 * buf + limit. */
static void count_in(const unsigned char *buf, size_t len, size_t limit, int *counts) {
    int k;
    for (k = 0; k < needle_count; k++) {
        const struct needle *n = &needles[k];
        unsigned char first = plain_at(n, 0);
        const unsigned char *at = buf, *end = buf + len, *stop;
        if (len < n->len) continue;
        stop = buf + (limit < len - n->len + 1 ? limit : len - n->len + 1);
        while (at < stop && (at = memchr(at, first, (size_t)(stop - at))) != NULL) {
            size_t i = 1;
            while (i < n->len && at + i < end && at[i] == plain_at(n, i)) i++;
            if (i == n->len) {
                counts[k]++;
                at += n->len;
            } else {
                at++;
            }
        }
    }
}

/* Scans [from, to) of this process through `mem`, in chunks that overlap by `overlap`
 * bytes so that a copy across a boundary is seen (and counted once). */
static size_t scan_range(int mem, unsigned long from, unsigned long to, size_t overlap,
                         int *counts) {
    size_t scanned = 0;
    unsigned long at = from;
    while (at < to) {
        size_t want = to - at < CHUNK ? (size_t)(to - at) : CHUNK;
        ssize_t got = pread(mem, scan_buf, want, (off_t)at);
        size_t advance;
        int last;
        if (got <= 0) break; /* e.g. a guard page */
        last = (size_t)got < want || at + (size_t)got >= to || (size_t)got <= overlap;
        advance = last ? (size_t)got : (size_t)got - overlap;
        count_in(scan_buf, (size_t)got, advance, counts);
        scanned += (size_t)got;
        if (last) break;
        at += advance;
    }
    return scanned;
}

/* Scans every writable mapping of this process but the scan buffer; `counts[k]`: copies
 * of needle k found. Returns the number of bytes scanned. */
static size_t scan(int *counts) {
    int mem = open("/proc/self/mem", O_RDONLY), fd = open("/proc/self/maps", O_RDONLY);
    unsigned long buf_from = (unsigned long)(uintptr_t)scan_buf, buf_to = buf_from + CHUNK;
    size_t maps_len = 0, scanned = 0, overlap = 0;
    char *line;
    int k;
    for (k = 0; k < needle_count; k++) {
        counts[k] = 0;
        if (needles[k].len > overlap) overlap = needles[k].len;
    }
    if (mem < 0 || fd < 0) {
        CHECK(0, "cannot open /proc/self/mem or /proc/self/maps");
        return 0;
    }
    for (;;) {
        ssize_t n = read(fd, maps + maps_len, sizeof maps - 1 - maps_len);
        if (n <= 0) break;
        maps_len += (size_t)n;
    }
    close(fd);
    maps[maps_len] = '\0';
    for (line = maps; line != NULL && *line != '\0';) {
        unsigned long start, end;
        char perms[8];
        char *next = strchr(line, '\n');
        if (next != NULL) *next++ = '\0';
        if (sscanf(line, "%lx-%lx %7s", &start, &end, perms) == 3 && perms[0] == 'r' &&
            perms[1] == 'w') {
            /* The kernel may have merged the scan buffer into a larger mapping. */
            if (buf_from >= start && buf_to <= end) {
                scanned += scan_range(mem, start, buf_from, overlap, counts);
                scanned += scan_range(mem, buf_to, end, overlap, counts);
            } else {
                scanned += scan_range(mem, start, end, overlap, counts);
            }
        }
        line = next;
    }
    close(mem);
    return scanned;
}

/* The copies of each kind of secret, summed over the needles of that kind. */
struct tally {
    int secret, token, metadata_token;
};

static struct tally scan_tally(const char *when) {
    static int counts[MAX_NEEDLES];
    struct tally t = {0, 0, 0};
    size_t bytes = scan(counts);
    int k;
    for (k = 0; k < needle_count; k++) {
        if (strcmp(needles[k].what, "AccessKeySecret") == 0) t.secret += counts[k];
        if (strcmp(needles[k].what, "SecurityToken") == 0) t.token += counts[k];
        if (strcmp(needles[k].what, "metadata token") == 0) t.metadata_token += counts[k];
    }
    fprintf(stdout,
            "  %s: %zu bytes scanned: %d AccessKeySecret, %d SecurityToken, %d metadata token "
            "copies (%d values)\n",
            when, bytes, t.secret, t.token, t.metadata_token, needle_count);
    return t;
}

/* Adds the contents of the file at `path` (trimmed) as a needle; read with read(2) into a
 * buffer wiped at once, so that no stdio buffer keeps a copy. */
static void add_file_needle(const char *what, const char *path) {
    static char value[MAX_NEEDLE + 1];
    ssize_t n = 0;
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
        n = read(fd, value, MAX_NEEDLE);
        close(fd);
    }
    if (n < 0) n = 0;
    value[n] = '\0';
    value[strcspn(value, "\r\n")] = '\0';
    add_needle(what, value);
    explicit_bzero(value, sizeof value);
}

/* ---- the test --------------------------------------------------------------------------- */

static ecscred_provider *provider_at(const char *endpoint) {
    ecscred_options opts;
    ecscred_provider *p = NULL;
    ecscred_status s;
    ecscred_options_init(&opts);
    opts.endpoint = endpoint;
    opts.role_name = ROLE;
    s = ecscred_provider_new(&opts, &p);
    CHECK(s == ECSCRED_OK, "ecscred_provider_new: %s", ecscred_last_error_message());
    return p;
}

/* One fetch on the refresh thread after everything else it had to do: by the time it
 * fails, the tasks of the freed provider have ended there. No secret is involved (nothing
 * listens on the port). */
static void let_the_refresh_thread_finish(void) {
    static char endpoint[64];
    ecscred_provider *p;
    ecscred_credential *c = NULL;
    snprintf(endpoint, sizeof endpoint, "http://127.0.0.1:%d", closed_port());
    p = provider_at(endpoint);
    if (p == NULL) return;
    CHECK(ecscred_provider_get_credential(p, &c) == ECSCRED_UNREACHABLE, "%s",
          ecscred_last_error_message());
    ecscred_provider_free(p);
}

static void test_no_secret_outlives_its_handles(void) {
    ecscred_provider *p;
    ecscred_credential *c = NULL, *copy;
    struct tally alive, freed;
    ecscred_status s;
    int k, matches = 0;

    mock_reset(); /* normal mode: hardened mode, with a metadata token */
    p = provider_at(mock_url());
    if (p == NULL) return;
    s = ecscred_provider_get_credential(p, &c);
    CHECK(s == ECSCRED_OK, "%s: %s", ecscred_status_str(s), ecscred_last_error_message());
    if (s != ECSCRED_OK) return;
    copy = ecscred_credential_clone(c);
    load_needles();
    for (k = 0; k < needle_count; k++) {
        if (is_needle(&needles[k], ecscred_credential_access_key_secret(c)) ||
            is_needle(&needles[k], ecscred_credential_security_token(c)))
            matches++;
    }
    CHECK(matches == 2, "the credential's secret and token are not among the mock's (%d)",
          matches);
    CHECK(mock_counter("token_puts") >= 1, "no metadata token was used");

    /* The scan sees what is there: the live credential and the provider's token. */
    alive = scan_tally("provider and credential alive");
    CHECK(alive.secret >= 1 && alive.token >= 1 && alive.metadata_token >= 1,
          "the scan missed live copies");

    ecscred_credential_free(c);
    ecscred_credential_free(copy);
    ecscred_provider_free(p);
    let_the_refresh_thread_finish();
    freed = scan_tally("after the last free");
    CHECK(freed.secret == 0, "%d copies of an AccessKeySecret left", freed.secret);
    CHECK(freed.token == 0, "%d copies of a SecurityToken left", freed.token);
    CHECK(freed.metadata_token == 0, "%d copies of a metadata token left",
          freed.metadata_token);
}

/* The OIDC source: the token read from the file, the STS answer's secret and token. */
static void test_no_oidc_secret_outlives_its_handles(void) {
    const char *sts_url = getenv("ECSCRED_TEST_STS_URL");
    const char *token_file = getenv("ECSCRED_TEST_OIDC_TOKEN_FILE");
    const char *ca_file = getenv("ECSCRED_TEST_STS_CA_FILE");
    static char ca_pem[65536];
    ecscred_oidc_options opts;
    ecscred_provider *p = NULL;
    ecscred_credential *c = NULL;
    struct tally alive, freed;
    ecscred_status s;
    ssize_t n = 0;
    int fd, k, oidc_tokens;
    static char value[MAX_NEEDLE + 1];
    if (sts_url == NULL || token_file == NULL || ca_file == NULL) {
        fprintf(stdout, "  no mock STS (ECSCRED_TEST_STS_URL unset): skipped\n");
        return;
    }
    fd = open(ca_file, O_RDONLY);
    if (fd >= 0) {
        n = read(fd, ca_pem, sizeof ca_pem - 1);
        close(fd);
    }
    ca_pem[n < 0 ? 0 : n] = '\0';
    needle_count = 0;
    add_file_needle("OIDC token", token_file);
    ecscred_oidc_options_init(&opts);
    opts.role_arn = "acs:ram::1234567890:role/memory-scan";
    opts.oidc_provider_arn = "acs:ram::1234567890:oidc-provider/ack-rrsa";
    opts.oidc_token_file = token_file;
    opts.sts_endpoint = sts_url;
    opts.sts_extra_root_pem = ca_pem;
    s = ecscred_provider_new_oidc(&opts, &p);
    CHECK(s == ECSCRED_OK, "ecscred_provider_new_oidc: %s", ecscred_last_error_message());
    if (p == NULL) return;
    s = ecscred_provider_get_credential(p, &c);
    CHECK(s == ECSCRED_OK, "%s: %s", ecscred_status_str(s), ecscred_last_error_message());
    if (s != ECSCRED_OK) {
        ecscred_provider_free(p);
        return;
    }
    snprintf(value, sizeof value, "%s", ecscred_credential_access_key_secret(c));
    add_needle("AccessKeySecret", value);
    snprintf(value, sizeof value, "%s", ecscred_credential_security_token(c));
    add_needle("SecurityToken", value);
    alive = scan_tally("OIDC provider and credential alive");
    CHECK(alive.secret >= 1 && alive.token >= 1, "the scan missed live copies");
    ecscred_credential_free(c);
    ecscred_provider_free(p);
    let_the_refresh_thread_finish();
    freed = scan_tally("OIDC, after the last free");
    {
        static int counts[MAX_NEEDLES];
        scan(counts);
        oidc_tokens = 0;
        for (k = 0; k < needle_count; k++)
            if (strcmp(needles[k].what, "OIDC token") == 0) oidc_tokens += counts[k];
    }
    CHECK(freed.secret == 0, "%d copies of the STS AccessKeySecret left", freed.secret);
    CHECK(freed.token == 0, "%d copies of the STS SecurityToken left", freed.token);
    CHECK(oidc_tokens == 0, "%d copies of the OIDC token left", oidc_tokens);
    fprintf(stdout, "  OIDC token copies after the last free: %d\n", oidc_tokens);
}

/* In a child: a block that held a token and was freed without wiping is found. */
static void test_the_scan_finds_a_copy_freed_without_wiping(void) {
    pid_t pid;
    int status = 0;
    CHECK(needle_count > 0, "no needles");
    if (needle_count == 0) return;
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        const struct needle *n = &needles[needle_count - 1];
        /* The allocator reuses the first bytes of a free block: the copy starts later. */
        unsigned char *block = (unsigned char *)malloc(n->len + 64);
        volatile unsigned char *sink = block;
        struct tally t;
        size_t i;
        if (block == NULL) _exit(2);
        for (i = 0; i < n->len; i++) sink[64 + i] = plain_at(n, i);
        free(block);
        t = scan_tally("child, a copy freed without wiping");
        _exit(t.secret + t.token + t.metadata_token >= 1 ? 0 : 1);
    }
    CHECK(pid > 0, "fork");
    CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the scan missed a freed copy");
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    fprintf(stdout, "ecscred %s, mock %s\n", ecscred_version(), mock_url());
    scan_buf = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (scan_buf == MAP_FAILED) return 2;
    make_key();
    RUN(test_no_secret_outlives_its_handles);
    RUN(test_the_scan_finds_a_copy_freed_without_wiping);
    RUN(test_no_oidc_secret_outlives_its_handles);
    return SUMMARY();
}
