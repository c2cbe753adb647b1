"""CSV cells that a spreadsheet shows as text, never runs as a formula (OWASP CSV injection).

A spreadsheet program reads a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or with a
tab or a line break before one) as a formula: an officer named ``=HYPERLINK("http://...")``
would become a live link in the report the admin opens. Every CSV the product writes (the
central's reports, the kiosk's export) passes its text cells through :func:`safe_cell`,
which prefixes such a cell with a single quote, the mark spreadsheets take for "text".

A leaf module: it imports nothing from the product, so the kiosk and the central both use it.
"""

from __future__ import annotations

from typing import TypeVar

# What makes a spreadsheet read a cell as a formula; tab and CR/LF as OWASP lists them,
# since some programs drop them and read what follows.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")

T = TypeVar("T")


def safe_text(text: str) -> str:
    """``text`` as a CSV cell that cannot start a formula: ``'=1+1`` for ``=1+1``."""
    # Leading spaces too: some programs trim them before deciding what the cell is.
    if text.lstrip(" ").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def safe_cell(value: T) -> T | str:
    """A cell of any type: text made safe, numbers (and None) left as they are, so a count
    or a rate stays a number in the spreadsheet."""
    return safe_text(value) if isinstance(value, str) else value
