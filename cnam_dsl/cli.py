"""The `cnam` command line: parse options, run a stage of the pipeline, print French text or JSON.

Exit codes (contract): 0 an answer was computed; 1 `cnam check` found errors;
2 the request could not be answered (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from .paths import default_rules_dir


class UsageError(Exception):
    """A request that cannot be answered: printed as one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own errors: one line, exit 2
        raise UsageError(_translate_argparse(message))


def _translate_argparse(message: str) -> str:
    replacements = {
        "the following arguments are required": "options obligatoires manquantes",
        "unrecognized arguments": "arguments non reconnus",
        "invalid choice": "choix invalide",
        "expected one argument": "une valeur est attendue",
        "argument": "option",
        "choose from": "choisir parmi",
    }
    for en, fr in replacements.items():
        message = message.replace(en, fr)
    return message


def build_parser() -> Parser:
    parser = Parser(
        prog="cnam",
        description="Les exigences d'expérience professionnelle du Cnam, en règles exécutables : "
                    "vérifier les règles, dire ce qui manque à un candidat, la recevabilité VAE.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", parser_class=Parser)

    def command(name: str, help_text: str) -> Parser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--rules", metavar="DOSSIER", type=Path, default=None,
                       help="dossier de la base de règles (par défaut : la base livrée)")
        p.add_argument("--format", choices=("text", "json"), default="text",
                       help="text : français, pour les personnes (défaut) ; json : pour les scripts")
        return p

    p = command("check", "Vérifier que des fichiers de règles sont bien formés et cohérents.")
    p.add_argument("paths", nargs="*", type=Path, metavar="CHEMIN",
                   help="fichiers .cnr ou dossiers (par défaut : toute la base de règles)")

    p = command("missing", "Ce qu'il manque à un candidat pour un diplôme : rien, un stage, ou de l'expérience.")
    p.add_argument("--diploma", required=True, metavar="ID", help="diplôme visé (ex. licence, bac+2, ingenieur)")
    p.add_argument("--profile", required=True, metavar="FICHIER", help="fichier candidat YAML ou JSON (- : entrée standard)")
    p.add_argument("--source", action="append", metavar="ID", dest="sources",
                   help="source à appliquer (répétable ; par défaut toutes celles qui énoncent des exigences)")
    p.add_argument("--milestone", default="delivery", metavar="ID",
                   help="jalon : delivery (défaut) ; pour ingenieur aussi application, probatoire, defense")
    p.add_argument("--date", type=_date, default=None, metavar="AAAA-MM-JJ",
                   help="date à laquelle appliquer les règles (par défaut : aujourd'hui)")

    p = command("vae", "Le candidat peut-il déposer une demande de VAE pour cette certification cette année ?")
    p.add_argument("--certification", required=True, metavar="CODE", help="code de la certification (ex. LP110504)")
    p.add_argument("--profile", required=True, metavar="FICHIER", help="fichier candidat YAML ou JSON (- : entrée standard)")
    p.add_argument("--year", type=_year, default=None, metavar="AAAA", help="année civile de la demande (défaut : l'année en cours)")
    p.add_argument("--source", action="append", metavar="ID", dest="sources",
                   help="source VAE à appliquer (répétable ; par défaut toutes celles en vigueur)")
    return parser


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide « {text} » ; attendu AAAA-MM-JJ") from None


