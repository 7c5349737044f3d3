"""specbook.core.lazyre: module-level patterns compiled on first use."""

from __future__ import annotations

import copy
import pickle
import re

import pytest

from specbook.core.lazyre import lazy_compile


def test_a_lazy_pattern_is_compiled_on_first_use_and_then_behaves_as_one() -> None:
    p = lazy_compile(r"(?P<n>\d+)-(\w+)", re.I)
    assert "_compiled" not in vars(p)  # (nothing compiled yet)
    assert p.pattern == r"(?P<n>\d+)-(\w+)"  # (known without compiling)
    assert "_compiled" not in vars(p)
    m = p.search("id: 12-ab")
    assert m is not None and m.group("n") == "12"
    assert p.sub("x", "1-a 2-b") == "x x"
    assert p.flags & re.I and p.groupindex == {"n": 1}
    assert [m.group() for m in p.finditer("1-a 2-b")] == ["1-a", "2-b"]
    # the compiled pattern's methods are kept on the instance, and its class no longer
    # has __getattr__ (which slows every look-up): later uses call them directly
    assert vars(p)["search"] == re.compile(r"(?P<n>\d+)-(\w+)", re.I).search
    assert not hasattr(type(p), "__getattr__")
    with pytest.raises(AttributeError):
        p.no_such_attribute  # noqa: B018


def test_a_bytes_pattern_works_on_bytes() -> None:
    p = lazy_compile(rb"^---[ \t]*$", re.MULTILINE)
    assert p.findall(b"a\n---\nb\n--- \n") == [b"---", b"--- "]


def test_a_bad_pattern_raises_on_first_use_not_at_import() -> None:
    p = lazy_compile(r"(unclosed")
    with pytest.raises(re.error):
        p.match("x")


def test_a_lazy_pattern_pickles_and_copies_as_a_lazy_pattern() -> None:
    p = lazy_compile(r"a+", re.I)
    p.match("a")  # (compiled: the copies are made from the source, not the compiled state)
    for q in (pickle.loads(pickle.dumps(p)), copy.deepcopy(p), copy.copy(p)):
        assert q.fullmatch("AAA") is not None
        assert q.pattern == "a+"
