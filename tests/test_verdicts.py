"""Remembered checker answers: looked up, collected, and kept apart per thread."""

from __future__ import annotations

import hashlib
import threading

from specbook.lint import verdicts


def test_remember_computes_once_then_looks_up() -> None:
    calls: list[str] = []

    def check(text: str) -> tuple[str, int] | None:
        calls.append(text)
        return None if text == "ok" else ("bad", len(text))

    stored: dict[str, str] = {}
    verdicts.attach(stored.get)
    try:
        assert verdicts.remember("k", "broken", check, "broken") == ("bad", 6)
        # asked again in the same run: not computed again (answers come back as JSON
        # gives them: a tuple as a list, which the rules unpack alike)
        assert verdicts.remember("k", "broken", check, "broken") == ["bad", 6]
        assert verdicts.remember("k", "ok", check, "ok") is None
        stored.update(verdicts.drain())
        assert calls == ["broken", "ok"] and len(stored) == 2
        # a later run: answered from the store, as JSON gives it back (a list)
        verdicts.attach(stored.get)
        assert verdicts.remember("k", "broken", check, "broken") == ["bad", 6]
        assert verdicts.remember("other", "broken", check, "broken") == ("bad", 6)
        assert calls == ["broken", "ok", "broken"]  # another kind is another question
    finally:
        verdicts.attach(None)


def test_each_thread_has_its_own_lookup_and_answers() -> None:
    """The portal lints in a background thread while a request lints in another: each
    run answers from its own store and saves only its own new answers."""
    key = "k:" + hashlib.blake2b(b"same text", digest_size=16).hexdigest()
    seen: dict[str, tuple[object, object, dict[str, str]]] = {}
    barrier = threading.Barrier(2)

    def run(name: str) -> None:
        verdicts.attach({key: f'"{name}"'}.get)
        barrier.wait()  # both attached before either asks
        known = verdicts.remember("k", "same text", lambda: "computed")
        fresh = verdicts.remember("k", f"only {name}", lambda: name.upper())
        barrier.wait()
        seen[name] = (known, fresh, verdicts.drain())
        verdicts.attach(None)

    threads = [threading.Thread(target=run, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["a"][0] == "a" and seen["b"][0] == "b"
    assert seen["a"][1] == "A" and seen["b"][1] == "B"
    assert list(seen["a"][2].values()) == ['"A"'] and list(seen["b"][2].values()) == ['"B"']
