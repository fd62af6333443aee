/*
 * The tutorial's step 3 in C: get the STS credential of the instance's RAM role and show
 * it, as `curl http://100.100.100.200/latest/meta-data/ram/security-credentials/ROLE`
 * does, but cached, refreshed and with errors explained.
 *
 * The curl of the tutorial prints every field. This program prints the AccessKeyId and
 * the expiration, and only the lengths of the AccessKeySecret and the SecurityToken:
 * secrets should not end up in a terminal or a log.
 *
 * Build (after `make install PREFIX=...`; see "C and C++" in the README):
 *   cc -o get_credential get_credential.c $(pkg-config --cflags --libs ecscred)
 * Run on an ECS instance (role discovered, or named as the first argument), or against the
 * mock metadata service:
 *   ecscred mock-metadata --port 0 &        # prints its URL
 *   ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:PORT ./get_credential
 */
#define _POSIX_C_SOURCE 200809L
#include <ecscred.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
    const char *role = argc > 1 ? argv[1] : NULL; /* NULL: discovered */
    ecscred_credential *cred = NULL;
    ecscred_status status;
    time_t expires;
    struct tm utc;
    char when[32];

    status = ecscred_get_credential(role, &cred);
    if (status != ECSCRED_OK) {
        fprintf(stderr, "ecscred: %s: %s\n", ecscred_status_str(status),
                ecscred_last_error_message());
        return 1;
    }

    expires = (time_t)ecscred_credential_expiration(cred);
    gmtime_r(&expires, &utc);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
    printf("AccessKeyId:     %s\n", ecscred_credential_access_key_id(cred));
    printf("AccessKeySecret: (%zu characters, not shown)\n",
           strlen(ecscred_credential_access_key_secret(cred)));
    printf("SecurityToken:   (%zu characters, not shown)\n",
           strlen(ecscred_credential_security_token(cred)));
    printf("Expiration:      %s\n", when);

    ecscred_credential_free(cred);
    return 0;
}
