"""Build the documentation site: rule base → checked examples → Markdown pages → static MkDocs site (offline, French)."""

from __future__ import annotations

import functools
import http.server
import logging
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from ..rules import ExamplesFail, Rules, RulesError
from ..diagnostics import Diagnostic
from ..request import RequestError
from ..language.model import RuleBase
from ..paths import PACKAGE
from ..solve import Engine, SolverError
from ..analysis.verify import check_example
from . import pages
from .decisions import Decisions
from .divergences import source_divergences
from .markdown import diploma_page, rule_file_page, source_page
from .reference import PAGE as LANGUAGE_PAGE, reference_md
from .vae import PAGE as VAE_PAGE, missing_information, vae_md

SITE_MARKER = ".cnam-docs"  # left in a folder this module built, so that rebuilding may empty it
HAND_WRITTEN = (("contributing.md", "Contribuer"), ("coverage.md", "Couverture et mutants"),
                ("architecture.md", "Architecture"))
CSS = """\
:root > * {
  /* The Cnam's red, dark enough for white text on it and for links on white (WCAG AA contrast). */
  --md-primary-fg-color: #c1002a;
  --md-primary-fg-color--light: #d4335a;
  --md-primary-fg-color--dark: #8f001f;
  --md-accent-fg-color: #8f001f;
  --md-accent-fg-color--transparent: #8f001f1a;
  --md-typeset-a-color: #a50024;
  --md-code-hl-comment-color: #595959;
}
/* Line numbers of the rule files are links: lines 24 px apart, so that each is a target of its own. */
.md-typeset .highlighttable pre { line-height: 24px; }
.md-typeset .linenodiv a, .md-typeset .linenos { color: #595959; }
/* Links in text are underlined: not told apart by their colour alone. */
.md-typeset a:not(.headerlink):not(.md-button) { text-decoration: underline; }
.md-typeset .linenodiv a { text-decoration: none; }
.cnam-charts { display: flex; flex-wrap: wrap; gap: 1.2rem; }
.cnam-chart text { font-family: sans-serif; }
.cnam-legend { font-size: .75rem; }
.cnam-legend-item { margin-right: 1rem; white-space: nowrap; }
.cnam-swatch { display: inline-block; min-width: 2.2em; text-align: center; border-radius: 3px; padding: 0 .3em; }
.cnam-status { border-radius: 3px; padding: 0 .35em; white-space: nowrap; }
.cnam-ok { background: #c8e6c9; color: #1b5e20; }
.cnam-stage { background: #ffe0b2; color: #8a4b00; }
.cnam-manque { background: #ffcdd2; color: #8e0000; }
.cnam-conflit { background: #e0e0e0; color: #424242; }
.md-typeset blockquote { font-size: .95em; }
"""


# Tables wider than the page scroll sideways: their scrolling box (made by the theme's script once the page is
# shown, `document$`) takes the keyboard focus (WCAG 2.1.1).
JS = """\
function focusableTables() {
  document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (box) {
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", "Tableau (défilement horizontal)");
  });
}
if (typeof document$ !== "undefined") {
  document$.subscribe(function () { setTimeout(focusableTables); });
} else {
  document.addEventListener("DOMContentLoaded", focusableTables);
}
"""


class DocsError(Exception):
    """The site cannot be built as asked (bad folder, rule base with errors, MkDocs refused): exit code 2."""


class ExamplesFailed(Exception):
    """Worked examples of the rule files that no longer hold: the build fails (exit code 1)."""

    def __init__(self, diagnostics: list[Diagnostic], texts: dict[str, str]):
        self.diagnostics = diagnostics
        self.texts = texts
        super().__init__(f"{len(diagnostics)} exemple(s) ne tiennent plus")


@dataclass
class BuildResult:
    site: Path
    pages: list[str]
    examples: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def default_docs_dir() -> Path | None:
    """The hand-written pages (`docs/` of a source checkout), if there are any."""
    docs = PACKAGE.parent / "docs"
    return docs if docs.is_dir() else None


def check_examples(base: RuleBase, engine: Engine) -> int:
    """Re-check every worked example with the solver; raise ExamplesFailed naming each that fails."""
    failures = []
    for example in base.examples:
        failures += [d for d in check_example(engine, example) if d.is_error]
    if failures:
        raise ExamplesFailed(failures, base.texts)
    return len(base.examples)


