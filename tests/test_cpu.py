# SPDX-License-Identifier: GPL-2.0-only
"""The emulated CPU against the Intel SDM Vol. 3A 4.10 (TLBs and paging-structure caches).

One test per rule.  The expectations come from the SDM, not from the C code: each test builds
a state, inspects it through ``tlb_entries()`` / ``psc_entries()`` and translations, and
checks what the rule says must (or must not) be cached afterwards.  Where the SDM allows a
choice (it may always invalidate more), the tests pin the model's documented choice and say
so.
"""
from __future__ import annotations

from array import array

import pytest

import ptlib
from ptlib.cpu import FAULT

from conftest import G1, K4, M2, PHYS, V

# ---- constants and helpers -------------------------------------------------------------

_P, _RW, _US, _A, _D, _PS, _G = 1, 2, 4, 1 << 5, 1 << 6, 1 << 7, 1 << 8
_NX = 1 << 63
ADDR = ((1 << 52) - 1) & ~0xFFF                     # address bits of a 4 KiB-form entry
NG = ptlib.PAGE_KERNEL_IO & ~_G                    # PAGE_KERNEL_IO without G: non-global

PF_PROT, PF_WRITE, PF_USER, PF_RSVD, PF_INSTR = 1, 2, 4, 8, 16

_ENTRY_SHIFT = {"pgd": 39, "pud": 30, "pmd": 21, "pte": 12}
#: bits of va a TLB entry of that leaf level covers
_TLB_SHIFT = {"pte": 12, "pmd": 21, "pud": 30}
#: bits of va a PSC entry of that level covers (PML4E 512 GiB, PDPTE 1 GiB, PDE 2 MiB)
_PSC_SHIFT = {"pgd": 39, "pud": 30, "pmd": 21}
#: the owner a frame pointed to by a PSC entry of that level must have (the next table)
_NEXT_TABLE = {"pgd": "pud", "pud": "pmd", "pmd": "pte"}


def base(va: int, shift: int) -> int:
    return va & ~((1 << shift) - 1)


def tlb_covers(e: ptlib.cpu.CacheEntry, va: int) -> bool:
    return e.va == base(va, _TLB_SHIFT[e.level])


def psc_covers(e: ptlib.cpu.CacheEntry, va: int) -> bool:
    return e.va == base(va, _PSC_SHIFT[e.level])


def tlb_keys(cpu) -> set:
    return {(e.level, e.va, e.pcid, e.global_) for e in cpu.tlb_entries()}


def psc_keys(cpu) -> set:
    return {(e.level, e.va, e.pcid) for e in cpu.psc_entries()}


def entry_pa(m: ptlib.Machine, va: int, level: str) -> int:
    """Physical address of the table entry of `level` that translates va (from memory)."""
    table = m.root
    for name, val in m.walk(va).entries:
        if name == level:
            return table + ((va >> _ENTRY_SHIFT[name]) & 511) * 8
        table = val & ADDR
    raise AssertionError(f"no {level} entry on the walk of {va:#x}")


def read_u64(m: ptlib.Machine, pa: int) -> int:
    return int.from_bytes(m.read_phys(pa, 8), "little")


def write_u64(m: ptlib.Machine, pa: int, val: int) -> None:
    m.write_phys(pa, val.to_bytes(8, "little"))


def fault_code(cpu, va: int, **kw) -> int:
    with pytest.raises(ptlib.PageFault) as ei:
        cpu.access(va, **kw)
    assert ei.value.va == va and ei.value.cpu == cpu.index
    return ei.value.error_code


# ---- 1. INVLPG ("sdm"): every PSC entry of the current PCID, none of another PCID --------

def test_invlpg_sdm_drops_all_psc_entries_of_current_pcid_only() -> None:
    """SDM 4.10.4.1: INVLPG invalidates the page's TLB entries of the current PCID and any
    global ones for it, and *all* paging-structure-cache entries associated with the
    current PCID, regardless of the linear addresses they correspond to."""
    A, B = V, V + G1                                   # two different 1 GiB regions
    m = ptlib.Machine()
    c = m.cpus[0]
    m.ioremap_page_range(A, A + K4, PHYS)
    m.ioremap_page_range(B, B + K4, PHYS + G1)
    assert c.access(A) == PHYS and c.access(B) == PHYS + G1
    assert {(e.level, e.va) for e in c.psc_entries()} == {
        ("pgd", A), ("pud", A), ("pmd", A), ("pud", B), ("pmd", B)}
    c.invlpg(A)
    assert c.psc_entries() == []                      # B's PDPTE/PDE entries too
    assert {(e.level, e.va) for e in c.tlb_entries()} == {("pte", B)}
    assert c.access(B) == PHYS + G1

    # With PCIDs: INVLPG under PCID 2 leaves PCID 1's PSC entries alone.
    m = ptlib.Machine()
    c = m.cpus[0]
    m.ioremap_page_range(A, A + K4, PHYS, NG)
    m.ioremap_page_range(B, B + K4, PHYS + G1, NG)
    m.ioremap_page_range(A + K4, A + 2 * K4, PHYS + K4)          # global
    c.set_cr4(pcide=True)
    c.write_cr3(pcid=1)
    for va in (A, B, A + K4):
        c.access(va)
    pcid1_psc = psc_keys(c)
    assert {p for (_, _, p) in pcid1_psc} == {1} and len(pcid1_psc) == 5
    c.write_cr3(pcid=2, noflush=True)
    assert c.cr3[1] == 2
    c.access(B)
    assert psc_keys(c) - pcid1_psc == {("pgd", A, 2), ("pud", B, 2), ("pmd", B, 2)}
    tlb_before = tlb_keys(c)
    c.invlpg(A)
    assert psc_keys(c) == pcid1_psc                   # PCID 2's gone (B's too), PCID 1's kept
    # A's PCID-1 non-global entry is not the current PCID's: kept.  Nothing for B dropped.
    assert tlb_keys(c) == tlb_before
    # The global entry for A+K4 was made under PCID 1; INVLPG under PCID 2 drops it anyway.
    assert ("pte", A + K4, 1, True) in tlb_keys(c)
    c.invlpg(A + K4)
    assert ("pte", A + K4, 1, True) not in tlb_keys(c)
    assert tlb_keys(c) == tlb_before - {("pte", A + K4, 1, True)}


