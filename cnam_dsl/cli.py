"""The `cnam` command line: parse options, run a stage of the pipeline, print French text or JSON.

Exit codes (contract): 0 an answer was computed; 1 `cnam check` found errors;
2 the request could not be answered (one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from functools import partial
from pathlib import Path

from .argparse_fr import ArgumentParser, french



class UsageError(Exception):
    """A request that cannot be answered: printed as one line, exit code 2."""


class Parser(ArgumentParser):
    def error(self, message: str):  # argparse's own errors, in French: one line, exit 2
        raise UsageError(french(message))


def build_parser() -> Parser:
    parser = Parser(
        prog="cnam",
        description="Les exigences d'expérience professionnelle du Cnam, en règles exécutables : "
                    "vérifier les règles, dire ce qui manque à un candidat, la recevabilité VAE.",
    )
    parser.add_version(f"cnam {tool_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", parser_class=Parser)

    def command(name: str, help_text: str, format_help: str | None = None) -> Parser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--rules", metavar="DOSSIER", type=Path, default=None,
                       help="dossier de la base de règles (par défaut : la base livrée)")
        p.add_argument("--format", choices=("text", "json"), default="text",
                       help=format_help or "text : français, pour les personnes (défaut) ; json : pour les scripts")
        return p

    p = command("check", "Vérifier que des fichiers de règles sont bien formés et cohérents.")
    p.add_argument("paths", nargs="*", type=Path, metavar="CHEMIN",
                   help="fichiers .cnr ou dossiers (par défaut : toute la base de règles)")
    p.add_argument("--coverage", action="store_true",
                   help="pour chaque instruction, les exemples qui l'exercent et de quel côté de chaque seuil")
    p.add_argument("--mutants", action="store_true",
                   help="muter les règles (durées, qualificatifs, voies…) : les exemples distinguent-ils chaque "
                        "mutant ? pour chaque survivant, l'exemple manquant proposé")
    p.add_argument("--fail-on-survivors", action="store_true",
                   help="avec --mutants (qu'elle implique) : code de sortie 1 si un mutant survit")
    p.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                   help="processus pour juger les mutants (défaut : les processeurs disponibles)")

    p = command("missing", "Ce qu'il manque à un candidat pour un diplôme : rien, un stage, ou de l'expérience.")
    p.add_argument("--diploma", required=True, metavar="ID", help="diplôme visé (ex. licence, bac+2, ingenieur)")
    p.add_argument("--profile", required=True, metavar="FICHIER", help="fichier candidat YAML ou JSON (- : entrée standard)")
    p.add_argument("--source", action="append", metavar="ID", dest="sources",
                   help="source à appliquer (répétable ; par défaut toutes celles qui énoncent des exigences)")
    p.add_argument("--milestone", default="delivery", metavar="ID",
                   help="jalon : delivery (défaut) ; pour ingenieur aussi application, probatoire, defense")
    p.add_argument("--date", default=None, metavar="AAAA-MM-JJ",
                   help="date à laquelle appliquer les règles (par défaut : aujourd'hui)")
    p.add_argument("--why-not", action="store_true",
                   help="« Pourquoi pas ? » : les plus petits changements qui suffiraient pour que rien de plus ne "
                        "soit exigé (champ why_not en JSON)")

    p = command("interview", "Compléter un dossier candidat dans le terminal : seules les questions qui peuvent "
                             "encore changer la réponse, la plus décisive d'abord.")
    p.add_argument("--diploma", required=True, metavar="ID", help="diplôme visé (ex. licence, bac+2, ingenieur)")
    p.add_argument("--profile", default=None, metavar="FICHIER",
                   help="fichier candidat de départ, ses faits inconnus écrits unknown (par défaut : demander le "
                        "nombre de périodes d'expérience, toutes inconnues)")
    p.add_argument("--save", default=None, metavar="FICHIER",
                   help="enregistrer le dossier complété (YAML ; les faits encore inconnus écrits unknown)")
    p.add_argument("--source", action="append", metavar="ID", dest="sources",
                   help="source à appliquer (répétable ; par défaut toutes celles qui énoncent des exigences)")
    p.add_argument("--milestone", default="delivery", metavar="ID", help="jalon (défaut : delivery)")
    p.add_argument("--date", default=None, metavar="AAAA-MM-JJ",
                   help="date à laquelle appliquer les règles (par défaut : aujourd'hui)")

    p = command("vae", "Le candidat peut-il déposer une demande de VAE pour cette certification cette année ?")
    p.add_argument("--certification", required=True, metavar="CODE", help="code de la certification (ex. LP110504)")
    p.add_argument("--profile", required=True, metavar="FICHIER", help="fichier candidat YAML ou JSON (- : entrée standard)")
    p.add_argument("--year", default=None, metavar="AAAA", help="année civile de la demande (défaut : l'année en cours)")
    p.add_argument("--source", action="append", metavar="ID", dest="sources",
                   help="source VAE à appliquer (répétable ; par défaut toutes celles en vigueur)")

    p = command("fmt", "Mettre des fichiers de règles en forme (mise en page canonique), en prouvant que le sens "
                       "ne change pas.")
    p.add_argument("paths", nargs="*", type=Path, metavar="CHEMIN",
                   help="fichiers .cnr ou dossiers (par défaut : toute la base de règles)")
    p.add_argument("--check", action="store_true",
                   help="ne rien réécrire : lister les fichiers à reformater (code de sortie 1 s'il y en a)")

    help_text = "Serveur de langage (LSP, sur l'entrée et la sortie standard) pour les éditeurs."
    p = sub.add_parser("lsp", help=help_text, description=help_text)
    p.add_argument("--rules", metavar="DOSSIER", type=Path, default=None,
                   help="dossier de la base de règles (par défaut : trouvé à partir des fichiers ouverts)")

    p = command("serve", "Servir la page du conseiller et l'API HTTP (JSON) sur ce poste.")
    p.add_argument("--host", default="127.0.0.1", metavar="ADRESSE", help="adresse d'écoute (défaut : 127.0.0.1)")
    p.add_argument("--port", type=_port, default=8000, metavar="PORT", help="port d'écoute (défaut : 8000)")
    p.add_argument("--docs", type=Path, default=None, metavar="DOSSIER",
                   help="documentation générée (cnam docs build) à servir sous /docs et à citer dans les "
                        "réponses (par défaut : le dossier site/ s'il est construit)")
    p.add_argument("--timeout", type=_seconds, default=30.0, metavar="SECONDES",
                   help="délai maximal de réponse à une demande, attente comprise (défaut : 30)")
    p.add_argument("--allowed-host", action="append", default=[], metavar="NOM", dest="allowed_hosts",
                   help="nom sous lequel les navigateurs joignent le serveur (répétable ; toujours permis : "
                        "localhost, les adresses, et les noms de la machine avec --host 0.0.0.0 ; * : tout nom)")
    p.add_argument("--workers", type=_jobs, default=None, metavar="N",
                   help="processus de calcul du solveur (défaut : un par cœur, au moins 2)")
    p.add_argument("--db", metavar="URL",
                   help="base des décisions enregistrées (défaut : CNAM_DB, sinon le fichier SQLite de l'utilisateur)")

    p = command("diff", "Où deux sources, ou deux versions de la base de règles, répondent-elles différemment à "
                        "un candidat ? Chaque divergence vient avec un candidat témoin.")
    p.add_argument("--source", action="append", metavar="ID", dest="sources",
                   help="source à comparer (deux fois : --source A --source B) ; avec --against ou "
                        "--against-rev : source à retenir (répétable)")
    p.add_argument("--against", type=Path, default=None, metavar="DOSSIER",
                   help="nouvelle version de la base de règles, comparée à celle de --rules")
    p.add_argument("--against-rev", default=None, metavar="REV",
                   help="révision git : comparer la base de règles de cette révision à la copie de travail")
    p.add_argument("--diploma", default=None, metavar="ID", help="ne comparer que ce diplôme")
    p.add_argument("--milestone", default=None, metavar="ID", help="ne comparer que ce jalon")
    p.add_argument("--date", type=_date, default=None, metavar="AAAA-MM-JJ",
                   help="date à laquelle appliquer les règles (par défaut : aujourd'hui)")
    p.add_argument("--fail-on-divergence", action="store_true",
                   help="code de sortie 1 s'il y a une divergence (intégration continue)")

    p = command("batch", "Répondre pour toute une cohorte : une demande JSON par ligne, une réponse JSON par ligne.",
                "json : une ligne JSON par réponse (défaut), ou le rapport de --against en JSON ; text : chaque "
                "réponse en français (en un seul processus), ou le rapport de --against (défaut)")
    p.add_argument("--input", required=True, metavar="FICHIER",
                   help="demandes en lignes JSON {\"command\": \"missing\"|\"vae\", ..., \"profile\": {...}} "
                        "(- : entrée standard)")
    p.add_argument("--jobs", type=_jobs, default=1, metavar="N", help="processus de calcul (défaut : 1)")
    p.add_argument("--against", type=Path, default=None, metavar="DOSSIER",
                   help="autre base de règles : dire combien de réponses changent, par nature de changement")
    p.set_defaults(format=None)  # without --format: JSON lines for the answers, French for the --against report

    p = command("examples", "Des candidats de part et d'autre de chaque seuil d'un diplôme, avec les réponses des "
                            "règles, dans la syntaxe des exemples des fichiers de règles.")
    p.add_argument("--diploma", required=True, metavar="ID", help="diplôme visé (ex. licence, bac+2, ingenieur)")
    p.add_argument("--source", action="append", metavar="ID", dest="sources",
                   help="source dont écrire les exemples (répétable ; par défaut toutes celles du diplôme)")

    p = sub.add_parser("docs", help="Le site de documentation généré depuis les règles : construire, servir.",
                       description="Le site de documentation généré depuis les règles : construire, servir.")
    docs = p.add_subparsers(dest="docs_command", metavar="ACTION", parser_class=Parser, required=True)
    for name, help_text in (("build", "Construire le site (MkDocs, hors ligne) ; échoue si un exemple ne tient plus."),
                            ("serve", "Construire le site puis le servir sur ce poste.")):
        d = docs.add_parser(name, help=help_text, description=help_text)
        d.add_argument("--rules", metavar="DOSSIER", type=Path, default=None,
                       help="dossier de la base de règles (par défaut : la base livrée)")
        d.add_argument("--format", choices=("text", "json"), default="text", help="text (défaut) ou json")
        d.add_argument("--out", type=Path, default=None, metavar="DOSSIER",
                       help="dossier du site (défaut : site/ ; pour serve, un dossier temporaire)")
        d.add_argument("--markdown", type=Path, default=None, metavar="DOSSIER",
                       help="garder les pages Markdown générées dans ce dossier (ex. docs/generated)")
        d.add_argument("--date", type=_date, default=None, metavar="AAAA-MM-JJ",
                       help="date des règles en vigueur (par défaut : aujourd'hui)")
        if name == "serve":
            d.add_argument("--host", default="127.0.0.1", metavar="ADRESSE", help="adresse d'écoute (défaut : 127.0.0.1)")
            d.add_argument("--port", type=_port, default=8000, metavar="PORT", help="port d'écoute (défaut : 8000)")
    from .records.commands import add_commands as add_record_commands  # cnam record, cnam records ...

    add_record_commands(sub, command)
    return parser


def tool_version() -> str:
    """The installed version of cnam-dsl (that of pyproject.toml)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("cnam-dsl")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "(version inconnue : paquet non installé)"


