"""The system's crypt(3) library (libxcrypt on every current Linux), reached through ctypes.

SHA512-CRYPT costs 5,000 rounds of SHA-512 per password: about twice as fast in
C as in Python, and a ctypes call releases the GIL, so a batch of new mailboxes
is hashed on every core. libxcrypt is the library Debian, Fedora and Arch build
their own ``crypt`` (and so Dovecot's) on, kept up by its maintainers; nothing
needs compiling. Where there is none, or it does not know the ``$6$`` method
(macOS's crypt), ``available()`` says so and the caller keeps its Python code.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from typing import Any

# crypt_rn takes the size of its work area; glibc's older crypt_r wants a struct crypt_data, which is
# 128 KiB there (32 KiB in libxcrypt): this is large enough for either.
_DATA_SIZE = 256 * 1024
# A known answer (glibc's SHA-crypt test vector): a library that gives anything else is not used.
_PROBE = (b"Hello world!", b"$6$saltstring", b"$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1")  # noqa: E501


@functools.cache
def _function() -> Any:
    # find_library asks ldconfig; libxcrypt's soname is the fallback where that is missing
    try:
        library = ctypes.CDLL(ctypes.util.find_library("crypt") or "libcrypt.so.1")
    except OSError:
        return None
    for symbol in ("crypt_rn", "crypt_r"):
        function = getattr(library, symbol, None)
        if function is not None:
            function.restype = ctypes.c_char_p
            if symbol == "crypt_rn":
                function.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_int]
            else:
                function.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p]
            return symbol, function
    return None


def _call(phrase: bytes, setting: bytes) -> bytes | None:
    found = _function()
    if found is None:
        return None
    symbol, function = found
    data = ctypes.create_string_buffer(_DATA_SIZE)  # one per call: calls run in parallel threads
    result = function(phrase, setting, data, _DATA_SIZE) if symbol == "crypt_rn" else function(phrase, setting, data)
    # failures are NULL (crypt_rn) or a string starting with "*" (crypt_r)
    return result if result and not result.startswith(b"*") else None


@functools.cache
def available() -> bool:
    """True when the library is there and computes SHA-crypt exactly as glibc specifies it."""
    phrase, setting, expected = _PROBE
    return _call(phrase, setting) == expected


def crypt(phrase: str, setting: str) -> str | None:
    """``crypt(3)`` of ``phrase`` with ``setting`` (e.g. ``$6$salt``), or None when the library cannot."""
    if not available():
        return None
    result = _call(phrase.encode(), setting.encode())
    return result.decode("ascii") if result is not None else None
