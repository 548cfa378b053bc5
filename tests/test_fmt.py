"""The formatter: one canonical layout, idempotent, comments kept, meaning kept (and proven), atomic writes."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnam_dsl.language.check import rule_files
from cnam_dsl.authoring.fmt import (
    Context, FormatError, comments_of, contexts, format_files, format_source, format_text, meaning_problems,
    without_spans, write_atomically,
)
from cnam_dsl.language.parse import parse_text
from conftest import ROOT, run_cnam

RULES = ROOT / "rules"
SHIPPED = rule_files(RULES)


def same_rules(a: str, b: str) -> bool:
    return without_spans(parse_text(a, "f")[0]) == without_spans(parse_text(b, "f")[0])


# ---------------------------------------------------------------- the layout


def test_every_shipped_rule_file_is_formatted():
    result = run_cnam("fmt", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 à reformater" in result.stdout


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(RULES)))
def test_shipped_files_are_a_fixed_point(path):
    text = path.read_text(encoding="utf-8")
    assert format_text(text) == text


def test_the_canonical_layout():
    messy = (
        "  # en tête\n\n\n"
        "source   essai   # la source\n"
        "  titre «  Essai\n   sur deux lignes »\n"
        "# avant la voie, collé\n"
        "voie a pour d\n"
        "selon « passage »\n\n"
        "      # sur l'exigence\n"
        "exige expérience   dans le domaine ,d'au   moins 2 ans\n"
        "        selon « x »\n"
        "    # ferme la voie\n"
        "exemple « e »\n"
        "\tpour d\n"
        "  expérience de 24 mois dans le domaine, à 50%\n"
        "  attendu satisfait\n\n\n\n"
        "# fin\n\n"
    )
    assert format_text(messy) == (
        "# en tête\n"
        "\n"
        "source essai  # la source\n"
        "  titre « Essai sur deux lignes »\n"
        "\n"
        "# avant la voie, collé\n"
        "voie a pour d\n"
        "  selon « passage »\n"
        "  # sur l'exigence\n"
        "  exige expérience dans le domaine, d'au moins 2 ans\n"
        "    selon « x »\n"
        "  # ferme la voie\n"
        "\n"
        "exemple « e »\n"
        "  pour d\n"
        "  expérience de 24 mois dans le domaine, à 50 %\n"
        "  attendu satisfait\n"
        "\n"
        "# fin\n"
    )


def test_a_file_that_does_not_parse_is_not_formatted():
    with pytest.raises(FormatError, match="erreur de syntaxe.*ligne 2"):
        format_text("source s\nvoie a pour\n")


def test_empty_and_comment_only_files():
    assert format_text("") == ""
    assert format_text("\n\n  # seul\n\n") == "# seul\n"


# ---------------------------------------------------------------- generated and mutated files

ID = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)
WORDS = st.lists(st.sampled_from(["deux", "ans", "de", "l’expérience", "stage", "niveau", "#1", "d'un"]),
                 min_size=1, max_size=6).map(" ".join)
COMMENT = st.text(alphabet="abcé #«»-:'", max_size=15).map(lambda s: "#" + s.rstrip())


@st.composite
def experience(draw) -> str:
    qualifiers = draw(st.lists(st.sampled_from(["dans le domaine", "salariée", "de niveau suffisant",
                                                "à temps plein"]), unique=True, max_size=3))
    amount = draw(st.sampled_from(["", f"d'au moins {draw(st.integers(1, 5))} ans",
                                   f"d'au moins {draw(st.integers(1, 60))} mois"]))
    return "exige expérience" + "".join(f" {q}," for q in qualifiers).rstrip(",") + (
        ("," if qualifiers and amount else "") + (" " + amount if amount else ""))


@st.composite
def pathway(draw, name: str, diploma: str) -> list[str]:
    lines = [f"voie {name} pour {diploma}", f"  selon « {draw(WORDS)} »"]
    lines += ["  " + draw(experience()) for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        least, most = sorted(draw(st.lists(st.integers(1, 12), min_size=2, max_size=2)))
        lines.append("  exige un stage " + draw(st.sampled_from(
            [f"de {most} mois", f"de {least} à {most} mois", f"d'au plus {most} mois", f"d'au moins {least} mois"])))
        if draw(st.booleans()):
            lines += [f"  durée modulable par le jury, sans descendre sous {draw(st.integers(1, least))} mois",
                      f"    selon « {draw(WORDS)} »"]
        if draw(st.booleans()):
            lines.append("  rapport exigé")
    return lines


@st.composite
def rule_file(draw) -> str:
    """A rule file that checks: a source, diplomas, pathways, a general rule and an example."""
    diplomas = draw(st.lists(ID, min_size=1, max_size=3, unique=True))
    blocks = [["source essai", "  titre « Essai »"]]
    blocks += [[f"diplôme {d} « Diplôme {d} »"] for d in diplomas]
    names = draw(st.lists(ID, min_size=1, max_size=4, unique=True))
    blocks += [draw(pathway(name, draw(st.sampled_from(diplomas)))) for name in names]
    if draw(st.booleans()):
        blocks.append(["règle générale seul", "  selon « un stage seul »", "  un stage seul ne suffit jamais"])
    blocks.append([f"exemple « {draw(WORDS)} »", f"  pour {diplomas[0]}",
                   f"  expérience de {draw(st.integers(1, 80))} mois hors domaine, à 50 %", "  attendu satisfait"])
    lines = [line for block in blocks for line in block + [""]]
    comments = draw(st.lists(st.tuples(st.integers(0, len(lines)), COMMENT, st.booleans()), max_size=6))
    for index, comment, own_line in sorted(comments, reverse=True):
        if own_line or index >= len(lines) or not lines[index]:
            lines.insert(index, comment)
        else:
            lines[index] += "  " + comment
    return "\n".join(lines) + "\n"


@st.composite
def mutated_layout(draw, text: str) -> str:
    """The same rules laid out otherwise: spaces, tabs, indentation, blank lines, line breaks in quotes."""
    out = []
    lines = text.split("\n")
    for line, following in zip(lines, lines[1:] + [""]):
        code, comment = split_comment(line.strip())
        parts = re.split(r"(«[^»]*»)", code)
        code = "".join(_respace(draw, p, quote=p.startswith("«")) for p in parts)
        if comment is not None:
            code += (draw(st.sampled_from([" ", "  ", "\t"])) if code else "") + comment
        # a comment alone on its line keeps being at column 1, or indented: the author's placement
        indents = ["", " ", "  ", "    ", "\t", "      "]
        if code.startswith("#"):
            indents = [""] if line.startswith("#") else indents[1:]
        out.append(draw(st.sampled_from(indents)) + code + draw(st.sampled_from(["", " ", "\t"])))
        if not (line.lstrip().startswith("#") or following.lstrip().startswith("#")):
            out += [""] * draw(st.integers(0, 2))  # blank lines next to a comment place it: kept
    return "\n".join(out) + draw(st.sampled_from(["", "\n", "\n\n"]))


def split_comment(line: str) -> tuple[str, str | None]:
    """A line's rules and its comment (the first # outside quotes)."""
    closing = None
    for i, char in enumerate(line):
        if closing is None and char == "#":
            return line[:i].rstrip(), line[i:]
        if closing is None and char in "«\"":
            closing = "»" if char == "«" else '"'
        elif char == closing:
            closing = None
    return line, None


