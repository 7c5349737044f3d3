"""The ``specbook`` command. Commands are thin: they call the library and print.

Heavy modules are imported inside the commands, so ``specbook --help`` stays fast.
"""

from __future__ import annotations

from specbook.cli import _gc  # noqa: F401  (first: it tunes the collector for imports too)

# isort: split
import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from specbook import __version__

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(fn: F) -> F:
    """Turn specbook's typed errors into a one-line message and the documented exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from specbook.errors import SpecbookError

        try:
            return fn(*args, **kwargs)
        except SpecbookError as exc:
            click.echo(f"specbook: error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


def progress_bar(label: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A progress bar for long work (500 items or more) on a terminal (stderr); silent
    elsewhere. Returns (update(done, total), stop())."""
    if not sys.stderr.isatty():
        return (lambda done, total: None), (lambda: None)
    from rich.progress import Progress, TaskID

    bar = Progress(transient=True)
    task: list[TaskID] = []

    def update(done: int, total: int) -> None:
        if total < 500:
            return
        if not task:
            bar.start()
            task.append(bar.add_task(label, total=total))
        bar.update(task[0], completed=done)

    def stop() -> None:
        if task:
            bar.stop()

    return update, stop


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="specbook")
def main() -> None:
    """specbook: engineering specs as Markdown in git.

    Create documents from templates with the next free ID, read them (yours and the
    ones already in the wild), and list and show them. Run a command with --help for
    its options. Exit codes: 0 fine, 1 findings or a refused action, 2 usage or
    configuration error.
    """


from specbook.cli import (  # noqa: E402,F401  (registers the commands)
    adopt,
    agent,
    commands,
    diff,
    export,
    index,
    lifecycle,
    lint,
    multi,
    report,
    trace,
    web,
)
