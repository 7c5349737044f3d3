"""Rules: requirements."""

from __future__ import annotations
