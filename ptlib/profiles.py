"""Kernel profiles: which historical behaviour each step of the ported code has.

A profile is data — a name (the kernel version it models) and a value for every knob.  The C
core reads the knobs from one struct (``pt_profile`` in ``csrc/ptlib.h``); nothing in the
code asks for a version number.  ``Machine(kernel=NAME, **knobs)`` starts from the named
profile and overrides single knobs.

| knob                  | meaning                                                         | v4.18 | source |
|-----------------------|-----------------------------------------------------------------|-------|--------|
| ioremap_pud_capable   | 1 GiB leaves allowed (arch_ioremap_pud_supported, GB pages)     | True  | lib/ioremap.c (huge I/O mappings, v4.1) |
| ioremap_pmd_capable   | 2 MiB leaves allowed (arch_ioremap_pmd_supported, PSE)          | True  | lib/ioremap.c (huge I/O mappings, v4.1) |
| prealloc_vmalloc_pgd  | level below the PGD preallocated for the vmalloc area at boot   | False | arch/x86/mm/init_64.c, v5.8 "x86/mm/64: Pre-allocate p4d/pud pages for vmalloc area" |
| free_tables           | which pmd_free_pte_page/pud_free_pmd_page run: "28ee90fe6048" (v4.17: clear and free, no flush, no temporary page) or "5e0fb5df2ee8" (v4.18: clear, one INVLPG, free; temporary page) | "5e0fb5df2ee8" | arch/x86/mm/pgtable.c |
| pud_free              | strategy of the v4.18 pud_free_pmd_page (free_tables "5e0fb5df2ee8"; no effect on "28ee90fe6048"): "temp_page" (5e0fb5df2ee8: save the 512 PMDs in a temporary GFP_KERNEL page; fails with nothing changed without one), "page_list" (Joerg Roedel's review of v3, 2018: PTE frames on a list through struct page's lru; never allocates), "no_save" (clear the PUD, flush, free from the still-intact PMD table; never allocates) | "temp_page" | arch/x86/mm/pgtable.c; LKML review 2018 |
| ioremap_try_huge_helpers | lib/ioremap.c's v5.0 form: ioremap_try_huge_pmd/pud/p4d, pXd_present() checked in the core before the arch free call, phys_addr advanced with the loop | False | lib/ioremap.c v5.0 (Will Deacon, "ioremap: Rework pXd_free_pYd_page() API" + "lib/ioremap: Ensure phys_addr actually corresponds to a physical address") |
| ioremap_va_align_check | IS_ALIGNED(addr, PXD_SIZE) in the try-huge helpers (needs ioremap_try_huge_helpers) | False | lib/ioremap.c v5.3, 6b95ab4218bf |

| profile | free_tables | the rest |
|---------|-------------|----------|
| v4.17   | 28ee90fe6048 | as v4.18 |
| v4.18   | 5e0fb5df2ee8 | |
| v5.3    | 5e0fb5df2ee8 | ioremap_try_huge_helpers=True, ioremap_va_align_check=True |

All profiles set ``pud_free="temp_page"`` (the kernel's own code); on v4.17 the knob has no
effect (28ee90fe6048's pud_free_pmd_page has no save step to choose).

The v4.18 free functions (``pmd_free_pte_page``/``pud_free_pmd_page``: clear, one INVLPG,
free; temporary page) come from 5e0fb5df2ee8, 785a19f9d1dd and f967db0b9ed4; v4.17's from
28ee90fe6048.  Later kernels are added as knobs for their behaviours are ported.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional, Union


@dataclass(frozen=True)
class Knob:
    """One profile knob: its name, meaning, the commit it comes from, and, for a knob that
    picks one of several versions, the allowed values (``None``: a boolean knob)."""

    name: str
    doc: str
    source: str
    values: Optional[tuple[str, ...]] = None


KNOBS: Mapping[str, Knob] = MappingProxyType({
    k.name: k for k in (
        Knob("ioremap_pud_capable", "1 GiB leaves allowed (arch_ioremap_pud_supported)",
             "lib/ioremap.c (huge I/O mappings, v4.1)"),
        Knob("ioremap_pmd_capable", "2 MiB leaves allowed (arch_ioremap_pmd_supported)",
             "lib/ioremap.c (huge I/O mappings, v4.1)"),
        Knob("prealloc_vmalloc_pgd",
             "level below the PGD preallocated for the vmalloc area at boot",
             "arch/x86/mm/init_64.c v5.8 (x86/mm/64: Pre-allocate p4d/pud pages for vmalloc area)"),
        Knob("free_tables",
             "version of pmd_free_pte_page/pud_free_pmd_page: 28ee90fe6048 (v4.17, no flush) "
             "or 5e0fb5df2ee8 (v4.18, one INVLPG, temporary page)",
             "arch/x86/mm/pgtable.c", ("28ee90fe6048", "5e0fb5df2ee8")),
        Knob("pud_free",
             "strategy of the v4.18 pud_free_pmd_page (no effect with free_tables "
             "28ee90fe6048): temp_page (5e0fb5df2ee8, temporary page), page_list (Joerg "
             "Roedel's review of v3, 2018: PTE frames listed through page->lru) or no_save "
             "(free from the intact PMD table after the flush)",
             "arch/x86/mm/pgtable.c 5e0fb5df2ee8; LKML review of v3, 2018",
             ("temp_page", "page_list", "no_save")),
        Knob("ioremap_try_huge_helpers",
             "lib/ioremap.c in its v5.0 form: ioremap_try_huge_pmd/pud/p4d, the pXd_present() "
             "check in the core before pmd_free_pte_page/pud_free_pmd_page, phys_addr "
             "advanced with the loop (False: the v4.18 form, the arch free call on any entry)",
             "lib/ioremap.c v5.0 (Will Deacon: \"ioremap: Rework pXd_free_pYd_page() API\", "
             "\"lib/ioremap: Ensure phys_addr actually corresponds to a physical address\")"),
        Knob("ioremap_va_align_check",
             "IS_ALIGNED(addr, PXD_SIZE) in the try-huge helpers (no effect without "
             "ioremap_try_huge_helpers; implied by (end - addr) == PXD_SIZE on 4-level x86)",
             "lib/ioremap.c v5.3, 6b95ab4218bf \"mm/ioremap: check virtual address alignment "
             "while creating huge mappings\""),
    )
})


@dataclass(frozen=True)
class Profile:
    """A named kernel profile: a value for every knob."""

    name: str
    description: str
    knobs: Mapping[str, Union[bool, str]] = field(default_factory=dict)


_PROFILES: dict[str, Profile] = {
    "v4.17": Profile(
        "v4.17",
        "28ee90fe6048 \"x86/mm: implement free pmd/pte page interfaces\": pmd_free_pte_page and "
        "pud_free_pmd_page clear and free with no TLB flush (the bug the seed thread fixes)",
        MappingProxyType({"ioremap_pud_capable": True, "ioremap_pmd_capable": True,
                          "prealloc_vmalloc_pgd": False, "free_tables": "28ee90fe6048",
                          "pud_free": "temp_page",
                          "ioremap_try_huge_helpers": False, "ioremap_va_align_check": False}),
    ),
    "v4.18": Profile(
        "v4.18",
        "lib/ioremap.c + arch/x86/mm/pgtable.c after the seed's series (5e0fb5df2ee8, "
        "785a19f9d1dd, f967db0b9ed4): clear -> one INVLPG -> free; temporary page in "
        "pud_free_pmd_page",
        MappingProxyType({"ioremap_pud_capable": True, "ioremap_pmd_capable": True,
                          "prealloc_vmalloc_pgd": False, "free_tables": "5e0fb5df2ee8",
                          "pud_free": "temp_page",
                          "ioremap_try_huge_helpers": False, "ioremap_va_align_check": False}),
    ),
    "v5.3": Profile(
        "v5.3",
        "lib/ioremap.c as of v5.3: the v5.0 try-huge helpers (present check in the core, "
        "phys_addr advanced with the loop) and 6b95ab4218bf's virtual-address alignment "
        "check; arch free functions are v4.18's (v5.0 dropped their pXd_none() early "
        "return, which the present check in the core makes unreachable from ioremap)",
        MappingProxyType({"ioremap_pud_capable": True, "ioremap_pmd_capable": True,
                          "prealloc_vmalloc_pgd": False, "free_tables": "5e0fb5df2ee8",
                          "pud_free": "temp_page",
                          "ioremap_try_huge_helpers": True, "ioremap_va_align_check": True}),
    ),
}


def names() -> list[str]:
    """The names of the known profiles."""
    return list(_PROFILES)


def get(name: str) -> Profile:
    """The profile called ``name``; ``KeyError`` if there is none."""
    return _PROFILES[name]
