"""`cnam record` and `cnam records list|show|verify|replay|erase`: their options, and each command's run.

Added to the command line by `add_commands` (cli.py calls it once); each
command's `handler` is set here. Errors are the command line's `UsageError`
(one French line, exit 2).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

DB_HELP = ("base des décisions : chemin d'un fichier SQLite ou adresse postgresql://… (défaut : CNAM_DB, sinon "
           "records.sqlite3 dans le dossier de données de l'utilisateur)")


def _record_id(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 2**31 - 1:
        raise argparse.ArgumentTypeError(f"numéro d'enregistrement invalide « {text} » ; attendu un entier ≥ 1")
    return int(text)


def add_commands(sub, command) -> None:
    """`record` and `records` added to the command line's subcommands (`command`: cli's helper adding
    --rules and --format)."""
    p = command("record", "Calculer une réponse (comme cnam missing, ou cnam vae avec --vae) et l'enregistrer "
                          "comme décision : vérifiable, imprimable, rejouable.")
    p.add_argument("--vae", action="store_true", help="la question de cnam vae (avec --certification) au lieu de "
                                                      "celle de cnam missing")
    p.add_argument("--diploma", metavar="ID", help="diplôme visé (ex. licence, bac+2, ingenieur)")
    p.add_argument("--certification", metavar="CODE", help="avec --vae : code de la certification (ex. LP110504)")
    p.add_argument("--profile", required=True, metavar="FICHIER",
                   help="fichier candidat YAML ou JSON (- : entrée standard)")
    p.add_argument("--source", action="append", metavar="ID", dest="sources", help="source à appliquer (répétable)")
    p.add_argument("--milestone", default="delivery", metavar="ID", help="jalon (défaut : delivery)")
    p.add_argument("--date", metavar="AAAA-MM-JJ", help="date à laquelle appliquer les règles (défaut : aujourd'hui)")
    p.add_argument("--year", metavar="AAAA", help="avec --vae : année de la demande (défaut : l'année en cours)")
    p.add_argument("--adviser", metavar="NOM", help="nom du conseiller qui enregistre (défaut : CNAM_ADVISER)")
    p.add_argument("--db", metavar="URL", help=DB_HELP)
    p.set_defaults(handler=cmd_record)

    help_text = "Les décisions enregistrées : lister, montrer, vérifier, rejouer sous d'autres règles, effacer."
    p = sub.add_parser("records", help=help_text, description=help_text)
    actions = p.add_subparsers(dest="records_command", metavar="ACTION", parser_class=type(p), required=True)

    def action(name: str, help_text: str, formats=("text", "json")):
        a = actions.add_parser(name, help=help_text, description=help_text)
        a.add_argument("--db", metavar="URL", help=DB_HELP)
        a.add_argument("--format", choices=formats, default="text", help=" | ".join(formats) + " (défaut : text)")
        if name != "replay":
            a.add_argument("--rules", metavar="DOSSIER", type=Path, default=None, help=argparse.SUPPRESS)
        return a

    a = action("list", "Lister les décisions enregistrées, par nom du candidat ou par diplôme.")
    a.add_argument("--name", metavar="TEXTE", help="le nom du candidat contient ce texte (sans casse ni accents)")
    a.add_argument("--diploma", metavar="ID", help="diplôme (ou code de certification VAE)")
    a.set_defaults(handler=cmd_list)
    a = action("show", "Montrer une décision : texte, JSON, HTML ou PDF à remettre au candidat.",
               ("text", "json", "html", "pdf"))
    a.add_argument("id", type=_record_id, metavar="ID")
    a.add_argument("--out", type=Path, metavar="FICHIER", help="écrire dans ce fichier (pour le PDF)")
    a.set_defaults(handler=cmd_show)
    a = action("verify", "Vérifier la chaîne, les données personnelles et chaque réponse recalculée avec ses "
                         "propres règles (code de sortie 1 si quelque chose ne tient pas).")
    a.add_argument("id", type=_record_id, nargs="?", metavar="ID", help="une décision (défaut : toutes)")
    a.add_argument("--all", action="store_true", help="toutes les décisions (défaut)")
    a.set_defaults(handler=cmd_verify)
    a = action("replay", "Les décisions enregistrées auxquelles une autre base de règles répondrait autrement.")
    a.add_argument("--rules", metavar="DOSSIER", type=Path, required=True, help="la base de règles à essayer")
    a.add_argument("--jobs", type=_jobs, default=1, metavar="N", help="processus de calcul (défaut : 1)")
    a.set_defaults(handler=cmd_replay)
    a = action("erase", "Effacer les données personnelles d'une décision (nom, libellés) : elle reste vérifiable.")
    a.add_argument("id", type=_record_id, metavar="ID")
    a.add_argument("--adviser", metavar="NOM", help="qui efface (défaut : CNAM_ADVISER)")
    a.set_defaults(handler=cmd_erase)


def _jobs(text: str) -> int:
    from ..cli import _jobs as jobs

    return jobs(text)


def _usage(message: str):
    from ..cli import UsageError

    return UsageError(message)


def _store(args):
    from .store import RecordsError, Store

    try:
        return Store.open(args.db)
    except RecordsError as error:
        raise _usage(str(error)) from None


def _emit(text: str) -> None:
    """Print for people or scripts as every command does: control characters escaped (a name may hold them), a
    full disk one French line (`cli.emit`)."""
    from ..cli import emit

    emit(text)


def _print_json(value) -> None:
    from ..answer.present import to_json

    _emit(to_json(value))


# ---------------------------------------------------------------- cnam record


def cmd_record(args) -> int:
    from ..answer.present import missing_text, vae_text
    from ..candidate import ProfileError
    from ..candidate.files import STDIN_ORIGIN, load_text, read_bytes
    from ..candidate.unknown import PartialProfile, read_candidate
    from ..cli import load_rules, request_usage
    from ..request import RequestError
    from ..solve import SolverError
    from .decision import RulesChanged, decide

    kind = "vae" if args.vae else "missing"
    fields = _fields(args, kind)
    adviser = args.adviser or os.environ.get("CNAM_ADVISER")
    if not adviser or not adviser.strip():
        raise _usage("--adviser : le nom du conseiller qui enregistre est obligatoire (ou CNAM_ADVISER)")
    origin = STDIN_ORIGIN if args.profile == "-" else args.profile
    try:
        data = load_text(read_bytes(args.profile), origin, args.profile.lower().endswith(".json"))
        candidate = read_candidate(data, origin)
    except ProfileError as error:
        raise _usage(str(error)) from None
    if isinstance(candidate, PartialProfile):  # what would be recorded is not decided yet
        unknown = ", ".join(f.path for f in candidate.unknowns)
        raise _usage(f"{origin}: dossier incomplet ({unknown} : unknown) ; une décision ne s'enregistre que sur un "
                     "dossier complet : « cnam missing » dit ce qui reste possible, « cnam interview » aide à le "
                     "compléter")
    rules = load_rules(args.rules)
    try:
        draft = decide(rules, kind, fields, data, adviser.strip(), date.today())
    except RequestError as error:
        raise request_usage(error) from None
    except (SolverError, RulesChanged) as error:
        raise _usage(str(error)) from None
    record = _with_store(args, lambda store: store.append(draft))
    if args.format == "json":
        _print_json(record)
        return 0
    name = record["profile"].get("name")
    text = (vae_text(record["answer"], name) if kind == "vae"
            else missing_text(record["answer"], record["titles"]["subject"], name))
    _emit(f"Décision enregistrée n° {record['id']} (empreinte {record['sha256'][:16]}…) ; "
          f"« cnam records show {record['id']} --format pdf --out decision-{record['id']}.pdf » l'imprime.\n")
    _emit(text)
    return 0


def _fields(args, kind: str) -> dict:
    """The question's fields from the options (those of cnam missing, or of cnam vae)."""
    if kind == "missing":
        if not args.diploma:
            raise _usage("--diploma : option obligatoire (ou --vae --certification CODE pour une demande de VAE)")
        asked = {"diploma": args.diploma, "milestone": args.milestone, "sources": args.sources, "date": args.date}
    else:
        if not args.certification:
            raise _usage("--certification : option obligatoire avec --vae")
        asked = {"certification": args.certification, "year": args.year, "sources": args.sources}
    return {k: v for k, v in asked.items() if v is not None}


