"""Rules: sections."""

from __future__ import annotations
