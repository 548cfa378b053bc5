"""The README's examples are run: each `console` block is a session (`$ cnam …` then what it prints), run and
compared whole; each `cnam` command of an `sh` block is read by the real option parser; the rule excerpt is
taken verbatim from the rule file it names and parses.

After a change of wording, `pytest tests/test_readme.py --update-golden` rewrites the sessions' outputs;
review them with `git diff README.md`.
"""

from __future__ import annotations

import re
import shlex

import pytest

from conftest import ROOT, run_cnam
from cnam_dsl.cli import build_parser
from cnam_dsl.language.parse import parse_text

README = ROOT / "README.md"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```\n", re.MULTILINE | re.DOTALL)


def blocks(text: str, language: str) -> list[re.Match]:
    return [m for m in BLOCK.finditer(text) if m.group(1) == language]


def sessions(block: str) -> list[tuple[str, str]]:
    """(command, what it prints) of each `$ ` line of a console block."""
    parts = re.split(r"^\$ (.*)\n", block, flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2]))


def run_session(command: str) -> str:
    """What a console command prints (standard output, then standard error), run from the checkout."""
    words = shlex.split(command)
    stdin = None
    if "<" in words:  # `cnam … --profile - < file`
        at = words.index("<")
        stdin = (ROOT / words[at + 1]).read_text(encoding="utf-8")
        words = words[:at] + words[at + 2:]
    assert words[0] == "cnam", command
    result = run_cnam(*words[1:], stdin=stdin)
    return result.stdout + result.stderr


def test_the_readme_has_console_sessions():
    found = [s for m in blocks(README.read_text(encoding="utf-8"), "console") for s in sessions(m.group(2))]
    assert len(found) >= 3


def test_every_console_session_prints_what_the_readme_shows(update_golden: bool):
    text = README.read_text(encoding="utf-8")
    rewritten, different = text, []
    for match in reversed(blocks(text, "console")):
        printed = "".join(f"$ {command}\n{run_session(command)}" for command, _ in sessions(match.group(2)))
        if printed != match.group(2):
            different.append((match.group(2), printed))
            rewritten = rewritten[:match.start(2)] + printed + rewritten[match.end(2):]
    if update_golden:
        README.write_text(rewritten, encoding="utf-8")
    assert not different, "\n\n".join(f"README :\n{shown}\nréel :\n{real}" for shown, real in different)


def test_every_command_of_the_readme_is_one_cnam_accepts():
    parser = build_parser()
    text = README.read_text(encoding="utf-8")
    commands = [line.split("#")[0].strip() for m in blocks(text, "sh") for line in m.group(2).splitlines()]
    commands = [c for c in commands if c.startswith("cnam ")]
    assert len(commands) >= 15
    for command in commands:
        words = [w for w in shlex.split(command.replace("[", "").replace("]", ""))[1:]]
        if "<" in words:
            words = words[:words.index("<")]
        try:
            parser.parse_args(words)  # raises (UsageError) on an option that does not exist
        except SystemExit as done:  # --version, --help: printed, then exit 0
            assert done.code == 0, command


def test_the_rule_excerpt_is_the_rule_file_s():
    text = README.read_text(encoding="utf-8")
    excerpts = blocks(text, "cnr")
    assert excerpts, "le README montre un extrait de règles"
    for match in excerpts:
        named = re.findall(r"\(`(rules/[^`]+\.cnr)`\)", text[:match.start()])[-1]
        rule_file = (ROOT / named).read_text(encoding="utf-8").splitlines()
        lines = [line for line in match.group(2).splitlines() if line.strip()]
        position = 0
        for line in lines:  # the excerpt's lines, in the file's order
            assert line in rule_file[position:], (named, line)
            position = rule_file.index(line, position) + 1
        parsed, diagnostics = parse_text(f"source cnam-eleves\n\n{match.group(2)}", named)
        assert parsed is not None, [d.message for d in diagnostics]


@pytest.mark.parametrize("example", ["examples/alice.yaml", "examples/bruno.json", "examples/erreur.yaml",
                                     "examples/chloe.yaml"])
def test_the_example_files_exist(example):
    assert (ROOT / example).is_file()
