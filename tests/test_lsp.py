"""The language server as an editor sees it: a real LSP client talking to `cnam lsp` over stdio.

The server works on a copy of the shipped rule base; files are opened with
the texts an author would type, never written.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import ROOT

pytestmark = pytest.mark.asyncio(loop_scope="module")

SERVER = ClientServerConfig(
    server_command=[sys.executable, "-m", "cnam_dsl", "lsp"],
    server_env={**os.environ, "PYTHONPATH": str(ROOT)},
)


@pytest.fixture(scope="module")
def rules(tmp_path_factory):
    copy = tmp_path_factory.mktemp("workspace") / "rules"
    shutil.copytree(ROOT / "rules", copy)
    return copy


@pytest_lsp.fixture(config=SERVER, scope="module")
async def client(lsp_client: LanguageClient, rules):
    params = lsp.InitializeParams(
        capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
        root_uri=rules.as_uri(),
        workspace_folders=[lsp.WorkspaceFolder(uri=rules.as_uri(), name="rules")],
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


_versions: dict[str, int] = {}


def show(client: LanguageClient, path, text: str | None = None) -> str:
    """Open a file in the editor (or replace its text), as an author does; its uri."""
    uri = path.as_uri()
    text = path.read_text(encoding="utf-8") if text is None else text
    if uri not in _versions:
        _versions[uri] = 1
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(
            text_document=lsp.TextDocumentItem(uri=uri, language_id="cnr", version=1, text=text)))
    else:
        _versions[uri] += 1
        client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=_versions[uri]),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))
    return uri


async def diagnostics_until(client: LanguageClient, uri: str, condition, timeout: float = 60.0):
    """The diagnostics of a file once they satisfy a condition (the server publishes several times)."""
    async def wait():
        while not condition(client.diagnostics.get(uri, None)):
            await asyncio.sleep(0.05)
        return client.diagnostics[uri]
    return await asyncio.wait_for(wait(), timeout)


def clean(diagnostics) -> bool:
    """No error and no warning (hints on statements the worked examples leave untested may remain)."""
    return diagnostics is not None and all(d.severity == lsp.DiagnosticSeverity.Hint for d in diagnostics)


def at(line: int, character: int) -> lsp.Position:
    return lsp.Position(line=line, character=character)


def position_of(text: str, needle: str, occurrence: int = 0) -> lsp.Position:
    lines = text.split("\n")
    found = [(i, line.index(needle)) for i, line in enumerate(lines) if needle in line]
    line, column = found[occurrence]
    return at(line, column)


# ---------------------------------------------------------------- diagnostics


async def test_a_syntax_error_is_reported_where_it_is(client, rules):
    path = rules / "cnam-na" / "bac4.cnr"
    text = path.read_text(encoding="utf-8").replace("d'au moins 3 ans", "d'au moins trois ans")
    uri = show(client, path, text)
    found = await diagnostics_until(client, uri, lambda ds: ds and any(d.code == "E100" for d in ds))
    error = next(d for d in found if d.code == "E100")
    start = position_of(text, "trois ans")
    assert error.range.start == start
    assert error.range.end == at(start.line, start.character + len("trois"))
    assert error.severity == lsp.DiagnosticSeverity.Error
    assert "attendu" in error.message
    show(client, path, path.read_text(encoding="utf-8"))
    await diagnostics_until(client, uri, clean)


async def test_an_edit_in_one_file_updates_the_others(client, rules):
    diplomas = rules / "diplomes.cnr"
    uri = show(client, diplomas, diplomas.read_text(encoding="utf-8").replace("diplôme bac+4 ", "diplôme bac-4 "))
    bac4 = (rules / "cnam-na" / "bac4.cnr").as_uri()
    found = await diagnostics_until(client, bac4, lambda ds: ds and any(d.code == "E210" for d in ds))
    assert "diplôme inconnu : « bac+4 »" in found[0].message
    show(client, diplomas, diplomas.read_text(encoding="utf-8"))
    await diagnostics_until(client, bac4, clean)
    assert clean(client.diagnostics[uri])


@pytest.mark.slow
async def test_a_failing_worked_example_is_reported(client, rules):
    path = rules / "referentiel-formation" / "ingenierie-formation.cnr"
    text = path.read_text(encoding="utf-8").replace("attendu manque 1 mois", "attendu manque 2 mois")
    uri = show(client, path, text)
    found = await diagnostics_until(client, uri, lambda ds: ds and any(d.code == "E311" for d in ds), 300)
    error = next(d for d in found if d.code == "E311")
    assert error.range.start == position_of(text, "attendu manque 2 mois")
    assert "il manque 1 mois selon les règles" in error.message
    show(client, path, path.read_text(encoding="utf-8"))
    await diagnostics_until(client, uri, clean, 300)


async def test_a_statement_no_example_exercises_gets_a_hint(client, rules):
    path = rules / "referentiel-formation" / "ingenierie-formation.cnr"
    text = path.read_text(encoding="utf-8") + """
