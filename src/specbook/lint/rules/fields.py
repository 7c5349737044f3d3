"""Rules: fields."""

from __future__ import annotations
