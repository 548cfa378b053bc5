"""Where the shipped rule base and grammar are, installed (wheel) or in a source checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).parent


def default_rules_dir() -> Path:
    """The rule base shipped with the project: inside the package when installed, else the checkout's."""
    packaged = PACKAGE / "rules"
    return packaged if packaged.is_dir() else PACKAGE.parent / "rules"


def grammar_path() -> Path:
    """The grammar of the rule language: inside the package when installed, else the checkout's."""
    packaged = PACKAGE / "grammar" / "cnr.lark"
    return packaged if packaged.is_file() else PACKAGE.parent / "grammar" / "cnr.lark"


class FileRefused(Exception):
    """A file that is not read: not a regular file (a pipe, a device, a folder), or too large. The message
    says why, in French."""


def read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file (or of the regular file a link points to) of at most `max_bytes`.

    Never opens a device nor waits on a pipe (FIFO): what is not a regular file is refused before it is
    opened, and checked again on the opened file (it may have been swapped meanwhile); never reads more than
    `max_bytes` + 1 bytes. FileRefused says why; OSError when the file cannot be opened.

    >>> read_regular_file(Path("/dev/zero"), 10)
    Traceback (most recent call last):
    ...
    cnam_dsl.paths.FileRefused: pas un fichier ordinaire (tube, périphérique ou dossier)
    """
    import os
    import stat

    if not stat.S_ISREG(os.stat(path).st_mode):
        raise FileRefused(NOT_REGULAR)
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with open(descriptor, "rb", closefd=True) as handle:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(NOT_REGULAR)
        if info.st_size > max_bytes:
            raise FileRefused(too_large(max_bytes))
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew since
        raise FileRefused(too_large(max_bytes))
    return data


def read_text_file(path: Path, max_bytes: int) -> str:
    """`read_regular_file` decoded as UTF-8, line ends made `\\n` (as `Path.read_text` reads them);
    UnicodeDecodeError when it is not UTF-8."""
    return decode_text(read_regular_file(path, max_bytes))


def decode_text(data: bytes) -> str:
    r"""
    >>> decode_text(b"a\r\nb\rc\n")
    'a\nb\nc\n'
    """
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


NOT_REGULAR = "pas un fichier ordinaire (tube, périphérique ou dossier)"


def too_large(max_bytes: int) -> str:
    return f"fichier trop volumineux (plus de {max_bytes} octets)"
