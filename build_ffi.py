# SPDX-License-Identifier: GPL-2.0-only
"""cffi build script (out-of-line API mode): the C core in csrc/ becomes ptlib._ptlib.

The cdef is csrc/ptlib.h itself, minus its preprocessor lines other than integer #defines.
PTLIB_SANITIZE=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer.
"""
import glob
import os
import re

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))


def _cdef_text() -> str:
    with open(os.path.join(HERE, "csrc", "ptlib.h"), encoding="utf-8") as f:
        text = re.sub(r"/\*.*?\*/", " ", f.read(), flags=re.S)    # comments, multi-line too
    keep = []
    for line in text.splitlines():
        if line.startswith("#"):
            m = re.match(r"(#define\s+\w+\s+\d+)\s*$", line)
            if m:
                keep.append(m.group(1))
            continue
        keep.append(line)
    return "\n".join(keep)


def _compile_args() -> "tuple[list[str], list[str]]":
    cflags = ["-O2", "-std=c11", "-Wall", "-Wextra", "-fvisibility=hidden"]
    ldflags: "list[str]" = []
    if os.environ.get("PTLIB_SANITIZE") == "1":
        san = ["-fsanitize=address,undefined", "-fno-omit-frame-pointer",
               "-fno-sanitize-recover=undefined", "-g"]
        cflags += san
        ldflags += san
    return cflags, ldflags


ffibuilder = FFI()
ffibuilder.cdef(_cdef_text())
_cflags, _ldflags = _compile_args()
ffibuilder.set_source(
    "ptlib._ptlib",
    '#include "ptlib.h"',
    # the machine (csrc/*.c), the kernel's symbols and profile tables (csrc/kops/*.c), and
    # one build unit per kernel file (csrc/kops/units/*.c: each #includes csrc/kernel/X.c)
    sources=sorted(os.path.relpath(p, os.getcwd()) if os.getcwd() == HERE else p
                   for d in ("csrc", "csrc/kops", "csrc/kops/units")
                   for p in glob.glob(os.path.join(HERE, d, "*.c"))),
    include_dirs=[os.path.join(HERE, "csrc"), os.path.join(HERE, "ptlib", "include")],
    # the headers (and the kernel files the units include): a change rebuilds the objects
    depends=sorted(p for d in ("csrc", "csrc/kops", "csrc/kernel", "ptlib/include/ptlib")
                   for p in glob.glob(os.path.join(HERE, d, "*.[ch]"))),
    extra_compile_args=_cflags,
    extra_link_args=_ldflags,
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
