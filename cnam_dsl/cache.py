"""Keep what start-up would rebuild: the checked rule base and the proved closed forms, in the user's cache.

The rule base is stored under a key made from its content (every file under
the rules folder, the grammar, the code of the modules that read them, the
Python version): a change to any of them is a new key, so a stale entry is
never read. Entries are written to a temporary file and renamed (two processes
racing each write a whole file; the last rename wins). An entry is read only
from a folder and file of the current user that nobody else may write, and
only if its header names the key asked and the digest of its payload matches;
anything else (stale, truncated, corrupt, foreign) is ignored and rebuilt.

`CNAM_CACHE_DIR` chooses the folder (default `$XDG_CACHE_HOME/cnam-dsl`, else
`~/.cache/cnam-dsl`); `CNAM_NO_CACHE=1` turns the cache off.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import io
import json
import os
import pickle
import stat
import sys
from fractions import Fraction
from pathlib import Path

from .paths import PACKAGE, grammar_path

FORMAT = 4  # 4: the key digests every source file of the package (not a list of module names)
MAGIC = b"cnam-dsl cache\n"
KEEP = 8  # rule-base entries kept (the most recently written)


def cache_dir() -> Path | None:
    """Where entries go; None when the cache is off."""
    if os.environ.get("CNAM_NO_CACHE", "") not in ("", "0"):
        return None
    chosen = os.environ.get("CNAM_CACHE_DIR")
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cnam-dsl"


@functools.cache
def code_digest(package: Path = PACKAGE) -> str:
    """The digest of the code that reads, checks and proves rules: every Python file of the package as it
    is on disk (found by walking it, so a moved or renamed module changes the digest too) and the grammar."""
    h = hashlib.sha256()
    files = sorted(p for p in package.rglob("*.py") if "rules" not in p.relative_to(package).parts[:1])
    for path in files + [grammar_path()]:
        name = path.relative_to(package).as_posix() if path.is_relative_to(package) else path.name
        h.update(name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"-") + b"\0")
    return h.hexdigest()


def rules_key(root: Path) -> str:
    """The key of a rules folder: its files' names and content, and the code that reads them."""
    h = hashlib.sha256(f"{FORMAT}\0{sys.version}\0{code_digest()}\0".encode())
    h.update(str(root.resolve()).encode() + b"\0")  # the files' names in answers start from the folder's
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


# ---------------------------------------------------------------- entries


def _private_dir(folder: Path, create: bool) -> bool:
    """Whether the folder is the current user's and no one else may write it (made so if asked)."""
    try:
        if create:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and _trusted(info)


def _trusted(info: os.stat_result) -> bool:
    return (not hasattr(os, "getuid") or info.st_uid == os.getuid()) and not info.st_mode & 0o022


def read_entry(folder: Path, name: str, key: str) -> bytes | None:
    """The payload stored under this name for this key, if it can be trusted; else None."""
    path = folder / name
    if not _private_dir(folder, create=False):
        return None
    try:
        with path.open("rb") as f:
            if not (stat.S_ISREG(os.fstat(f.fileno()).st_mode) and _trusted(os.fstat(f.fileno()))):
                return None
            data = f.read()
    except OSError:
        return None
    if not data.startswith(MAGIC):
        return None
    header_end = data.find(b"\n", len(MAGIC))
    try:
        header = json.loads(data[len(MAGIC):header_end])
    except ValueError:
        return None
    payload = data[header_end + 1:]
    if (header_end < 0 or not isinstance(header, dict) or header.get("key") != key
            or header.get("sha256") != hashlib.sha256(payload).hexdigest()):
        return None
    return payload


def write_entry(folder: Path, name: str, key: str, payload: bytes) -> bool:
    """Store the payload atomically (temporary file, then rename); False if the cache cannot be written."""
    if not _private_dir(folder, create=True):
        return False
    import tempfile  # only when writing: start-up reads

    header = json.dumps({"key": key, "sha256": hashlib.sha256(payload).hexdigest()}).encode()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(MAGIC + header + b"\n" + payload)
        os.replace(tmp, folder / name)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        return False
    return True