def _respace(draw, part: str, quote: bool) -> str:
    runs = [" ", "  ", "\t", " \t "] + (["\n  ", "\n"] if quote else [])
    part = part.replace(" ", "\x00")
    part = re.sub("\x00", lambda _: draw(st.sampled_from(runs)), part)
    if not quote:  # a comma between words, not the decimal comma of a number (0,01 mois)
        part = re.sub(r",(?!\d)|(?<!\d),", draw(st.sampled_from([",", " ,"])), part)
    return part


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(st.data())
def test_generated_files_idempotent_comments_and_rules_kept(data):
    text = data.draw(rule_file())
    messy = data.draw(mutated_layout(text))
    formatted = format_text(messy)
    assert format_text(formatted) == formatted
    assert comments_of(formatted) == comments_of(messy) == comments_of(text)
    assert same_rules(messy, formatted)
    assert format_text(text) == formatted  # one layout, whatever the author's


@PROPERTY
@given(st.sampled_from(SHIPPED), st.data())
def test_mutated_shipped_files_come_back_to_their_layout(path, data):
    text = path.read_text(encoding="utf-8")
    messy = data.draw(mutated_layout(text))
    assert format_text(messy) == text
    assert comments_of(messy) == comments_of(text)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_generated_files_keep_their_meaning_proven_by_z3(data, tmp_path_factory):
    text = data.draw(rule_file())
    folder = tmp_path_factory.mktemp("gen")
    path = folder / "essai.cnr"
    messy = data.draw(mutated_layout(text))
    path.write_text(messy, encoding="utf-8")
    context = Context([path])
    assert context.before() is not None, "the generated file must check"
    result = format_source(path, messy, context)
    assert result.text == format_text(text) and result.notes == ()


@pytest.mark.slow
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SHIPPED), st.data())
def test_mutated_shipped_files_keep_their_meaning_proven_by_z3(path, data):
    messy = data.draw(mutated_layout(path.read_text(encoding="utf-8")))
    result = format_source(path, messy, Context(SHIPPED, {path.resolve(): messy}))
    assert result.notes == () and result.text == path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- a formatter bug is refused


