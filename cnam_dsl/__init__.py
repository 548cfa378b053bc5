"""cnam-dsl: the Cnam's professional-experience requirements as rules — rule files in, checked answers out.

The stages, in the order data flows (docs/architecture.md): `language` (rule text → RuleBase),
`candidate` (candidate file → Facts), `solve` (RuleBase + Facts → outcomes, the only Z3 code), `answer`
(outcomes → the contract's JSON and French), with `rules.Rules` the one entry point and `request` the one
question type; the front ends `cli`, `web`, `lsp`, `docsite`, `batch`.
"""
