"""Byte-span edits of documents: patches, atomic writes."""
