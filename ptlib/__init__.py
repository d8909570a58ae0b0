# SPDX-License-Identifier: GPL-2.0-only
"""ptlib: an emulated x86 MMU plus a faithful C port of the Linux kernel's huge ioremap/vmap
page-table code, with Python bindings for setup, fault injection and assertions.

    import ptlib
    m = ptlib.Machine(paging="4level", cpus=2, kernel="v4.18")
    m.ioremap_page_range(va, va + size, phys, ptlib.PAGE_KERNEL_IO)

The names that need the compiled core (``Machine``, ``CPU``, the constants of
``ptlib.machine``) are loaded on first use (PEP 562), so ``import ptlib.<pure module>``
(e.g. the pytest plugin ``ptlib._pytest_plugin``) does not load the C extension.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import profiles
from .errors import (BadPageState, InvalidArgument, KernelBug, KernelWarning, OutOfMemory,
                     PageFault, PageTableLeak, PageTableUseAfterFree, PtlibError,
                     SanitizerReport, StalePagingStructureCache, StaleTlbEntry)

if TYPE_CHECKING:
    from .cpu import CPU, FAULT, CacheEntry
    from .machine import (PAGE_KERNEL, PAGE_KERNEL_EXEC, PAGE_KERNEL_IO,
                          PAGE_KERNEL_IO_NOCACHE, PAGE_KERNEL_IO_WC, PAGE_KERNEL_NOCACHE,
                          PAGE_KERNEL_RO, PAGE_SIZE, PGDIR_SIZE, PMD_SIZE, PUD_SIZE,
                          VMALLOC_END, VMALLOC_SIZE, VMALLOC_START, Flush, Machine, Mapping,
                          PageStats, Report, Walk)

__version__ = "0.1.0"


def get_include() -> str:
    """The directory to pass as ``-I`` to compile kernel code against ptlib's
    kernel-compatible header: it holds ``ptlib/kernel.h`` (``#include <ptlib/kernel.h>``)
    and ``ptlib/kernel_abi.h``.  Needs no compiled module."""
    import os
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "include")

_LAZY = {
    "CPU": "cpu", "FAULT": "cpu", "CacheEntry": "cpu",
    **{name: "machine" for name in (
        "PAGE_KERNEL", "PAGE_KERNEL_EXEC", "PAGE_KERNEL_IO", "PAGE_KERNEL_IO_NOCACHE",
        "PAGE_KERNEL_IO_WC", "PAGE_KERNEL_NOCACHE", "PAGE_KERNEL_RO", "PAGE_SIZE",
        "PGDIR_SIZE", "PMD_SIZE", "PUD_SIZE", "VMALLOC_END", "VMALLOC_SIZE",
        "VMALLOC_START", "Flush", "Machine", "Mapping", "PageStats", "Report", "Walk")},
}


def __getattr__(name: str) -> Any:
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'ptlib' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(f".{mod}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "Machine", "Walk", "Mapping", "PageStats", "Flush", "Report", "profiles", "get_include",
    "CPU", "CacheEntry", "FAULT",
    "PAGE_SIZE", "PMD_SIZE", "PUD_SIZE", "PGDIR_SIZE", "VMALLOC_START", "VMALLOC_END",
    "VMALLOC_SIZE", "PAGE_KERNEL", "PAGE_KERNEL_EXEC", "PAGE_KERNEL_RO", "PAGE_KERNEL_IO",
    "PAGE_KERNEL_IO_NOCACHE", "PAGE_KERNEL_NOCACHE", "PAGE_KERNEL_IO_WC",
    "PtlibError", "InvalidArgument", "OutOfMemory", "KernelBug", "KernelWarning", "PageFault",
    "SanitizerReport", "StalePagingStructureCache", "StaleTlbEntry", "PageTableUseAfterFree",
    "BadPageState", "PageTableLeak",
]