def _year(text: str) -> int:
    if not text.isdigit() or not 1900 <= int(text) <= 2200:
        raise argparse.ArgumentTypeError(f"année invalide « {text} » ; attendu AAAA entre 1900 et 2200")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        handler = {"check": cmd_check, "missing": cmd_missing, "vae": cmd_vae}[args.command]
        return handler(args)
    except UsageError as exc:
        print(f"cnam: erreur: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cnam: interrompu", file=sys.stderr)
        return 2
    except RecursionError:
        print("cnam: erreur: entrée trop profondément imbriquée", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `cnam ... | head`: the reader left, nothing more to say
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


# ---------------------------------------------------------------- commands


def load_base(rules: Path | None):
    """The checked rule base, or a UsageError naming the first error."""
    from .check import load_rule_base

    root = rules or default_rules_dir()
    base, diagnostics = load_rule_base(root)
    if base is None:
        first = next(d for d in diagnostics if d.is_error)
        raise UsageError(f"{first.span}: la base de règles contient des erreurs ({first.message}) ; "
                         f"lancez « cnam check --rules {root} »")
    return base


def load_candidate(path: str):
    from .profile import ProfileError, load_profile

    try:
        return load_profile(path)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None


def cmd_check(args) -> int:
    from .check import check_files, rule_files
    from .diagnostics import render
    from .present import to_json
    from .solve import Engine, SolverError
    from .verify import verify

    root = args.rules or default_rules_dir()
    paths = expand_paths(args.paths, root) if args.paths else rule_files(root)
    base, diagnostics = check_files(paths, root if not args.paths else None)
    if base is not None:
        try:
            diagnostics += verify(base, Engine(base))
        except SolverError as exc:
            raise UsageError(str(exc)) from None
    texts = base.texts if base is not None else {}
    if args.format == "json":
        print(to_json([d.to_json() for d in diagnostics]))
    else:
        texts = texts or _read_texts(diagnostics)
        for d in diagnostics:
            print(render(d, texts))
        errors = sum(d.is_error for d in diagnostics)
        warnings = len(diagnostics) - errors
        print(f"{len(paths)} fichier(s) vérifié(s) : {errors} erreur(s), {warnings} avertissement(s).")
    return 1 if any(d.is_error for d in diagnostics) else 0


def expand_paths(paths: list[Path], root: Path) -> list[Path]:
    """The files to check: those named and the .cnr files under the folders named, in the context
    of the rule base: its diploma declarations (unless the files named declare diplomas) and the
    declarations (title, document, general rules) of the sources the files named use."""
    from .check import rule_files

    files = []
    for p in paths:
        if p.is_dir():
            files += rule_files(p)
        elif p.is_file():
            files.append(p)
        else:
            raise UsageError(f"{p}: fichier introuvable")
    headers = {f: _header(f) for f in files}
    declares = any(h[0] for h in headers.values())
    used = {h[1] for h in headers.values() if h[1] and not h[2]}
    resolved = {f.resolve() for f in files}
    context = []
    for f in rule_files(Path(root)) if Path(root).is_dir() else []:
        has_diplomas, source, described = _header(f)
        if f.resolve() not in resolved and ((has_diplomas and not declares) or (described and source in used)):
            context.append(f)
    return context + files


def _header(path: Path) -> tuple[bool, str | None, bool]:
    """(declares diplomas, source id, describes the source with a title or document) of a rule file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False, None, False
    source = next((ln.split()[1] for ln in lines if ln.startswith("source ") and len(ln.split()) > 1), None)
    described = any(ln.strip().startswith(("titre ", "document ")) for ln in lines)
    return any(ln.startswith("diplôme ") for ln in lines), source, described


def _read_texts(diagnostics) -> dict[str, str]:
    texts = {}
    for d in diagnostics:
        try:
            texts[d.span.file] = Path(d.span.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
    return texts


def cmd_missing(args) -> int:
    from .explain import RequestError, missing_answer
    from .present import missing_text, to_json
    from .solve import Engine, SolverError

    profile = load_candidate(args.profile)
    base = load_base(args.rules)
    try:
        answer = missing_answer(Engine(base), args.diploma, profile, args.sources, args.milestone, args.date)
    except (RequestError, SolverError) as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        print(to_json(answer))
    else:
        print(missing_text(answer, base.diplomas[args.diploma].name, profile.name))
    return 0


def cmd_vae(args) -> int:
    from .explain import RequestError, vae_answer
    from .present import to_json, vae_text
    from .solve import SolverError

    code = args.certification
    if not (code.isascii() and code.isalnum() and 2 <= len(code) <= 20):
        raise UsageError(f"--certification : code invalide « {code} » ; attendu lettres et chiffres (ex. LP110504)")
    profile = load_candidate(args.profile)
    base = load_base(args.rules)
    try:
        answer = vae_answer(base, code.upper(), profile, args.year or date.today().year, args.sources)
    except (RequestError, SolverError) as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        print(to_json(answer))
    else:
        print(vae_text(answer, profile.name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