def generate(base: RuleBase, engine: Engine, on: date, hand_written: dict[str, str]) -> dict[str, str]:
    """Every page of the site: path inside the docs folder → Markdown."""
    decisions = Decisions(engine, on)
    site: dict[str, str] = {}
    for diploma, info in base.diplomas.items():
        tables, grids, divergences = {}, {}, {}
        for milestone in info.milestones:
            sources = base.sources_for(diploma, milestone, on)
            if sources:
                tables[milestone] = decisions.table(diploma, milestone)
                grids[milestone] = [decisions.grid(diploma, milestone, s) for s in sources]
                divergences[milestone] = source_divergences(base, engine, diploma, milestone, on)
        site[diploma_page(diploma)] = pages.diploma_md(base, diploma, on, tables, grids, divergences)
    for source in base.sources:
        site[source_page(source)] = pages.source_md(base, source, on)
    vae_examples = pages.examples_md([e for e in base.examples if e.certification], VAE_PAGE)
    site[VAE_PAGE] = vae_md(base, engine, on, vae_examples)
    site[LANGUAGE_PAGE] = reference_md()
    site["regles/index.md"] = pages.rule_files_index_md(base)
    for path in base.texts:
        site[rule_file_page(path)] = pages.rule_file_md(base, path)
    site["index.md"] = pages.home_page(base, on, len(base.examples), sorted(hand_written))
    for name, text in hand_written.items():
        site[f"projet/{name}"] = text
    site["assets/cnam.css"] = CSS
    site["assets/cnam.js"] = JS
    return site


def mkdocs_config(base: RuleBase, site: dict[str, str], hand_written: dict[str, str]) -> dict:
    nav_rules = [{"Tous les fichiers": "regles/index.md"}] + [
        {path: rule_file_page(path)} for path in sorted(base.texts)]
    authors = [{"Le langage des règles": LANGUAGE_PAGE}]
    authors += [{title: f"projet/{name}"} for name, title in HAND_WRITTEN if name in hand_written]
    authors += [{"Fichiers de règles": nav_rules}]
    return {
        "site_name": "Exigences d'expérience professionnelle du Cnam",
        "site_description": "Les exigences d'expérience du Cnam, publiées depuis les règles exécutables.",
        "docs_dir": "docs",
        "use_directory_urls": True,
        "theme": {"name": "material", "language": "fr", "font": False,
                  "palette": {"primary": "custom", "accent": "custom"},
                  "features": ["navigation.sections", "navigation.top", "search.highlight", "toc.follow"]},
        "plugins": [{"search": {"lang": "fr"}}],
        "markdown_extensions": [
            "admonition", "attr_list", "md_in_html", "tables", {"toc": {"permalink": True, "permalink_title": "Lien vers cette section"}},
            "pymdownx.details", "pymdownx.superfences",
            {"pymdownx.highlight": {"anchor_linenums": True, "pygments_lang_class": True}},
        ],
        "extra_css": ["assets/cnam.css"],
        "extra_javascript": ["assets/cnam.js"],
        "extra": {"generator": False},
        # Anchors to rule lines live inside highlighted code, which MkDocs does not see:
        # `broken_line_links` checks them on the built site instead.
        "validation": {"omitted_files": "warn", "absolute_links": "warn", "unrecognized_links": "warn",
                       "anchors": "info"},
        "nav": [
            {"Accueil": "index.md"},
            {"Diplômes": [{info.name: diploma_page(d)} for d, info in base.diplomas.items()]},
            {"Sources": [{pages.source_name(base, s): source_page(s)} for s in sorted(base.sources)]},
            {"VAE": VAE_PAGE},
            {"Auteurs": authors},
        ],
    }


def prepare_folder(folder: Path, what: str) -> None:
    """Make sure a folder may be (re)filled: new, empty, or built here before (it holds the marker)."""
    if folder.exists() and not folder.is_dir():
        raise DocsError(f"{what} : {folder} existe et n'est pas un dossier")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / SITE_MARKER).exists():
        raise DocsError(f"{what} : le dossier {folder} n'est pas vide et n'a pas été construit par "
                        "« cnam docs build » ; choisissez un dossier vide ou nouveau")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / SITE_MARKER).write_text("Dossier construit par « cnam docs build ».\n", encoding="utf-8")


