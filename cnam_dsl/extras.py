"""The optional parts of cnam-dsl (pyproject's extras), and the one line that says which to install when a
command needs a module that is not there.

>>> missing_module("docs build", "pygments")
"cnam docs build demande le module pygments, absent : pip install 'cnam-dsl[docs]'"
>>> missing_module("serve", "uvicorn")
'cnam serve demande le module uvicorn, absent : réinstallez cnam-dsl (pip install cnam-dsl)'
"""

from __future__ import annotations

import importlib.util

# Each extra of pyproject.toml, with the modules its commands import (mkdocs finds its theme, `material`,
# by name: it is looked for before a build rather than met as a failed import).
EXTRAS = {
    "docs": ("mkdocs", "material", "pymdownx", "pygments"),
    "lsp": ("pygls", "lsprotocol"),
}
COMMAND_EXTRAS = {"docs": "docs", "lsp": "lsp"}  # commands that need an extra: the modules they miss are its


class MissingModule(Exception):
    """A module a command needs is not installed; the message says what to install."""


def missing_module(command: str, module: str) -> str:
    """The line that says which module a command misses and how to install it."""
    top = module.split(".")[0]
    extra = next((e for e, modules in EXTRAS.items() if top in modules), COMMAND_EXTRAS.get(command.split()[0]))
    install = f"pip install 'cnam-dsl[{extra}]'" if extra else "réinstallez cnam-dsl (pip install cnam-dsl)"
    return f"cnam {command} demande le module {top}, absent : {install}"


def require(extra: str, command: str) -> None:
    """MissingModule naming the first module of the extra that cannot be imported."""
    for module in EXTRAS[extra]:
        if importlib.util.find_spec(module) is None:
            raise MissingModule(missing_module(command, module))
