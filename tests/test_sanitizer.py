# SPDX-License-Identifier: GPL-2.0-only
"""The sanitizer on the seed thread's bug and its variants (v4.17 vs v4.18), and its other
detectors.  Expectations come from the SDM rule the hazard analysis encodes and from the
kernel versions' code (which frees what, with or without a flush)."""
from __future__ import annotations

import pytest

import ptlib
from conftest import G1, K4, M2, PHYS, V, assert_no_leak, pud_variant

ATTACKER = 0x1234_5000
FORGED_PTE = ATTACKER | 0x163        # P|RW|A|D|G


def kinds(m: ptlib.Machine) -> list[str]:
    return [r.kind for r in m.reports]


def seed_4k_then_2m(profile: str, touch: bool = True, speculate: bool = True,
                    cpus: int = 2) -> ptlib.Machine:
    m = ptlib.Machine(cpus=cpus, kernel=profile)
    m.ioremap_page_range(V, V + K4, PHYS)
    if touch:
        assert m.cpus[1].access(V) == PHYS
    m.vunmap_range(V, V + K4)
    if speculate:
        m.cpus[1].speculate(V)
    m.ioremap_page_range(V, V + M2, PHYS)
    return m


@pytest.mark.parametrize("touch,speculate", [(True, True), (True, False), (False, False)])
def test_v417_seed_scenario_reports_stale_psc_at_the_free(touch: bool, speculate: bool) -> None:
    """Timing-independent: reported whether or not any CPU walked the range."""
    m = seed_4k_then_2m("v4.17", touch, speculate)
    stale = [r for r in m.reports if r.kind == "StalePagingStructureCache"]
    assert sorted(r.cpu for r in stale) == [0, 1]              # every CPU was active
    for r in stale:
        assert r.site == "pmd_free_pte_page" and r.va == V and r.profile == "v4.17"
        assert m.frame(r.pfn)["free_site"] == "pmd_free_pte_page"
        assert "PDE-cache" in r.message
    assert not m.flushes or m.flushes[-1].op != m.op           # v4.17: no flush in the free
    with pytest.raises(ptlib.StalePagingStructureCache):
        m.check()


def test_v417_stale_pde_cache_walks_into_attacker_page() -> None:
    m = seed_4k_then_2m("v4.17")
    pte_pfn = [r.pfn for r in m.reports if r.kind == "StalePagingStructureCache"][0]
    atk = m.alloc_page()
    assert atk >> 12 == pte_pfn                               # LIFO: the freed PTE table
    m.write_phys(atk + ((V >> 12) & 511) * 8, FORGED_PTE.to_bytes(8, "little"))
    assert m.cpus[1].access(V + 0x10) == ATTACKER + 0x10      # through the stale PDE entry
    assert m.walk(V).pa == PHYS and m.walk(V).level == "pmd"  # what the tables say
    uaf = [r for r in m.reports if r.kind == "PageTableUseAfterFree"]
    assert len(uaf) == 1 and uaf[0].cpu == 1 and uaf[0].pfn == pte_pfn
    msg = uaf[0].message
    assert "PDE-cache" in msg and "reused as data" in msg and "pmd_free_pte_page" in msg
    assert f"-> pa {ATTACKER + 0x10:#x}" in msg
    # CPU 0 never cached the PDE: it walks memory and sees the 2 MiB leaf
    assert m.cpus[0].access(V + 0x10) == PHYS + 0x10


def test_v418_seed_scenario_is_clean_and_every_cpu_sees_2m() -> None:
    m = seed_4k_then_2m("v4.18", cpus=3)
    atk = m.alloc_page()
    m.write_phys(atk + ((V >> 12) & 511) * 8, FORGED_PTE.to_bytes(8, "little"))
    for cpu in m.cpus:
        assert cpu.access(V + 0x10) == PHYS + 0x10
    assert m.reports == []
    assert m.flushes[-1].start == V and m.flushes[-1].end == V + K4 - 1
    m.check()
    assert_no_leak(m)


def test_v417_pud_variant_reports_every_freed_table_and_uaf() -> None:
    m, t = pud_variant("v4.17")
    stale = {(r.pfn, r.cpu) for r in m.reports if r.kind == "StalePagingStructureCache"}
    assert stale == {(t[k], c) for k in ("pte0", "pte10", "pmd") for c in (0, 1)}
    # LIFO: the PMD table was freed last, the second PTE table before it
    first, second = m.alloc_page(), m.alloc_page()
    assert (first >> 12, second >> 12) == (t["pmd"], t["pte10"])
    va = V + G1 + 10 * M2
    m.write_phys(second + ((va >> 12) & 511) * 8, FORGED_PTE.to_bytes(8, "little"))
    assert m.cpus[1].access(va) == ATTACKER
    uaf = [r for r in m.reports if r.kind == "PageTableUseAfterFree"]
    assert [r.pfn for r in uaf] == [t["pte10"]]
    assert m.walk(va).level == "pud"


