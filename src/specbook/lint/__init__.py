"""Lint: rules that check documents, alone and as a book.

:func:`specbook.lint.engine.lint_book` runs every enabled rule; rules live in
:mod:`specbook.lint.rules` and register through the ``specbook.rules`` entry-point
group, exactly as a third-party rule package would.
"""
