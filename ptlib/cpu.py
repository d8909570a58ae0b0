"""Emulated CPUs.  For now a CPU counts the invalidations the kernel's flushes make it run;
the TLB, paging-structure caches and walker come with the MMU model."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ._ptlib import ffi, lib

if TYPE_CHECKING:
    from .machine import Machine


class CPU:
    """One emulated CPU of a :class:`~ptlib.machine.Machine` (``m.cpus[i]``)."""

    def __init__(self, machine: "Machine", index: int) -> None:
        self._machine = machine
        self.index = index

    def __repr__(self) -> str:
        return f"CPU({self.index})"

    def _stats(self) -> "ffi.CData":
        st = ffi.new("pt_cpu_stats *")
        lib.pt_cpu_stats_get(self._machine._m, self.index, st)
        return st

    @property
    def invlpg_count(self) -> int:
        """INVLPGs (``__flush_tlb_one_kernel``) this CPU executed for kernel flushes."""
        return int(self._stats().invlpg)

    @property
    def full_flush_count(self) -> int:
        """Full TLB flushes (``__flush_tlb_all``) this CPU executed."""
        return int(self._stats().full_flushes)
