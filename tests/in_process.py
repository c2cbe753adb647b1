"""Run a command-line program's ``main(argv)`` in the test's own process.

A new Python process costs about a second of CPU before it does anything (imports of
SQLAlchemy, pydantic, requests...); the suite ran several hundred of them, which on two
cores was minutes. What most CLI tests check (exit code, stdout, the one-line error on
stderr, what lands in the database) does not depend on the process boundary, so they run
the same ``main`` the console script calls, with its own environment, working folder,
stdin, stdout and stderr. What needs a real process (a server, signals, dropped
capabilities, a mount namespace, the installed entry points) still starts one.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

Main = Callable[[Sequence[str] | None], int | None]


class _NoTty(io.StringIO):
    """A pipe, as far as the program can tell: ``isatty()`` is False."""

    def isatty(self) -> bool:
        return False


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_main(
    main: Main,
    program: str,
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    stdin: str | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """``main(args)`` as ``program`` would run: its exit code (``SystemExit`` included,
    as argparse raises it), what it wrote to stdout and stderr. An exception that escapes
    ``main`` escapes here too: the test fails with its traceback, as the user would see one.
    """
    out, err = _NoTty(), _NoTty()
    saved = sys.stdin, sys.stdout, sys.stderr, sys.argv
    sys.stdin, sys.stdout, sys.stderr = _NoTty(stdin or ""), out, err
    sys.argv = [program, *args]
    try:
        with _environment(env), contextlib.chdir(cwd or os.getcwd()):
            try:
                code = main(list(args))
            except SystemExit as exit_:
                code = (
                    exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
                )
                if isinstance(exit_.code, str):
                    print(exit_.code, file=err)
    finally:
        sys.stdin, sys.stdout, sys.stderr, sys.argv = saved
    return subprocess.CompletedProcess([program, *args], code or 0, out.getvalue(), err.getvalue())


def centralctl(
    *args: str, env: Mapping[str, str], stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``centralctl ARGS`` with ``env`` as its whole environment."""
    from sync.central import cli

    return run_main(cli.main, "centralctl", args, env=env, stdin=stdin, cwd=cwd)


def kioskctl(
    *args: str, env: Mapping[str, str], stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``kioskctl ARGS`` with ``env`` as its whole environment."""
    from kiosk import cli

    return run_main(cli.main, "kioskctl", args, env=env, stdin=stdin, cwd=cwd)
