# SPDX-License-Identifier: GPL-2.0-only
from setuptools import setup

setup(cffi_modules=["build_ffi.py:ffibuilder"])