# ---- 2. INVLPG ("covering"): only the PSC entries covering the address -----------------

def test_invlpg_covering_drops_only_covering_psc_entries() -> None:
    A, B = V, V + G1
    m = ptlib.Machine(invlpg_psc="covering")
    c = m.cpus[0]
    m.ioremap_page_range(A, A + K4, PHYS)
    m.ioremap_page_range(B, B + K4, PHYS + G1)
    c.access(A)
    c.access(B)
    c.invlpg(A)
    # the PML4E entry covers both (same 512 GiB) and goes; B's PDPTE and PDE entries stay
    assert {(e.level, e.va) for e in c.psc_entries()} == {("pud", B), ("pmd", B)}
    assert {(e.level, e.va) for e in c.tlb_entries()} == {("pte", B)}

    # An address in A's 1 GiB region but another 2 MiB region: A's PDE entry survives.
    c.flush_all()
    c.access(A)
    c.access(B)
    c.invlpg(A + M2)
    assert {(e.level, e.va) for e in c.psc_entries()} == {("pmd", A), ("pud", B), ("pmd", B)}
    assert {(e.level, e.va) for e in c.tlb_entries()} == {("pte", A), ("pte", B)}
    assert c.access(A) == PHYS and c.access(B) == PHYS + G1


# ---- 3. Global TLB entries survive a CR3 write, die on a PGE toggle ---------------------

def test_global_entries_survive_cr3_write_not_pge_toggle() -> None:
    """SDM 4.10.2.4 / 4.10.4.1: MOV to CR3 invalidates the PCID's TLB entries except global
    ones (and all its PSC entries); toggling CR4.PGE invalidates all of them."""
    m = ptlib.Machine()
    c = m.cpus[0]
    Gva, Nva = V, V + K4
    m.ioremap_page_range(Gva, Gva + K4, PHYS)                  # PAGE_KERNEL_IO has G
    m.ioremap_page_range(Nva, Nva + K4, PHYS + K4, NG)
    assert m.walk(Gva).entries[-1][1] & _G and not m.walk(Nva).entries[-1][1] & _G
    c.access(Gva)
    c.access(Nva)
    assert tlb_keys(c) == {("pte", Gva, 0, True), ("pte", Nva, 0, False)}
    assert c.psc_entries()
    c.write_cr3()
    assert tlb_keys(c) == {("pte", Gva, 0, True)}
    assert c.psc_entries() == []
    # The surviving entry is really used: repoint the PTE in memory, no flush.
    pte = entry_pa(m, Gva, "pte")
    write_u64(m, pte, (read_u64(m, pte) & ~ADDR) | (PHYS + 0x100000))
    assert c.access(Gva) == PHYS                      # stale global translation
    c.flush_all()
    assert c.tlb_entries() == [] and c.psc_entries() == []
    assert c.access(Gva) == PHYS + 0x100000

    # A global translation is shared by every PCID and survives their CR3 writes.
    # (the entry made above under PCID 0 is used by every PCID: no new entry is made)
    c.access(Gva)
    assert tlb_keys(c) == {("pte", Gva, 0, True)}
    c.set_cr4(pcide=True)                             # setting PCIDE flushes nothing
    for pcid in (1, 2, 1, 3):
        c.write_cr3(pcid=pcid)
        assert c.access(Gva) == PHYS + 0x100000
        assert tlb_keys(c) == {("pte", Gva, 0, True)}
        # a TLB hit: no walk, so no PSC entry of this PCID
        assert not any(e.pcid == pcid for e in c.psc_entries())

    # With CR4.PGE=0 the G bit is ignored: the entry is not global and a CR3 write drops it.
    c.set_cr4(pge=False, pcide=False)
    assert c.tlb_entries() == []
    c.access(Gva)
    assert tlb_keys(c) == {("pte", Gva, 0, False)}
    c.write_cr3()
    assert c.tlb_entries() == []


# ---- 4. CR3 with the no-flush bit keeps the PCID's entries; without it drops them -------

