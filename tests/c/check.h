/*
 * A minimal test harness: CHECK records a failure and goes on; RUN runs one test and
 * prints "ok - name" or "FAIL - name"; SUMMARY prints "N passed, M failed" and gives the
 * exit status. Tests are counted, not checks.
 */
#ifndef ECSCRED_TEST_CHECK_H
#define ECSCRED_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures_in_test;
static int tests_passed;
static int tests_failed;

#define CHECK(cond, ...)                                                        \
    do {                                                                        \
        if (!(cond)) {                                                          \
            check_failures_in_test++;                                           \
            fprintf(stdout, "  %s:%d: check failed: %s: ", __FILE__, __LINE__,  \
                    #cond);                                                     \
            fprintf(stdout, __VA_ARGS__);                                       \
            fputc('\n', stdout);                                                \
            fflush(stdout);                                                     \
        }                                                                       \
    } while (0)

/* CHECK that `haystack` contains `needle`. */
#define CHECK_CONTAINS(haystack, needle)                                        \
    CHECK(strstr((haystack), (needle)) != NULL, "\"%s\" does not contain \"%s\"", \
          (haystack), (needle))

#define RUN(test)                                                               \
    do {                                                                        \
        check_failures_in_test = 0;                                             \
        fprintf(stdout, "--- %s\n", #test);                                     \
        fflush(stdout);                                                         \
        test();                                                                 \
        if (check_failures_in_test == 0) {                                      \
            tests_passed++;                                                     \
            fprintf(stdout, "ok - %s\n", #test);                                \
        } else {                                                                \
            tests_failed++;                                                     \
            fprintf(stdout, "FAIL - %s\n", #test);                              \
        }                                                                       \
        fflush(stdout);                                                         \
    } while (0)

#define SUMMARY()                                                               \
    (fprintf(stdout, "%d passed, %d failed\n", tests_passed, tests_failed),     \
     fflush(stdout), tests_failed == 0 && tests_passed > 0 ? 0 : 1)

#endif
