"""Candidate files (bytes of YAML or JSON) into plain data (mappings, lists, numbers, strings), or one French error.

Numbers are read as a person means them (YAML 1.2's core schema, not 1.1's):
`010` is ten, `1:30` is a string, `1e-3` a number, `yes` a string; only
`true`/`false` are booleans. Aliases, tags, duplicate keys and deep nesting
are refused; every error names the line and column, in French.
"""

from __future__ import annotations

import functools
import json
import re
import sys
from typing import Any

from .schema import MAX_DEPTH, Problem, ProfileError, check_depth

MAX_BYTES = 1_000_000  # a candidate file's size, at most
STDIN_ORIGIN = "<entrée standard>"


def FileError(origin: str, reason: str) -> ProfileError:  # noqa: N802 - reads as the error it makes
    """The error of a file that cannot be read as data: about the whole file, in French."""
    return ProfileError(origin, [Problem("", reason)])


def read_bytes(path: str, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a file (`-`: standard input), at most `max_bytes`; FileError otherwise."""
    origin = STDIN_ORIGIN if path == "-" else path
    try:
        if path == "-":
            stream = getattr(sys.stdin, "buffer", None)
            raw = stream.read(max_bytes + 1) if stream is not None else sys.stdin.read(max_bytes + 1).encode()
        else:
            with open(path, "rb") as file:
                raw = file.read(max_bytes + 1)
    except FileNotFoundError:
        raise FileError(origin, "fichier introuvable") from None
    except IsADirectoryError:
        raise FileError(origin, "c'est un dossier, attendu un fichier") from None
    except PermissionError:
        raise FileError(origin, "lecture refusée (permissions)") from None
    except OSError as error:
        raise FileError(origin, f"lecture impossible ({error.strerror or error})") from None
    if len(raw) > max_bytes:
        raise FileError(origin, f"fichier trop volumineux (plus de {max_bytes} octets)")
    return raw


def load_text(raw: bytes, origin: str, as_json: bool = False) -> object:
    """The data of a candidate file's bytes: YAML, or JSON (`as_json`, or text opening with `{`)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileError(origin, f"fichier non encodé en UTF-8 (octet invalide à la position {error.start})") from None
    if not text.strip():
        raise FileError(origin, "fichier vide, attendu un objet (champ: valeur)")
    data = load_json(text, origin) if as_json or text.lstrip().startswith("{") else load_yaml(text, origin)
    check_depth(data, origin)
    return data


# ---------------------------------------------------------------- JSON

# The messages of Python's json module (its C scanner's and its Python fallback's, 3.11 to 3.13), in French;
# a message is matched by its first words (the fallback appends the character in question).
JSON_FR = {
    "Expecting value": "valeur attendue",
    "Expecting property name enclosed in double quotes": "nom de champ attendu entre guillemets droits \"…\"",
    "Expecting ',' delimiter": "virgule « , » attendue",
    "Expecting ':' delimiter": "deux-points « : » attendus",
    "Extra data": "texte en trop après la fin de l'objet",
    "Unterminated string starting at": "texte entre guillemets non terminé",
    "Invalid control character": "caractère de contrôle interdit dans un texte (un retour à la ligne s'écrit \\n)",
    "Invalid \\uXXXX escape": "séquence \\uXXXX invalide",
    "Invalid \\escape": "séquence d'échappement \\ invalide",
    "Illegal trailing comma before end of object": "virgule en trop avant « } »",
    "Illegal trailing comma before end of array": "virgule en trop avant « ] »",
    "Unexpected UTF-8 BOM": "marque d'ordre des octets (BOM) en tête du texte : l'enlever",
}


def json_reason(message: str) -> str:
    """A json module message in French (the message itself when it is not known).

    >>> json_reason("Expecting value"), json_reason("Invalid \\\\escape: 'x'")
    ('valeur attendue', "séquence d'échappement \\\\ invalide")
    """
    return next((french for english, french in JSON_FR.items() if message.startswith(english)), message)


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"clé « {key} » en double")
        data[key] = value
    return data


def _bounded_int(digits: str) -> int:
    if len(digits) > 30:
        raise ValueError(f"nombre entier trop long ({len(digits)} chiffres)")
    return int(digits)


def load_json(text: str, origin: str) -> object:
    """The data of a JSON text; duplicate keys, NaN and overlong integers refused (FileError, in French)."""
    try:
        data = json.loads(text, object_pairs_hook=_refuse_duplicates, parse_int=_bounded_int)
    except json.JSONDecodeError as error:
        raise FileError(origin, f"JSON invalide ligne {error.lineno}, colonne {error.colno} : "
                                f"{json_reason(error.msg)}") from None
    except RecursionError:
        raise FileError(origin, f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)") from None
    except ValueError as error:  # a duplicate key or an overlong integer: already in French
        raise FileError(origin, f"JSON refusé : {error}") from None
    check_depth(data, origin)
    return data


# ---------------------------------------------------------------- YAML

# YAML 1.2's core schema: what a plain scalar means (PyYAML resolves YAML 1.1's, where `010` is eight).
_YAML_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_YAML_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)"
                         r"|\.(?:nan|NaN|NAN))$")