# ---------------------------------------------------------------- cnam records


def _with_store(args, run):
    from .store import RecordsError

    store = _store(args)
    try:
        return run(store)
    except RecordsError as error:
        raise _usage(str(error)) from None
    finally:
        store.close()


def cmd_list(args) -> int:
    from .printable import STATUS_FR

    found = _with_store(args, lambda store: store.listing(args.name, args.diploma))
    if args.format == "json":
        _print_json(found)
        return 0
    if not found:
        _emit("Aucune décision enregistrée ne correspond.")
    from ..answer.present import one_line

    for r in found:  # one line per record, whatever its name holds
        name = "(effacé)" if r["erased"] else one_line(r["name"] or "(sans nom)")
        what = f"VAE {r['subject']}" if r["kind"] == "vae" else r["subject"]
        status = STATUS_FR.get(r["status"], r["status"])
        _emit(f"{r['id']:>6}  {r['created_at'][:10]}  {what:<22} {status:<21} {name} — {one_line(r['adviser'])}")
    return 0


def cmd_show(args) -> int:
    from . import printable

    record = _with_store(args, lambda store: store.record(args.id))
    if args.format == "pdf":
        try:
            data = printable.record_pdf(record)
        except printable.PrintError as error:
            raise _usage(str(error)) from None
    else:
        render = {"json": printable.record_json_text, "html": printable.record_html,
                  "text": printable.record_text}[args.format]
        data = (render(record) + "\n").encode("utf-8")
    if args.out is not None:
        try:
            args.out.write_bytes(data)
        except OSError as error:
            raise _usage(f"--out : écriture impossible dans {args.out} ({error.strerror or error})") from None
        return 0
    if args.format == "pdf" and sys.stdout.isatty():
        raise _usage("--out FICHIER : un PDF ne s'affiche pas dans le terminal")
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    return 0


