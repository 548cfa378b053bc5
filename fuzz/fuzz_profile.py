"""Coverage-guided fuzzing of the candidate-file loader (atheris): only ProfileError may escape.

    pip install atheris
    python fuzz/fuzz_profile.py fuzz/corpus-profile -max_total_time=600
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

with atheris.instrument_imports():
    from datetime import date

    from cnam_dsl.candidate import ProfileError, count, read_profile_text


def test_one_input(data: bytes) -> None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    try:
        profile = read_profile_text(text, origin="fuzz.yaml")
        count(profile, date(2026, 1, 1))
        profile.to_dict()
    except ProfileError:
        pass


if __name__ == "__main__":
    corpus = next((Path(a) for a in sys.argv[1:] if not a.startswith("-")), None)
    if corpus is not None:
        corpus.mkdir(parents=True, exist_ok=True)
        for path in (ROOT / "examples").glob("*"):
            (corpus / path.name).write_bytes(path.read_bytes())
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
