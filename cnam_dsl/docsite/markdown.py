"""Small Markdown helpers shared by the generated pages: escaping, quotes, links to rule lines, page paths."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..language.model import Provenance

STATUS_CLASS = {"satisfied": "ok", "internship": "stage", "missing": "manque", "conflict": "conflit",
                "eligible": "ok", "limit": "manque"}


def escape(text: str) -> str:
    """Text that Markdown shows as written (no emphasis, links, HTML or table cells).

    >>> escape("a*b_c [d] <e> | f")
    'a\\\\*b\\\\_c \\\\[d\\\\] &lt;e&gt; \\\\| f'
    """
    text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([*_\[\]`|#])", r"\\\1", text)


def code_span(text: str) -> str:
    """Text as inline code, shown as written: nothing is escaped inside a code span (a backslash would show),
    a backtick in the text takes a longer fence.

    >>> code_span("000_6c32.txt"), code_span("le jury|le Cnam"), code_span("a`b")
    ('`000_6c32.txt`', '`le jury|le Cnam`', '`` a`b ``')
    """
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    padded = f" {text} " if "`" in text else text
    return f"{fence}{padded}{fence}"


def diploma_slug(diploma: str) -> str:
    """
    >>> diploma_slug("bac+2")
    'bac-plus-2'
    """
    return diploma.replace("+", "-plus-").replace("--", "-").strip("-")


def diploma_page(diploma: str) -> str:
    return f"diplomes/{diploma_slug(diploma)}.md"


def source_page(source: str) -> str:
    return f"sources/{source}.md"


def rule_file_page(display_path: str) -> str:
    """The page that shows a rule file (display path as in provenances: `rules/cnam-na/licence.cnr`).

    >>> rule_file_page("rules/cnam-na/licence.cnr")
    'regles/cnam-na-licence.md'
    """
    parts = PurePosixPath(display_path.replace("\\", "/")).parts
    inner = parts[1:] if len(parts) > 1 else parts
    name = "-".join(inner).removesuffix(".cnr").replace("+", "-plus-")
    return f"regles/{name if name != 'index' else 'index-cnr'}.md"  # regles/index.md lists the files


def relative(from_page: str, to_page: str) -> str:
    """A link from one generated page to another (both relative to the docs folder).

    >>> relative("diplomes/licence.md", "regles/cnam-na-licence.md")
    '../regles/cnam-na-licence.md'
    """
    depth = from_page.count("/")
    return "../" * depth + to_page


def rule_link(where, from_page: str) -> str:
    """`[rules/x.cnr:12](…#__codelineno-0-12)`: a rule's file and line (a Provenance, a Span, or a
    `{"file", "line"}` dict), linked to its highlighted line on the rule file's page."""
    file, line = (where["file"], where["line"]) if isinstance(where, dict) else (where.file, where.line)
    target = relative(from_page, rule_file_page(file))
    return f"[{escape(file)}:{line}]({target}#__codelineno-0-{line})"


def quoted(provenance: Provenance, from_page: str) -> str:
    """The source passage a rule encodes, as a blockquote ending with the link to the rule."""
    if not provenance.quote:
        return f"> {rule_link(provenance, from_page)}"
    return f"> « {escape(provenance.quote)} »  \n> — {provenance.source}, {rule_link(provenance, from_page)}"


def status_badge(status: str, text: str) -> str:
    return f'<span class="cnam-status cnam-{STATUS_CLASS.get(status, "conflit")}">{escape(text)}</span>'


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table (cells already escaped)."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell.replace("\n", " ") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def details(title: str, body: str, kind: str = "note") -> str:
    """A collapsed block (pymdownx.details)."""
    indented = "\n".join(("    " + line) if line else "" for line in body.splitlines())
    return f'??? {kind} "{title}"\n\n{indented}\n'
