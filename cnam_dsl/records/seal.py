"""A record's content into sealed bytes: canonical JSON, SHA-256 digests, and the personal fields kept apart.

The chain covers everything but the personal data: the candidate's `name` and
the experiences' `label` are taken out of the profile (`split_personal`) and
stored in a row of their own, and the sealed record holds only their salted
digest (`personal_sha256`). Erasing them (RGPD) deletes that row: the chain
still verifies, the answer still recomputes (neither depends on them), and
the salt, erased with them, keeps the digest from being matched against
guessed names.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import unicodedata
from datetime import date

SCHEMA = "cnam-dsl/decision-record/1"
PERSONAL_KEYS = ("name", "label")  # the candidate's name; each experience's label (free text)


def canonical(value) -> bytes:
    """The one byte form of a JSON value that is hashed: keys sorted, no spaces, UTF-8.

    >>> canonical({"b": 1, "a": [1.5, "é"]})
    b'{"a":[1.5,"\\xc3\\xa9"],"b":1}'
    """
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def plain(value):
    """A candidate file's data as JSON values (YAML dates as AAAA-MM-JJ).

    >>> plain({"experiences": [{"start": date(2021, 9, 1)}]})
    {'experiences': [{'start': '2021-09-01'}]}
    """
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------- personal data


def split_personal(profile: dict) -> tuple[dict, dict]:
    """(the profile without its personal fields, those fields: `{"name": …, "labels": {"0": …}}`).

    >>> split_personal({"name": "A", "experiences": [{"label": "x", "months": 2}, {"months": 1}]})
    ({'experiences': [{'months': 2}, {'months': 1}]}, {'name': 'A', 'labels': {'0': 'x'}})
    """
    kept = {k: v for k, v in profile.items() if k != "name"}
    personal: dict = {"name": profile["name"]} if "name" in profile else {}
    labels = {}
    experiences = profile.get("experiences")
    if isinstance(experiences, list):
        kept["experiences"] = []
        for index, e in enumerate(experiences):
            if isinstance(e, dict) and "label" in e:
                labels[str(index)] = e["label"]
                e = {k: v for k, v in e.items() if k != "label"}
            kept["experiences"].append(e)
    if labels:
        personal["labels"] = labels
    return kept, personal


def merge_personal(profile: dict, personal: dict | None) -> dict:
    """The profile with its personal fields put back (the name first, each label first in its experience).

    >>> merge_personal({"experiences": [{"months": 2}]}, {"name": "A", "labels": {"0": "x"}})
    {'name': 'A', 'experiences': [{'label': 'x', 'months': 2}]}
    """
    if not personal:
        return profile
    merged = {"name": personal["name"]} if "name" in personal else {}
    merged.update(profile)
    labels = personal.get("labels", {})
    if labels and isinstance(profile.get("experiences"), list):
        merged["experiences"] = [{"label": labels[str(i)], **e} if str(i) in labels else e
                                 for i, e in enumerate(profile["experiences"])]
    return merged


def personal_fields(personal: dict) -> list[str]:
    """The paths of the personal fields (what an erasure removes), in the order of the file.

    >>> personal_fields({"name": "A", "labels": {"1": "x"}})
    ['name', 'experiences[1].label']
    """
    return (["name"] if "name" in personal else []) + [f"experiences[{i}].label"
                                                       for i in sorted(personal.get("labels", {}), key=int)]


def salted(personal: dict) -> dict:
    """The personal fields with a fresh random salt (stored with them, erased with them)."""
    return {**personal, "salt": secrets.token_hex(16)}


def personal_digest(stored: dict) -> str:
    """The digest of the stored personal fields, salt included: what the chain holds of them."""
    return sha256(canonical(stored))


def search_key(text: str | None) -> str | None:
    """A name as searched: lower case, without accents.

    >>> search_key("Émilie  Dupré")
    'emilie dupre'
    """
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


# ---------------------------------------------------------------- the sealed body


def seal(body: dict) -> tuple[bytes, str]:
    """The stored bytes of a record's body (every field but `sha256`) and their digest, its `sha256`."""
    text = canonical(body)
    return text, sha256(text)
