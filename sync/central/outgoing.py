"""Text that leaves the central, made safe for where it goes.

Names, codes and reasons come from the roster, the counters and the kiosks: any of them
may hold what the receiving program reads as markup. Each channel has its one function:

- chat (the alert webhook's ``text``, read by Slack, Mattermost, Rocket.Chat...):
  :func:`chat_text` escapes ``&``, ``<`` and ``>`` as Slack asks (so ``<!channel>`` or
  ``<http://x|words>`` stay words), and breaks ``@mentions`` and Markdown links
  (``[words](url)``) with an invisible word joiner, so nobody is called and no link hides;
- mail headers: :func:`header_text` turns line breaks and other control characters into
  spaces (no header can be added to a mail, none fails to be written);
- spreadsheets: :func:`sheet_text` drops what an XLSX file cannot hold (control
  characters); the cells are written as text, never formulas (xlsx_report.py), and CSV
  cells go through sync.csvsafe;
- HTML (dashboard, phone page, the published report and its PDF): Jinja's autoescape
  (dashboard_page.py), with no ``|safe`` on anything that came in.
"""

from __future__ import annotations

import re
import unicodedata

WORD_JOINER = "\u2060"
_MENTION = re.compile(r"@(?=\w)")
_LINK = re.compile(r"\]\s*\(")
# XML 1.0 (and so XLSX) cannot hold these, not even escaped.
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def chat_text(text: str) -> str:
    """``text`` as a chat message shows it, word for word, and does nothing else."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MENTION.sub("@" + WORD_JOINER, text)
    return _LINK.sub(lambda found: "]" + WORD_JOINER + found.group(0)[1:], text)


def header_text(text: str) -> str:
    """``text`` on one line, as a mail header (Subject) may carry it."""
    return " ".join("".join(" " if _control(char) else char for char in text).split())


def _control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp")


def sheet_text(text: str) -> str:
    """``text`` without the characters an XLSX cell cannot hold."""
    return _NOT_IN_XML.sub("", text)
