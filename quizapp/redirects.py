"""Where to go after signing in: only ever a page of this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None.

    Refused: absolute URLs (`https://evil.example`), scheme-relative ones (`//evil.example`),
    backslashes (browsers read `/\\evil.example` as `//evil.example`), other schemes
    (`javascript:`), and any control character or space (browsers drop tabs and newlines,
    which can turn `/\\t/evil.example` into `//evil.example`).
    """
    if not target or len(target) > 2000:
        return None
    if "\\" in target or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
