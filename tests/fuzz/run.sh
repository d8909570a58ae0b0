#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Fuzzing ptlib's C API (tests/fuzz/fuzz_api.c).
#
#   bash tests/fuzz/run.sh [SECONDS]    build with clang -fsanitize=fuzzer,address,undefined and
#                                       run libFuzzer for SECONDS (default 60) on a working
#                                       copy of tests/fuzz/corpus; exit != 0 on any crash,
#                                       leak, UB or input slower than 1 s
#   bash tests/fuzz/run.sh --replay [N] build the gcc replay driver (ASan+UBSan, no clang
#                                       needed) and run the corpus plus N random inputs
#                                       (default 2000)
#   bash tests/fuzz/run.sh --merge      add to tests/fuzz/corpus the inputs of the working
#                                       corpus that bring new coverage (after a run; the
#                                       only mode that writes into the repository)
#
# Build products, the working corpus and crash files go to build/fuzz/ (PTLIB_FUZZ_OUT to
# change).  Extra libFuzzer flags: FUZZ_ARGS="-jobs=2 -workers=2" etc.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${PTLIB_FUZZ_OUT:-$root/build/fuzz}
mkdir -p "$out"
core=("$root"/csrc/*.c "$root"/csrc/kops/*.c "$root"/csrc/kops/units/*.c)
srcs=("${core[@]}" "$here/fuzz_api.c")   # the replay build
inc=(-I"$root/csrc" -I"$root/ptlib/include" -I"$here")

need_clang() {
    local probe="$out/probe.c"
    printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' > "$probe"
    if ! command -v clang > /dev/null ||
       ! clang -fsanitize=fuzzer,address,undefined "$probe" -o "$out/probe" 2> "$out/probe.log"; then
        echo "run.sh: clang with libFuzzer is needed (on Debian 12: apt-get install -y clang," >&2
        echo "run.sh: which brings clang-14 and libclang-rt-14-dev, home of libclang_rt.fuzzer)" >&2
        [ -s "$out/probe.log" ] && sed 's/^/run.sh: clang: /' "$out/probe.log" | head -5 >&2
        echo "run.sh: or, without clang: bash tests/fuzz/run.sh --replay" >&2
        exit 3
    fi
}

build_fuzzer() {
    need_clang
    echo "== building $out/fuzz_api (clang, libFuzzer + ASan + UBSan)"
    local san=(-O1 -g -std=c11 -fno-sanitize-recover=all -fno-omit-frame-pointer "${inc[@]}")
    # the core without comparison tracing (edge coverage only): trace-cmp in the per-PTE
    # loops makes big mappings 4x slower and trips the 1 s timeout; the decoder keeps it
    mkdir -p "$out/obj"
    rm -f "$out"/obj/*.o
    (cd "$out/obj" && clang "${san[@]}" -fsanitize=fuzzer-no-link,address,undefined \
        -fno-sanitize-coverage=trace-cmp -c "${core[@]}")
    clang "${san[@]}" -fsanitize=fuzzer,address,undefined "$here/fuzz_api.c" "$out"/obj/*.o \
        -o "$out/fuzz_api"
}

case "${1:-60}" in
--replay)
    n=${2:-2000}
    echo "== building $out/replay (gcc, ASan + UBSan)"
    gcc -O1 -g -std=c11 -fsanitize=address,undefined -fno-sanitize-recover=all \
        -fno-omit-frame-pointer "${inc[@]}" "${srcs[@]}" "$here/replay.c" -o "$out/replay"
    echo "== replaying tests/fuzz/corpus and $n random inputs"
    env -u LD_PRELOAD ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$out/replay" --quiet --random "$n" --seed "${PTLIB_FUZZ_SEED:-1}" "$here/corpus" |
        grep -E '^(inputs|slowest):'
    ;;
--merge)
    build_fuzzer
    [ -d "$out/corpus" ] || { echo "run.sh: no working corpus in $out/corpus: run first" >&2; exit 2; }
    "$out/fuzz_api" -merge=1 "$here/corpus" "$out/corpus"
    ;;
*[!0-9]*)
    sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
*)
    secs=$1
    build_fuzzer
    mkdir -p "$out/corpus" "$out/artifacts"
    cp -n "$here"/corpus/* "$out/corpus/" 2> /dev/null || true
    echo "== fuzzing for ${secs}s (working corpus $out/corpus, crashes in $out/artifacts)"
    # -timeout=1: an input slower than 1 s is a failure; -max_len: the decoder reads at
    # most ~2 KiB per input (48 operations)
    env -u LD_PRELOAD ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$out/fuzz_api" -max_total_time="$secs" -timeout=1 -rss_limit_mb=2048 -max_len=2048 \
        -print_final_stats=1 -artifact_prefix="$out/artifacts/" ${FUZZ_ARGS:-} "$out/corpus"
    ;;
esac
