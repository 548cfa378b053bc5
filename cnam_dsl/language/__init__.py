"""The rule language: rule-file text into a checked `RuleBase` (parse → typed AST → check); no Z3, no candidate."""
