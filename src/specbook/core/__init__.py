"""The core every layer stands on: the document model, IDs, text, errors, content
hashes, the clock, confinement to the book, git, and the book's config (its kinds,
workflow, layout and templates). Imports nothing of specbook above it."""