def test_v418_pud_variant_is_clean() -> None:
    m, t = pud_variant("v4.18")
    assert m.reports == []
    for va in (V + G1, V + G1 + 10 * M2 + 5):
        for cpu in m.cpus:
            assert cpu.access(va) == 0x80_0000_0000 + (va - V - G1)
    assert_no_leak(m)


def test_covering_invlpg_shows_the_one_page_pud_flush_bug() -> None:
    """With INVLPG dropping only covering PSC entries, v4.18's single-page flush in
    pud_free_pmd_page leaves the PDE entry of the *other* 2 MiB region: only that PTE table
    is reported (the 2025 "one page flushed for a whole PUD" bug)."""
    m, t = pud_variant("v4.18", invlpg_psc="covering")
    stale = {(r.pfn, r.cpu) for r in m.reports if r.kind == "StalePagingStructureCache"}
    assert stale == {(t["pte10"], 0), (t["pte10"], 1)}
    # and the hardware model agrees: CPU 1 still holds that PDE entry, not the covered ones
    pde = {(e.va, e.pfn) for e in m.cpus[1].psc_entries() if e.level == "pmd"}
    assert (V + G1 + 10 * M2, t["pte10"]) in pde
    assert all(pfn != t["pte0"] for _, pfn in pde)


def test_no_report_for_a_pcid_that_was_inactive_while_the_table_was_reachable() -> None:
    m = ptlib.Machine(cpus=2, kernel="v4.17")
    cpu = m.cpus[1]
    cpu.set_cr4(pcide=True)
    cpu.write_cr3(pcid=5)                 # PCID 0 of CPU 1 goes inactive, unflushed
    m.ioremap_page_range(V, V + K4, PHYS)  # the PTE table becomes reachable now
    m.vunmap_range(V, V + K4)
    m.ioremap_page_range(V, V + M2, PHYS)  # v4.17 frees it without a flush
    on_cpu1 = [r.message for r in m.reports if r.kind == "StalePagingStructureCache"
               and r.cpu == 1]
    assert len(on_cpu1) == 1 and "PCID 5" in on_cpu1[0]


def test_invalidation_before_the_clear_does_not_help() -> None:
    """Exactness in time: every CPU flushes everything right before the v4.17 2 MiB
    ioremap, but the PTE table stays reachable until pmd_clear inside it, and nothing
    flushes between that clear and the free — still a hazard on every CPU."""
    m = ptlib.Machine(cpus=2, kernel="v4.17")
    m.ioremap_page_range(V, V + K4, PHYS)
    m.vunmap_range(V, V + K4)
    for cpu in m.cpus:
        cpu.flush_all()
        assert cpu.psc_entries() == []
    m.ioremap_page_range(V, V + M2, PHYS)
    assert sorted(r.cpu for r in m.reports if r.kind == "StalePagingStructureCache") == [0, 1]


def test_stale_tlb_entry_when_remapped_without_flush() -> None:
    m = ptlib.Machine(cpus=2)
    m.ioremap_page_range(V, V + 2 * K4, PHYS)
    m.vunmap_range_noflush(V, V + 2 * K4)
    m.ioremap_page_range(V + K4, V + 2 * K4, PHYS + G1)
    stale = [r for r in m.reports if r.kind == "StaleTlbEntry"]
    assert len(stale) == 1 and stale[0].va == V + K4
    # flushed on one CPU only: still a hazard on the other
    m2 = ptlib.Machine(cpus=2)
    m2.ioremap_page_range(V, V + K4, PHYS)
    m2.vunmap_range_noflush(V, V + K4)
    m2.cpus[0].invlpg(V)
    m2.ioremap_page_range(V, V + K4, PHYS)
    assert [r.cpu for r in m2.reports if r.kind == "StaleTlbEntry"] == [1]
    # flushed everywhere (INVLPG on one, CR4.PGE toggle on the other): clean; CR3 writes
    # do not drop global entries, so they do not count
    m3 = ptlib.Machine(cpus=2)
    m3.ioremap_page_range(V, V + K4, PHYS)
    m3.vunmap_range_noflush(V, V + K4)
    m3.cpus[1].write_cr3()
    m3.cpus[0].invlpg(V)
    m3.ioremap_page_range(V, V + K4, PHYS)
    assert kinds(m3) == ["StaleTlbEntry"]
    m4 = ptlib.Machine(cpus=2)
    m4.ioremap_page_range(V, V + M2, PHYS)            # a 2 MiB leaf ...
    m4.vunmap_range_noflush(V, V + M2)
    m4.cpus[0].invlpg(V + 7 * K4)                      # ... dies by any page inside it
    m4.cpus[1].flush_all()
    m4.ioremap_page_range(V, V + K4, PHYS)
    assert m4.reports == []