def test_cr3_noflush_keeps_pcid_entries() -> None:
    A, B = V, V + G1
    m = ptlib.Machine()
    c = m.cpus[0]
    m.ioremap_page_range(A, A + K4, PHYS, NG)
    m.ioremap_page_range(B, B + K4, PHYS + G1, NG)
    c.set_cr4(pcide=True)
    c.write_cr3(pcid=1)
    c.access(A)
    c.write_cr3(pcid=2)
    c.access(B)
    tlb, psc = tlb_keys(c), psc_keys(c)
    assert {p for (*_, p, _) in tlb} == {1, 2} and {p for (*_, p) in psc} == {1, 2}
    c.write_cr3(pcid=1, noflush=True)
    assert (tlb_keys(c), psc_keys(c)) == (tlb, psc)
    # PCID 1's kept TLB entry is used: stale after a silent PTE change.
    pte = entry_pa(m, A, "pte")
    write_u64(m, pte, (read_u64(m, pte) & ~ADDR) | (PHYS + 0x200000))
    assert c.access(A) == PHYS
    # Without no-flush: PCID 1's TLB and PSC entries go, PCID 2's stay.
    c.write_cr3(pcid=1)
    assert tlb_keys(c) == {k for k in tlb if k[2] == 2}
    assert psc_keys(c) == {k for k in psc if k[2] == 2}
    assert c.access(A) == PHYS + 0x200000
    # And back to PCID 2 without no-flush: its entries go.
    c.write_cr3(pcid=2)
    assert all(e.pcid == 1 for e in c.tlb_entries() + c.psc_entries())


# ---- 5. PSCs cache only present non-leaf entries -----------------------------------------

def test_psc_never_holds_leaves_or_non_present_entries() -> None:
    """SDM 4.10.3.1: a PML4E/PDPTE/PDE-cache entry is made only for a present entry that
    references a paging structure (no PDPTE entry for a 1 GiB page, no PDE entry for a
    2 MiB page) and only if its P flag is 1."""
    m = ptlib.Machine()
    c = m.cpus[0]
    m.ioremap_page_range(V, V + K4, PHYS)                        # 4 KiB leaf
    m.ioremap_page_range(V + M2, V + 2 * M2, PHYS + M2)          # 2 MiB leaf
    m.ioremap_page_range(V + G1, V + 2 * G1, PHYS + G1)          # 1 GiB leaf
    assert [m.walk(v).level for v in (V, V + M2, V + G1)] == ["pte", "pmd", "pud"]
    no_pte = V + K4                    # PTE not present
    no_pmd = V + 3 * M2                # PMD entry not present
    no_pud = V + 2 * G1                # PUD entry not present (PGD entry present)
    no_pgd = V + (1 << 39)             # PGD entry not present
    assert all(m.translate(v) is None for v in (no_pte, no_pmd, no_pud, no_pgd))
    for va in (V, V + M2 + 5 * K4, V + G1 + 7 * M2):
        c.access(va)
    for va in (no_pte, no_pmd, no_pud, no_pgd):
        assert c.speculate(va) is False               # walks that never fault: caches kept
        with pytest.raises(ptlib.PageFault):
            c.access(va)
        c.speculate(va)

    psc = c.psc_entries()
    assert psc
    for e in psc:
        assert m.frame(e.pfn)["owner"] == _NEXT_TABLE[e.level], e
        assert m.frame(e.pfn)["state"] == "allocated", e
        # the cached entry is the one in memory for its va, a present non-leaf entry
        ent = dict(m.walk(e.va).entries)[e.level]
        assert ent & _P and not (e.level != "pgd" and ent & _PS), e
        assert ent & ADDR == e.pfn << 12, e
    levels = {(e.level, e.va) for e in psc}
    assert ("pmd", V + M2) not in levels               # 2 MiB leaf: no PDE entry
    assert ("pud", V + G1) not in levels               # 1 GiB leaf: no PDPTE entry
    assert not any(psc_covers(e, no_pgd) for e in psc)
    assert not any(psc_covers(e, no_pud) for e in psc if e.level != "pgd")
    assert not any(psc_covers(e, no_pmd) for e in psc if e.level == "pmd")
    # what must be there: the tables above each leaf
    assert {("pgd", V), ("pud", V), ("pmd", V)} <= levels
    # the TLBs hold the leaves at their own sizes
    assert {(e.level, e.va) for e in c.tlb_entries()} == {
        ("pte", V), ("pmd", V + M2), ("pud", V + G1)}


# ---- 6. A page fault drops the faulting address's entries; error codes ------------------

