"""specbook: docs-as-code for engineering specifications.

The public surface is :mod:`specbook.api`; everything else may change.
"""

__version__ = "0.1.0"
