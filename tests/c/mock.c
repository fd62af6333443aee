/* See mock.h. Plain POSIX sockets: no curl, no JSON library. */
#define _GNU_SOURCE
#include "mock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void die(const char *what) {
    fprintf(stderr, "test harness: %s\n", what);
    exit(2);
}

const char *mock_url(void) {
    const char *url = getenv("ECSCRED_TEST_MOCK_URL");
    if (url == NULL || strncmp(url, "http://127.0.0.1:", 17) != 0) {
        die("ECSCRED_TEST_MOCK_URL must be the mock's http://127.0.0.1:PORT URL "
            "(run the tests with tests/c/run.sh)");
    }
    return url;
}

static int mock_port(void) {
    return atoi(mock_url() + 17);
}

static int send_all(int fd, const char *buf, size_t len) {
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Decodes a chunked body in place; returns its length. The bytes after it are zeroed, so
 * that mock_free_wiped() wipes everything the body held. */
static size_t dechunk(char *body) {
    size_t before = strlen(body);
    char *in = body, *out = body;
    for (;;) {
        char *end;
        unsigned long n = strtoul(in, &end, 16);
        char *line_end = strstr(end, "\r\n");
        if (line_end == NULL || n == 0) break;
        in = line_end + 2;
        memmove(out, in, n);
        out += n;
        in += n + 2;
    }
    memset(out, 0, before - (size_t)(out - body));
    return (size_t)(out - body);
}

int mock_request(const char *method, const char *path, const char *body, char **reply) {
    struct sockaddr_in addr;
    size_t body_len = body ? strlen(body) : 0;
    char head[512];
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int fd, status = -1;
    char *sep;

    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)mock_port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    snprintf(head, sizeof head,
             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
             method, path, body_len);
    if (send_all(fd, head, strlen(head)) != 0 || (body_len && send_all(fd, body, body_len) != 0)) {
        close(fd);
        return -1;
    }
    for (;;) {
        ssize_t n;
        if (cap - len < 4096) {
            /* Not realloc: the old block is wiped before it is freed (answers of the admin
             * endpoint hold secrets). */
            size_t larger = cap ? cap * 2 : 8192;
            char *grown = (char *)malloc(larger + 1);
            if (grown == NULL) die("out of memory");
            if (buf != NULL) {
                memcpy(grown, buf, len);
                explicit_bzero(buf, cap + 1);
                free(buf);
            }
            buf = grown;
            cap = larger;
        }
        n = recv(fd, buf + len, cap - len, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
    }
    close(fd);
    if (buf == NULL) return -1;
    buf[len] = '\0';
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1) status = -1;
    sep = strstr(buf, "\r\n\r\n");
    if (reply != NULL) {
        if (sep == NULL) {
            *reply = strdup("");
        } else {
            int chunked = strcasestr(buf, "transfer-encoding: chunked") != NULL &&
                          strcasestr(buf, "transfer-encoding: chunked") < sep;
            *reply = strdup(sep + 4);
            if (*reply != NULL && chunked) dechunk(*reply);
        }
        if (*reply == NULL) die("out of memory");
    }
    explicit_bzero(buf, cap + 1);
    free(buf);
    return status;
}

void mock_free_wiped(char *reply) {
    if (reply == NULL) return;
    explicit_bzero(reply, strlen(reply));
    free(reply);
}

char *mock_must(const char *method, const char *path, const char *body) {
    char *reply = NULL;
    int status = mock_request(method, path, body, &reply);
    if (status != 200) {
        fprintf(stderr, "test harness: %s %s -> %d %s\n", method, path, status,
                reply ? reply : "");
        exit(2);
    }
    return reply;
}

void mock_fault(const char *json) {
    free(mock_must("POST", "/_mock/faults", json));
}

void mock_mode(const char *mode) {
    char body[64];
    snprintf(body, sizeof body, "{\"mode\":\"%s\"}", mode);
    free(mock_must("POST", "/_mock/mode", body));
}

void mock_reset(void) {
    free(mock_must("DELETE", "/_mock/faults", NULL));
    mock_mode("normal");
    free(mock_must("POST", "/_mock/counters/reset", NULL));
}

long mock_counter(const char *name) {
    char *json = mock_must("GET", "/_mock/counters", NULL);
    long value = json_long(json, name);
    free(json);
    return value;
}

static const char *find_key(const char *json, const char *key) {
    char pattern[128];
    const char *at;
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    at = strstr(json, pattern);
    if (at == NULL) return NULL;
    at += strlen(pattern);
    while (*at == ' ' || *at == '\n' || *at == '\t' || *at == '\r') at++;
    if (*at != ':') return NULL;
    at++;
    while (*at == ' ' || *at == '\n' || *at == '\t' || *at == '\r') at++;
    return at;
}

int json_string(const char *json, const char *key, char *out, size_t out_len,
                const char **cursor) {
    const char *from = (cursor && *cursor) ? *cursor : json;
    const char *at = find_key(from, key);
    const char *end;
    size_t n;
    if (at == NULL || *at != '"') return 0;
    at++;
    end = strchr(at, '"');
    if (end == NULL) return 0;
    n = (size_t)(end - at);
    if (n + 1 > out_len) return 0;
    memcpy(out, at, n);
    out[n] = '\0';
    if (cursor) *cursor = end + 1;
    return 1;
}

long json_long(const char *json, const char *key) {
    const char *at = find_key(json, key);
    return at ? strtol(at, NULL, 10) : -1;
}

int closed_port(void) {
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port;
    if (fd < 0) die("socket");
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        die("bind to 127.0.0.1:0");
    }
    port = ntohs(addr.sin_port);
    close(fd);
    return port;
}