def write_markdown(work: Path, site: dict[str, str], config: dict, out: Path) -> Path:
    docs = work / "docs"
    if docs.exists():
        shutil.rmtree(docs)
    for path, text in site.items():
        target = docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    config_file = work / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump({**config, "site_dir": str(out.resolve())}, allow_unicode=True,
                                          sort_keys=False), encoding="utf-8")
    return config_file


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_mkdocs(config_file: Path) -> None:
    """`mkdocs build --strict` through MkDocs' Python API; its warnings become a DocsError."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    collect = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collect)
    propagate, logger.propagate = logger.propagate, False
    try:
        build(load_config(config_file=str(config_file), strict=True))
    except (Abort, ConfigurationError) as exc:
        details = " ; ".join(collect.messages[:5]) or str(exc)
        raise DocsError(f"MkDocs a refusé le site (mode strict) : {details}") from None
    finally:
        logger.removeHandler(collect)
        logger.propagate = propagate


LINE_LINK = re.compile(r'href="([^"#]*)#(__codelineno-0-\d+)"')


def broken_line_links(site: Path) -> list[str]:
    """Links to a rule's line (`…#__codelineno-0-12`) whose target page has no such line."""
    broken, ids = [], {}
    for page in sorted(site.rglob("*.html")):
        for target, anchor in set(LINE_LINK.findall(page.read_text(encoding="utf-8"))):
            resolved = (page.parent / target / "index.html") if not target.endswith(".html") else page.parent / target
            resolved = resolved.resolve()
            if resolved not in ids:
                text = resolved.read_text(encoding="utf-8") if resolved.is_file() else ""
                ids[resolved] = set(re.findall(r'id="(__codelineno-0-\d+)"', text))
            if anchor not in ids[resolved]:
                broken.append(f"{page.relative_to(site)} → {target}#{anchor}")
    return broken


def cnr_lexer_registered() -> bool:
    """Whether Pygments finds the `cnr` lexer through its plugin entry point (the package is installed)."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        get_lexer_by_name("cnr")
        return True
    except ClassNotFound:
        return False


def build_site(rules: Path, out: Path, on: date | None = None, markdown: Path | None = None,
               docs: Path | None = None) -> BuildResult:
    """Build the whole site into `out`; the Markdown goes to `markdown` (kept) or to a temporary folder."""
    started = time.perf_counter()
    on = on or date.today()
    prepare_folder(out, "--out")
    if markdown is not None:
        prepare_folder(markdown, "--markdown")
    try:
        loaded = Rules.load(rules)
    except ExamplesFail as exc:
        raise ExamplesFailed(exc.diagnostics, exc.texts) from None
    except RulesError as exc:
        raise DocsError(str(exc)) from None
    base, engine = loaded.base, loaded.engine
    try:
        examples = check_examples(base, engine)
        problems = missing_information(base)
        if problems:
            raise DocsError("informations VAE : " + " ; ".join(problems))
        docs = docs if docs is not None else default_docs_dir()
        hand_written = {name: (docs / name).read_text(encoding="utf-8")
                        for name, _ in HAND_WRITTEN if docs is not None and (docs / name).is_file()}
        site = generate(base, engine, on, hand_written)
    except (SolverError, RequestError) as exc:
        raise DocsError(str(exc)) from None
    config = mkdocs_config(base, site, hand_written)
    notes = [] if cnr_lexer_registered() else [
        "le lexer Pygments « cnr » n'est pas enregistré (paquet non installé) : règles affichées sans couleurs"]
    if markdown is not None:
        run_mkdocs(write_markdown(markdown, site, config, out))
    else:
        with tempfile.TemporaryDirectory(prefix="cnam-docs-") as work:
            run_mkdocs(write_markdown(Path(work), site, config, out))
    (out / SITE_MARKER).write_text("Site construit par « cnam docs build ».\n", encoding="utf-8")
    broken = broken_line_links(out)
    if broken:
        raise DocsError(f"{len(broken)} lien(s) vers une ligne de règle introuvable, dont : {broken[0]}")
    return BuildResult(out, sorted(p for p in site if p.endswith(".md")), examples,
                       time.perf_counter() - started, notes)


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000) -> http.server.ThreadingHTTPServer:
    """An HTTP server for a built site (quiet); the caller runs `serve_forever` and closes it."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the standard library's signature
            pass

    handler = functools.partial(Quiet, directory=str(site))
    return http.server.ThreadingHTTPServer((host, port), handler)
