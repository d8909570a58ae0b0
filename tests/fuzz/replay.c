/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * replay.c - runs the fuzz target without libFuzzer (gcc is enough):
 *
 *   replay [--random N] [--seed S] [--max-len L] [--save-last FILE] [--quiet] [PATH...]
 *
 * Every file of each PATH (a file or a directory, not recursive) is one input; then N
 * pseudo-random inputs (splitmix64 from seed S, lengths 1..L, default 512), each written
 * to FILE first with --save-last (after a crash, FILE is the crashing input).  At the end it
 * prints "inputs: K", the slowest input's time, and one "calls: NAME COUNT" line per C API
 * function (tests/test_fuzz_harness.py checks them).  Build: tests/fuzz/run.sh --replay.
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "fuzz_api.h"

static unsigned long long ninputs, slowest_at;
static double slowest;
static int quiet;

/* One input, timed: the slowest is reported at the end (libFuzzer's limit is 1 s). */
static void run_one(const uint8_t *data, size_t n)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    LLVMFuzzerTestOneInput(data, n);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double dt = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    if (dt > slowest) {
        slowest = dt;
        slowest_at = ninputs;
    }
    ninputs++;
}

static void run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (size_t k; buf && (k = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += k;
        if (n == cap) {
            uint8_t *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "out of memory reading %s\n", path);
        exit(2);
    }
    if (!quiet)
        fprintf(stderr, "replay: %s (%zu bytes)\n", path, n);
    run_one(buf, n);
    free(buf);
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_path(const char *path)
{
    struct stat sb;
    if (stat(path, &sb)) {
        perror(path);
        exit(2);
    }
    if (!S_ISDIR(sb.st_mode)) {
        run_file(path);
        return;
    }
    DIR *d = opendir(path);
    if (!d) {
        perror(path);
        exit(2);
    }
    char **names = NULL;
    size_t nn = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        names = realloc(names, (nn + 1) * sizeof(*names));
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        names[nn] = malloc(len);
        snprintf(names[nn], len, "%s/%s", path, e->d_name);
        nn++;
    }
    closedir(d);
    if (nn)
        qsort(names, nn, sizeof(*names), cmp);     /* a stable order */
    for (size_t i = 0; i < nn; i++) {
        if (!stat(names[i], &sb) && S_ISREG(sb.st_mode))
            run_file(names[i]);
        free(names[i]);
    }
    free(names);
}

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int main(int argc, char **argv)
{
    unsigned long long nrandom = 0, seed = 1, maxlen = 512;
    const char *save_last = NULL;
    int npaths = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--random") && i + 1 < argc)
            nrandom = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--max-len") && i + 1 < argc)
            maxlen = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--save-last") && i + 1 < argc)
            save_last = argv[++i];
        else if (!strcmp(argv[i], "--quiet"))
            quiet = 1;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "usage: %s [--random N] [--seed S] [--max-len L] [--save-last FILE] "
                    "[--quiet] [PATH...]\n", argv[0]);
            return 2;
        } else {
            run_path(argv[i]);
            npaths++;
        }
    }
    if (!maxlen)
        maxlen = 1;
    uint8_t *buf = malloc(maxlen);
    uint64_t st = seed;
    for (unsigned long long k = 0; buf && k < nrandom; k++) {
        size_t n = 1 + splitmix64(&st) % maxlen;
        for (size_t i = 0; i < n; i += 8) {
            uint64_t v = splitmix64(&st);
            memcpy(buf + i, &v, n - i < 8 ? n - i : 8);
        }
        if (save_last) {
            FILE *f = fopen(save_last, "wb");
            if (!f || fwrite(buf, 1, n, f) != n || fclose(f)) {
                perror(save_last);
                return 2;
            }
        }
        run_one(buf, n);
    }
    free(buf);
    printf("inputs: %llu\n", ninputs);
    printf("slowest: %.3f s (input %llu, counting from 0)\n", slowest, slowest_at);
    for (int i = 0; i < FZ_NR; i++)
        printf("calls: %s %llu\n", fuzz_api_names[i], (unsigned long long)fuzz_counters[i]);
    (void)npaths;
    return 0;
}
