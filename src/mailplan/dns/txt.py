"""TXT values: one logical string in the model, ≤255-byte character-strings on the wire."""

from __future__ import annotations

MAX_STRING = 255  # RFC 1035 §3.3.14: one character-string holds at most 255 bytes


def split_txt(value: str, limit: int = MAX_STRING) -> list[str]:
    """Split a logical TXT value into character-strings of at most ``limit`` bytes.

    Cuts never fall inside a UTF-8 sequence, so each piece stays valid text.
    """
    data = value.encode("utf-8")
    pieces: list[str] = []
    start = 0
    while start < len(data) or not pieces:
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # continuation byte: step back
            end -= 1
        pieces.append(data[start:end].decode("utf-8"))
        start = end
        if start >= len(data):
            break
    return pieces


def txt_presentation(value: str) -> str:
    """Zone-file / dnspython text form of a TXT value: quoted, escaped, split."""
    return " ".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in split_txt(value))


def join_txt(strings: list[bytes] | tuple[bytes, ...]) -> str:
    """The logical value of a TXT rdata read from DNS (its strings concatenated, RFC 7208 §3.3)."""
    return b"".join(strings).decode("utf-8", errors="replace")


# Characters that show as nothing, or as a space, in a console or an editor, but are bytes a receiver reads.
_INVISIBLE = {"\ufeff": "a byte-order mark (U+FEFF)", "\u200b": "a zero-width space (U+200B)",
              "\u00a0": "a no-break space (U+00A0)", "\u2060": "a word joiner (U+2060)"}


def hidden_prefix(value: str, prefix: str) -> str | None:
    """Why ``value`` is not read as a ``prefix`` record although it looks like one, or None.

    A record pasted from a word processor or saved by an editor may start with an invisible
    character, or with the quotes of the console's example: receivers compare bytes, so it
    is then just some other TXT value.
    """
    head = value.lstrip("".join(_INVISIBLE) + " \t")
    stripped = value[: len(value) - len(head)]
    found = [name for char, name in _INVISIBLE.items() if char in stripped]
    if found and head.lower().startswith(prefix.lower()):
        return f"it starts with {' and '.join(found)} before {prefix}, so receivers do not read it as one"
    if value[:1] in "\"'“”" and value[1:].lstrip().lower().startswith(prefix.lower()):
        return f"it starts with a quote character before {prefix} (the quotes were stored as part of the text)"
    return None
