"""Text columns that line up in a terminal whatever the script: widths by display cells.

A Chinese or Japanese character takes two cells, a combining accent none; ``str.ljust``
counts code points, so ``"莲花银行"`` would be padded as if it were four cells wide.

>>> fit("莲花银行 Lotus Bank", 12) + "|"
'莲花银行 Lo…|'
>>> fit("ACME", 8) + "|"
'ACME    |'
"""

from __future__ import annotations

from wcwidth import wcswidth, wcwidth

__all__ = ["cells", "fit"]


def cells(text: str) -> int:
    """Display cells ``text`` takes (unprintable characters count as none)."""
    width = wcswidth(text)
    if width >= 0:
        return width
    return sum(max(wcwidth(char), 0) for char in text)


def fit(text: str, width: int, *, right: bool = False) -> str:
    """``text`` padded (or cut, with "…") to exactly ``width`` display cells."""
    if cells(text) > width:
        kept = ""
        for char in text:
            if cells(kept + char) > width - 1:
                break
            kept += char
        text = kept + "…"
    padding = " " * (width - cells(text))
    return padding + text if right else text + padding
