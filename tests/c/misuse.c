/*
 * Deliberate bugs in a client, to prove that the sanitizer and valgrind runs of
 * tests/c/run.sh would catch them through libecscred (and that valgrind.supp hides
 * nothing real). Usage: misuse leak | use-after-free. Needs no metadata service.
 */
#include <ecscred.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
    ecscred_options opts;
    ecscred_provider *provider = NULL;
    ecscred_options_init(&opts);
    opts.endpoint = "http://127.0.0.1:9";
    opts.disabled = ECSCRED_YES;
    if (ecscred_provider_new(&opts, &provider) != ECSCRED_OK) return 2;
    if (argc == 2 && strcmp(argv[1], "leak") == 0) {
        provider = NULL; /* the handle is lost, never freed */
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "use-after-free") == 0) {
        const char *endpoint = ecscred_provider_endpoint(provider);
        ecscred_provider_free(provider);
        return (int)strlen(endpoint); /* reads freed memory */
    }
    return 2;
}
