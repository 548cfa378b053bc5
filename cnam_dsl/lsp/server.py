"""The language server (`cnam lsp`, pygls over stdio): each editor request turned into a question to the index.

Diagnostics are those of `cnam check`: after each change (debounced), the
whole rule base is parsed and checked at once, so that an edit in one file
updates the diagnostics of the others; the solver's (worked examples,
contradictions) follow when it has run. Solver work (verification and
formatting proofs) runs on one worker thread, one job at a time.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace.position_codec import PositionCodec

from ..language import nodes as n
from ..diagnostics import Diagnostic
from ..authoring.fmt import FormatError, format_source, format_text
from .index import Completion, Symbol
from .project import Project, find_root

DEBOUNCE_SECONDS = 0.3
SEVERITY = {"error": lsp.DiagnosticSeverity.Error, "warning": lsp.DiagnosticSeverity.Warning,
            "hint": lsp.DiagnosticSeverity.Hint}
COMPLETION_KIND = {
    "keyword": lsp.CompletionItemKind.Keyword, "header": lsp.CompletionItemKind.Keyword,
    "statement": lsp.CompletionItemKind.Snippet, "diploma": lsp.CompletionItemKind.Class,
    "source": lsp.CompletionItemKind.Module, "unit": lsp.CompletionItemKind.Unit,
    "milestone": lsp.CompletionItemKind.EnumMember,
}
SYMBOL_KIND = {
    "source": lsp.SymbolKind.Module, "diploma": lsp.SymbolKind.Class, "pathway": lsp.SymbolKind.Function,
    "reuse": lsp.SymbolKind.Function, "general": lsp.SymbolKind.Constant, "early": lsp.SymbolKind.Event,
    "vae": lsp.SymbolKind.Function, "example": lsp.SymbolKind.Method, "statement": lsp.SymbolKind.Field,
}


class CnamServer(LanguageServer):
    """The server and what it holds: the rule bases open in the editor, and the solver's worker."""

    def __init__(self, rules: Path | None = None):
        super().__init__("cnam-lsp", "0.1.0", text_document_sync_kind=lsp.TextDocumentSyncKind.Full)
        self.rules = rules
        self.projects: dict[Path, Project] = {}
        self.solver = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cnam-solver")

    # ------------------------------------------------------------ documents and rule bases

    def open_texts(self) -> dict[Path, str]:
        return {Path(to_fs_path(uri)).resolve(): doc.source
                for uri, doc in self.workspace.text_documents.items() if to_fs_path(uri)}

    def project_of(self, uri: str) -> Project:
        path = Path(to_fs_path(uri)).resolve()
        folders = [Path(to_fs_path(f.uri)) for f in self.workspace.folders.values()]
        root, context = find_root(path, folders, self.rules)
        if root not in self.projects:
            self.projects[root] = Project(root, context)
        return self.projects[root]

    def fresh(self, uri: str):
        """The project of a document and its index, checked against the editor's texts now."""
        project = self.project_of(uri)
        return project, project.check(self.open_texts())

    async def refresh(self, uri: str, delay: float = DEBOUNCE_SECONDS) -> None:
        """Check the document's rule base after a pause in typing, publish, then verify and publish again."""
        project = self.project_of(uri)
        project.generation += 1
        generation = project.generation
        await asyncio.sleep(delay)
        if generation != project.generation:
            return
        snapshot = project.check(self.open_texts())
        if snapshot.base is None:
            project.verified, project.verified_key = [], None
        self.publish(project, snapshot.diagnostics + project.verified)
        if snapshot.base is None or project.verified_key == snapshot.key:
            return

        def verify_if_current():  # on the solver's thread, where stale requests wait their turn
            return project.verify(snapshot.base) if generation == project.generation else None

        verified = await asyncio.get_running_loop().run_in_executor(self.solver, verify_if_current)
        if verified is not None and generation == project.generation:
            project.verified, project.verified_key = verified, snapshot.key
            self.publish(project, snapshot.diagnostics + verified)

    def publish(self, project: Project, diagnostics: list[Diagnostic]) -> None:
        for file, found in project.reported(diagnostics).items():
            uri = from_fs_path(file)
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
                uri=uri, diagnostics=[self.to_lsp(d, project) for d in found]))

    # ------------------------------------------------------------ positions

    def lines_of(self, file: str, project: Project) -> list[str]:
        snapshot = project.snapshot
        text = snapshot.index.texts.get(file) if snapshot else None
        if text is None:
            try:
                text = Path(file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = ""
        return text.split("\n")

    def to_range(self, span: n.Span, project: Project) -> lsp.Range:
        lines = self.lines_of(span.file, project)
        end_line, end_column = span.end_line, span.end_column
        if end_line != span.line:  # spans of blocks and statements run to the next one: keep the first line
            text = lines[span.line - 1] if 0 < span.line <= len(lines) else ""
            end_line, end_column = span.line, max(span.column, len(text.rstrip()) + 1)
        server_range = lsp.Range(start=lsp.Position(line=span.line - 1, character=span.column - 1),
                                 end=lsp.Position(line=end_line - 1, character=end_column - 1))
        return self.codec().range_to_client_units(lines, server_range)

    def codec(self) -> PositionCodec:
        return self.workspace.position_codec

    def to_location(self, span: n.Span, project: Project) -> lsp.Location:
        return lsp.Location(uri=from_fs_path(span.file), range=self.to_range(span, project))

    def position(self, uri: str, position: lsp.Position) -> tuple[str, int, int]:
        """A client position as (file, 1-based line, 1-based column in characters)."""
        document = self.workspace.get_text_document(uri)
        server = self.codec().position_from_client_units(document.lines, position)
        return str(Path(to_fs_path(uri)).resolve()), server.line + 1, server.character + 1

    def to_lsp(self, d: Diagnostic, project: Project) -> lsp.Diagnostic:
        related = [lsp.DiagnosticRelatedInformation(location=self.to_location(span, project), message=label)
                   for label, span in d.related]
        return lsp.Diagnostic(range=self.to_range(d.span, project), message=d.message, severity=SEVERITY[d.severity],
                              code=d.code, source="cnam", related_information=related or None)

    def locations(self, params, spans_of) -> list[lsp.Location] | None:
        """Where the id under the cursor is defined or used (spans_of chooses), or None off an id."""
        project, snapshot = self.fresh(params.text_document.uri)
        occurrence = snapshot.index.occurrence_at(*self.position(params.text_document.uri, params.position))
        if occurrence is None:
            return None
        return [self.to_location(span, project) for span in spans_of(snapshot.index, occurrence)]

    def to_symbol(self, symbol: Symbol, project: Project) -> lsp.DocumentSymbol:
        return lsp.DocumentSymbol(
            name=symbol.name, detail=symbol.detail or None, kind=SYMBOL_KIND[symbol.kind],
            range=self.to_range(symbol.span, project), selection_range=self.to_range(symbol.selection, project),
            children=[self.to_symbol(c, project) for c in symbol.children] or None)


def to_completion_item(c: Completion) -> lsp.CompletionItem:
    return lsp.CompletionItem(label=c.label, kind=COMPLETION_KIND[c.kind], detail=c.detail or None)


def build_server(rules: Path | None = None) -> CnamServer:
    """The server with its features registered (one small handler per LSP request)."""
    server = CnamServer(rules)

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: CnamServer, params: lsp.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and options.get("rules"):  # {"rules": "path/to/rules"}
            ls.rules = Path(options["rules"])

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: CnamServer, params: lsp.DidOpenTextDocumentParams) -> None:
        await ls.refresh(params.text_document.uri, delay=0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: CnamServer, params: lsp.DidChangeTextDocumentParams) -> None:
        await ls.refresh(params.text_document.uri)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: CnamServer, params: lsp.DidSaveTextDocumentParams) -> None:
        await ls.refresh(params.text_document.uri, delay=0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: CnamServer, params: lsp.DidCloseTextDocumentParams) -> None:
        await ls.refresh(params.text_document.uri, delay=0)

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def files_changed(ls: CnamServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        for uri in {c.uri for c in params.changes if c.uri.endswith(".cnr")}:
            await ls.refresh(uri, delay=0)

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: CnamServer, params: lsp.HoverParams) -> lsp.Hover | None:
        project, snapshot = ls.fresh(params.text_document.uri)
        text = snapshot.index.hover(*ls.position(params.text_document.uri, params.position))
        if text is None:
            return None
        return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text))

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: CnamServer, params: lsp.DefinitionParams) -> list[lsp.Location] | None:
        return ls.locations(params, lambda index, occurrence: index.definitions(occurrence))

    @server.feature(lsp.TEXT_DOCUMENT_REFERENCES)
    def references(ls: CnamServer, params: lsp.ReferenceParams) -> list[lsp.Location] | None:
        include = params.context.include_declaration
        return ls.locations(params, lambda index, occurrence: index.references(occurrence, include))

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def symbols(ls: CnamServer, params: lsp.DocumentSymbolParams) -> list[lsp.DocumentSymbol]:
        project, snapshot = ls.fresh(params.text_document.uri)
        file = str(Path(to_fs_path(params.text_document.uri)).resolve())
        return [ls.to_symbol(s, project) for s in snapshot.index.symbols(file)]

    @server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=[" "]))
    def completion(ls: CnamServer, params: lsp.CompletionParams) -> lsp.CompletionList:
        project, snapshot = ls.fresh(params.text_document.uri)
        found = snapshot.index.completions(*ls.position(params.text_document.uri, params.position))
        return lsp.CompletionList(is_incomplete=False, items=[to_completion_item(c) for c in found])

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    async def formatting(ls: CnamServer, params: lsp.DocumentFormattingParams) -> list[lsp.TextEdit] | None:
        uri = params.text_document.uri
        document = ls.workspace.get_text_document(uri)
        project = ls.project_of(uri)
        context = project.format_context(ls.open_texts())
        path = Path(to_fs_path(uri)).resolve()
        try:
            if format_text(document.source, str(path)) == document.source:
                return []  # already formatted: nothing to prove, no wait for the solver
            result = await asyncio.get_running_loop().run_in_executor(
                ls.solver, format_source, path, document.source, context)
        except FormatError as exc:
            ls.window_show_message(lsp.ShowMessageParams(type=lsp.MessageType.Warning, message=str(exc)))
            return None
        if not result.changed:
            return []
        whole = lsp.Range(start=lsp.Position(line=0, character=0),
                          end=lsp.Position(line=len(document.lines), character=0))
        return [lsp.TextEdit(range=whole, new_text=result.text)]

    return server


def serve(rules: Path | None = None) -> None:
    """Run the language server on standard input and output until the editor closes it."""
    build_server(rules).start_io()