def _date(text: str) -> date:
    """A day given as AAAA-MM-JJ (as a question's `date`: `request.DAY`)."""
    from .request import DAY

    try:
        if DAY.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"date invalide « {text} » ; attendu AAAA-MM-JJ")


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"port invalide « {text} » ; attendu un entier entre 1 et 65535")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"délai invalide « {text} » ; attendu un nombre de secondes entre 0 et 3600")
    return value


def _jobs(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"nombre de processus invalide « {text} » ; attendu un entier entre 1 et 64")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        handler = {"check": cmd_check, "missing": cmd_missing, "interview": cmd_interview, "vae": cmd_vae,
                   "fmt": cmd_fmt, "lsp": cmd_lsp, "serve": cmd_serve, "diff": cmd_diff,
                   "examples": cmd_examples, "docs": cmd_docs, "batch": cmd_batch}.get(args.command) or args.handler
        code = handler(args)
        _flush_output()
        return code
    except UsageError as exc:
        return _fail(str(exc))
    except ModuleNotFoundError as exc:  # an optional part not installed (or a broken installation)
        from .extras import missing_module

        command = " ".join(filter(None, (args.command, getattr(args, "docs_command", None))))
        return _fail(missing_module(command, exc.name or "?"))
    except KeyboardInterrupt:
        return _fail("interrompu", prefix="cnam: ")
    except RecursionError:
        return _fail("entrée trop profondément imbriquée")
    except BrokenPipeError:  # `cnam ... | head`: the reader left, nothing more to say
        _drop_output()
        return 0
    except OSError as exc:  # a disk full, a device gone: one line, never a traceback
        _drop_output()
        return _fail(os_error_fr(exc))


