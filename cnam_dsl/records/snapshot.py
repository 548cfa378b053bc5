"""A rule base folder into a content-addressed snapshot (its digest, one archive), and back into a folder.

Every record names the rule base it was computed with by `rules_sha256`, the
digest of the manifest of its files (relative path → SHA-256 of the bytes);
the archive is stored once per digest, so a record can be recomputed offline,
years later, with its own rules. The folder's name is kept with it: answers
cite rule files as `<folder>/<source>/<file>.cnr`.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath

from .seal import canonical, sha256


class SnapshotError(Exception):
    """A stored rule base that cannot be restored as it was (altered or truncated)."""


@dataclass(frozen=True)
class Snapshot:
    """The files of a rule base folder (relative POSIX path → bytes) and the folder's name."""

    folder: str
    files: dict[str, bytes]

    @classmethod
    def of(cls, root: Path) -> "Snapshot":
        """Every file under the folder, hidden ones (`.git`, editors' files) left out."""
        root = Path(root)
        files = {}
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                files[relative.as_posix()] = path.read_bytes()
        return cls(root.resolve().name, files)

    @cached_property
    def manifest(self) -> dict[str, str]:
        return {name: sha256(data) for name, data in self.files.items()}

    @cached_property
    def digest(self) -> str:
        """`rules_sha256`: the digest of the manifest (the folder's name is not part of the content)."""
        return sha256(canonical(self.manifest))

    def archive(self) -> bytes:
        """The files in one compressed block (UTF-8 texts as they are, other files in base64)."""
        entries = {}
        for name, data in self.files.items():
            try:
                entries[name] = data.decode("utf-8")
            except UnicodeDecodeError:
                entries[name] = {"base64": base64.b64encode(data).decode("ascii")}
        return zlib.compress(canonical(entries), 9)

    @classmethod
    def from_archive(cls, folder: str, archive: bytes, digest: str) -> "Snapshot":
        """The snapshot stored under `digest`; SnapshotError if its files do not give that digest."""
        try:
            entries = json.loads(zlib.decompress(archive))
            files = {name: (base64.b64decode(value["base64"]) if isinstance(value, dict) else value.encode("utf-8"))
                     for name, value in entries.items()}
        except (zlib.error, ValueError, KeyError, TypeError, AttributeError) as error:
            raise SnapshotError(f"base de règles {digest[:12]} illisible ({error})") from None
        snapshot = cls(folder, files)
        if snapshot.digest != digest:
            raise SnapshotError(f"base de règles {digest[:12]} altérée : ses fichiers donnent {snapshot.digest[:12]}")
        return snapshot

    def restore(self, into: Path) -> Path:
        """The files written under `into/<folder>/`; that folder."""
        root = Path(into) / self.folder
        for name, data in self.files.items():
            relative = PurePosixPath(name)
            if relative.is_absolute() or ".." in relative.parts:
                raise SnapshotError(f"chemin refusé dans la base de règles stockée : {name}")
            path = root.joinpath(*relative.parts)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        return root


def documents(base, snapshot: Snapshot) -> dict[str, str | None]:
    """Each source's document digest (`{source: sha256}`): the file its `document « … »` names, beside the
    source's declaration (None when the source names none, or the file is not there)."""
    found = {}
    for source, info in sorted(base.sources.items()):
        digest = None
        if info.document:
            folder = PurePosixPath(*PurePosixPath(Path(info.span.file).as_posix()).parts[1:]).parent
            digest = snapshot.manifest.get((folder / info.document).as_posix())
        found[source] = digest
    return found
