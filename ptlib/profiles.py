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

| profile | free_tables | the rest |
|---------|-------------|----------|
| v4.17   | 28ee90fe6048 | as v4.18 |
| v4.18   | 5e0fb5df2ee8 | |

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
                          "prealloc_vmalloc_pgd": False, "free_tables": "28ee90fe6048"}),
    ),
    "v4.18": Profile(
        "v4.18",
        "lib/ioremap.c + arch/x86/mm/pgtable.c after the seed's series (5e0fb5df2ee8, "
        "785a19f9d1dd, f967db0b9ed4): clear -> one INVLPG -> free; temporary page in "
        "pud_free_pmd_page",
        MappingProxyType({"ioremap_pud_capable": True, "ioremap_pmd_capable": True,
                          "prealloc_vmalloc_pgd": False, "free_tables": "5e0fb5df2ee8"}),
    ),
}


def names() -> list[str]:
    """The names of the known profiles."""
    return list(_PROFILES)


def get(name: str) -> Profile:
    """The profile called ``name``; ``KeyError`` if there is none."""
    return _PROFILES[name]
