/*
 * Test helpers: drive the mock metadata service (`ecscred mock-metadata`) through its
 * /_mock/ admin endpoint with a minimal HTTP/1.1 client (loopback only), read its JSON,
 * and find a closed loopback port.
 */
#ifndef ECSCRED_TEST_MOCK_H
#define ECSCRED_TEST_MOCK_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The mock's base URL, from ECSCRED_TEST_MOCK_URL (set by tests/c/run.sh). Exits if unset
 * or not a loopback http:// URL. */
const char *mock_url(void);

/* Sends `method path` with an optional JSON `body` to the mock. Returns the HTTP status
 * (or -1 on a transport error) and, if `reply` is not NULL, the body in a malloc'ed string
 * that the caller frees. */
int mock_request(const char *method, const char *path, const char *body, char **reply);

/* Frees a reply of mock_request or mock_must after zeroing it (for answers that hold
 * secrets; mock_request wipes its own buffers). NULL is ignored. */
void mock_free_wiped(char *reply);

/* mock_request that must answer 200; exits the test program otherwise. */
char *mock_must(const char *method, const char *path, const char *body);

/* Arms a fault, e.g. {"kind":"status","status":500,"target":"credential"}. */
void mock_fault(const char *json);
/* Clears all faults, sets mode normal, resets counters. */
void mock_reset(void);
/* Sets the mode: "normal", "hardened" or "v1-only". */
void mock_mode(const char *mode);
/* One counter of /_mock/counters, e.g. "credential_gets". */
long mock_counter(const char *name);

/* The string value of the first "key": "..." in `json` at or after `*cursor` (NULL: from
 * the start), copied into `out`; advances `*cursor` past it. Returns 0 if not found. */
int json_string(const char *json, const char *key, char *out, size_t out_len,
                const char **cursor);
/* The integer value of "key" in `json`, or -1. */
long json_long(const char *json, const char *key);

/* A port on 127.0.0.1 on which nothing listens (bound, then closed). */
int closed_port(void);

#ifdef __cplusplus
}
#endif

#endif