def test_page_fault_invalidates_entries_for_faulting_address() -> None:
    """SDM 4.10.4.1: a page fault invalidates the TLB entries for the faulting page and the
    PSC entries that would be used for the faulting address (current PCID)."""
    m = ptlib.Machine()
    c = m.cpus[0]
    m.ioremap_page_range(V, V + K4, PHYS)
    m.ioremap_page_range(V + G1, V + G1 + K4, PHYS + G1)
    c.access(V)
    c.access(V + G1)
    write_u64(m, entry_pa(m, V, "pte"), 0)           # clear the PTE, no flush
    assert m.translate(V) is None
    assert c.access(V) == PHYS                        # stale TLB entry: cached
    # Fault on another page of the same PTE table (not present, read: 0).
    assert fault_code(c, V + K4) == 0
    assert not any(psc_covers(e, V + K4) for e in c.psc_entries())
    assert {(e.level, e.va) for e in c.psc_entries()} == {("pud", V + G1), ("pmd", V + G1)}
    assert {(e.level, e.va) for e in c.tlb_entries()} == {("pte", V), ("pte", V + G1)}
    assert c.access(V) == PHYS                        # V's own TLB entry not touched
    # A protection fault at V itself (user access, through the stale TLB entry) drops it.
    assert fault_code(c, V, user=True) == PF_PROT | PF_USER
    assert not any(tlb_covers(e, V) for e in c.tlb_entries())
    assert not any(psc_covers(e, V) for e in c.psc_entries())
    assert fault_code(c, V) == 0                      # now the walk sees memory
    assert c.access(V + G1) == PHYS + G1

    # Write to a read-only page after a read cached it.
    ro = V + 2 * M2
    m.ioremap_page_range(ro, ro + K4, PHYS + 2 * M2, ptlib.PAGE_KERNEL_RO)
    c.access(ro)
    assert any(tlb_covers(e, ro) for e in c.tlb_entries())
    assert any(psc_covers(e, ro) for e in c.psc_entries())
    assert fault_code(c, ro, write=True) == PF_PROT | PF_WRITE
    assert not any(tlb_covers(e, ro) for e in c.tlb_entries())
    assert not any(psc_covers(e, ro) for e in c.psc_entries())
    assert any(e.level == "pmd" and e.va == V + G1 for e in c.psc_entries())


#: SDM Vol. 3A 4.10.4.1, the page-fault rule the tests below follow
SDM_PF_RULE = (
    "a page-fault exception resulting from an attempt to use a linear address will "
    "invalidate any TLB entries that are for a page number corresponding to that linear "
    "address and that are associated with the current PCID. It also invalidates all "
    "entries in the paging-structure caches that would be used for that linear address "
    "and that are associated with the current PCID.")


def test_page_fault_keeps_global_entry_of_another_pcid() -> None:
    """SDM 4.10.4.1 (SDM_PF_RULE): a page fault invalidates the page's TLB entries
    "associated with the current PCID" -- with no clause for global ones, unlike INVLPG
    ("any global TLB entries with that page number, regardless of PCID").  A global entry
    is associated with the PCID it was filled under (4.10.2.2: "any TLB entries created by
    a logical processor are associated with the current PCID"), and is still used under
    other PCIDs (4.10.2.4: "A logical processor may use a global TLB entry to translate a
    linear address, even if the TLB entry is associated with a PCID different from the
    current PCID").  So a fault under PCID 2 keeps the global entry filled under PCID 1,
    and drops one filled under PCID 2."""
    m = ptlib.Machine()
    c = m.cpus[0]
    m.ioremap_page_range(V, V + 2 * K4, PHYS)                       # global (G set)
    c.set_cr4(pcide=True)
    c.write_cr3(pcid=1)
    assert c.access(V) == PHYS
    assert ("pte", V, 1, True) in tlb_keys(c)
    write_u64(m, entry_pa(m, V, "pte"), 0)            # clear the PTE, no flush
    c.write_cr3(pcid=2)
    assert c.access(V) == PHYS                        # PCID 1's global entry, used by PCID 2
    # A user access through that entry faults (supervisor page) under PCID 2 ...
    assert fault_code(c, V, user=True) == PF_PROT | PF_USER
    # ... and the entry, associated with PCID 1, survives: still used, still stale.
    assert ("pte", V, 1, True) in tlb_keys(c)
    assert c.access(V) == PHYS
    assert fault_code(c, V, user=True) == PF_PROT | PF_USER         # the fault recurs
    # A global entry filled under the current PCID is the current PCID's: dropped.
    assert c.access(V + K4) == PHYS + K4
    assert ("pte", V + K4, 2, True) in tlb_keys(c)
    assert fault_code(c, V + K4, user=True) == PF_PROT | PF_USER
    assert not any(tlb_covers(e, V + K4) for e in c.tlb_entries())
    assert c.access(V + K4) == PHYS + K4              # walked again from memory
    # Only INVLPG (global entries "regardless of PCID") or a global flush removes PCID 1's.
    c.invlpg(V)
    assert not any(tlb_covers(e, V) for e in c.tlb_entries())
    assert fault_code(c, V) == 0                      # memory: not present


