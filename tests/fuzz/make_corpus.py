# SPDX-License-Identifier: GPL-2.0-only
"""Writes the hand-made seed inputs of tests/fuzz/corpus/ (seed-*), encoded for the decoder
of fuzz_api.c (keep the two in step).  Regression inputs found by the fuzzer (crash-*,
slow-*, leak-*) are kept as found and are not written here.

    python3 tests/fuzz/make_corpus.py
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# operation indexes of fuzz_api.c's ops[] (first of each pair)
IOREMAP_PAGE_RANGE, UNMAP, ONE_ENTRY, FLUSH, IOREMAP, IOUNMAP, VMAREA = 0, 2, 4, 6, 7, 9, 10
CPU_ACCESS, TRANSLATE_MANY, CPU_CONTROL, FAULTS, PHYS, FRAMES, MTRR = 11, 13, 14, 16, 17, 18, 19
INSPECT, DEFERRED, BENCH, UNALIGNED = 20, 22, 23, 24
CHECKS = 0x80     # op byte bit: check stats and areas after the op


def u16(v): return struct.pack("<H", v)
def u64(v): return struct.pack("<Q", v)


def config(*, pud=0, pmd=1, prealloc=0, free_5e0f=0, try_huge=0, va_align=0, vmap13=0,
           force_nx=0, pud_free=0, free_flush=0, deferred=0, nohuge=0, covering=0,
           ncpus=1, ram_pages=256, seed=1, record=0, spec=0):
    a = (pud | pmd << 1 | prealloc << 2 | free_5e0f << 3 | try_huge << 4 | va_align << 5 |
         vmap13 << 6 | force_nx << 7)
    b = pud_free | free_flush << 2 | deferred << 3 | nohuge << 4 | covering << 5
    c = ncpus - 1
    d = spec | record * 6
    assert 16 <= ram_pages <= 512
    rp = ram_pages - 16 + 497          # rp % 8 != 0 and 16 + rp % 497 == ram_pages
    while rp % 8 == 0 or 16 + rp % 497 != ram_pages:
        rp += 497
    caches = bytes([7, 5, 3, 6, 6, 6])  # tlb 64/16/4, psc 32/32/32
    return bytes([a, b, c, d]) + u16(rp) + u64(seed) + caches


def va(kind, n):
    """gen_vmalloc_va: 0 = 4K pages, 1 = 2M units, 2 = 1G units, 3 = 512G units."""
    return bytes([kind]) + (u16(n) if kind in (0, 1) else bytes([n]))


def size(kind, n):
    """gen_size: 0 = (n+1) 4K pages, 1 = (n+1) 2M, 2 = (n+1) 1G."""
    return bytes([kind, n])


def phys(kind, n):
    """gen_phys: 0 = n GiB, 1 = n 2M units, 2 = n 4K pages."""
    return bytes([kind]) + (u16(n) if kind in (1, 2) else bytes([n]))


PROT_IO = b"\x00"   # gen_prot: PAGE_KERNEL_IO


def ioremap_page_range(v, s, p, flags=CHECKS):
    return bytes([IOREMAP_PAGE_RANGE | flags]) + v + s + b"\x01" + p + PROT_IO


def unmap(v, s, flush=True):
    return bytes([UNMAP | CHECKS]) + v + s + b"\x01" + bytes([1 if flush else 0])


def access(vbytes, cpu=0):
    # cpu byte, gen_any_va (k < 160, even: a vmalloc va), acc, the pt_cpu_access branch
    return bytes([CPU_ACCESS, cpu, 0]) + vbytes + b"\x00\x01"


def inspect(kind):
    """0 walk of VMALLOC_START, 1 mappings of the whole area, 2 ptdump, 3 census, 4 leaks."""
    if kind == 1:
        return bytes([INSPECT | CHECKS, 19, 0, 0, 0, 64])
    if kind == 2:
        return bytes([INSPECT | CHECKS, 20])
    return bytes([INSPECT | CHECKS, kind]) + (b"\x00" * 4 if kind == 0 else b"")


def seeds():
    V = va(0, 0)
    yield "seed-4k-unmap-2m-v4.17", (
        config(free_5e0f=0) +
        ioremap_page_range(V, size(0, 0), phys(2, 0)) +
        access(V) +
        unmap(V, size(0, 0)) +
        ioremap_page_range(V, size(1, 0), phys(1, 1)) +
        access(V) + inspect(4) + inspect(0))
    yield "seed-4k-unmap-2m-v4.18", (
        config(free_5e0f=1, ncpus=2) +
        ioremap_page_range(V, size(0, 0), phys(2, 0)) +
        access(V) + access(V, cpu=1) +
        unmap(V, size(0, 0)) +
        ioremap_page_range(V, size(1, 0), phys(1, 1)) +
        access(V) + inspect(4) + inspect(2))
    G = va(2, 1)
    yield "seed-1g-over-mixed-tables", (
        config(pud=1, pmd=1, free_5e0f=1, pud_free=1, ram_pages=128) +
        ioremap_page_range(G, size(0, 3), phys(2, 0)) +
        ioremap_page_range(va(1, 512 + 4), size(1, 1), phys(1, 4)) +
        access(G) +
        unmap(G, size(2, 0)) +
        ioremap_page_range(G, size(2, 0), phys(0, 1)) +
        access(G) + inspect(3) + inspect(4) + inspect(1))
    yield "seed-1g-deferred-free", (
        config(pud=1, pmd=1, free_5e0f=1, pud_free=2, free_flush=1, deferred=1, ncpus=2) +
        ioremap_page_range(G, size(0, 7), phys(2, 0)) +
        access(G, cpu=1) +
        unmap(G, size(2, 0)) +
        ioremap_page_range(G, size(2, 0), phys(0, 1)) +
        bytes([DEFERRED | CHECKS, 1, 16]) + bytes([DEFERRED | CHECKS, 0]) +
        bytes([DEFERRED | CHECKS, 2, 0]) + inspect(4))
    yield "seed-oom", (
        config(pmd=0, ram_pages=16) +
        ioremap_page_range(V, size(2, 0), phys(2, 0)) +
        ioremap_page_range(va(3, 3), size(0, 0), phys(2, 0)) +
        inspect(3) + inspect(4))
    # fault injection: fail_nth = 2 (the PMD table of the next ioremap), then fail_page_alloc
    # with probability 100, times -1 (every allocation fails), verbose 2
    fail_attr = bytes([FAULTS | CHECKS, 1, 150, 0, 0xff, 0, 2, 1, 0, 0, 0, 0, 0]) + u64(5)
    yield "seed-fault-injection", (
        config(ram_pages=64) +
        bytes([FAULTS | CHECKS, 0, 2]) +
        ioremap_page_range(V, size(0, 0), phys(2, 0)) +
        fail_attr +
        ioremap_page_range(va(2, 2), size(0, 0), phys(2, 0)) +
        bytes([IOREMAP | CHECKS, 1, 1, 0, 2, 0, 0, 0]) +
        bytes([FAULTS | CHECKS, 2, 0, 0]) + inspect(4))
    yield "seed-ioremap-areas", (
        config(pud=1, pmd=1, free_5e0f=1, ncpus=4, ram_pages=300) +
        bytes([IOREMAP | CHECKS, 1, 1, 0, 1, 0, 0, 0]) +
        bytes([IOREMAP | CHECKS, 1, 2, 0, 0, 1, 0]) +
        bytes([IOUNMAP | CHECKS, 0, 0]) +
        bytes([IOUNMAP | CHECKS, 0, 1]) +
        bytes([VMAREA | CHECKS, 1]) + inspect(1))


def main():
    os.makedirs(os.path.join(HERE, "corpus"), exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(HERE, "corpus", name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
