"""The documentation site generated from the rules (`cnam docs build | serve`).

`decisions` asks the solver for decision tables and chart grids, `divergences`
for where sources disagree, `sources` maps each source document to the rules
that cite it, `reference` documents the language from its grammar; `pages`,
`vae`, `charts` and `markdown` write the pages, and `build` checks the worked
examples, writes the Markdown and runs MkDocs (strict, offline).
"""
