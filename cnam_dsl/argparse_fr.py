"""argparse in French: every word it prints (usage, headings, help, errors), from a French catalog of its own
gettext messages.

argparse asks gettext for each of its words (`_('usage: ')`, `_('unrecognized
arguments: %s')`), but gettext's catalogs are process-wide (a text domain, the
language read from the environment): installing one would change every
library's messages and depend on `LANG`. So the catalog below is keyed by
argparse's own message ids, and applied at the parser's edges: the help
formatter's prefix and headings, the help and version actions, and each error
message, matched against the id it was formatted from (`french`). A test
lists the ids of the running Python's argparse and checks that each one a
user can see is here.

>>> french("argument --format: invalid choice: 'yaml' (choose from 'text', 'json')")
"option --format : choix invalide « yaml » ; attendu l'un de : text, json"
>>> french("unrecognized arguments: --version")
'arguments non reconnus : --version'
"""

from __future__ import annotations

import argparse
import ast
import re
import sys

# argparse's gettext message ids (Python 3.11 to 3.13) → French. The values keep the ids' placeholders.
CATALOG = {
    "usage: ": "utilisation : ",
    "positional arguments": "arguments",
    "options": "options",
    "subcommands": "commandes",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    " (default: %(default)s)": " (défaut : %(default)s)",
    "%(heading)s:": "%(heading)s :",
    "%(prog)s: error: %(message)s\n": "%(prog)s: erreur: %(message)s\n",
    "%(prog)s: warning: %(message)s\n": "%(prog)s: avertissement: %(message)s\n",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "invalid choice: %(value)r (choose from %(choices)s)":
        "choix invalide « %(value)s » ; attendu l'un de : %(choices)s",
    "invalid %(type)s value: %(value)r": "valeur invalide « %(value)s »",
    "expected one argument": "une valeur est attendue",
    "expected at most one argument": "au plus une valeur est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "expected %s argument": "%s valeur attendue",
    "expected %s arguments": "%s valeurs attendues",
    "ambiguous option: %(option)s could match %(matches)s":
        "option ambiguë %(option)s : elle peut désigner %(matches)s",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "one of the arguments %s is required": "l'un des arguments %s est obligatoire",
    "ignored explicit argument %r": "valeur inattendue « %s »",
    "unexpected option string: %s": "option inattendue : %s",
    "unknown parser %(parser_name)r (choices: %(choices)s)":
        "commande inconnue « %(parser_name)s » ; attendu l'une de : %(choices)s",
    "can't open '%(filename)s': %(error)s": "impossible d'ouvrir « %(filename)s » : %(error)s",
    'argument "-" with mode %r': "l'argument « - » ne s'ouvre pas en mode %s",
    "argument '%(argument_name)s' is deprecated": "l'argument « %(argument_name)s » est obsolète",
    "option '%(option)s' is deprecated": "l'option « %(option)s » est obsolète",
    "command '%(parser_name)s' is deprecated": "la commande « %(parser_name)s » est obsolète",
}
# Ids argparse raises only for a parser built wrongly (a programming error, never a user's): not translated.
BUILD_ERRORS = frozenset({
    "%r is not callable", "'required' is an invalid argument for positionals", ".__call__() not defined",
    "cannot have multiple subparser arguments", "cannot merge actions - two groups are named %r",
    "conflicting option string: %s", "conflicting option strings: %s", "conflicting subparser alias: %s",
    "conflicting subparser: %s", "dest= is required for options like %r", "invalid conflict_resolution value: %r",
    "invalid option string %(option)r: must start with a character %(prefix_chars)r",
    "mutually exclusive arguments must be optional",
})
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?([sr])")
STATIC = {"usage: ", "positional arguments", "options", "subcommands", "show this help message and exit",
          "show program's version number and exit", " (default: %(default)s)", "%(heading)s:"}


def _pattern(msgid: str) -> re.Pattern:
    """A message id as a pattern matching the messages formatted from it, a group per placeholder."""
    pattern, position, last = "", 0, 0
    for match in PLACEHOLDER.finditer(msgid):
        name = match.group(1) or f"_{position}"
        position += match.group(1) is None
        pattern += re.escape(msgid[last:match.start()]) + f"(?P<{name}>.+?)"
        last = match.end()
    return re.compile(pattern + re.escape(msgid[last:]), re.DOTALL)


ERRORS = tuple((_pattern(msgid), msgid) for msgid in sorted(set(CATALOG) - STATIC, key=len, reverse=True))


def french(message: str) -> str:
    """An argparse message in French (itself when no id of the catalog formats it)."""
    for pattern, msgid in ERRORS:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        values = {name: _plain(value, msgid, name) for name, value in found.groupdict().items()}
        if "message" in values:
            values["message"] = french(values["message"])
        text = CATALOG[msgid]
        if msgid == "argument %(argument_name)s: %(message)s" and values["argument_name"].startswith("-"):
            text = "option %(argument_name)s : %(message)s"
        positional = [values[k] for k in sorted(values) if k.startswith("_")]
        text = PLACEHOLDER.sub(lambda m: "%" + (f"({m.group(1)})" if m.group(1) else "") + "s", text)
        return text % (tuple(positional) if positional else values)
    return message


def _plain(value: str, msgid: str, name: str) -> str:
    """A value as argparse formatted it, without Python's quotes (`'json'` → `json`)."""
    if f"%({name})r" in msgid or (name.startswith("_") and "%r" in msgid):
        try:
            return str(ast.literal_eval(value))
        except (ValueError, SyntaxError):
            return value
    if name in ("choices", "matches"):
        return re.sub(r"'([^']*)'", r"\1", value)
    return value


class HelpFormatter(argparse.HelpFormatter):
    """argparse's help in French: `utilisation :`, headings followed by ` :`."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, CATALOG["usage: "] if prefix is None else prefix)

    def start_section(self, heading):
        # argparse writes `heading:`; French puts a space before the colon.
        super().start_section(None if heading is None else f"{heading} ")


class ArgumentParser(argparse.ArgumentParser):
    """An argparse parser whose help and errors are French; errors go to `error` (override it to print them
    the program's way)."""

    def __init__(self, *args, **kwargs):
        add_help = kwargs.pop("add_help", True)
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = CATALOG["positional arguments"]
        self._optionals.title = CATALOG["options"]
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=CATALOG["show this help message and exit"])

    def add_version(self, version: str) -> None:
        self.add_argument("--version", action="version", version=version,
                          help=CATALOG["show program's version number and exit"])

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, CATALOG["%(prog)s: error: %(message)s\n"] % {"prog": self.prog, "message": french(message)})
