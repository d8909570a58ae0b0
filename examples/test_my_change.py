# SPDX-License-Identifier: GPL-2.0-only
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
import ptlib
from ptlib import strategies as pst
V417 = [pytest.mark.ptlib(kernel="v4.17", check=False),   # the 2018 bug: expected to fail
        pytest.mark.xfail(raises=ptlib.StalePagingStructureCache, strict=True)]
@pytest.mark.parametrize("kernel", [pytest.param("v4.17", marks=V417), "v4.18"])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(slot=st.integers(0, 511), phys=pst.phys_addrs(ptlib.PMD_SIZE, ptlib.PMD_SIZE))
def test_remap_4k_as_2m(ptmachine, kernel, slot, phys):
    va = ptlib.VMALLOC_START + slot * ptlib.PMD_SIZE          # 4K map, CPU 1 reads, unmap, 2M map
    ptmachine.ioremap_page_range(va, va + 4096, phys); ptmachine.cpus[1].access(va)
    ptmachine.vunmap_range(va, va + 4096); ptmachine.ioremap_page_range(va, va + ptlib.PMD_SIZE, phys)
    ptmachine.vunmap_range(va, va + ptlib.PMD_SIZE)
    ptmachine.check()                                         # v4.18: clean (teardown checks too)
