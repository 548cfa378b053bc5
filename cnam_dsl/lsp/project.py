"""A rule base an editor works in: its files (with the editor's unsaved texts), checked as `cnam check` does.

`check` is quick (parse and check, no solver): run on every change.
`verify` runs the solver (worked examples, contradictions): slower, run after.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..language.check import build_base, check_files, rule_files
from ..language.folders import declares_diplomas
from ..diagnostics import Diagnostic
from ..authoring.fmt import Context
from ..language.model import RuleBase
from ..language.parse import parse_blocks, parse_text
from ..paths import default_rules_dir
from .index import Index


def find_root(path: Path, boundaries: list[Path], configured: Path | None) -> tuple[Path, tuple[Path, ...]]:
    """The rule base a file belongs to, and files it needs from elsewhere (the shipped diplomas).

    The root is the configured rule base when the file is in it; else the nearest folder, going up
    no further than the editor's workspace folder, that holds a file declaring diplomas; else the
    file's own folder, checked with the shipped rule base's diploma declarations.
    """
    path = path.resolve()
    if configured is not None and path.is_relative_to(configured.resolve()):
        return configured.resolve(), ()
    stop = next((b.resolve() for b in boundaries if path.is_relative_to(b.resolve())), None)
    for folder in path.parents:
        if any(declares_diplomas(f) for f in sorted(folder.glob("*.cnr"))):
            return folder, ()
        if folder == stop:
            break
    shipped = default_rules_dir().resolve()
    return path.parent, tuple(f for f in sorted(shipped.glob("*.cnr")) if declares_diplomas(f))


@dataclass
class Snapshot:
    """One check of the whole rule base: its diagnostics, by file, and what hovers and jumps need."""

    key: tuple
    files: list[Path]
    base: RuleBase | None
    diagnostics: list[Diagnostic]
    index: Index


@dataclass
class Project:
    root: Path
    context: tuple[Path, ...] = ()  # files read for their declarations, never reported on
    generation: int = 0
    snapshot: Snapshot | None = None
    verified: list[Diagnostic] = field(default_factory=list)  # the solver's, from the last verification
    verified_key: tuple | None = None  # the texts they were found in
    last_good: RuleBase | None = None
    # file -> (text, its RuleFile or None on a syntax error, the RuleFile of its blocks that parse)
    parsed: dict[str, tuple[str, object, object]] = field(default_factory=dict)

    def files(self, open_texts: dict[Path, str]) -> list[Path]:
        """The files reported on: every rule file under the root, and the open ones not saved yet."""
        found = {p.resolve() for p in rule_files(self.root)} if self.root.is_dir() else set()
        found |= {p for p in open_texts if p.is_relative_to(self.root)}
        return sorted(found)

    def check(self, open_texts: dict[Path, str]) -> Snapshot:
        """Parse and check (no solver), with the editor's texts instead of the files' where open."""
        files = self.files(open_texts)
        texts = {p: open_texts.get(p) if p in open_texts else _read(p) for p in list(self.context) + files}
        texts = {p: t for p, t in texts.items() if t is not None}
        key = tuple(sorted((str(p), hash(t)) for p, t in texts.items()))
        if self.snapshot is not None and self.snapshot.key == key:
            return self.snapshot
        base, diagnostics = check_files(list(texts), None, texts)
        if base is not None:
            self.last_good = base
        parsed = self._parse(texts)
        shown = base or self._while_typing(parsed, texts) or self.last_good
        index = Index.build(parsed, {str(p): t for p, t in texts.items()}, shown)
        self.snapshot = Snapshot(key, files, base, diagnostics, index)
        return self.snapshot

    def _parse(self, texts: dict[Path, str]) -> dict:
        """Each file's parse; a file with a syntax error gives the blocks that parse on their own (the one being
        typed aside), so that its outline, hovers and ids stay."""
        parsed = {}
        for path, text in texts.items():
            file = str(path)
            if self.parsed.get(file, (None,))[0] != text:
                whole = parse_text(text, file)[0]
                self.parsed[file] = (text, whole, whole if whole is not None else parse_blocks(text, file))
            parsed[file] = self.parsed[file][2]
        return parsed

    def _while_typing(self, parsed: dict, texts: dict[Path, str]) -> RuleBase | None:
        """The rule base of the blocks that parse, when only syntax errors stand in the way (so that hovers
        describe the rules as they now are, at their lines); None when the blocks have errors of their own."""
        if all(self.parsed[f][1] is not None for f in parsed):
            return None
        base, problems = build_base([(Path(f), rule_file) for f, rule_file in parsed.items()],
                                    {str(p): t for p, t in texts.items()})
        return None if any(d.is_error for d in problems) else base

    def verify(self, base: RuleBase) -> list[Diagnostic]:
        """The solver's diagnostics (worked examples, contradictions), as `cnam check` reports them, and a hint
        on each statement the worked examples leave untested (`cnam check --coverage`)."""
        from ..analysis.coverage import coverage_hints
        from ..rules import Rules
        from ..solve import SolverError

        try:
            found = Rules(base).verify()
        except SolverError as exc:
            span = next(iter(base.sources.values())).span if base.sources else None
            found = [Diagnostic("error", "E399", f"vérification impossible : {exc}", span)] if span else []
        return found + coverage_hints(base)

    def format_context(self, open_texts: dict[Path, str]) -> Context:
        files = list(self.context) + self.files(open_texts)
        return Context(files, {p: t for p, t in open_texts.items() if p in set(files)})

    def reported(self, diagnostics: list[Diagnostic]) -> dict[str, list[Diagnostic]]:
        """Diagnostics by file, every file of the rule base listed (an empty list clears an editor's)."""
        by_file: dict[str, list[Diagnostic]] = {str(p): [] for p in (self.snapshot.files if self.snapshot else [])}
        for d in diagnostics:
            if d.span.file in by_file:
                by_file[d.span.file].append(d)
        return by_file


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
