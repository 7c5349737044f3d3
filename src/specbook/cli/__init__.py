"""The ``specbook`` command. Commands are thin: they call the library and print.

Heavy modules are imported inside the commands, so ``specbook --help`` stays fast.
"""

from __future__ import annotations

from specbook.cli import _gc  # noqa: F401  (first: it tunes the collector for imports too)

# isort: split
import functools
import json
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from specbook import __version__

if TYPE_CHECKING:
    from specbook.book import Book

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(fn: F) -> F:
    """Turn specbook's typed errors into a one-line message and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from specbook.core.errors import AmbiguousIdError, SpecbookError

        try:
            return fn(*args, **kwargs)
        except SpecbookError as exc:
            message = str(exc)
            if isinstance(exc, AmbiguousIdError):  # its example names this command
                ctx = click.get_current_context(silent=True)
                message = exc.explain(ctx.info_name if ctx else None)
            click.echo(f"specbook: error: {message}", err=True)
            sys.exit(exc.exit_code)
        except Exception as exc:
            # A damaged snapshot found by a query after the sync had read it (a page of
            # the search tables, say): it holds nothing the files do not, so it goes.
            from specbook.core.state import discard_opened

            if not discard_opened(exc):
                raise
            click.echo(
                "specbook: error: the book's snapshot was damaged and has been removed;"
                " run the command again to make it afresh from the documents",
                err=True,
            )
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def warn_if_empty(book: Book) -> None:
    """Say on stderr why ``book`` has no documents, if it has none: for a command whose
    empty answer is a true one (a report, an export), run where nothing is found."""
    reason = book.empty_reason()
    if reason is not None:
        click.echo(f"specbook: warning: {reason}", err=True)


# Seconds of work before a progress bar appears: quick runs draw nothing.
# $SPECBOOK_PROGRESS_DELAY sets another (0: from the first item).
PROGRESS_DELAY = 1.0


def progress_bar(label: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A progress bar on stderr for work that takes more than :data:`PROGRESS_DELAY`
    seconds, when stderr is a terminal; nothing at all elsewhere (piped, redirected).
    Returns (update(done, total), stop()); the total may change between calls (a
    command with several phases counts each one from 0). rich is imported only when a
    bar is drawn."""
    if not sys.stderr.isatty():
        return (lambda done, total: None), (lambda: None)
    import os
    import time

    try:
        delay = float(os.environ.get("SPECBOOK_PROGRESS_DELAY", PROGRESS_DELAY))
    except ValueError:
        delay = PROGRESS_DELAY
    started = time.monotonic()
    drawn: list[Any] = []  # [rich Progress, task id] once drawn

    def update(done: int, total: int) -> None:
        if not drawn:
            if done >= total or time.monotonic() - started < delay:
                return
            from rich.progress import Progress

            bar = Progress(transient=True)
            bar.start()
            drawn.extend((bar, bar.add_task(label, total=total)))
        bar, task = drawn
        bar.update(task, completed=done, total=total)

    def stop() -> None:
        if drawn:
            drawn[0].stop()

    return update, stop


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


# Each command and the module of specbook.cli that defines it. A module is imported when
# one of its commands is run (or listed by --help), so `specbook lint` does not load the
# portal's, the index's or the agent's command code. tests/test_cli.py checks the table
# against what the modules register.
COMMAND_MODULES = {
    "adopt": "adopt", "build": "web", "check": "lifecycle", "diff": "diff",
    "export": "export", "graph": "report", "impact": "trace", "index": "index",
    "init": "commands", "lint": "lint", "list": "commands", "mcp": "agent",
    "new": "commands", "passwd": "web", "refs": "index", "renumber": "multi",
    "report": "report", "review": "lifecycle", "rules": "lint", "schema": "export",
    "search": "index", "serve": "web", "show": "commands", "status": "lifecycle",
    "supersede": "multi", "trace": "trace",
}  # fmt: skip


def _slips(a: str, b: str) -> int:
    """Typing slips from ``a`` to ``b``: characters changed, added or dropped, and
    neighbours swapped (optimal string alignment distance)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, prev2[j - 2] + 1)
            row.append(cost)
        prev2, prev = prev, row
    return prev[-1]


def _closest(name: str, candidates: Iterable[str]) -> list[str]:
    """The candidates ``name`` was probably meant to be, sorted: the close ones by difflib
    (as click finds them) with the fewest typing slips, so that `lsit` is `list` and not
    also `lint`."""
    import difflib

    near = difflib.get_close_matches(name, list(candidates))
    fewest = min((_slips(name, n) for n in near), default=0)
    return sorted(n for n in near if _slips(name, n) == fewest)


def _parse_narrowed(
    parse: Callable[[click.Context, list[str]], list[str]], ctx: click.Context, args: list[str]
) -> list[str]:
    """``parse(ctx, args)`` with click's "did you mean" of a mistyped option narrowed by
    :func:`_closest`."""
    try:
        return parse(ctx, args)
    except click.NoSuchOption as exc:
        if not exc.possibilities:
            raise
        near = _closest(exc.option_name, exc.possibilities)
        raise click.NoSuchOption(exc.option_name, exc.message, near, exc.ctx) from None


class _Command(click.Command):
    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return _parse_narrowed(super().parse_args, ctx, args)


class _LazyGroup(click.Group):
    command_class = _Command

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMAND_MODULES, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            import importlib

            importlib.import_module(f"specbook.cli.{module}")
        return super().get_command(ctx, cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return _parse_narrowed(super().parse_args, ctx, args)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        # click suggests close names for a mistyped command only among the commands
        # already imported (click 8.4 on) or not at all (before): suggest among them all.
        name = args[0] if args else ""
        if (
            not ctx.resilient_parsing
            and not name.startswith("-")
            and self.get_command(ctx, name) is None
        ):
            near = _closest(name, self.list_commands(ctx))
            message = f"No such command {name!r}."
            if len(near) == 1:
                message += f" Did you mean {near[0]!r}?"
            elif near:
                message += f" (Did you mean one of: {', '.join(map(repr, near))}?)"
            ctx.fail(message)
        return super().resolve_command(ctx, args)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="specbook")
def main() -> None:
    """specbook: engineering specs as Markdown in git.

    Create documents from templates with the next free ID, read them (yours and the
    ones already in the wild), and list and show them. Run a command with --help for
    its options. Exit codes: 0 fine, 1 findings or a refused action, 2 usage or
    configuration error.
    """
