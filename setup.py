"""Builds the optional C scanner; everything else about the package is in pyproject.toml.

``specbook.parse.scan._cscan`` is ``specbook.parse.scan.fast.scan`` in C. It is optional:
without a compiler the install still succeeds and the parser uses the pure-Python scanner.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "specbook.parse.scan._cscan",
            sources=["src/specbook/parse/scan/_cscan.c"],
            extra_compile_args=["-O2"],
            optional=True,
        )
    ]
)
