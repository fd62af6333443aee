/* The C surface of the fault matrix (tests/faults/matrix.py), built against an installed
 * libecscred with -Wall -Wextra -Werror.
 *
 * Line protocol on stdin/stdout (the same for every surface; see matrix.py):
 *   new [key=value ...]  -> ok | err ...
 *       keys: endpoint, role, disable_imds_v1, connect_timeout_ms, read_timeout_ms,
 *       fetch_timeout_ms, default=true (ecscred_get_credential: the process-wide
 *       provider configured from the environment); source=oidc with role_arn,
 *       oidc_provider_arn, oidc_token_file, sts_endpoint, sts_ca_file (a PEM file trusted
 *       for STS) builds ecscred_provider_new_oidc instead; source=chain (or env, profile,
 *       uri, ecs) builds ecscred_provider_new_source with every option above and profile,
 *       config_file, credentials_file, credentials_uri (unset ones: from the environment)
 *   get                  -> ok <t0 ms> <t1 ms> <AccessKeyId> <expiration unix s>
 *                         | err <t0 ms> <t1 ms> <code> <status name> <http status|-> <message>
 *   quit                 -> bye
 *
 * The engine's log messages (ecscred_set_log_callback at ECSCRED_LOG_DEBUG) go to stderr.
 * The status field is ecscred_last_error_http_status(), "-" when it is 0. */
#define _POSIX_C_SOURCE 200809L

#include <ecscred.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *status_name(ecscred_status s) {
    switch (s) {
    case ECSCRED_OK: return "ECSCRED_OK";
    case ECSCRED_DISABLED: return "ECSCRED_DISABLED";
    case ECSCRED_INVALID_CONFIG: return "ECSCRED_INVALID_CONFIG";
    case ECSCRED_UNREACHABLE: return "ECSCRED_UNREACHABLE";
    case ECSCRED_TIMEOUT: return "ECSCRED_TIMEOUT";
    case ECSCRED_HTTP_STATUS: return "ECSCRED_HTTP_STATUS";
    case ECSCRED_ROLE_NOT_FOUND: return "ECSCRED_ROLE_NOT_FOUND";
    case ECSCRED_HARDENED_MODE: return "ECSCRED_HARDENED_MODE";
    case ECSCRED_INVALID_RESPONSE: return "ECSCRED_INVALID_RESPONSE";
    case ECSCRED_INTERNAL: return "ECSCRED_INTERNAL";
    case ECSCRED_NULL_ARGUMENT: return "ECSCRED_NULL_ARGUMENT";
    case ECSCRED_INVALID_UTF8: return "ECSCRED_INVALID_UTF8";
    case ECSCRED_PANIC: return "ECSCRED_PANIC";
    case ECSCRED_INVALID_ARGUMENT: return "ECSCRED_INVALID_ARGUMENT";
    }
    return "ECSCRED_UNKNOWN";
}

static const char *level_name(ecscred_log_level level) {
    switch (level) {
    case ECSCRED_LOG_ERROR: return "ERROR";
    case ECSCRED_LOG_WARN: return "WARN";
    case ECSCRED_LOG_INFO: return "INFO";
    case ECSCRED_LOG_DEBUG: return "DEBUG";
    case ECSCRED_LOG_TRACE: return "TRACE";
    case ECSCRED_LOG_OFF: break;
    }
    return "?";
}

static void on_log(void *userdata, ecscred_log_level level, const char *message) {
    (void)userdata;
    fprintf(stderr, "%lld %s %s\n", now_ms(), level_name(level), message);
    fflush(stderr);
}