def emit(text: str) -> None:
    """Print a result on standard output, as a terminal shows it (control characters escaped); a write that
    fails (a full disk: `> /dev/full`) is one line on standard error, exit 2."""
    from .answer.present import terminal_safe

    try:
        print(terminal_safe(text))
    except BrokenPipeError:
        raise
    except OSError as exc:
        _drop_output()
        raise UsageError(f"impossible d'écrire la réponse sur la sortie standard : {os_error_fr(exc)}") from None


def _flush_output() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        _drop_output()
        raise UsageError(f"impossible d'écrire la réponse sur la sortie standard : {os_error_fr(exc)}") from None


def _drop_output() -> None:
    """Send what is left of standard output nowhere (its writes failed: the final flush must not fail again)."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def warn(text: str) -> None:
    """Print a line for people on standard error, control characters escaped."""
    from .answer.present import terminal_safe

    try:
        print(terminal_safe(text), file=sys.stderr)
    except OSError:  # nowhere left to say it
        pass


def _fail(message: str, prefix: str = "cnam: erreur: ") -> int:
    warn(prefix + message)
    return 2


OS_ERRORS_FR = {"ENOSPC": "plus de place sur le disque", "EDQUOT": "quota de disque dépassé",
                "EFBIG": "fichier trop volumineux", "EIO": "erreur d'entrée-sortie", "EROFS":
                "système de fichiers en lecture seule", "EACCES": "permission refusée", "EPERM": "opération non permise",
                "ENOENT": "fichier ou dossier introuvable", "EISDIR": "c'est un dossier", "ENOTDIR": "pas un dossier"}


def os_error_fr(error: OSError) -> str:
    """An operating system's refusal in French, naming the file when there is one.

    >>> import errno
    >>> os_error_fr(OSError(errno.ENOSPC, "No space left on device"))
    'plus de place sur le disque (errno 28)'
    >>> os_error_fr(PermissionError(errno.EACCES, "Permission denied", "/x"))
    '/x : permission refusée (errno 13)'
    """
    import errno

    name = errno.errorcode.get(error.errno or 0, "")
    reason = f"{OS_ERRORS_FR.get(name, error.strerror or error.__class__.__name__)} (errno {error.errno})"
    return f"{error.filename} : {reason}" if error.filename else reason


# ---------------------------------------------------------------- commands


# Each question's field, as the command line names it.
OPTIONS = {"diploma": "--diploma", "sources": "--source", "source": "--source", "milestone": "--milestone",
           "date": "--date", "certification": "--certification", "year": "--year", "against": "--against",
           "against_rev": "--against-rev"}


def load_rules(rules: Path | None, authoring: bool = False):
    """The rule base (`rules.Rules`), or a UsageError saying why it cannot be used. For `authoring` (comparing
    two versions, writing examples), a rule base is used even if its worked examples fail (a warning names
    each): a change of a threshold breaks the examples around it, and these commands are how an author sees
    what the change does and writes the new examples."""
    from .rules import Rules, RulesError

    try:
        loaded = Rules.load(rules, failing_examples=authoring)
    except RulesError as exc:
        raise UsageError(str(exc)) from None
    for line in loaded.example_warnings():
        warn(f"cnam: avertissement: {line}")
    return loaded


def load_base(rules: Path | None):
    """The checked rule base, or a UsageError naming the first error."""
    return load_rules(rules).base


def load_candidate(path: str, partial: bool = False):
    """The candidate file (with `partial`, its facts may be `unknown`), or a UsageError naming the field."""
    from .candidate import ProfileError, load_profile
    from .candidate.unknown import load_candidate_file

    try:
        return load_candidate_file(path) if partial else load_profile(path)
    except ProfileError as exc:
        raise UsageError(str(exc)) from None


def request_usage(error) -> UsageError:
    """A question's errors (`request.RequestError`) as one line, each field named as the options name it."""
    return UsageError(" ; ".join(f"{OPTIONS.get(e.path, e.path)} : {e.message}" if e.path else e.message
                                for e in error.errors))


