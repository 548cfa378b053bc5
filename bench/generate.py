"""Write a synthetic rule base: N diplomas, each stated by 3 sources (two pathways each), for the scale benchmark."""

from __future__ import annotations

import sys
from pathlib import Path

SOURCES = ("gen-a", "gen-b", "gen-c")
PER_FILE = 10  # diplomas per rule file


def pathways(source: str, diploma: str, i: int) -> str:
    years_in, years = 1 + i % 3, 2 + (i + SOURCES.index(source)) % 3
    floor, length = 1 + i % 3, 4 + i % 3
    return f"""voie {diploma}-domaine pour {diploma}
  selon « {years_in} an(s) dans le domaine. »
  exige expérience dans le domaine, de niveau suffisant, d'au moins {years_in} an{'s' if years_in > 1 else ''}

voie {diploma}-hors-domaine pour {diploma}
  selon « {years} ans, complétés par un stage. »
  exige expérience d'au moins {years} ans
  exige un stage de {length} mois, dans le domaine
  durée modulable par le jury, sans descendre sous {floor} mois
    selon « Le jury peut moduler la durée. »
  rapport exigé
    selon « Avec un rapport. »

"""


def generate(root: Path, diplomas: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    names = [f"d{i:04d}" for i in range(diplomas)]
    (root / "diplomes.cnr").write_text(
        "".join(f"diplôme {d} « Diplôme généré {d} »\n\n" for d in names), encoding="utf-8")
    for source in SOURCES:
        folder = root / source
        folder.mkdir(exist_ok=True)
        (folder / "source.cnr").write_text(f"source {source}\n  titre « Source générée {source} »\n",
                                           encoding="utf-8")
        for start in range(0, diplomas, PER_FILE):
            text = f"source {source}\n\n" + "".join(pathways(source, d, i) for i, d in
                                                   enumerate(names[start:start + PER_FILE], start))
            (folder / f"f{start // PER_FILE:04d}.cnr").write_text(text, encoding="utf-8")
    return root


if __name__ == "__main__":
    print(generate(Path(sys.argv[1]), int(sys.argv[2])))