def test_page_fault_keeps_other_pcids_entries_and_unrelated_psc_entries() -> None:
    """SDM 4.10.4.1 (SDM_PF_RULE): the fault drops the faulting page's TLB entries of the
    current PCID and the current PCID's PSC entries "that would be used for that linear
    address"; another PCID's TLB entries (non-global) and PSC entries stay, and so do the
    current PCID's PSC entries for other addresses."""
    A, B = V, V + G1                                  # same PML4E, different PDPTEs
    m = ptlib.Machine()
    c = m.cpus[0]
    m.ioremap_page_range(A, A + K4, PHYS, NG)
    m.ioremap_page_range(B, B + K4, PHYS + G1, NG)
    c.set_cr4(pcide=True)
    for pcid in (1, 2):
        c.write_cr3(pcid=pcid, noflush=True)
        assert c.access(A) == PHYS and c.access(B) == PHYS + G1
    psc = {("pgd", base(A, 39)), ("pud", A), ("pmd", A), ("pud", B), ("pmd", B)}
    assert psc_keys(c) == {(lv, va, p) for lv, va in psc for p in (1, 2)}
    assert tlb_keys(c) == {("pte", va, p, False) for va in (A, B) for p in (1, 2)}
    tlb_before, psc_before = tlb_keys(c), psc_keys(c)
    # Under PCID 2: a protection fault at A through PCID 2's TLB entry.
    assert fault_code(c, A, user=True) == PF_PROT | PF_USER
    assert tlb_before - tlb_keys(c) == {("pte", A, 2, False)}       # PCID 1's A entry kept
    # PCID 2's PML4E/PDPTE/PDE entries on A's path go (the PML4E one is B's too: it would
    # be used for A); PCID 2's PDPTE/PDE entries for B and all of PCID 1's stay.
    assert psc_before - psc_keys(c) == {("pgd", base(A, 39), 2), ("pud", A, 2),
                                        ("pmd", A, 2)}
    assert tlb_keys(c) <= tlb_before and psc_keys(c) <= psc_before
    # A not-present fault (no TLB entry involved) drops only the PSC entries for its path.
    hole = B + M2                                     # B's PDPTE, no PDE entry for it
    assert fault_code(c, hole) == 0
    assert ("pud", B, 2) not in psc_keys(c) and ("pmd", B, 2) in psc_keys(c)
    assert {(lv, va, p) for lv, va, p in psc_keys(c) if p == 1} == {
        (lv, va, 1) for lv, va in psc}
    # PCID 1 still translates A and B from its own cached entries.
    c.write_cr3(pcid=1, noflush=True)
    write_u64(m, entry_pa(m, A, "pte"), 0)
    assert c.access(A) == PHYS                        # PCID 1's TLB entry, stale


def test_page_fault_error_codes() -> None:
    m = ptlib.Machine()
    c = m.cpus[0]
    m.ioremap_page_range(V, V + K4, PHYS)                            # NX, RW, supervisor
    m.ioremap_page_range(V + K4, V + 2 * K4, PHYS + K4, ptlib.PAGE_KERNEL_EXEC)
    m.ioremap_page_range(V + 2 * K4, V + 3 * K4, PHYS + 2 * K4, ptlib.PAGE_KERNEL_RO)
    hole = V + 9 * K4
    assert fault_code(c, hole) == 0
    assert fault_code(c, hole, write=True) == PF_WRITE
    assert fault_code(c, hole, user=True) == PF_USER
    assert fault_code(c, hole, fetch=True) == PF_INSTR
    assert fault_code(c, V + 7 * G1) == 0                           # PUD entry not present
    # user access to a supervisor page: protection (bit 0) + user (bit 2); walk and TLB path
    assert fault_code(c, V, user=True) == PF_PROT | PF_USER
    c.access(V)
    assert fault_code(c, V, user=True) == PF_PROT | PF_USER
    assert fault_code(c, V, user=True, write=True) == PF_PROT | PF_USER | PF_WRITE
    # instruction fetch from an NX page: bit 4 (and bit 0)
    assert fault_code(c, V, fetch=True) == PF_PROT | PF_INSTR
    assert c.access(V + K4, fetch=True) == PHYS + K4                  # PAGE_KERNEL_EXEC
    assert fault_code(c, V + 2 * K4, write=True) == PF_PROT | PF_WRITE
    assert c.access(V + 2 * K4) == PHYS + 2 * K4

    # Reserved bits: bit 13 of a 2 MiB leaf, bit 20 of a 1 GiB leaf, PS in a PML4E.
    m.ioremap_page_range(V + M2, V + 2 * M2, PHYS + M2)
    pmd = entry_pa(m, V + M2, "pmd")
    write_u64(m, pmd, read_u64(m, pmd) | 1 << 13)
    assert fault_code(c, V + M2 + 5) == PF_PROT | PF_RSVD
    assert fault_code(c, V + M2, write=True) == PF_PROT | PF_RSVD | PF_WRITE
    assert not any(tlb_covers(e, V + M2) for e in c.tlb_entries())
    m.ioremap_page_range(V + G1, V + 2 * G1, PHYS + G1)
    pud = entry_pa(m, V + G1, "pud")
    write_u64(m, pud, read_u64(m, pud) | 1 << 20)
    assert fault_code(c, V + G1) == PF_PROT | PF_RSVD
    pgd = entry_pa(m, V, "pgd")
    c.flush_all()
    write_u64(m, pgd, read_u64(m, pgd) | _PS)
    assert fault_code(c, V) == PF_PROT | PF_RSVD
    assert c.psc_entries() == []


# ---- 7. INVPCID types 0-3 --------------------------------------------------------------

A7, B7, G7 = V, V + G1, V + K4          # non-global, non-global (other 1 GiB), global