def cmd_check(args) -> int:
    from .language.check import check_files, rule_files
    from .language.folders import CheckGroup, check_groups
    from .diagnostics import render
    from .answer.present import to_json
    from .cache import ProofStore
    from .rules import Rules
    from .solve import SolverError

    root = rule_root(args.rules)
    for p in args.paths:
        if not p.exists():
            raise UsageError(f"fichier ou dossier introuvable : {p}")
        if p.is_dir() and not rule_files(p):
            raise UsageError(f"aucun fichier .cnr dans {p}")
    groups = check_groups(args.paths, root) if args.paths else [CheckGroup((), tuple(rule_files(root)))]
    diagnostics, texts, checked = [], {}, []
    for group in groups:
        base, found = check_files(group.files, root if not args.paths else None)
        if base is not None:
            rules = Rules(base, root, proofs=ProofStore.default())
            try:
                found += rules.verify()
            except SolverError as exc:
                raise UsageError(str(exc)) from None
            texts.update(base.texts)
            checked.append(rules)
        diagnostics += [d for d in found if group.reports(d.span.file)]
    failed = any(d.is_error for d in diagnostics)
    if failed:
        extra = _check_extras(args, None, "la base de règles a des erreurs")
    elif len(checked) != 1:
        extra = _check_extras(args, None, "une seule base de règles à la fois")
    else:
        extra = _check_extras(args, checked[0], "")
    if args.format == "json":
        listed = [d.to_json() for d in diagnostics]
        emit(to_json({"diagnostics": listed, **extra["json"]} if extra["json"] else listed))
    else:
        texts = {**_read_texts(diagnostics), **texts}
        for d in diagnostics:
            emit(render(d, texts))
        errors = sum(d.is_error for d in diagnostics)
        warnings = len(diagnostics) - errors
        context = sum(len(g.context) for g in groups)
        emit(f"{sum(len(g.reported) for g in groups)} fichier(s) vérifié(s)"
             + (f", dans le contexte de {context} autre(s)" if context else "")
             + f" : {errors} erreur(s), {warnings} avertissement(s).")
        for text in extra["text"]:
            emit("\n" + text)
    return 1 if failed or extra["survived"] else 0


