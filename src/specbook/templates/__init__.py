"""Templates: the built-in template files of the four kinds (``spec.md``, ``dec.md``,
``bug.md``, ``task.md``, read by :mod:`specbook.core.template_files`) and what a kind's template
requires of its documents (:mod:`specbook.templates.facts`)."""
