/*
 * mockctl METHOD PATH [JSON]: one request to the mock's admin endpoint
 * (ECSCRED_TEST_MOCK_URL), body to stdout; exit 0 on HTTP 200. Lets tests/c/run.sh
 * drive the mock without curl.
 *
 * mockctl closed-port: prints a port of 127.0.0.1 on which nothing listens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock.h"

int main(int argc, char **argv) {
    char *reply = NULL;
    int status;
    if (argc == 2 && strcmp(argv[1], "closed-port") == 0) {
        printf("%d\n", closed_port());
        return 0;
    }
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: mockctl METHOD PATH [JSON] | mockctl closed-port\n");
        return 2;
    }
    status = mock_request(argv[1], argv[2], argc == 4 ? argv[3] : NULL, &reply);
    if (reply != NULL) fputs(reply, stdout);
    free(reply);
    if (status != 200) {
        fprintf(stderr, "mockctl: %s %s answered %d\n", argv[1], argv[2], status);
        return 1;
    }
    return 0;
}