def _check_extras(args, rules, why: str) -> dict:
    """What `--coverage` and `--mutants` add to `cnam check` (`rules`: None when they cannot run, `why`
    says why): JSON fields, texts, and whether a mutant survived where it must not."""
    import os

    from .solve import SolverError

    extra = {"json": {}, "text": [], "survived": False}
    mutants = args.mutants or args.fail_on_survivors
    if rules is None:
        if args.coverage or mutants:
            extra["text"].append(f"Couverture et mutants : non calculés, {why}.")
        return extra
    if args.coverage:
        from .analysis.coverage import coverage, coverage_text

        found = coverage(rules.base)
        extra["json"]["coverage"] = [c.to_json() for c in found]
        extra["text"].append(coverage_text(found))
    if mutants:
        from .analysis.mutants import mutants_text, mutation_report

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        try:
            report = mutation_report(rules, jobs=args.jobs or cores)
        except SolverError as exc:
            raise UsageError(f"mutants : {exc}") from None
        extra["json"]["mutants"] = report["mutants"]
        extra["json"]["mutant_counts"] = report["counts"]
        extra["text"].append(mutants_text(report))
        extra["survived"] = args.fail_on_survivors and report["counts"]["survived"] > 0
    return extra


def rule_root(rules: Path | None) -> Path:
    """The rule base's folder (default: the shipped one), or a UsageError if it is missing or holds no rule file."""
    from .rules import RulesError, rule_folder

    try:
        return rule_folder(rules)
    except RulesError as exc:
        raise UsageError(str(exc)) from None