def test_stale_tlb_entry_survives_a_page_fault_under_another_pcid() -> None:
    """SDM 4.10.4.1: "a page-fault exception resulting from an attempt to use a linear
    address will invalidate any TLB entries that are for a page number corresponding to
    that linear address and that are associated with the current PCID" -- and a global
    entry is associated with the PCID it was filled under (4.10.2.2), not the current one.
    A fault on the page under PCID 2 leaves the removed global leaf that CPU 0 cached under
    PCID 1: the sanitizer must keep it pending (it used to clear it on any fault), and the
    hardware model agrees (the entry is there and still translates)."""
    m = ptlib.Machine(cpus=1)
    c = m.cpus[0]
    c.set_cr4(pcide=True)
    c.write_cr3(pcid=1)
    m.ioremap_page_range(V, V + K4, PHYS)
    assert c.access(V) == PHYS                        # global entry filled under PCID 1
    c.write_cr3(pcid=2)
    m.vunmap_range_noflush(V, V + K4)
    with pytest.raises(ptlib.PageFault):
        c.access(V, user=True)                        # faults through the global entry
    assert any(e.va == V and e.pcid == 1 and e.global_ for e in c.tlb_entries())
    assert c.access(V) == PHYS                        # still used: stale
    m.ioremap_page_range(V, V + K4, PHYS + G1)
    stale = [r for r in m.reports if r.kind == "StaleTlbEntry"]
    assert len(stale) == 1 and stale[0].va == V and stale[0].cpu == 0
    # Control, CR4.PCIDE = 0: every entry is PCID 0's (4.10.1), the fault drops it: clean.
    m2 = ptlib.Machine(cpus=1)
    c2 = m2.cpus[0]
    m2.ioremap_page_range(V, V + K4, PHYS)
    assert c2.access(V) == PHYS
    m2.vunmap_range_noflush(V, V + K4)
    with pytest.raises(ptlib.PageFault):
        c2.access(V, user=True)
    assert c2.tlb_entries() == []
    m2.ioremap_page_range(V, V + K4, PHYS + G1)
    assert m2.reports == []


def test_vunmap_with_flush_then_remap_is_clean() -> None:
    m = ptlib.Machine(cpus=2)
    m.ioremap_page_range(V, V + 40 * K4, PHYS)        # > 33 pages: a full flush on unmap
    m.vunmap_range(V, V + 40 * K4)
    m.ioremap_page_range(V, V + 40 * K4, PHYS)
    assert m.reports == []


def test_bad_page_state_freeing_a_still_linked_frame() -> None:
    m = ptlib.Machine()
    m.ioremap_page_range(V, V + K4, PHYS)
    data = m.alloc_page()
    pmd_pa = m.walk(V).entries[1][1] & 0x000F_FFFF_FFFF_F000
    entry = (data | 0x67).to_bytes(8, "little")           # link the data page as a PTE table
    m.write_phys(pmd_pa + (((V + M2) >> 21) & 511) * 8, entry)
    m.free_page(data)
    bad = [r for r in m.reports if r.kind == "BadPageState"]
    assert len(bad) == 1 and "still linked" in bad[0].message and bad[0].pfn == data >> 12


def test_bad_page_state_freeing_a_data_page_as_a_table() -> None:
    m = ptlib.Machine()
    m.ioremap_page_range(V, V + K4, PHYS)
    pa = m.alloc_page()
    while pa != 2 * M2:                                   # fresh frames come in order
        pa = m.alloc_page()
    assert m.pmd_set_huge(V + M2, pa) == 1                # a 2 MiB leaf over that frame
    assert m.pmd_free_pte_page(V + M2) == 1               # v4.18 does not check PSE
    bad = [r for r in m.reports if r.kind == "BadPageState"]
    # the kernel's free_page() does not say what kind of page it frees: the report says a
    # kernel page (a page table) was expected
    assert len(bad) == 1 and "as a kernel page (a page table), but it is a data page" in bad[0].message


