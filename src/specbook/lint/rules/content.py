"""Rules: content."""

from __future__ import annotations