def _read_texts(diagnostics) -> dict[str, str]:
    texts = {}
    for d in diagnostics:
        try:
            texts[d.span.file] = Path(d.span.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
    return texts


def cmd_missing(args) -> int:
    from .answer.present import missing_text, to_json
    from .request import RequestError
    from .solve import SolverError

    profile = load_candidate(args.profile, partial=True)
    rules = load_rules(args.rules)
    asked = {"diploma": args.diploma, "milestone": args.milestone, "sources": args.sources, "date": args.date}
    try:
        question = rules.missing_question({k: v for k, v in asked.items() if v is not None}, profile)
        answer = rules.why_not(question) if args.why_not else rules.missing(question)
        if args.why_not and answer.get("complete") is False:
            warn("--why-not : « Pourquoi pas ? » répond sur un dossier complet ; celui-ci a des faits inconnus "
                 "(voir les questions qui peuvent changer la réponse)")
    except RequestError as exc:
        raise request_usage(exc) from None
    except SolverError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        emit(to_json(answer))
    elif answer.get("complete") is False:  # a file with unknown facts (`answer.unknown`)
        from .answer.unknown import partial_text

        emit(partial_text(answer, rules.base.diplomas[question.diploma].name, profile.name))
    else:
        emit(missing_text(answer, rules.base.diplomas[question.diploma].name, profile.name))
        if "why_not" in answer:
            from .answer.why_not import why_not_text

            emit("\n".join(why_not_text(answer["why_not"])[1:]))
    return 0


def cmd_interview(args) -> int:
    from .answer.present import to_json
    from .interview import Interview, ask_periods, save, starting_file
    from .request import RequestError
    from .solve import SolverError

    if args.profile == "-":
        raise UsageError("--profile : le dossier de départ ne peut pas être lu sur l'entrée standard, qui sert aux "
                         "réponses ; donner un fichier")
    rules = load_rules(args.rules)
    asked = {k: v for k, v in {"diploma": args.diploma, "milestone": args.milestone, "sources": args.sources,
                               "date": args.date}.items() if v is not None}
    profile = load_candidate(args.profile, partial=True) if args.profile else None
    try:
        rules.missing_question(asked, profile or starting_file(1))
        if profile is None:
            periods = ask_periods(input, print)
            if periods is None:
                return 0
            profile = starting_file(periods)
        interview = Interview(rules, asked, profile, say=emit)
        profile = interview.run()
        if args.format == "json":
            emit(to_json(interview.answer()))
    except RequestError as exc:
        raise request_usage(exc) from None
    except SolverError as exc:
        raise UsageError(str(exc)) from None
    if args.save:
        try:
            save(profile, args.save)
        except OSError as exc:
            raise UsageError(f"--save : impossible d'écrire {args.save} ({exc.strerror or exc})") from None
        warn(f"Dossier enregistré dans {args.save}.")
    return 0


def cmd_batch(args) -> int:
    from .batch import cohort as batch

    if args.input != "-" and not Path(args.input).is_file():
        raise UsageError(f"{args.input}: fichier introuvable")
    try:
        if args.against is None:
            if args.format == "text":
                batch.run_text(args.input, args.rules)
            else:
                batch.run(args.input, args.rules, args.jobs)
            return 0
        report = batch.impact(args.input, args.rules, args.against)
    except batch.LineError as exc:
        raise UsageError(str(exc)) from None
    except batch.OutputError as exc:
        _drop_output()
        raise UsageError(f"impossible d'écrire les réponses sur la sortie standard : {os_error_fr(exc.error)}") from None
    emit(batch.dumps(report).decode("utf-8") if args.format == "json" else batch.impact_text(report))
    return 0


def cmd_vae(args) -> int:
    from .answer.present import to_json, vae_text
    from .request import RequestError
    from .solve import SolverError

    profile = load_candidate(args.profile)
    rules = load_rules(args.rules)
    asked = {"certification": args.certification, "year": args.year, "sources": args.sources}
    try:
        answer = rules.vae({k: v for k, v in asked.items() if v is not None}, profile)
    except RequestError as exc:
        raise request_usage(exc) from None
    except SolverError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        emit(to_json(answer))
    else:
        emit(vae_text(answer, profile.name))
    return 0


def cmd_fmt(args) -> int:
    from .language.check import rule_files
    from .authoring.fmt import contexts, format_files
    from .answer.present import to_json

    root = rule_root(args.rules)
    files = []
    for p in args.paths or [root]:
        if not p.exists():
            raise UsageError(f"fichier ou dossier introuvable : {p}")
        files += rule_files(p) if p.is_dir() else [p]
    report = format_files(files, contexts(root), check_only=args.check)
    for _, reason in report.refused:
        warn(f"cnam fmt: {reason}")
    emit(to_json(report.to_json()) if args.format == "json" else report.text(args.check))
    return 1 if report.refused or args.check and report.changed else 0


def cmd_lsp(args) -> int:
    from .lsp import serve

    serve(rule_root(args.rules) if args.rules is not None else None)
    return 0


def cmd_serve(args) -> int:
    import uvicorn  # noqa: F401  (imported by `serve` once the page is announced: missing, it is said first)

    from .web.app import allowed_hosts, bind_problem, create_app, serve

    if args.docs is not None and not args.docs.is_dir():
        raise UsageError(f"--docs : dossier introuvable « {args.docs} » (la documentation se construit avec cnam docs build)")
    docs = args.docs or (Path("site") if (Path("site") / "index.html").is_file() else None)
    from .rules import Rules, RulesError

    try:
        rules = Rules.load(args.rules, timeout_ms=int(min(args.timeout, 5.0) * 1000))
    except RulesError as exc:
        raise UsageError(str(exc)) from None
    import os

    from .web.access import access_problem, weak_token

    token = os.environ.get("CNAM_TOKEN") or None
    problem = access_problem(args.host, token) or weak_token(token) or bind_problem(args.host, args.port)
    if problem:
        raise UsageError(problem)
    app = create_app(rules, docs_dir=docs, deadline_seconds=args.timeout,
                     hosts=allowed_hosts(args.host, args.allowed_hosts), workers=args.workers, records_db=args.db,
                     token=token)
    print(f"cnam serve : page du conseiller sur http://{args.host}:{args.port}/ (Ctrl-C pour arrêter)", file=sys.stderr)
    serve(app, args.host, args.port)
    return 0


def cmd_diff(args) -> int:
    from .analysis.diff import diff_report, diff_text
    from .answer.present import to_json
    from .request import RequestError
    from .solve import SolverError

    try:
        compared = args.against is not None or args.against_rev is not None
        report, names = diff_report(args, args.date or date.today(), partial(load_rules, authoring=compared))
    except RequestError as exc:
        raise request_usage(exc) from None
    except SolverError as exc:
        raise UsageError(str(exc)) from None
    emit(to_json(report) if args.format == "json" else diff_text(report, names))
    return 1 if args.fail_on_divergence and (report["divergences"] or report["changes"]) else 0


def cmd_examples(args) -> int:
    from .analysis.examples import boundary_examples, examples_text
    from .answer.present import to_json
    from .request import RequestError
    from .solve import SolverError

    rules = load_rules(args.rules, authoring=True)
    try:
        found = boundary_examples(rules, args.diploma, args.sources)
    except RequestError as exc:
        raise request_usage(exc) from None
    except SolverError as exc:
        raise UsageError(str(exc)) from None
    emit(to_json([e.to_json() for e in found]) if args.format == "json" else examples_text(found))
    return 0


def cmd_docs(args) -> int:
    import tempfile

    from .extras import MissingModule, require

    rules = rule_root(args.rules)
    try:
        require("docs", f"docs {args.docs_command}")
    except MissingModule as exc:
        raise UsageError(str(exc)) from None
    from .diagnostics import render
    from .docsite.build import DocsError, ExamplesFailed, build_site, serve
    from .answer.present import to_json

    with tempfile.TemporaryDirectory(prefix="cnam-site-") as scratch:
        out = args.out or (Path("site") if args.docs_command == "build" else Path(scratch) / "site")
        try:
            result = build_site(rules, out, args.date, args.markdown)
        except ExamplesFailed as exc:
            for d in exc.diagnostics:
                warn(render(d, exc.texts))
            warn(f"cnam docs: la construction a échoué : {exc} (lancez « cnam check »)")
            return 1
        except DocsError as exc:
            raise UsageError(str(exc)) from None
        for note in result.notes:
            warn(f"cnam docs: remarque : {note}")
        summary = {"site": str(out), "pages": len(result.pages), "examples": result.examples,
                   "seconds": round(result.seconds, 1), "notes": result.notes}
        emit(to_json(summary) if args.format == "json" else
              f"Site construit dans {out} : {len(result.pages)} pages, {result.examples} exemples vérifiés, "
              f"en {result.seconds:.1f} s.".replace(f"{result.seconds:.1f}", f"{result.seconds:.1f}".replace(".", ",")))
        if args.docs_command == "build":
            return 0
        try:
            server = serve(out, args.host, args.port)
        except OSError as exc:
            raise UsageError(f"--port : impossible d'écouter sur {args.host}:{args.port} ({exc.strerror})") from None
        print(f"cnam docs serve : documentation sur http://{args.host}:{args.port}/ (Ctrl-C pour arrêter)",
              file=sys.stderr)
        with server:
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