def test_page_table_leak_check() -> None:
    m = ptlib.Machine()
    m.ioremap_page_range(V, V + K4, PHYS)
    m.ioremap_page_range(V + G1, V + G1 + K4, PHYS)
    assert m.check_leaks() == 0 and m.reports == []
    pud_pa = m.walk(V).entries[0][1] & 0x000F_FFFF_FFFF_F000
    m.write_phys(pud_pa + (((V + G1) >> 30) & 511) * 8, bytes(8))   # unlink PMD + PTE
    assert m.check_leaks() == 2
    leaks = [r for r in m.reports if r.kind == "PageTableLeak"]
    assert sorted(m.frame(r.pfn)["owner"] for r in leaks) == ["pmd", "pte"]
    with pytest.raises(ptlib.PageTableLeak):
        m.check()


def test_panic_on_report_raises_at_detection() -> None:
    m = ptlib.Machine(cpus=2, kernel="v4.17", panic_on_report=True)
    m.ioremap_page_range(V, V + K4, PHYS)
    m.vunmap_range(V, V + K4)
    with pytest.raises(ptlib.StalePagingStructureCache, match="pmd_free_pte_page"):
        m.ioremap_page_range(V, V + M2, PHYS)
    assert m.walk(V).level == "pmd"                      # the operation itself completed


def test_sanitizer_off_reports_nothing_but_hardware_is_the_same() -> None:
    m = ptlib.Machine(cpus=2, kernel="v4.17", sanitize=False)
    m.ioremap_page_range(V, V + K4, PHYS)
    m.cpus[1].access(V)
    m.vunmap_range(V, V + K4)
    m.cpus[1].speculate(V)
    m.ioremap_page_range(V, V + M2, PHYS)
    atk = m.alloc_page()
    m.write_phys(atk + ((V >> 12) & 511) * 8, FORGED_PTE.to_bytes(8, "little"))
    assert m.cpus[1].access(V) == ATTACKER                # the bug is there ...
    assert m.reports == []                                # ... unreported


def test_random_speculation_finds_uaf_on_v417_concretely() -> None:
    """With random speculation the CPUs walk recently used ranges after every kernel step;
    on v4.17 the stale entry exists without any explicit access."""
    m = ptlib.Machine(cpus=2, kernel="v4.17", speculation="random", seed=7)
    m.ioremap_page_range(V, V + K4, PHYS)
    m.vunmap_range(V, V + K4)
    m.ioremap_page_range(V, V + M2, PHYS)
    assert "StalePagingStructureCache" in kinds(m)
    # after the free, a random speculative walk went through a stale PDE entry into the
    # freed (poisoned) frame: a concrete use-after-free, found without any explicit access
    uaf = [r for r in m.reports if r.kind == "PageTableUseAfterFree"]
    assert uaf and "PDE-cache" in uaf[0].message and "is free" in uaf[0].message
    # the same on v4.18: nothing
    m2 = ptlib.Machine(cpus=2, kernel="v4.18", speculation="random", seed=7)
    m2.ioremap_page_range(V, V + K4, PHYS)
    m2.vunmap_range(V, V + K4)
    m2.ioremap_page_range(V, V + M2, PHYS)
    assert m2.reports == []


def test_full_flush_without_pge_clears_stale_leaves() -> None:
    """With CR4.PGE=0, __flush_tlb_all() is a CR3 reload (arch/x86 __flush_tlb(): native
    write_cr3(__read_cr3())), and with PCIDE=0 that drops every TLB entry (SDM 3A 4.10.4.1:
    MOV to CR3 invalidates all TLB entries of PCID 000H except global ones; 4.10.2.4: with
    CR4.PGE=0 no entry is global).  A leaf removed by a >33-page vunmap (a full flush on every
    CPU) is then stale nowhere: mapping the range again reports nothing.  The same with the
    flush skipped (vunmap_range_noflush) still reports StaleTlbEntry."""
    for flush, expect in ((True, []), (False, ["StaleTlbEntry"])):
        m = ptlib.Machine(cpus=2)
        for c in m.cpus:
            c.set_cr4(pge=False)
        m.ioremap_page_range(V, V + 40 * K4, PHYS)
        m.cpus[1].access(V + 3 * K4)                     # CPU 1 caches a 4 KiB leaf
        if flush:
            m.vunmap_range(V, V + 40 * K4)               # 40 pages > 33: flush_tlb_all()
            assert m.flushes[-1].full
        else:
            m.vunmap_range_noflush(V, V + 40 * K4)
        m.ioremap_page_range(V, V + 40 * K4, PHYS + M2)
        assert sorted({r.kind for r in m.reports}) == expect