def _invpcid_state() -> tuple[ptlib.Machine, object]:
    m = ptlib.Machine()
    c = m.cpus[0]
    m.ioremap_page_range(A7, A7 + K4, PHYS, NG)
    m.ioremap_page_range(G7, G7 + K4, PHYS + K4)
    m.ioremap_page_range(B7, B7 + K4, PHYS + G1, NG)
    c.set_cr4(pcide=True)
    for pcid in (1, 2):
        c.write_cr3(pcid=pcid, noflush=True)
        for va in (A7, B7, G7):
            c.access(va)
    c.write_cr3(pcid=3, noflush=True)              # current PCID: neither of the two
    tlb = tlb_keys(c)
    assert {k for k in tlb if k[3]} == {("pte", G7, 1, True)}
    assert {k for k in tlb if not k[3]} == {
        ("pte", va, p, False) for va in (A7, B7) for p in (1, 2)}
    assert psc_keys(c) == {(lvl, va, p) for p in (1, 2) for (lvl, va) in
                           (("pgd", V), ("pud", A7), ("pmd", A7), ("pud", B7), ("pmd", B7))}
    return m, c


@pytest.mark.parametrize("kind", ["0-A", "0-G", "1", "2", "3"])
def test_invpcid_types(kind: str) -> None:
    m, c = _invpcid_state()
    tlb, psc = tlb_keys(c), psc_keys(c)
    if kind == "0-A":     # non-global mappings of (A, PCID 1): its TLB entry, covering PSC
        c.invpcid(0, pcid=1, va=A7)
        want_tlb = tlb - {("pte", A7, 1, False)}
        want_psc = {k for k in psc if not (k[2] == 1 and k[1] == base(A7, _PSC_SHIFT[k[0]]))}
        assert ("pud", B7, 1) in want_psc and ("pgd", V, 1) not in want_psc
    elif kind == "0-G":   # individual address of a global page: the global entry stays
        c.invpcid(0, pcid=1, va=G7)
        want_tlb = tlb
        want_psc = {k for k in psc if not (k[2] == 1 and k[1] == base(G7, _PSC_SHIFT[k[0]]))}
    elif kind == "1":     # single context: PCID 1's non-global TLB entries, all its PSC
        c.invpcid(1, pcid=1)
        want_tlb = {k for k in tlb if k[2] != 1 or k[3]}
        want_psc = {k for k in psc if k[2] != 1}
    elif kind == "2":     # all contexts, globals included
        c.invpcid(2)
        want_tlb, want_psc = set(), set()
    else:                 # all contexts except global translations
        c.invpcid(3)
        want_tlb = {k for k in tlb if k[3]}
        want_psc = set()
    assert tlb_keys(c) == want_tlb
    assert psc_keys(c) == want_psc
    assert c.cr3[1] == 3                               # INVPCID does not switch context


# ---- 8. The walk starts at the deepest PSC hit --------------------------------------------

def test_walk_uses_deepest_psc_hit() -> None:
    """SDM 4.10.3.2: the processor uses the PDE-cache entry if one matches (skipping the
    PML4E, PDPTE and PDE in memory), else the PDPTE-cache entry, else the PML4E-cache entry.
    Shown with entries left stale on purpose (the sanitizer may report them: fine)."""
    NEW = PHYS + 0x300000
    # PDE cache beats the (fresh) PDPTE cache and memory.
    m = ptlib.Machine()
    c = m.cpus[0]
    m.ioremap_page_range(V, V + 2 * K4, PHYS)
    c.access(V)                                        # V+K4 is not in the TLB
    old_pte_table = m.walk(V).entries[2][1] & ADDR
    assert [(e.level, e.pfn) for e in c.psc_entries() if e.level == "pmd"] == [
        ("pmd", old_pte_table >> 12)]
    leaf = m.walk(V + K4).entries[-1][1]
    new_table = m.alloc_page()
    write_u64(m, new_table + ((V + K4) >> 12 & 511) * 8, (leaf & ~ADDR) | NEW)
    pmd = entry_pa(m, V, "pmd")
    write_u64(m, pmd, (read_u64(m, pmd) & ~ADDR) | new_table)
    assert m.translate(V + K4) == NEW                 # what memory says now
    assert c.access(V + K4) == PHYS + K4              # via the stale PDE-cache entry
    c.invlpg(V + K4)
    assert c.access(V + K4) == NEW
    assert [(e.level, e.pfn) for e in c.psc_entries() if e.level == "pmd"] == [
        ("pmd", new_table >> 12)]

    # No PDE hit for this 2 MiB region: the PDPTE-cache entry is used over memory.
    m = ptlib.Machine()
    c = m.cpus[0]
    m.ioremap_page_range(V, V + K4, PHYS)
    m.ioremap_page_range(V + M2, V + M2 + K4, PHYS + M2)
    c.access(V)                                        # caches PDPTE -> old PMD table
    assert not any(e.level == "pmd" and e.va == V + M2 for e in c.psc_entries())
    new_pmd_table = m.alloc_page()
    write_u64(m, new_pmd_table + 1 * 8, (PHYS + 64 * M2) | _P | _RW | _A | _D | _PS | _G)
    pud = entry_pa(m, V, "pud")
    write_u64(m, pud, (read_u64(m, pud) & ~ADDR) | new_pmd_table)
    assert m.translate(V + M2) == PHYS + 64 * M2
    assert c.access(V + M2) == PHYS + M2               # old PMD table via the PDPTE cache
    assert c.access(V + 5) == PHYS + 5                 # TLB
    c.invlpg(V + M2)
    assert c.access(V + M2) == PHYS + 64 * M2