# ---------------------------------------------------------------- the checked rule base


class _Pickler(pickle.Pickler):
    """Pickles the rule base's frozen, slotted dataclasses as a call of their class on their field
    values: unpickling them field by field (`dataclasses`' own way) is several times slower."""

    def reducer_override(self, obj):
        cls = type(obj)
        if cls is Fraction:  # its own reduction goes through a string
            return Fraction, (obj.numerator, obj.denominator)
        if "__slots__" not in cls.__dict__ or "__dataclass_fields__" not in cls.__dict__:
            return NotImplemented
        fields = cls.__dataclass_fields__.values()
        if not all(f.init and not f.kw_only for f in fields):
            return NotImplemented
        return cls, tuple(getattr(obj, f.name) for f in fields)


def _dumps(value) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def rule_base_key(root: Path) -> str | None:
    """The key of a rules folder's entries; None when the cache is off (or the folder is missing)."""
    root = Path(root)
    return rules_key(root) if cache_dir() is not None and root.is_dir() else None


def cached_rule_base(root: Path, key: str | None = ""):
    """`check.load_rule_base(root)`, read from the cache when the rules have not changed (`key`: their
    `rule_base_key`, computed when not given).

    From the cache, the diagnostics are not kept: only a rule base without errors is stored.
    """
    root = Path(root)
    folder = cache_dir()
    key = rule_base_key(root) if key == "" else key
    if key is not None and folder is not None:
        payload = read_entry(folder, f"rules-{key[:32]}.pickle", key)
        if payload is not None:
            collecting = gc.isenabled()
            gc.disable()  # tens of thousands of objects, none cyclic: the collector would only slow this
            try:
                return pickle.loads(payload), []  # noqa: S301  (our own file, checked above)
            except Exception:  # noqa: BLE001  (a corrupt entry is rebuilt, whatever unpickling raised)
                pass
            finally:
                if collecting:
                    gc.enable()
    from .language.check import load_rule_base

    base, diagnostics = load_rule_base(root)
    if key is not None and folder is not None and base is not None:
        if write_entry(folder, f"rules-{key[:32]}.pickle", key, _dumps(base)):
            _prune(folder)
    return base, diagnostics


def cached_example_failures(key: str | None):
    """The worked examples found failing in the rule base of this key (`rules.Rules.failing_examples`), as
    remembered; None when they have not been checked yet (or the cache is off)."""
    folder = cache_dir()
    payload = read_entry(folder, f"examples-{key[:32]}.pickle", key) if key and folder is not None else None
    try:
        return pickle.loads(payload) if payload is not None else None  # noqa: S301  (our own file, checked)
    except Exception:  # noqa: BLE001  (a corrupt entry is checked again)
        return None


def remember_example_failures(key: str | None, failures: list) -> None:
    folder = cache_dir()
    if key and folder is not None:
        write_entry(folder, f"examples-{key[:32]}.pickle", key, _dumps(list(failures)))


def _prune(folder: Path) -> None:
    for kind in ("rules", "examples"):
        entries = sorted(folder.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            try:
                old.unlink()
            except OSError:
                pass


# ---------------------------------------------------------------- proved closed forms


class ProofStore:
    """The digests of closed forms proved equal to their constraints (`solve.fast.digest`), across runs.

    Valid only for the code that proved them: another version of the prover starts afresh.
    """

    NAME = "proofs.json"

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.key = code_digest()
        self._proved = self._read()

    @staticmethod
    def default() -> "ProofStore":
        return ProofStore(cache_dir())

    def _read(self) -> set[str]:
        if self.folder is None:
            return set()
        payload = read_entry(self.folder, self.NAME, self.key)
        try:
            return set(json.loads(payload)) if payload is not None else set()
        except (ValueError, TypeError):
            return set()

    def proved(self, digest: str) -> bool:
        return digest in self._proved

    def record(self, digest: str) -> None:
        self._proved.add(digest)
        if self.folder is not None:
            merged = self._read() | self._proved  # keep what other processes recorded meanwhile
            write_entry(self.folder, self.NAME, self.key, json.dumps(sorted(merged)).encode())
