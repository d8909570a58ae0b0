# SPDX-License-Identifier: GPL-2.0-only
"""mtrr_type_lookup() (arch/x86/kernel/cpu/mtrr/generic.c, csrc/mtrr.c) and what
pud_set_huge()/pmd_set_huge() make of it, in both eras:

- set_huge "v4.18" runs the v4.2..v6.4 lookup (mtrr_type_lookup + mtrr_type_lookup_variable
  with its repeat/partial_end walk + check_type_overlap) and refuses when
  ``mtrr != MTRR_TYPE_INVALID && !uniform && mtrr != MTRR_TYPE_WRBACK``;
- set_huge "12f0dd8df142" (v6.19) runs the v6.5 lookup of the same rework series (cache map,
  type_merge(), 8227f40ade23/973df1942068) and refuses when ``!uniform``.

Expected values are derived from the kernel text (research notes, bodies.md section 3), not
from running ptlib.  ptlib has variable-range MTRRs only (no fixed ranges, no TOM2).

The lookup itself has no Python entry point, so the first half of this file builds a small
C driver around csrc/mtrr.c (from the source tree, as test_fuzz_harness.py does) that
prints (type, uniform) for a given MTRR set; the second half goes through the Machine.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import ptlib
from conftest import G1, K4, M2, PHYS, V

ROOT = Path(__file__).resolve().parent.parent
CSRC = ROOT / "csrc"

UC, WC, WT, WP, WB, INVALID = 0, 1, 4, 5, 6, 0xFF
V4_18, V6_5 = 0, 1            # PT_MTRR_LOOKUP_*
UNTOUCHED = 0xAA              # the driver's initial *uniform: left as is by the lookup
M1 = M2 // 2

_DRIVER = r"""
#include <stdio.h>
#include "internal.h"
static pt_machine mach;     /* only the MTRR fields and prof.mtrr_lookup are used */
int main(void)
{
    int ver, en, def, n;
    while (scanf("%d %d %d %d", &ver, &en, &def, &n) == 4) {
        pt_machine *m = &mach;
        unsigned long long st, e;
        m->prof.mtrr_lookup = ver;
        m->mtrrs.nmtrr = 0;
        for (int i = 0; i < n; i++) {
            unsigned long long b, s;
            int t;
            if (scanf("%llx %llx %d", &b, &s, &t) != 3 || pt_mtrr_add(m, b, s, t) != PT_OK)
                return 2;
        }
        if (scanf("%llx %llx", &st, &e) != 2)
            return 2;
        pt_mtrr_set_default(m, def, en);
        uint8_t u = 0xaa;
        uint8_t t = pt_mtrr_type_lookup(m, st, e, &u);
        printf("%u %u\n", t, u);
        fflush(stdout);
    }
    return 0;
}
"""


@pytest.fixture(scope="module")
def lookup(tmp_path_factory):
    """lookup(version, [(base, size, type)...], start, end, default=UC, enabled=True)
    -> (type, uniform) as csrc/mtrr.c's pt_mtrr_type_lookup() returns them."""
    if shutil.which("gcc") is None or not (CSRC / "mtrr.c").is_file():
        pytest.skip("needs gcc and the source tree (csrc/)")
    d = tmp_path_factory.mktemp("mtrr")
    (d / "drv.c").write_text(_DRIVER)
    exe = d / "drv"
    cmd = ["gcc", "-O1", "-std=c11", "-Wall", "-Wextra", "-Werror",
           "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
           f"-I{CSRC}", f"-I{ROOT / 'ptlib' / 'include'}", str(d / "drv.c"),
           str(CSRC / "mtrr.c"), "-o", str(exe)]
    env = {"PATH": "/usr/bin:/bin", "ASAN_OPTIONS": "detect_leaks=0"}
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr[-4000:]

    def run(version, mtrrs, start, end, default=UC, enabled=True):
        line = f"{version} {int(enabled)} {default} {len(mtrrs)} "
        line += " ".join(f"{b:x} {s:x} {t}" for b, s, t in mtrrs)
        line += f" {start:x} {end:x}\n"
        out = subprocess.run([str(exe)], input=line, capture_output=True, text=True,
                             timeout=60, env=env)
        assert out.returncode == 0, out.stderr[-4000:]
        t, u = out.stdout.split()
        return int(t), int(u)
    return run