/* Prints the last error of this thread on one line. */
static void print_err(long long t0, long long t1, ecscred_status s) {
    char http[8] = "-";
    char *msg = strdup(ecscred_last_error_message());
    if (ecscred_last_error_http_status() != 0) {
        snprintf(http, sizeof http, "%u", (unsigned)ecscred_last_error_http_status());
    }
    if (msg == NULL) {
        printf("err %lld %lld %u %s %s (out of memory)\n", t0, t1, (unsigned)s, status_name(s), http);
        return;
    }
    for (char *p = msg; *p; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
    printf("err %lld %lld %u %s %s %s\n", t0, t1, (unsigned)s, status_name(s), http, msg);
    free(msg);
}

/* The whole file at path as a string (free it), NULL if unreadable. */
static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (size_t n; buf != NULL && (n = fread(buf + len, 1, cap - len - 1, f)) > 0;) {
        len += n;
        if (cap - len - 1 == 0) {
            char *bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                free(buf);
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf != NULL) {
        buf[len] = '\0';
    }
    return buf;
}

int main(void) {
    ecscred_status ls = ecscred_set_log_callback(on_log, NULL, ECSCRED_LOG_DEBUG);
    if (ls != ECSCRED_OK) {
        fprintf(stderr, "driver-c: ecscred_set_log_callback failed: %s\n", status_name(ls));
        return 1;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    ecscred_provider *provider = NULL;
    int use_default = 0;
    int ready = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, stdin)) > 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
            line[--len] = '\0';
        }
        char *save = NULL;
        char *cmd = strtok_r(line, " ", &save);
        if (cmd == NULL) {
            continue;
        }
        if (strcmp(cmd, "new") == 0) {
            ecscred_options opts;
            ecscred_options_init(&opts);
            ecscred_oidc_options oidc;
            ecscred_oidc_options_init(&oidc);
            ecscred_source_options src;
            ecscred_source_options_init(&src);
            int use_oidc = 0, use_source = 0;
            char *ca_pem = NULL;
            use_default = 0;
            for (char *arg; (arg = strtok_r(NULL, " ", &save)) != NULL;) {
                char *eq = strchr(arg, '=');
                const char *value = "";
                if (eq != NULL) {
                    *eq = '\0';
                    value = eq + 1;
                }
                if (strcmp(arg, "endpoint") == 0) {
                    opts.endpoint = src.endpoint = value;
                } else if (strcmp(arg, "role") == 0) {
                    opts.role_name = src.role_name = value;
                } else if (strcmp(arg, "disable_imds_v1") == 0) {
                    opts.disable_imds_v1 = strcmp(value, "true") == 0 ? ECSCRED_YES : ECSCRED_NO;
                    src.disable_imds_v1 = opts.disable_imds_v1;
                } else if (strcmp(arg, "connect_timeout_ms") == 0) {
                    opts.connect_timeout_ms = (uint32_t)strtoul(value, NULL, 10);
                    oidc.connect_timeout_ms = src.connect_timeout_ms = opts.connect_timeout_ms;
                } else if (strcmp(arg, "read_timeout_ms") == 0) {
                    opts.read_timeout_ms = (uint32_t)strtoul(value, NULL, 10);
                    oidc.read_timeout_ms = src.read_timeout_ms = opts.read_timeout_ms;
                } else if (strcmp(arg, "fetch_timeout_ms") == 0) {
                    opts.fetch_timeout_ms = (uint32_t)strtoul(value, NULL, 10);
                    oidc.fetch_timeout_ms = src.fetch_timeout_ms = opts.fetch_timeout_ms;
                } else if (strcmp(arg, "source") == 0) {
                    use_oidc = strcmp(value, "oidc") == 0;
                    use_source = 1;
                    if (strcmp(value, "chain") == 0) {
                        src.source = ECSCRED_SOURCE_CHAIN;
                    } else if (strcmp(value, "env") == 0) {
                        src.source = ECSCRED_SOURCE_ENV;
                    } else if (strcmp(value, "profile") == 0) {
                        src.source = ECSCRED_SOURCE_PROFILE;
                    } else if (strcmp(value, "uri") == 0) {
                        src.source = ECSCRED_SOURCE_URI;
                    } else if (strcmp(value, "ecs") == 0) {
                        src.source = ECSCRED_SOURCE_ECS;
                    } else {
                        use_source = 0;
                    }
                } else if (strcmp(arg, "profile") == 0) {
                    src.profile = value;
                } else if (strcmp(arg, "config_file") == 0) {
                    src.config_file = value;
                } else if (strcmp(arg, "credentials_file") == 0) {
                    src.credentials_file = value;
                } else if (strcmp(arg, "credentials_uri") == 0) {
                    src.credentials_uri = value;
                } else if (strcmp(arg, "role_arn") == 0) {
                    oidc.role_arn = src.role_arn = value;
                } else if (strcmp(arg, "oidc_provider_arn") == 0) {
                    oidc.oidc_provider_arn = src.oidc_provider_arn = value;
                } else if (strcmp(arg, "oidc_token_file") == 0) {
                    oidc.oidc_token_file = src.oidc_token_file = value;
                } else if (strcmp(arg, "sts_endpoint") == 0) {
                    oidc.sts_endpoint = src.sts_endpoint = value;
                } else if (strcmp(arg, "sts_ca_file") == 0) {
                    free(ca_pem);
                    ca_pem = read_file(value);
                    if (ca_pem == NULL) {
                        fprintf(stderr, "driver-c: cannot read %s\n", value);
                    }
                    oidc.sts_extra_root_pem = src.sts_extra_root_pem = ca_pem;
                } else if (strcmp(arg, "default") == 0) {
                    use_default = strcmp(value, "true") == 0;
                } else {
                    fprintf(stderr, "driver-c: unknown option %s ignored\n", arg);
                }
            }
            ecscred_provider_free(provider);
            provider = NULL;
            ready = 0;
            if (use_default) {
                free(ca_pem);
                ready = 1;
                printf("ok\n");
                continue;
            }
            long long t0 = now_ms();
            ecscred_status s = use_oidc     ? ecscred_provider_new_oidc(&oidc, &provider)
                               : use_source ? ecscred_provider_new_source(&src, &provider)
                                            : ecscred_provider_new(&opts, &provider);
            free(ca_pem);
            if (s != ECSCRED_OK) {
                print_err(t0, now_ms(), s);
                continue;
            }
            ready = 1;
            printf("ok\n");
        } else if (strcmp(cmd, "get") == 0) {
            if (!ready) {
                printf("error no provider: send new first\n");
                continue;
            }
            ecscred_credential *cred = NULL;
            long long t0 = now_ms();
            ecscred_status s = use_default ? ecscred_get_credential(NULL, &cred)
                                           : ecscred_provider_get_credential(provider, &cred);
            long long t1 = now_ms();
            if (s != ECSCRED_OK) {
                print_err(t0, t1, s);
                continue;
            }
            printf("ok %lld %lld %s %lld\n", t0, t1, ecscred_credential_access_key_id(cred),
                   (long long)ecscred_credential_expiration(cred));
            ecscred_credential_free(cred);
        } else if (strcmp(cmd, "quit") == 0) {
            break;
        } else {
            printf("error unknown command %s\n", cmd);
        }
    }
    free(line);
    ecscred_provider_free(provider);
    ecscred_set_log_callback(NULL, NULL, ECSCRED_LOG_OFF);
    printf("bye\n");
    return 0;
}
