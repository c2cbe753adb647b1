"""CSV cells a spreadsheet will not run as a formula (CSV injection).

Excel, LibreOffice and Google Sheets treat a cell that begins with ``=``, ``+``, ``-`` or
``@`` as a formula, and a leading tab or carriage return can hide one. A ticket code, a
name or a reason typed at a kiosk ends up in such cells of an export. The usual remedy
(OWASP) is a leading single quote, which the spreadsheet shows as text. Shared by the
kiosk's and the central's exports; a leaf module: it imports nothing from either.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` with a leading ``'`` when it is a string a spreadsheet would execute;
    anything that is not a string (numbers, None) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
