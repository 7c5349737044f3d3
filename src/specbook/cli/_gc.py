"""Collector tuning for the ``specbook`` command, imported before anything else.

A command is a short run that builds many long-lived objects (its imports, then a
record per document) and little cyclic garbage, so collecting every 700
allocations only walks the same survivors again and again: a fifth of a one-file
lint in a 10,000-document book. Collecting far less often leaves that time out;
the threshold still bounds the garbage a long-running ``serve`` can hold.
"""

import gc

gc.set_threshold(50_000, 20, 20)
