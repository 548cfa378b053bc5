"""For rule authors: the canonical layout of rule files (fmt) and their highlighting (Pygments lexer)."""