_YAML_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_YAML_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_YAML_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

# PyYAML's problems (its scanner's, parser's and composer's), in French: a pattern of the problem's first words
# (the first that matches wins), and its French wording, where {0} is what the pattern caught (a character, a token) as `_yaml_found` words it.
YAML_FR = (
    (r"found character '\\t' that cannot start any token", "tabulation interdite (indenter avec des espaces)"),
    (r"found character (.+) that cannot start any token",
     "caractère {0} interdit en début de valeur (écrire la valeur entre guillemets)"),
    (r"mapping values are not allowed here", "« : » inattendu (une valeur contenant « : » s'écrit entre guillemets)"),
    (r"could not find expected ':'", "« : » attendu après le nom du champ"),
    (r"found unexpected end of stream", "fin du fichier inattendue (guillemet non fermé ?)"),
    (r"expected <block end>, but found '-'", "élément de liste « - » mal indenté"),
    (r"expected <block end>, but found (.+)", "indentation incohérente : {0} inattendu(e) ici"),
    (r"did not find expected key", "nom de champ attendu (indentation incohérente ?)"),
    (r"did not find expected '-' indicator", "élément de liste « - » attendu (indentation incohérente ?)"),
    (r"expected ',' or '\]', but got (.+)", "« , » ou « ] » attendu, trouvé {0}"),
    (r"expected ',' or '}', but got (.+)", "« , » ou « }} » attendu, trouvé {0}"),
    (r"expected the node content, but found (.+)", "valeur attendue, trouvé {0}"),
    (r"sequence entries are not allowed here", "élément de liste « - » inattendu ici"),
    (r"mapping keys are not allowed here", "clé complexe « ? » inattendue ici"),
    (r"found undefined alias", "alias YAML non défini"),
    (r"found duplicate anchor|second occurrence", "ancre YAML (&nom) en double"),
    (r"found unknown escape character (.+)", "séquence d'échappement inconnue (\\ suivi de {0})"),
    (r"expected escape sequence of \d+ hexadecimal numbers, but found (.+)",
     "séquence d'échappement \\x, \\u ou \\U incomplète (trouvé {0})"),
    (r"expected URI escape sequence of 2 hexadecimal numbers, but found (.+)",
     "séquence %XX incomplète dans une étiquette YAML (trouvé {0})"),
    (r"expected alphabetic or numeric character, but found (.+)",
     "{0} inattendu après « & », « * » ou « ! » (ancre, alias ou étiquette YAML ; une valeur qui commence "
     "par l'un d'eux s'écrit entre guillemets)"),
    (r"expected a comment or a line break, but found (.+)", "{0} inattendu : fin de ligne ou commentaire attendu"),
    (r"expected chomping or indentation indicators, but found (.+)",
     "{0} inattendu après « | » ou « > » (texte sur plusieurs lignes)"),
    (r"expected indentation indicator in the range 1-9, but found 0",
     "indentation 0 après « | » ou « > » : attendu un chiffre de 1 à 9"),
    (r"found unexpected document separator", "séparateur de document « --- » ou « ... » inattendu"),
    (r"expected '<document start>', but found (.+)", "début de document « --- » attendu, trouvé {0}"),
    (r"but found another document", "un seul document attendu (un seul « --- »)"),
    (r"found duplicate YAML directive", "directive %YAML en double"),
    (r"found incompatible YAML document", "version de YAML incompatible (1.x attendue)"),
    (r"duplicate tag handle (.+)", "préfixe d'étiquette YAML {0} en double"),
    (r"found undefined tag handle (.+)", "préfixe d'étiquette YAML {0} non défini"),
    (r"expected '!', but found (.+)", "étiquette YAML mal formée (« ! » attendu, trouvé {0})"),
    (r"expected URI, but found (.+)", "étiquette YAML mal formée (trouvé {0})"),
    (r"expected '>', but found (.+)", "étiquette YAML mal formée (« > » attendu, trouvé {0})"),
    (r"expected ' ', but found (.+)", "directive YAML mal formée (espace attendu, trouvé {0})"),
    (r"expected a digit(?: or '.'| or ' ')?, but found (.+)", "directive %YAML mal formée (chiffre attendu, trouvé {0})"),
    (r"found unhashable key", "nom de champ invalide (une liste ou un objet ne peut pas nommer un champ)"),
)
_YAML_PATTERNS = tuple((re.compile(english, re.DOTALL), french) for english, french in YAML_FR)
# How PyYAML names what it found, in words.
_YAML_TOKENS = {
    "<scalar>": "une valeur", "<block mapping start>": "un champ", "<block sequence start>": "une liste",
    "<block end>": "la fin du bloc", "<stream end>": "la fin du fichier", "<document start>": "« --- »",
    "<document end>": "« ... »", "<anchor>": "une ancre", "<alias>": "un alias", "<tag>": "une étiquette",
    "<directive>": "une directive", "?": "un nom de champ", "\0": "la fin du fichier", "\t": "une tabulation", "\n": "la fin de la ligne",
    " ": "une espace",
}