voie essai pour ingenierie-formation
  selon « L’expérience professionnelle requise est de trois années dont deux dans la spécialité. »
  jalon délivrance
  exige expérience salariée, d'au moins 5 ans
"""
    uri = show(client, path, text)
    line = text.split("\n").index("  exige expérience salariée, d'au moins 5 ans")

    def hinted(ds):
        return ds and any(d.code == "H400" and d.range.start.line == line for d in ds)

    found = await diagnostics_until(client, uri, hinted, 300)
    hint = next(d for d in found if d.code == "H400" and d.range.start.line == line)
    assert hint.severity == lsp.DiagnosticSeverity.Hint
    assert "aucun exemple au seuil ou au-dessus — 60 mois (5 ans)" in hint.message
    assert "aucun exemple ne met « salariée » à l'épreuve" in hint.message
    show(client, path, path.read_text(encoding="utf-8"))
    await diagnostics_until(client, uri, lambda ds: clean(ds) and not hinted(ds), 300)


# ---------------------------------------------------------------- reading the rules


async def test_hover_on_a_diploma_lists_its_requirements(client, rules):
    path = rules / "cnam-eleves" / "licence.cnr"
    text = path.read_text(encoding="utf-8")
    uri = show(client, path)
    where = position_of(text, "pour licence")
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=at(where.line, where.character + 6)))
    assert hover is not None
    assert "Licence, parcours complet" in hover.contents.value
    assert "voie `licence-hors-specialite`" in hover.contents.value
    assert "**cnam-na**" in hover.contents.value  # the requirements of every source


async def test_hover_on_a_rule_reads_it_in_french_with_its_passage(client, rules):
    path = rules / "cnam-eleves" / "licence.cnr"
    text = path.read_text(encoding="utf-8")
    uri = show(client, path)
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=position_of(text, "durée modulable")))
    assert hover is not None
    value = hover.contents.value
    assert "le jury peut moduler la durée du stage, sans descendre sous 3 mois" in value.lower()
    assert "« Pour les licences, le jury peut décider de moduler la durée" in value


async def test_definition_and_references_of_a_diploma(client, rules):
    path = rules / "cnam-na" / "ingenieur.cnr"
    text = path.read_text(encoding="utf-8")
    uri = show(client, path)
    where = position_of(text, "comme ingenieur")
    position = at(where.line, where.character + len("comme "))
    document = lsp.TextDocumentIdentifier(uri=uri)
    found = await client.text_document_definition_async(lsp.DefinitionParams(text_document=document,
                                                                              position=position))
    diplomas = (rules / "diplomes.cnr").read_text(encoding="utf-8")
    assert [(d.uri, d.range.start) for d in found] == [((rules / "diplomes.cnr").as_uri(),
                                                       position_of(diplomas, "ingenieur"))]
    refs = await client.text_document_references_async(lsp.ReferenceParams(
        text_document=document, position=position, context=lsp.ReferenceContext(include_declaration=True)))
    files = {r.uri.rsplit("/", 2)[-2:][0] + "/" + r.uri.rsplit("/", 1)[-1] for r in refs}
    assert {"cnam-na/ingenieur.cnr", "cnam-eleves/ingenieur.cnr", "rules/diplomes.cnr"} <= files


async def test_outline_lists_the_blocks(client, rules):
    path = rules / "cnam-na" / "bac2.cnr"
    uri = show(client, path)
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri)))
    names = [s.name for s in symbols]
    assert names[:3] == ["source cnam-na", "voie bac2-domaine", "voie bac2-autre-domaine"]
    assert symbols[1].kind == lsp.SymbolKind.Function and symbols[1].detail == "pour bac+2"
    assert any(c.name.startswith("exige expérience salariée") for c in symbols[1].children)


async def test_a_file_being_typed_keeps_its_outline_and_hovers(client, rules):
    """While one block has a syntax error (as it does between keystrokes), the others still hover and outline,
    at their new lines."""
    path = rules / "cnam-eleves" / "licence.cnr"
    text = path.read_text(encoding="utf-8").replace("source cnam-eleves\n", "source cnam-eleves\n\nvoie nouvelle pour\n", 1)
    uri = show(client, path, text)
    await diagnostics_until(client, uri, lambda ds: ds and any(d.code == "E100" for d in ds))
    document = lsp.TextDocumentIdentifier(uri=uri)
    symbols = await client.text_document_document_symbol_async(lsp.DocumentSymbolParams(text_document=document))
    names = [s.name for s in symbols]
    assert names[:3] == ["source cnam-eleves", "voie licence-specialite", "voie licence-hors-specialite"]
    assert "voie nouvelle" not in names
    hover = await client.text_document_hover_async(lsp.HoverParams(text_document=document,
                                                                   position=position_of(text, "durée modulable")))
    assert hover is not None and "sans descendre sous 3 mois" in hover.contents.value
    where = position_of(text, "pour licence")
    hover = await client.text_document_hover_async(lsp.HoverParams(
        text_document=document, position=at(where.line, where.character + 6)))
    assert hover is not None and "Licence, parcours complet" in hover.contents.value
    statements = await complete(client, uri, at(position_of(text, "voie nouvelle").line + 1, 2))
    assert "exige un stage de 6 mois" in statements
    show(client, path, path.read_text(encoding="utf-8"))
    await diagnostics_until(client, uri, clean)


# ---------------------------------------------------------------- writing the rules


async def complete(client, uri: str, position: lsp.Position) -> list[str]:
    result = await client.text_document_completion_async(lsp.CompletionParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri), position=position))
    return [item.label for item in result.items]


async def test_completion_offers_ids_units_and_statements(client, rules):
    path = rules / "cnam-na" / "bac2.cnr"
    text = path.read_text(encoding="utf-8") + "\nvoie nouvelle pour \n  exige expérience d'au moins 3 \n  \n"
    uri = show(client, path, text)
    lines = text.split("\n")
    header = next(i for i, line in enumerate(lines) if line.startswith("voie nouvelle"))
    assert {"licence", "bac+2", "ingenieur"} <= set(await complete(client, uri, at(header, len(lines[header]))))
    assert "mois" in await complete(client, uri, at(header + 1, len(lines[header + 1])))
    statements = await complete(client, uri, at(header + 2, 2))
    assert "exige un stage de 6 mois" in statements and "rapport exigé" in statements
    show(client, path, path.read_text(encoding="utf-8"))


async def test_formatting_returns_the_canonical_layout(client, rules):
    path = rules / "cnam-eleves" / "certificat.cnr"
    original = path.read_text(encoding="utf-8")
    messy = original.replace("  exige un stage de 3 mois", "      exige   un stage de 3 mois   # trois")
    messy = messy.replace("\n\nexemple", "\nexemple", 1)
    uri = show(client, path, messy)
    edits = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri),
        options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert len(edits) == 1
    assert edits[0].new_text == original.replace("exige un stage de 3 mois", "exige un stage de 3 mois  # trois")
    show(client, path, original)


async def test_formatting_refuses_a_file_that_does_not_parse(client, rules):
    path = rules / "cnam-eleves" / "rncp.cnr"
    broken = path.read_text(encoding="utf-8").replace("reprise bac+4 comme bac+3", "reprise bac+4 bac+3")
    uri = show(client, path, broken)
    edits = await client.text_document_formatting_async(lsp.DocumentFormattingParams(
        text_document=lsp.TextDocumentIdentifier(uri=uri),
        options=lsp.FormattingOptions(tab_size=2, insert_spaces=True)))
    assert not edits
    assert any("fichier laissé tel quel" in m.message for m in client.messages)
    show(client, path, path.read_text(encoding="utf-8"))