@pytest.fixture()
def rule_base(tmp_path):
    copy = tmp_path / "rules"
    shutil.copytree(RULES, copy)
    return copy


def messy_copy(rule_base: Path) -> Path:
    path = rule_base / "cnam-eleves" / "ingenieur.cnr"
    path.write_text(path.read_text(encoding="utf-8").replace("\n  exige", "\n      exige"), encoding="utf-8")
    return path


def changing_a_number(text: str, path: str) -> str:
    """A buggy layout: right spacing, but one duration changed."""
    return format_text(text, path).replace("d'au moins 3 ans", "d'au moins 4 ans", 1)


def dropping_a_comment(text: str, path: str) -> str:
    return "\n".join(line for line in format_text(text, path).split("\n") if not line.startswith("# Lecture"))


@pytest.mark.parametrize("layout, reason", [
    (changing_a_number, "les règles lues après formatage diffèrent"),
    (dropping_a_comment, "des commentaires seraient perdus"),
])
def test_a_layout_that_changes_the_file_is_refused_and_the_file_left_untouched(rule_base, layout, reason):
    path = messy_copy(rule_base)
    before = path.read_bytes()
    report = format_files([path], contexts(rule_base), layout=layout)
    assert report.changed == [] and len(report.refused) == 1
    assert "fichier laissé tel quel" in report.refused[0][1] and reason in report.refused[0][1]
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_the_meaning_check_compares_compiled_constraints(rule_base):
    path = rule_base / "cnam-eleves" / "ingenieur.cnr"
    text = path.read_text(encoding="utf-8")
    context = contexts(rule_base)(path)
    same = text.replace("exige expérience d'au moins 3 ans", "exige expérience d'au moins 36 mois")
    assert meaning_problems(path, same, context) == ([], ())  # other words, same constraints
    other = text.replace("exige expérience d'au moins 3 ans", "exige expérience d'au moins 37 mois")
    problems, _ = meaning_problems(path, other, context)
    assert len(problems) == 1 and "contraintes compilées ne sont plus équivalentes" in problems[0]
    assert "ingenieur" in problems[0]


def test_a_rule_base_with_errors_is_checked_on_the_parsed_rules_only(tmp_path):
    path = tmp_path / "seul.cnr"
    path.write_text("source s\nvoie  a pour inconnu\n  exige expérience\n", encoding="utf-8")
    report = format_files([path], contexts(tmp_path / "absent"))
    assert report.changed == [path] and report.refused == []
    assert "sans comparer les contraintes compilées" in report.notes[0][1]


# ---------------------------------------------------------------- files and command line


def test_writes_are_atomic(tmp_path, monkeypatch):
    path = tmp_path / "r.cnr"
    path.write_text("ancien\n", encoding="utf-8")
    os.chmod(path, 0o640)
    write_atomically(path, "nouveau\n")
    assert path.read_text(encoding="utf-8") == "nouveau\n" and (path.stat().st_mode & 0o777) == 0o640

    def interrupted(source, target):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(path, "jamais écrit\n")
    assert path.read_text(encoding="utf-8") == "nouveau\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.cnr"]


@pytest.mark.slow
def test_cli_check_lists_files_then_fmt_rewrites_them(rule_base):
    path = messy_copy(rule_base)
    messy = path.read_text(encoding="utf-8")
    result = run_cnam("fmt", "--check", "--rules", str(rule_base))
    assert result.returncode == 1
    assert f"à reformater : {path}" in result.stdout
    assert path.read_text(encoding="utf-8") == messy
    result = run_cnam("fmt", "--rules", str(rule_base))
    assert result.returncode == 0, result.stderr
    assert path.read_text(encoding="utf-8") == (RULES / "cnam-eleves" / "ingenieur.cnr").read_text(encoding="utf-8")
    assert run_cnam("fmt", "--check", "--rules", str(rule_base)).returncode == 0
    assert run_cnam("check", "--rules", str(rule_base)).returncode == 0


def test_cli_leaves_a_broken_file_untouched(tmp_path):
    path = tmp_path / "casse.cnr"
    path.write_text("source s\nvoie a  pour\n", encoding="utf-8")
    result = run_cnam("fmt", str(path))
    assert result.returncode == 1
    assert "fichier laissé tel quel" in result.stderr and "ligne 2" in result.stderr
    assert path.read_text(encoding="utf-8") == "source s\nvoie a  pour\n"


def test_cli_missing_path_is_a_usage_error(tmp_path):
    result = run_cnam("fmt", str(tmp_path / "absent.cnr"))
    assert result.returncode == 2 and "introuvable" in result.stderr