# ---- 9. Accessed and dirty flags ---------------------------------------------------------

def test_accessed_and_dirty_flags() -> None:
    """SDM 4.8: a translation sets A in every entry it uses; a write sets D in the leaf;
    a write through a TLB entry whose D is clear goes to memory to set D."""
    m = ptlib.Machine()
    c = m.cpus[0]
    prot = ptlib.PAGE_KERNEL_IO & ~(_A | _D)
    m.ioremap_page_range(V, V + 2 * K4, PHYS, prot)
    m.ioremap_page_range(V + M2, V + 2 * M2, PHYS + M2, prot)       # 2 MiB leaf
    pte, pte2 = entry_pa(m, V, "pte"), entry_pa(m, V + K4, "pte")
    big = entry_pa(m, V + M2, "pmd")
    pmd = entry_pa(m, V, "pmd")
    write_u64(m, pmd, read_u64(m, pmd) & ~_A)                         # table entry, A clear
    assert read_u64(m, pte) & (_A | _D) == 0 and read_u64(m, big) & (_A | _D) == 0

    c.access(V)
    assert read_u64(m, pte) & (_A | _D) == _A
    assert read_u64(m, pmd) & _A
    [e] = [e for e in c.tlb_entries() if tlb_covers(e, V)]
    assert not e.dirty
    # write through that TLB entry (D clear): the CPU walks again and sets D
    assert c.access(V + 8, write=True) == PHYS + 8
    assert read_u64(m, pte) & (_A | _D) == _A | _D
    [e] = [e for e in c.tlb_entries() if tlb_covers(e, V)]
    assert e.dirty
    # a write with no TLB entry sets A and D at once; likewise for a 2 MiB leaf
    c.access(V + K4, write=True)
    assert read_u64(m, pte2) & (_A | _D) == _A | _D
    c.access(V + M2 + 3 * K4)
    assert read_u64(m, big) & (_A | _D) == _A
    c.access(V + M2 + 9 * K4, write=True)
    assert read_u64(m, big) & (_A | _D) == _A | _D
    # A speculative walk may set A but never D.
    m.ioremap_page_range(V + 4 * K4, V + 5 * K4, PHYS + 4 * K4, prot)
    assert c.speculate(V + 4 * K4)
    assert read_u64(m, entry_pa(m, V + 4 * K4, "pte")) & (_A | _D) == _A


# ---- 10. translate_many -------------------------------------------------------------------

def test_translate_many() -> None:
    m = ptlib.Machine()
    c = m.cpus[0]
    m.ioremap_page_range(V, V + 4 * K4, PHYS)
    m.ioremap_page_range(V + M2, V + 2 * M2, PHYS + M2)
    pmd = entry_pa(m, V + M2, "pmd")
    write_u64(m, pmd, read_u64(m, pmd) | 1 << 13)                  # reserved bit
    vas = [V, V + K4 + 5, V + 100 * K4, V + 3 * K4 + 0xFFF, V + M2 + 1]
    want = [PHYS, PHYS + K4 + 5, FAULT, PHYS + 3 * K4 + 0xFFF, FAULT]

    r = c.translate_many(vas)
    assert isinstance(r, array) and r.typecode == "Q" and list(r) == want
    assert {(e.level, e.va) for e in c.tlb_entries()} == {("pte", V), ("pte", V + K4),
                                                        ("pte", V + 3 * K4)}
    assert list(c.translate_many(array("Q", vas))) == want
    assert list(c.translate_many(array("Q", vas).tobytes())) == want
    assert list(c.translate_many(tuple(vas))) == want
    assert list(c.translate_many([])) == []

    errs = array("I", [0xDEAD] * len(vas))
    out = array("Q", [7] * len(vas))
    r = c.translate_many(vas, out=out, errors_out=errs)
    assert r is out and list(out) == want
    assert list(errs) == [0, 0, 0, 0, PF_PROT | PF_RSVD]
    # reuse: the same buffers, other addresses
    r = c.translate_many([V + 2 * K4, V + 200 * K4], out=out[:2], errors_out=None)
    assert list(r) == [PHYS + 2 * K4, FAULT]
    out2, errs2 = array("Q", [0, 0]), array("I", [5, 5])
    for _ in range(2):
        assert c.translate_many([V + 2 * K4, V], out=out2, errors_out=errs2) is out2
        assert list(out2) == [PHYS + 2 * K4, PHYS] and list(errs2) == [0, 0]
    bytearray_out = bytearray(16)
    c.translate_many([V, V + K4], out=bytearray_out)
    assert list(memoryview(bytearray_out).cast("Q")) == [PHYS, PHYS + K4]

    with pytest.raises(ptlib.InvalidArgument, match="out"):
        c.translate_many(vas, out=array("Q", [0] * (len(vas) - 1)))
    with pytest.raises(ptlib.InvalidArgument, match="errors_out"):
        c.translate_many(vas, errors_out=array("I", [0] * (len(vas) + 1)))
    for bad in (None, "abc", 3, object()):
        with pytest.raises(TypeError):
            c.translate_many(bad)
    with pytest.raises(TypeError):
        c.translate_many(["x"])
    with pytest.raises(TypeError):
        c.translate_many(vas, out=[0] * len(vas))
    with pytest.raises(TypeError):
        c.translate_many(vas, out=bytes(8 * len(vas)))             # not writable
    with pytest.raises(TypeError):
        c.translate_many(vas, errors_out=[0] * len(vas))
    with pytest.raises(TypeError):
        c.translate_many(vas, errors_out=bytes(4 * len(vas)))      # not writable