def cmd_verify(args) -> int:
    from .audit import verify, verify_text

    if args.all and args.id is not None:
        raise _usage("donner un numéro d'enregistrement ou --all, pas les deux")
    report = _with_store(args, lambda store: verify(store, args.id))
    if args.format == "json":
        _print_json(report)
    else:
        _emit(verify_text(report))
    return 1 if report["problems"] else 0


def cmd_replay(args) -> int:
    from ..cli import load_rules
    from ..rules import RulesError, rule_folder
    from .audit import replay, replay_text

    try:
        root = rule_folder(args.rules)
    except RulesError as error:
        raise _usage(f"--rules : {error}") from None
    load_rules(root, authoring=True)  # a warning for each worked example the corrected rules break
    try:
        report = _with_store(args, lambda store: replay(store, root, args.jobs))
    except RulesError as error:
        raise _usage(str(error)) from None
    if args.format == "json":
        _print_json(report)
    else:
        _emit(replay_text(report))
    return 0


def cmd_erase(args) -> int:
    by = args.adviser or os.environ.get("CNAM_ADVISER")
    record = _with_store(args, lambda store: store.erase(args.id, by))
    if args.format == "json":
        _print_json(record)
        return 0
    fields = record.get("personal_fields") or []
    _emit(f"Données personnelles de l'enregistrement {args.id} effacées ({', '.join(fields) or 'aucune'}) ; "
          f"la décision reste vérifiable (cnam records verify {args.id}).")
    return 0
