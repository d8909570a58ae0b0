"""ptlib: an emulated x86 MMU plus a faithful C port of the Linux kernel's huge ioremap/vmap
page-table code, with Python bindings for setup, fault injection and assertions.

    import ptlib
    m = ptlib.Machine(paging="4level", cpus=2, kernel="v4.18")
    m.ioremap_page_range(va, va + size, phys, ptlib.PAGE_KERNEL_IO)
"""
from . import profiles
from .cpu import CPU, FAULT, CacheEntry
from .errors import (BadPageState, InvalidArgument, KernelBug, KernelWarning, OutOfMemory,
                     PageFault, PageTableLeak, PageTableUseAfterFree, PtlibError,
                     SanitizerReport, StalePagingStructureCache, StaleTlbEntry)
from .machine import (PAGE_KERNEL, PAGE_KERNEL_EXEC, PAGE_KERNEL_IO, PAGE_KERNEL_IO_NOCACHE,
                      PAGE_KERNEL_IO_WC, PAGE_KERNEL_NOCACHE, PAGE_KERNEL_RO, PAGE_SIZE,
                      PGDIR_SIZE, PMD_SIZE, PUD_SIZE, VMALLOC_END, VMALLOC_SIZE,
                      VMALLOC_START, Flush, Machine, Mapping, PageStats, Report, Walk)

__version__ = "0.1.0"

__all__ = [
    "Machine", "Walk", "Mapping", "PageStats", "Flush", "Report", "profiles",
    "CPU", "CacheEntry", "FAULT",
    "PAGE_SIZE", "PMD_SIZE", "PUD_SIZE", "PGDIR_SIZE", "VMALLOC_START", "VMALLOC_END",
    "VMALLOC_SIZE", "PAGE_KERNEL", "PAGE_KERNEL_EXEC", "PAGE_KERNEL_RO", "PAGE_KERNEL_IO",
    "PAGE_KERNEL_IO_NOCACHE", "PAGE_KERNEL_NOCACHE", "PAGE_KERNEL_IO_WC",
    "PtlibError", "InvalidArgument", "OutOfMemory", "KernelBug", "KernelWarning", "PageFault",
    "SanitizerReport", "StalePagingStructureCache", "StaleTlbEntry", "PageTableUseAfterFree",
    "BadPageState", "PageTableLeak",
]