def test_translate_many_non_canonical_never_translates() -> None:
    """SDM 3.3.7.1: a non-canonical address is not translated (#GP); it must not alias the
    canonical address with the same bits 47:0, nor fill a cache."""
    m = ptlib.Machine()
    c = m.cpus[0]
    m.ioremap_page_range(V, V + K4, PHYS)
    aliases = [V & ((1 << 48) - 1), V ^ (1 << 60)]
    errs = array("I", [0xDEAD] * 2)
    assert list(c.translate_many(aliases, errors_out=errs)) == [FAULT, FAULT]
    assert c.tlb_entries() == [] and c.psc_entries() == []
    assert list(c.translate_many([V])) == [PHYS]


# ---- 11. Capacity and deterministic replacement --------------------------------------------

def _run_sequence(seq: list[int], **caches: int) -> ptlib.Machine:
    m = ptlib.Machine(**caches)
    m.ioremap_page_range(V, V + 64 * K4, PHYS)
    m.ioremap_page_range(V + G1, V + G1 + 64 * M2, PHYS + G1,
                         ptlib.PAGE_KERNEL_IO)
    for va in seq:
        assert m.cpus[0].access(va) == m.translate(va)
    return m


def test_tlb_capacity_and_deterministic_replacement() -> None:
    seq = [V + i * K4 for i in (0, 3, 1, 7, 5)]
    m = _run_sequence(seq, tlb_4k=4)
    tlb = m.cpus[0].tlb_entries()
    assert len([e for e in tlb if e.level == "pte"]) == 4
    assert any(tlb_covers(e, seq[-1]) for e in tlb)            # the newest stays
    assert _run_sequence(seq, tlb_4k=4).cpus[0].tlb_entries() == tlb
    # a longer, repetitive sequence: still bounded, still reproducible
    seq2 = [V + (i * 7 % 13) * K4 for i in range(40)]
    a, b = _run_sequence(seq2, tlb_4k=4), _run_sequence(seq2, tlb_4k=4)
    assert len(a.cpus[0].tlb_entries()) == 4
    assert a.cpus[0].tlb_entries() == b.cpus[0].tlb_entries()
    assert a.cpus[0].psc_entries() == b.cpus[0].psc_entries()
    # with the default size nothing is evicted
    assert len(_run_sequence(seq).cpus[0].tlb_entries()) == 5

    # psc_pde=0: the PDE cache does not exist; walks still translate
    m = _run_sequence([V, V + K4, V + G1 + M2, V + 9 * K4], psc_pde=0)
    c = m.cpus[0]
    assert c.psc_entries()
    assert not any(e.level == "pmd" for e in c.psc_entries())
    c.flush_all()
    for va in (V + 2 * K4, V + 3 * K4 + 1):
        assert c.access(va) == m.translate(va)
    assert {e.level for e in c.psc_entries()} == {"pgd", "pud"}


# ---- 12. Kernel flushes reach every CPU ------------------------------------------------------

@pytest.mark.parametrize("pages", [1, 33, 34, 40])
def test_kernel_unmap_flushes_every_cpu(pages: int) -> None:
    m = ptlib.Machine(cpus=2)
    start, end = V, V + pages * K4
    m.ioremap_page_range(start, end, PHYS)
    probes = (start, end - K4, start + (pages // 2) * K4)
    for cpu in m.cpus:
        for va in probes:
            assert cpu.access(va) == PHYS + (va - V)
    inv0 = [cpu.invlpg_count for cpu in m.cpus]
    full0 = [cpu.full_flush_count for cpu in m.cpus]
    m.vunmap_range(start, end)
    for cpu, i0, f0 in zip(m.cpus, inv0, full0):
        if pages <= 33:
            assert (cpu.invlpg_count, cpu.full_flush_count) == (i0 + pages, f0)
        else:
            assert (cpu.invlpg_count, cpu.full_flush_count) == (i0, f0 + 1)
        assert not any(tlb_covers(e, va) for e in cpu.tlb_entries() for va in probes)
        for va in probes:
            with pytest.raises(ptlib.PageFault):
                cpu.access(va)
    assert m.flushes[-1].cpus == (0, 1)
    assert m.flushes[-1].full == (pages > 33)