# (name, MTRRs, default type, range, v4.18 (type, uniform), v6.5 (type, uniform)).
# The range is [PHYS, PHYS + 2 MiB) unless given.
P = PHYS
LOOKUP_CASES = [
    # The case: half WB, half UC (the default).  v4.18: the first
    # mtrr_type_lookup_variable() finds start in the WB range but not end: partial_end =
    # its end, *uniform = 0, repeat; the repeat finds no range at PHYS + 1 MiB -> def_type UC;
    # check_type_overlap(WB, UC) -> UC.  v6.5: map entry WB, then the tail default UC:
    # type_merge(WB, UC) = UC != WB -> uniform 0.
    ("half WB, half default UC", [(P, M1, WB)], UC, None, (UC, 0), (UC, 0)),
    # the same with the UC half an MTRR of its own and a WB default
    ("WB range then UC range", [(P, M1, WB), (P + M1, M1, UC)], WB, None, (UC, 0), (UC, 0)),
    # inside one WB range: no range's edge in [start, end], one match -> uniform stays 1
    ("inside one WB range", [(P, 2 * M2, WB)], UC, None, (WB, 1), (WB, 1)),
    # no range touches it: def_type, uniform 1 (v4.18: "covered by ... the default type")
    ("default type only", [(P + 2 * M2, M2, UC)], WB, None, (WB, 1), (WB, 1)),
    # A WB range over half, WB default.  v4.18: the range's end splits it (*uniform = 0),
    # check_type_overlap(WB, WB) = 0: WB, not uniform.  v6.5: type_merge(WB, WB) keeps WB,
    # uniform stays 1 ("the returned MTRR type is valid for the whole region").
    ("WB range + WB default", [(P, M1, WB)], WB, None, (WB, 0), (WB, 1)),
    ("two adjacent WB ranges", [(P, M1, WB), (P + M1, M1, WB)], UC, None, (WB, 0), (WB, 1)),
    # Overlap, both holding start: v4.18 "*uniform = 0; if (check_type_overlap(...)) return"
    # -> UC, not uniform.  v6.5: the map has one entry of get_effective_type(WB, UC) = UC over
    # the whole range -> UC, uniform.
    ("WB + UC overlap", [(P, M2, WB), (P, 2 * M2, UC)], WB, None, (UC, 0), (UC, 1)),
    # check_type_overlap / get_effective_type: WB with WT is WT
    ("WT + WB overlap", [(P, 2 * M2, WT), (P, M2, WB)], UC, None, (WT, 0), (WT, 1)),
    ("WB + WT overlap", [(P, M2, WB), (P, 2 * M2, WT)], UC, None, (WT, 0), (WT, 1)),
    # two UC ranges over the whole range: v4.18 not uniform (any overlap clears it), v6.5 is
    ("UC + UC overlap", [(P, M2, UC), (P, 2 * M2, UC)], WB, None, (UC, 0), (UC, 1)),
    # other mismatches are UC in both (check_type_overlap's "*prev != *curr")
    ("WC + WB overlap", [(P, M2, WC), (P, M2, WB)], WB, None, (UC, 0), (UC, 1)),
    # A UC range inside the range (v4.18: "inclusive", partial_end = its base; the repeat
    # loop stops at the first UC with check_type_overlap() = 1)
    ("UC range inside, WB default", [(P + M1, 16 * K4, UC)], WB, None, (UC, 0), (UC, 0)),
    # v6.5's merge is cumulative: UC then WB keeps UC (type == effective type), so uniform
    # stays 1; WB then UC changes WB -> UC, so 0.  v4.18 says (UC, 0) for both.
    ("UC range then WB default", [(P, M1, UC)], WB, None, (UC, 0), (UC, 1)),
    ("WT range then WB default", [(P, M1, WT)], WB, None, (WT, 0), (WT, 1)),
    ("WB range then WT default", [(P, M1, WB)], WT, None, (WT, 0), (WT, 0)),
    # v6.5: the range ends inside the gap before the first map entry: "return type" early
    ("range before a map entry", [(P + M2, M2, UC)], WB, None, (WB, 1), (WB, 1)),
    # 1 GiB: a WB range over the first half, UC default: as the 2 MiB case
    ("1 GiB half WB", [(P, G1 // 2, WB)], UC, (P, P + G1), (UC, 0), (UC, 0)),
    ("1 GiB inside WB", [(P, G1, WB)], UC, (P, P + G1), (WB, 1), (WB, 1)),
]


@pytest.mark.parametrize("name,mtrrs,default,rng,exp_v4,exp_v6", LOOKUP_CASES,
                         ids=[c[0] for c in LOOKUP_CASES])
def test_lookup(lookup, name, mtrrs, default, rng, exp_v4, exp_v6):
    start, end = rng or (P, P + M2)
    assert lookup(V4_18, mtrrs, start, end, default) == exp_v4
    assert lookup(V6_5, mtrrs, start, end, default) == exp_v6


def test_lookup_disabled(lookup):
    """v4.18: "if (!(mtrr_state.enabled & MTRR_STATE_MTRR_ENABLED)) return
    MTRR_TYPE_INVALID;" before *uniform is written (the caller's value stays).  v6.5
    (973df1942068): "*uniform = 1;" then UC."""
    mtrrs = [(P, M1, WB)]
    assert lookup(V4_18, mtrrs, P, P + M2, UC, enabled=False) == (INVALID, UNTOUCHED)
    assert lookup(V6_5, mtrrs, P, P + M2, UC, enabled=False) == (UC, 1)
    assert lookup(V4_18, [], P, P + M2, WB, enabled=True) == (WB, 1)


def test_lookup_end_exclusive(lookup):
    """Both take end exclusive (v4.18: "end--" first): a range that ends where an MTRR
    begins is not touched by it."""
    mtrrs = [(P + M2, M2, UC)]
    assert lookup(V4_18, mtrrs, P, P + M2, WB) == (WB, 1)
    assert lookup(V6_5, mtrrs, P, P + M2, WB) == (WB, 1)
    assert lookup(V4_18, mtrrs, P, P + M2 + K4, WB) == (UC, 0)
    assert lookup(V6_5, mtrrs, P, P + M2 + K4, WB) == (UC, 0)


def test_lookup_many_pieces(lookup):
    """v4.18's repeat loop walks every edge: WB pieces with WB gaps stay WB (not uniform);
    one WT piece among them makes it WT; a UC piece anywhere makes it UC."""
    wb = [(P + i * 4 * 16 * K4, 16 * K4, WB) for i in range(8)]
    assert lookup(V4_18, wb, P, P + M2, WB) == (WB, 0)
    assert lookup(V6_5, wb, P, P + M2, WB) == (WB, 1)
    wt = wb + [(P + M1 + 16 * K4, 16 * K4, WT)]
    assert lookup(V4_18, wt, P, P + M2, WB) == (WT, 0)
    assert lookup(V6_5, wt, P, P + M2, WB) == (WT, 0)
    uc = wb + [(P + M2 - K4, K4, UC)]
    assert lookup(V4_18, uc, P, P + M2, WB) == (UC, 0)
    assert lookup(V6_5, uc, P, P + M2, WB) == (UC, 0)


# ------------------------------------------------------------------ through the Machine
# Machine.add_mtrr() enables the MTRRs with the machine's default type UC.

def raw_machine(kernel: str) -> ptlib.Machine:
    """A machine whose raw ioremap_page_range() maps outside ioremap areas (v6.9's
    3e49a866c9dc refuses that on the profiles that have it: the knob turns it off)."""
    knobs = ({"ioremap_vm_area_check": False}
             if "ioremap_vm_area_check" in ptlib.profiles.get(kernel).knobs else {})
    return ptlib.Machine(kernel=kernel, ram_pages=1 << 14, **knobs)


def machine(kernel: str) -> ptlib.Machine:
    """A machine whose PMD table for [V, V + 1 GiB) and PUD table exist (a 4 KiB leaf at
    the last 2 MiB of the first GiB), so pmd_set_huge(V) and pud_set_huge(V + 1 GiB) find
    none entries."""
    m = raw_machine(kernel)
    m.ioremap_page_range(V + G1 - M2, V + G1 - M2 + K4, PHYS + G1 - M2)
    return m


def mtrr_warnings(m: ptlib.Machine) -> list:
    return [r for r in m.reports if r.site == "pmd_set_huge" and "MTRR override" in r.message]


@pytest.mark.parametrize("kernel", ["v4.18", "v6.19"])
def test_half_wb_half_uc_refused(kernel):
    """2 MiB half WB, half UC: (UC, not uniform) in both lookups; v4.18 pmd_set_huge
    refuses as the type is not WB, 12f0dd8df142 as it is not uniform; pr_warn_once text."""
    m = machine(kernel)
    m.add_mtrr(PHYS, M1, "WB")
    assert m.pmd_set_huge(V, PHYS) == 0
    assert m.walk(V).pa is None
    (w,) = mtrr_warnings(m)
    assert w.kind == "KernelWarning"
    assert w.message.startswith(f"pmd_set_huge: Cannot satisfy [mem {PHYS:#010x}-"
                                f"{PHYS + M2:#010x}] with a huge-page mapping due to MTRR")


@pytest.mark.parametrize("kernel", ["v4.18", "v6.19"])
def test_1g_half_wb_refused_without_warning(kernel):
    """pud_set_huge: the same rule over 1 GiB; it has no pr_warn_once (only pmd_set_huge)."""
    m = machine(kernel)
    m.add_mtrr(PHYS + G1, G1 // 2, "WB")
    assert m.pud_set_huge(V + G1, PHYS + G1) == 0
    assert mtrr_warnings(m) == [] and m.reports == []
    m2 = machine(kernel)
    m2.add_mtrr(PHYS + G1, G1, "WB")               # inside one WB range: uniform
    assert m2.pud_set_huge(V + G1, PHYS + G1) == 1
    assert m2.walk(V + G1).page_size == G1


@pytest.mark.parametrize("kernel", ["v4.18", "v6.19"])
def test_inside_one_range_and_no_mtrr_accepted(kernel):
    """Uniform (one range, or MTRRs off: v4.18 MTRR_TYPE_INVALID, v6.5 uniform = 1)."""
    m = machine(kernel)
    assert m.pmd_set_huge(V, PHYS) == 1           # no add_mtrr(): MTRRs disabled
    m = machine(kernel)
    m.add_mtrr(PHYS, 4 * M2, "UC")
    assert m.pmd_set_huge(V, PHYS) == 1           # one UC range covers it
    assert m.walk(V).page_size == M2 and mtrr_warnings(m) == []


@pytest.mark.parametrize("kernel", ["v4.18", "v6.19"])
def test_all_wb_non_uniform_v4_18_accepted_via_wb(kernel):
    """Two adjacent WB ranges.  v4.18: (WB, not uniform) -> accepted by the
    "mtrr != MTRR_TYPE_WRBACK" escape.  12f0dd8df142 drops that escape and refuses every
    non-uniform range, but its lookup (v6.5 type_merge) calls an all-WB range uniform, so it
    accepts too."""
    m = machine(kernel)
    m.add_mtrr(PHYS, M1, "WB")
    m.add_mtrr(PHYS + M1, M1, "WB")
    assert m.pmd_set_huge(V, PHYS) == 1
    assert mtrr_warnings(m) == []


@pytest.mark.parametrize("kernel,accepted", [("v4.18", 0), ("v6.19", 1)])
@pytest.mark.parametrize("types", [("WB", "UC"), ("WT", "WB"), ("UC", "UC")])
def test_overlap_over_whole_range(kernel, accepted, types):
    """Two ranges both covering the 2 MiB: v4.18 check_type_overlap() gives UC / WT / UC
    and clears uniform (any overlap does) -> refused (not WB); v6.5's map has one entry of
    the effective type over the range -> uniform -> accepted."""
    m = machine(kernel)
    m.add_mtrr(PHYS, M2, types[0])
    m.add_mtrr(PHYS, 2 * M2, types[1])
    assert m.pmd_set_huge(V, PHYS) == accepted
    assert len(mtrr_warnings(m)) == 1 - accepted


@pytest.mark.parametrize("kernel", ["v4.17", "v4.18", "v5.3", "v5.13", "jannh-2025", "v6.19"])
def test_uc_then_wb_follows_the_profiles_lookup(kernel):
    """UC range then WB range.  v4.18: check_type_overlap(UC, WB) = UC, not uniform ->
    refused.  v6.5: type_merge(UC, WB): the effective type stays UC, so uniform stays 1 ->
    accepted (while WB then UC is refused: type_merge(WB, UC) changes the type).  Every
    profile runs the lookup of its set_huge version."""
    v65 = ptlib.Machine(kernel=kernel).knobs["set_huge"] == "12f0dd8df142"
    assert v65 == (kernel == "v6.19")
    m = machine(kernel)
    m.add_mtrr(PHYS, M1, "UC")
    m.add_mtrr(PHYS + M1, M1, "WB")
    assert m.pmd_set_huge(V, PHYS) == int(v65)
    m = machine(kernel)
    m.add_mtrr(PHYS, M1, "WB")
    m.add_mtrr(PHYS + M1, M1, "UC")
    assert m.pmd_set_huge(V, PHYS) == 0


@pytest.mark.parametrize("kernel", ["v4.18", "v6.19"])
def test_warning_is_once_per_machine(kernel):
    """pr_warn_once(): two refused pmd_set_huge calls, one KernelWarning; a second machine
    warns again (ptlib keeps "once" per call site per machine)."""
    m = machine(kernel)
    m.add_mtrr(PHYS, M1, "WB")
    m.add_mtrr(PHYS + M2, M1, "WB")
    assert m.pmd_set_huge(V, PHYS) == 0
    assert m.pmd_set_huge(V + M2, PHYS + M2) == 0
    assert len(mtrr_warnings(m)) == 1
    m2 = machine(kernel)
    m2.add_mtrr(PHYS, M1, "WB")
    assert m2.pmd_set_huge(V, PHYS) == 0
    assert len(mtrr_warnings(m2)) == 1


@pytest.mark.parametrize("kernel", ["v4.18", "v6.19"])
def test_ioremap_falls_back_to_4k(kernel):
    """ioremap_page_range over [half WB | default UC] then an all-UC-range chunk: the first
    2 MiB is mapped with 4 KiB pages (pmd_set_huge refused), the second gets a 2 MiB leaf."""
    m = raw_machine(kernel)
    m.add_mtrr(PHYS, M1, "WB")
    m.add_mtrr(PHYS + M2, M2, "UC")
    m.ioremap_page_range(V, V + 2 * M2, PHYS)
    assert [x.size for x in m.mappings(V, V + 2 * M2)] == [K4] * 512 + [M2]
    assert len(mtrr_warnings(m)) == 1
