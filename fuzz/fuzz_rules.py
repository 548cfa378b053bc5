"""Coverage-guided fuzzing of the parser and checker (atheris), seeded with the shipped rule files.

    pip install atheris
    python fuzz/fuzz_rules.py fuzz/corpus-rules -max_total_time=600

Any exception other than a diagnostic is a finding: atheris stops and writes the input
(crash-*); turn it into a regression test in tests/test_fuzz_mutations.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

with atheris.instrument_imports():
    from cnam_dsl.language.check import Builder
    from cnam_dsl.language.parse import parse_text


def test_one_input(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    rule_file, _ = parse_text(text, "fuzz.cnr")
    if rule_file is not None:
        builder = Builder()
        builder.add_file(ROOT / "rules" / "fuzz" / "fuzz.cnr", rule_file)
        builder.finish()


def seed_corpus(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for path in (ROOT / "rules").rglob("*.cnr"):
        (folder / path.name).write_bytes(path.read_bytes())


if __name__ == "__main__":
    corpus = next((Path(a) for a in sys.argv[1:] if not a.startswith("-")), None)
    if corpus is not None:
        seed_corpus(corpus)
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
