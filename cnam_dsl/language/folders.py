"""Which rule files are checked together: the rule base a file or folder belongs to, and the context a file
checked on its own needs (the diplomas it names, the sources it uses).

A folder holds a rule base when one of its own `.cnr` files declares
diplomas (the shipped base: `rules/diplomes.cnr`). A file or folder belongs
to the nearest such folder above it, or, when there is none, to the rule base
of `--rules` (default: the shipped one), in whose context it is checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .check import rule_files


def header(path: Path) -> tuple[bool, str | None, bool]:
    """(declares diplomas, source id, describes the source with a title or document) of a rule file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False, None, False
    source = next((ln.split()[1] for ln in lines if ln.startswith("source ") and len(ln.split()) > 1), None)
    described = any(ln.strip().startswith(("titre ", "document ")) for ln in lines)
    return any(ln.startswith("diplôme ") for ln in lines), source, described


def declares_diplomas(path: Path) -> bool:
    return header(path)[0]


def holds_rule_base(folder: Path) -> bool:
    """Whether one of the folder's own rule files declares diplomas."""
    return folder.is_dir() and any(declares_diplomas(f) for f in sorted(folder.glob("*.cnr")) if f.is_file())


def base_of(path: Path, default: Path) -> Path:
    """The folder of the rule base a file or folder belongs to: `default` when it lies inside it, else the
    nearest folder at or above it holding a rule base, else `default`."""
    path, default = path.resolve(), default.resolve()
    if path.is_relative_to(default):
        return default
    folders = ([path] if path.is_dir() else []) + list(path.parents)
    return next((f for f in folders if holds_rule_base(f)), default)


@dataclass(frozen=True)
class CheckGroup:
    """Files checked together: those reported on, after the files of their rule base they need (`context`,
    read for their declarations; what is found in them is not reported: their worked examples, say, may
    need files left out)."""

    context: tuple[Path, ...]
    reported: tuple[Path, ...]

    @property
    def files(self) -> list[Path]:
        return [*self.context, *self.reported]

    def reports(self, file: str) -> bool:
        return not self.context or Path(file).resolve() in {p.resolve() for p in self.reported}


def check_groups(paths: list[Path], default: Path) -> list[CheckGroup]:
    """What `cnam check PATH...` checks, in groups checked apart: one per rule base the paths belong to. A
    path that is a whole rule base is checked as it is; other files and folders are checked with the
    context they need from their rule base (`context_of`). Paths must exist."""
    groups: dict[Path, list[Path]] = {}
    for p in paths:
        groups.setdefault(base_of(p, default), []).append(p)
    checked = []
    for base, named in groups.items():
        if any(p.resolve() == base for p in named):
            checked.append(CheckGroup((), tuple(rule_files(base))))
        else:
            files = list(dict.fromkeys(f for p in named for f in (rule_files(p) if p.is_dir() else [p])))
            checked.append(CheckGroup(tuple(context_of(files, base)), tuple(files)))
    return checked


def context_of(files: list[Path], root: Path) -> list[Path]:
    """The files of the rule base at `root` that files checked without the rest of it need: its diploma
    declarations (unless the files declare diplomas) and the declarations (title, document, general rules)
    of the sources the files use without describing them."""
    headers = {f: header(f) for f in files}
    declares = any(h[0] for h in headers.values())
    described = {h[1] for h in headers.values() if h[1] and h[2]}
    used = {h[1] for h in headers.values() if h[1]} - described
    named = {f.resolve() for f in files}
    context = []
    for f in rule_files(root) if root.is_dir() else []:
        has_diplomas, source, describes = header(f)
        if f.resolve() not in named and ((has_diplomas and not declares) or (describes and source in used)):
            context.append(f)
    return context
