# SPDX-License-Identifier: GPL-2.0-only
"""ptlib's exceptions.

``PtlibError`` is the root.  Bad input from Python raises ``InvalidArgument`` (also a
``ValueError``) naming the argument and the rule; the emulated kernel's ``-ENOMEM`` raises
``OutOfMemory`` (also a ``MemoryError``); a kernel ``BUG_ON``/``BUG()`` or oops raises
``KernelBug`` after the machine recorded it.  The sanitizer's findings are
``SanitizerReport`` subclasses.
"""
from __future__ import annotations


class PtlibError(Exception):
    """Root of every exception ptlib raises on purpose."""


class InvalidArgument(PtlibError, ValueError):
    """An argument broke a rule; the message names the argument and the rule."""


class OutOfMemory(PtlibError, MemoryError):
    """The emulated kernel returned -ENOMEM (RAM limit reached or allocation failure injected)."""


class KernelBug(PtlibError):
    """The emulated kernel hit BUG_ON()/BUG() or oopsed; the operation stopped there.

    ``report`` is the machine's record of it (a :class:`ptlib.machine.Report`).
    """

    def __init__(self, message: str, report: object = None) -> None:
        super().__init__(message)
        self.report = report


class KernelWarning(PtlibError):
    """A WARN()/pr_err the emulated kernel printed and continued after (raised by ``check()``)."""

    def __init__(self, message: str, report: object = None) -> None:
        super().__init__(message)
        self.report = report


class PageFault(PtlibError):
    """A CPU access that the page tables do not allow (raised by ``cpu.access``).

    ``va``, ``cpu`` and ``error_code`` (x86: bit 0 P, 1 W/R, 2 U/S, 3 RSVD, 4 I/D).
    """

    def __init__(self, message: str, va: int = 0, error_code: int = 0, cpu: int = 0) -> None:
        super().__init__(message)
        self.va = va
        self.error_code = error_code
        self.cpu = cpu


class SanitizerReport(PtlibError):
    """A finding of ptlib's page-table sanitizer."""

    def __init__(self, message: str, report: object = None) -> None:
        super().__init__(message)
        self.report = report


class StalePagingStructureCache(SanitizerReport):
    """A table page freed while a CPU's paging-structure cache may still point to it."""


class StaleTlbEntry(SanitizerReport):
    """A VA mapped again while a CPU may still hold a TLB entry of its old leaf."""


class PageTableUseAfterFree(SanitizerReport):
    """A walk read a table entry from a frame that is free or owned by something else."""


class BadPageState(SanitizerReport):
    """A bad free: a frame that is not RAM, already free, reserved, or not what it is freed as."""


class PageTableLeak(SanitizerReport):
    """Table pages that are allocated but no longer reachable and not pending free."""


__all__ = [
    "PtlibError", "InvalidArgument", "OutOfMemory", "KernelBug", "KernelWarning", "PageFault",
    "SanitizerReport", "StalePagingStructureCache", "StaleTlbEntry", "PageTableUseAfterFree",
    "BadPageState", "PageTableLeak",
]