def _yaml_found(text: str) -> str:
    """What PyYAML found (`'<scalar>'`, `'@'`), in words.

    >>> _yaml_found("'<scalar>'"), _yaml_found("'@'"), _yaml_found("'\\t'")
    ('une valeur', '« @ »', 'une tabulation')
    """
    import ast

    try:
        found = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        found = text
    found = str(found)
    return _YAML_TOKENS.get(found, f"« {found} »")


def yaml_reason(problem: str | None) -> str:
    """PyYAML's problem in French.

    >>> yaml_reason("found character '\\\\t' that cannot start any token")
    'tabulation interdite (indenter avec des espaces)'
    >>> yaml_reason("expected ',' or ']', but got '<scalar>'")
    '« , » ou « ] » attendu, trouvé une valeur'
    """
    text = (problem or "").strip()
    for pattern, french in _YAML_PATTERNS:
        found = pattern.match(text)
        if found is not None:
            return french.format(*(_yaml_found(g) for g in found.groups()))
    return "syntaxe YAML invalide"


@functools.cache
def _yaml_loading() -> tuple[Any, type, type]:
    """PyYAML, the error of a refused construct and the loader: imported for YAML files only."""
    import yaml

    class RefusedYaml(yaml.MarkedYAMLError):
        """A construct the candidate file may not use; `problem` is in French."""

    class Loader(yaml.SafeLoader):
        """A safe loader reading YAML 1.2's core schema; refuses aliases (no billion laughs), tags, deep
        nesting and duplicate keys."""

        yaml_implicit_resolvers: dict = {}

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self.depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                mark = self.peek_event().start_mark
                raise RefusedYaml(problem="alias YAML (*nom) refusé : recopier la valeur", problem_mark=mark)
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise RefusedYaml(problem=f"imbrication trop profonde (plus de {MAX_DEPTH} niveaux)",
                                  problem_mark=self.peek_event().start_mark)
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[tuple[str, str]] = set()
            for key_node, _ in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    if (key_node.tag, key_node.value) in seen:
                        raise RefusedYaml(problem=f"clé « {key_node.value} » en double", problem_mark=key_node.start_mark)
                    seen.add((key_node.tag, key_node.value))
            return super().construct_mapping(node, deep=deep)

        def construct_undefined(self, node: Any) -> Any:
            """Any tag outside plain data (`!!python/object`...) is refused, never constructed."""
            tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
            raise RefusedYaml(problem=f"étiquette YAML « {tag} » non autorisée", problem_mark=node.start_mark)

        def construct_core_int(self, node: Any) -> Any:
            text = self.construct_scalar(node)
            if len(text.lstrip("+-")) > 30:
                return text  # reported later with its field
            if text.startswith(("0o", "0x")):
                return int(text[2:], 8 if text[1] == "o" else 16)
            return int(text)

        def construct_core_float(self, node: Any) -> Any:
            text = self.construct_scalar(node)
            return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))

        def construct_day(self, node: Any) -> Any:
            """A date Python refuses (2021-02-30) stays a string, reported later with its field."""
            import datetime

            text = self.construct_scalar(node)
            try:
                return datetime.date.fromisoformat(text)
            except ValueError:
                return text

    Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _YAML_BOOL, list("tTfF"))
    Loader.add_implicit_resolver("tag:yaml.org,2002:int", _YAML_INT, list("-+0123456789"))
    Loader.add_implicit_resolver("tag:yaml.org,2002:float", _YAML_FLOAT, list("-+0123456789."))
    Loader.add_implicit_resolver("tag:yaml.org,2002:null", _YAML_NULL, ["~", "n", "N", ""])
    Loader.add_implicit_resolver("tag:yaml.org,2002:timestamp", _YAML_DATE, list("0123456789"))
    Loader.add_constructor(None, Loader.construct_undefined)
    Loader.add_constructor("tag:yaml.org,2002:int", Loader.construct_core_int)
    Loader.add_constructor("tag:yaml.org,2002:float", Loader.construct_core_float)
    Loader.add_constructor("tag:yaml.org,2002:timestamp", Loader.construct_day)
    return yaml, RefusedYaml, Loader


def load_yaml(text: str, origin: str) -> object:
    """The data of a YAML text (core schema); FileError in French naming the line and column."""
    yaml, refused, loader = _yaml_loading()
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except refused as error:
        raise FileError(origin, f"ligne {error.problem_mark.line + 1} : {error.problem}") from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f" ligne {mark.line + 1}, colonne {mark.column + 1}" if mark else ""
        raise FileError(origin, f"YAML invalide{where} : {yaml_reason(error.problem)}") from None
    except yaml.reader.ReaderError as error:  # a character YAML forbids anywhere (a control character)
        line = text.count("\n", 0, error.position) + 1
        column = error.position - text.rfind("\n", 0, error.position)
        raise FileError(origin, f"YAML invalide ligne {line}, colonne {column} : caractère interdit "
                                f"(U+{error.character:04X})") from None
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError):
        raise FileError(origin, "YAML invalide") from None
