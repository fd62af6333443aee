/*
 * Shared by the C programs of bench/ (rollover, probe, soak): a loopback-only HTTP/1.0
 * client for the mock's /_mock/ admin endpoint, the credentials the mock handed out, and
 * small clocks and /proc readers. Header-only (static functions); C11 + POSIX.
 *
 * Secrets read from the mock stay in memory: nothing here prints them.
 */
#ifndef ECSCRED_BENCH_COMMON_H
#define ECSCRED_BENCH_COMMON_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- clocks --------------------------------------------------------------------------- */

static inline double mono_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline double wall_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void sleep_us(long us) {
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---- /proc ---------------------------------------------------------------------------- */

static inline int count_threads(void) {
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    int n = 0;
    if (!d) return -1;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') n++;
    }
    closedir(d);
    return n;
}

/* The names (comm) of the process's threads, comma-separated, into buf. */
static inline void thread_names(char *buf, size_t len) {
    DIR *d = opendir("/proc/self/task");
    struct dirent *e;
    size_t used = 0;
    buf[0] = '\0';
    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        char path[300], name[64] = "";
        FILE *f;
        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        f = fopen(path, "r");
        if (!f) continue;
        if (fgets(name, sizeof name, f)) name[strcspn(name, "\n\"\\")] = '\0';
        fclose(f);
        used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
                                 used ? "," : "", name);
        if (used >= len) break;
    }
    closedir(d);
}

/* VmRSS in KiB, or -1. */
static inline long vm_rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    if (!f) return -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kib;
}

/* ---- the admin endpoint ---------------------------------------------------------------- */

/* Port of a base URL that must be http://127.0.0.1:PORT (exits otherwise: nothing here
 * may talk to anything but loopback). */
static inline int loopback_port(const char *url) {
    const char *prefix = "http://127.0.0.1:";
    char *end;
    long port;
    if (strncmp(url, prefix, strlen(prefix)) != 0) {
        fprintf(stderr, "bench: refusing a non-loopback URL\n");
        exit(2);
    }
    port = strtol(url + strlen(prefix), &end, 10);
    if (port <= 0 || port > 65535 || (*end != '\0' && *end != '/')) {
        fprintf(stderr, "bench: bad mock URL\n");
        exit(2);
    }
    return (int)port;
}

/* `method path` to the mock at `url`; returns the body (malloc'ed) of a 200 answer, else
 * NULL. HTTP/1.0, so the answer is never chunked and ends when the connection closes. */
static inline char *admin_request(const char *url, const char *method, const char *path) {
    struct sockaddr_in addr;
    char req[512];
    char *buf = NULL, *body;
    size_t len = 0, cap = 0;
    int fd, n, status = 0;

    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)loopback_port(url));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return NULL;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return NULL;
    }
    n = snprintf(req, sizeof req,
                 "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n", method, path);
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return NULL;
    }
    for (;;) {
        ssize_t got;
        if (cap - len < 4096) {
            char *grown;
            cap = cap ? cap * 2 : 65536;
            grown = (char *)realloc(buf, cap + 1);
            if (!grown) {
                free(buf);
                close(fd);
                return NULL;
            }
            buf = grown;
        }
        got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        len += (size_t)got;
    }
    close(fd);
    if (!buf) return NULL;
    buf[len] = '\0';
    if (sscanf(buf, "HTTP/%*s %d", &status) != 1 || status != 200) {
        free(buf);
        return NULL;
    }
    body = strstr(buf, "\r\n\r\n");
    if (!body) {
        free(buf);
        return NULL;
    }
    memmove(buf, body + 4, strlen(body + 4) + 1);
    return buf;
}

/* The number value of "key" in a flat JSON object, or -1. */
static inline long json_number(const char *json, const char *key) {
    char pattern[64];
    const char *p;
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    p = json ? strstr(json, pattern) : NULL;
    return p ? strtol(p + strlen(pattern), NULL, 10) : -1;
}

/* Copies the string value of the first "key":"..." at or after `from` into a new
 * malloc'ed string (values of the mock never hold escapes); sets *next past it. */
static inline char *json_take(const char *from, const char *key, const char **next) {
    char pattern[64];
    const char *p, *end;
    char *out;
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    p = strstr(from, pattern);
    if (!p) return NULL;
    p += strlen(pattern);
    end = strchr(p, '"');
    if (!end) return NULL;
    out = (char *)malloc((size_t)(end - p) + 1);
    if (!out) return NULL;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    if (next) *next = end + 1;
    return out;
}

/* "YYYY-MM-DDThh:mm:ssZ" → seconds since the epoch, or -1. */
static inline int64_t parse_utc(const char *text) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!text || sscanf(text, "%d-%d-%dT%d:%d:%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                        &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

/* One credential the mock handed out (GET /_mock/credentials). */
typedef struct {
    char *id, *secret, *token;
    int64_t expiration;
} issued_t;

typedef struct {
    issued_t *items;
    size_t len;
} issued_list;

static inline void issued_free(issued_list *list) {
    size_t i;
    for (i = 0; i < list->len; i++) {
        free(list->items[i].id);
        if (list->items[i].secret) memset(list->items[i].secret, 0, strlen(list->items[i].secret));
        if (list->items[i].token) memset(list->items[i].token, 0, strlen(list->items[i].token));
        free(list->items[i].secret);
        free(list->items[i].token);
    }
    free(list->items);
    list->items = NULL;
    list->len = 0;
}

/* Replaces *list with the mock's current list; returns 0 on success. */
static inline int issued_fetch(const char *url, issued_list *list) {
    char *json = admin_request(url, "GET", "/_mock/credentials");
    const char *p;
    issued_list fresh = {NULL, 0};
    size_t cap = 0;
    if (!json) return -1;
    p = json;
    for (;;) {
        issued_t c;
        char *exp;
        c.id = json_take(p, "access_key_id", &p);
        if (!c.id) break;
        c.secret = json_take(p, "access_key_secret", &p);
        c.token = json_take(p, "security_token", &p);
        exp = json_take(p, "expiration", &p);
        c.expiration = parse_utc(exp);
        free(exp);
        if (!c.secret || !c.token || c.expiration < 0) {
            free(c.id);
            free(c.secret);
            free(c.token);
            break;
        }
        if (fresh.len == cap) {
            cap = cap ? cap * 2 : 16;
            fresh.items = (issued_t *)realloc(fresh.items, cap * sizeof *fresh.items);
            if (!fresh.items) abort();
        }
        fresh.items[fresh.len++] = c;
    }
    memset(json, 0, strlen(json));
    free(json);
    issued_free(list);
    *list = fresh;
    return 0;
}

/* The issued credential whose three values are exactly these, or NULL (torn or unknown). */
static inline const issued_t *issued_find(const issued_list *list, const char *id, const char *secret,
                                   const char *token) {
    size_t i;
    for (i = 0; i < list->len; i++) {
        const issued_t *c = &list->items[i];
        if (strcmp(c->id, id) == 0 && strcmp(c->secret, secret) == 0 &&
            strcmp(c->token, token) == 0)
            return c;
    }
    return NULL;
}

/* Whether some issued credential has this AccessKeyId (to tell "torn" from "unknown"). */
static inline int issued_has_id(const issued_list *list, const char *id) {
    size_t i;
    for (i = 0; i < list->len; i++) {
        if (strcmp(list->items[i].id, id) == 0) return 1;
    }
    return 0;
}

#endif
