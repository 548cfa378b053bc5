"""The stored records against what they claim: `verify` (the chain, the personal data's digests, the stored rule
bases, each answer recomputed with its own rules) and `replay` (which answers another rule base changes).

Both answer many questions at once through the batch machinery
(`batch.cohort`): each stored `missing` question becomes a request line,
answered byte for byte as `cnam missing --format json` would; VAE questions,
whose answer depends on the day they were asked, are answered one by one.
"""

from __future__ import annotations

import gc
import io
import json
import tempfile
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson

from ..batch import cohort
from .decision import asked_again, answer_of, counted, question_of
from .seal import canonical, merge_personal, personal_digest, search_key, sha256
from .snapshot import Snapshot, SnapshotError, documents
from .store import Store, UnknownRecord

EXAMPLES = 50  # records shown per kind of change
COLUMNS = ("created_at", "adviser", "rules_sha256", "previous_sha256")


# ---------------------------------------------------------------- answering stored questions in bulk


def _line(body: dict) -> bytes:
    kind, fields, _ = asked_again(body["question"])
    return orjson.dumps({"command": kind, **fields, "profile": body["profile"]})


def answered(bodies: Iterator[tuple[object, dict]], rules, root: Path | None):
    """For each (key, stored body), in order: (key, body, the answer under `rules` as compact JSON bytes, or
    `{"error": …}`). `missing` questions go through the batch's answerer (`cohort.answered`, loading the rules
    of `root`); VAE questions are answered here, on the day they were asked."""
    waiting: deque[list] = deque()  # the records of each chunk handed to the batch, in order

    def chunks():
        records, lines = [], []
        for key, body in bodies:
            records.append((key, body))
            if body["question"]["command"] == "missing":
                lines.append((len(lines) + 1, _line(body)))
            if len(lines) >= cohort.CHUNK:
                waiting.append(records)
                yield lines
                records, lines = [], []
        if records:
            waiting.append(records)
            yield lines

    for write, _, _ in cohort.answered(chunks(), root, 1, loaded=rules):
        out = io.BytesIO()
        write(out)
        lines = iter(out.getvalue().splitlines())
        for key, body in waiting.popleft():
            missing = body["question"]["command"] == "missing"
            yield key, body, _answer_line(next(lines)) if missing else orjson.dumps(_vae(rules, body))


def _answer_line(line: bytes) -> bytes:
    """An answer line of the batch; its error lines (`{"line": n, "error": …}`) as `{"error": …}`."""
    if line.startswith(b'{"line":'):
        return orjson.dumps({"error": orjson.loads(line)["error"]})
    return line


def parsed(answer: bytes, folder: str, stored_folder: str) -> dict:
    """An answer line read back, its rule files named under the stored record's folder (answers cite rule
    files as `<folder>/<source>/<file>.cnr`)."""
    if folder != stored_folder:
        answer = answer.replace(f'"file":"{folder}/'.encode(), f'"file":"{stored_folder}/'.encode())
    return orjson.loads(answer)


def _vae(rules, body: dict) -> dict:
    from ..candidate import ProfileError, read_profile
    from ..request import RequestError
    from ..solve import SolverError

    kind, fields, day = asked_again(body["question"])
    try:
        question = question_of(rules, kind, fields, read_profile(body["profile"], origin="profile"), day)
        return json.loads(canonical(answer_of(rules, question, day)))
    except (ProfileError, RequestError, SolverError) as error:
        return {"error": str(error)}


# ---------------------------------------------------------------- verify


def verify(store: Store, record_id: int | None = None) -> dict:
    """What does not hold in the records (all of them, or one): `{"checked", "head_sha256", "problems":
    [{"record", "problem"}]}`. Checked: each row's digest against its sealed content and its columns, the
    chain (ids following each other, each record naming the digest of the one before), the personal data
    against their digest (or their erasure recorded), each rule base stored against its digest, and each
    answer and counting recomputed with the record's own rules."""
    with collector_paused():
        return _verify(store, record_id)


def _verify(store: Store, record_id: int | None) -> dict:
    problems: list[dict] = []
    checked, head, digests = _check_chain(store, record_id, problems)
    with tempfile.TemporaryDirectory(prefix="cnam-records-") as scratch:
        for digest in sorted(digests):
            _check_answers(store, digest, record_id, Path(scratch) / digest[:16], problems)
    problems.sort(key=lambda p: p["record"])
    return {"checked": checked, "record": record_id, "head_sha256": head, "problems": problems}


def _check_chain(store: Store, record_id: int | None, problems: list) -> tuple[int, str | None, set[str]]:
    previous, checked, digests = None, 0, set()
    for row in store.rows(record_id):
        if record_id is not None and row.id != record_id:
            previous = row
            continue
        checked += 1
        if sha256(row.body.encode("utf-8")) != row.sha256:
            problems.append({"record": row.id, "problem": "l'empreinte ne correspond pas au contenu scellé "
                                                          "(contenu modifié, ou enregistrement forgé)"})
        else:
            body = json.loads(row.body)
            digests.add(body["rules_sha256"])
            found = _row_problems(row, body, previous, first=record_id is None) + _personal_problems(row, body)
            problems += [{"record": row.id, "problem": p} for p in found]
        previous = row
    if record_id is not None and not checked:
        raise UnknownRecord(record_id)
    return checked, previous.sha256 if previous is not None else None, digests


def _row_problems(row, body: dict, previous, first: bool) -> list[str]:
    """What does not hold between a row's columns and its sealed content, and in its link to the row before."""
    found = []
    if body.get("id") != row.id:
        found.append(f"le contenu scellé porte le numéro {body.get('id')}, la ligne le numéro {row.id}")
    answer = body.get("answer", {})
    columns = {c: body.get(c) for c in COLUMNS}
    columns.update(kind=body["question"]["command"], status=answer.get("status"),
                   subject=answer.get("diploma") or answer.get("certification"))
    for column, value in columns.items():
        if getattr(row, column) != value:
            found.append(f"la colonne {column} ({getattr(row, column)}) ne correspond pas au contenu scellé ({value})")
    if previous is None:
        if first and (row.id != 1 or body.get("previous_sha256") is not None):
            found.append("la chaîne ne commence pas au premier enregistrement (numéro 1, sans précédent)")
    elif previous.id != row.id - 1:
        found.append(f"maillon manquant : l'enregistrement précédent porte le numéro {previous.id}")
    elif body.get("previous_sha256") != previous.sha256:
        found.append(f"maillon rompu : renvoie à l'empreinte {str(body.get('previous_sha256'))[:12]}…, "
                     f"l'enregistrement {previous.id} a l'empreinte {previous.sha256[:12]}…")
    return found


def _personal_problems(row, body: dict) -> list[str]:
    if row.data is None:
        return [] if row.erased_at else ["données personnelles absentes sans effacement enregistré"]
    stored = json.loads(row.data)
    found = []
    if personal_digest(stored) != body["personal_sha256"]:
        found.append("les données personnelles ne correspondent pas à leur empreinte scellée")
    elif sha256(canonical(merge_personal(body["profile"], {k: v for k, v in stored.items() if k != "salt"}))) \
            != body["profile_sha256"]:
        found.append("le fichier candidat ne correspond pas à son empreinte scellée")
    if row.name_key != search_key(stored.get("name")):
        found.append("la clé de recherche du nom ne correspond pas au nom")
    return found


def _check_answers(store: Store, digest: str, record_id: int | None, into: Path, problems: list) -> None:
    """Each answer and counting of the records computed with one rule base, recomputed with it."""
    from ..rules import Rules, RulesError

    ids = [r.id for r in store.rows(record_id) if r.rules_sha256 == digest and record_id in (None, r.id)]
    try:
        snapshot = store.snapshot(digest)
        root = snapshot.restore(into)
        rules = Rules.load(root)
    except (SnapshotError, RulesError) as error:
        problems += [{"record": i, "problem": f"règles introuvables : {error}"} for i in ids]
        return
    bodies = ((r.id, json.loads(r.body)) for r in store.rows(record_id)
              if r.rules_sha256 == digest and record_id in (None, r.id)
              and sha256(r.body.encode("utf-8")) == r.sha256)
    for key, body, answer in answered(bodies, rules, root):
        for problem in _answer_problems(rules, snapshot, body, orjson.loads(answer)):
            problems.append({"record": key, "problem": problem})


def _answer_problems(rules, snapshot: Snapshot, body: dict, answer: dict) -> list[str]:
    found = []
    if documents(rules.base, snapshot) != body["documents"]:
        found.append("les empreintes des documents sources ne correspondent pas aux règles stockées")
    if answer != body["answer"]:
        change = cohort.change_kind(body["answer"], answer)
        found.append(f"la réponse recalculée diffère ({change}){_versions(body)}")
    else:
        kind, fields, day = asked_again(body["question"])
        from ..candidate import read_profile

        question = question_of(rules, kind, fields, read_profile(body["profile"], origin="profile"), day)
        if json.loads(canonical(counted(rules.base, question, day))) != body["counted"]:
            found.append(f"le décompte recalculé des faits diffère{_versions(body)}")
    return found


def _versions(body: dict) -> str:
    from .decision import code_sha256

    current = code_sha256()
    if body.get("code_sha256") == current:
        return ""
    return (f" ; enregistré avec cnam-dsl {body.get('tool_version')}, code {str(body.get('code_sha256'))[:12]}…, "
            f"code actuel {current[:12]}…")


def verify_text(report: dict) -> str:
    what = "Dernière empreinte de la chaîne" if report["record"] is None else "Empreinte de l'enregistrement"
    head = f" {what} : {report['head_sha256']}." if report["head_sha256"] else ""
    if not report["problems"]:
        return (f"{report['checked']} enregistrement(s) vérifié(s) : chaîne intacte, données personnelles "
                f"conformes, réponses recalculées identiques.{head}")
    lines = [f"{report['checked']} enregistrement(s) vérifié(s) : {len(report['problems'])} anomalie(s).{head}"]
    lines += [f"- enregistrement {p['record']} : {p['problem']}" for p in report["problems"]]
    return "\n".join(lines)


# ---------------------------------------------------------------- replay


def relative(answer):
    """An answer with each rule file named inside its rule base (`cnam-na/licence.cnr`), whatever the folder.

    >>> relative({"explanation": [{"file": "rules/cnam-na/licence.cnr", "line": 3}]})
    {'explanation': [{'file': 'cnam-na/licence.cnr', 'line': 3}]}
    """
    if isinstance(answer, dict):
        return {k: (v.split("/", 1)[-1] if k == "file" and isinstance(v, str) else relative(v))
                for k, v in answer.items()}
    if isinstance(answer, list):
        return [relative(v) for v in answer]
    return answer


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector off for a while: a replay makes millions of JSON values, none in a
    cycle, and the collector's passes over them took a third of its time (measured on 4,000 records)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def replay(store: Store, root: Path, jobs: int = 1) -> dict:
    """The stored decisions answered differently under the rule base of `root`, grouped by kind of change,
    each with its old and new answer and the rule lines that say so. With `jobs` > 1, that many processes
    replay a share of the records each (ranges of ids), and their reports are put together."""
    from ..rules import Rules

    # checked (and cached) once, before any worker loads it; a corrected rule base is replayed even if some
    # of its worked examples fail (the command says which): the replay shows what the correction changes
    rules = Rules.load(root, failing_examples=True)
    last = store.last_id()
    if jobs <= 1 or last < 2 * jobs:
        with collector_paused():
            return _replay_part(store, rules, root, None)
    import multiprocessing

    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    store.engine.dispose()  # no connection of this process crosses into the workers
    step = -(-last // jobs)
    ranges = [(store.url, str(root), low, min(low + step - 1, last)) for low in range(1, last + 1, step)]
    with context.Pool(len(ranges)) as pool:
        parts = pool.starmap(_replay_range, ranges)
    return _together(parts)


def _replay_range(url: str, root: str, low: int, high: int) -> dict:
    """A worker's share of a replay: the records with ids from `low` to `high`."""
    from ..rules import Rules

    store = Store.open(url)
    try:
        with collector_paused():
            return _replay_part(store, Rules.load(Path(root), failing_examples=True), Path(root), (low, high))
    finally:
        store.close()


def _replay_part(store: Store, rules, root: Path, ids: tuple[int, int] | None) -> dict:
    folder = rules.snapshot.folder
    bodies = ((key, orjson.loads(text)) for key, text in store.bodies(ids))
    kinds: dict[str, dict] = {}
    total = changed = 0
    for key, body, line in answered(bodies, rules, root):
        total += 1
        after = parsed(line, folder, body["rules_folder"])
        if after == body["answer"]:
            continue
        before = body["answer"]
        kind = cohort.change_kind(relative(before), relative(after))
        if kind is None:
            continue
        changed += 1
        entry = kinds.setdefault(kind, {"kind": kind, "count": 0, "records": []})
        entry["count"] += 1
        if len(entry["records"]) < EXAMPLES:
            after = parsed(line, folder, folder)
            entry["records"].append({"id": key, "created_at": body["created_at"], "question": body["question"],
                                     "before": summary(before), "after": summary(after),
                                     "rules": responsible(before, after)})
    return {"rules": str(root), "rules_sha256": rules.snapshot.digest, "records": total, "changed": changed,
            "kinds": sorted(kinds.values(), key=lambda k: (-k["count"], k["kind"]))}


def _together(parts: list[dict]) -> dict:
    """The reports of the shares of a replay (in the order of their ids) as one."""
    kinds: dict[str, dict] = {}
    for part in parts:
        for k in part["kinds"]:
            entry = kinds.setdefault(k["kind"], {"kind": k["kind"], "count": 0, "records": []})
            entry["count"] += k["count"]
            entry["records"] = (entry["records"] + k["records"])[:EXAMPLES]
    return {**parts[0], "records": sum(p["records"] for p in parts), "changed": sum(p["changed"] for p in parts),
            "kinds": sorted(kinds.values(), key=lambda k: (-k["count"], k["kind"]))}


def responsible(before: dict, after: dict) -> list[dict]:
    """The rule lines behind a change: those cited by both answers whose statement for this candidate changed
    (old and new text); when there are none, every reason one answer gives and the other does not."""
    old = {_place(e): e for e in before.get("explanation", [])}
    new = {_place(e): e for e in after.get("explanation", [])}
    changed = [{**_cited(new[p]), "before": old[p]["text"]} for p in new
               if p in old and (old[p]["text"], old[p]["quote"]) != (new[p]["text"], new[p]["quote"])]
    if changed:
        return changed
    return ([{**_cited(e), "before": e["text"], "text": None} for p, e in old.items() if p not in new]
            + [{**_cited(e), "before": None} for p, e in new.items() if p not in old])


def _place(entry: dict) -> tuple:
    return entry["file"].split("/", 1)[-1], entry["line"]


def _cited(entry: dict) -> dict:
    return {k: entry[k] for k in ("file", "line", "source", "quote", "text")}


def summary(answer: dict) -> dict:
    """The part of an answer a change is told by (status, internship, amounts), or its error."""
    if "error" in answer:
        return {"error": answer["error"]}
    return {k: answer.get(k) for k in ("status", "internship", "missing_months", "next_possible_year") if k in answer}


def brief(s: dict) -> str:
    """
    >>> brief({"status": "missing", "internship": None, "missing_months": 2})
    "missing (il manque 2 mois d'expérience)"
    """
    from ..answer.present import short_answer

    if "error" in s:
        return f"erreur ({s['error']})"
    if s["status"] in ("internship", "missing"):
        return f"{s['status']} ({short_answer(s)})"
    if s.get("next_possible_year"):
        return f"{s['status']} (prochaine année possible : {s['next_possible_year']})"
    return s["status"]


def replay_text(report: dict) -> str:
    lines = [f"{report['changed']} décision(s) enregistrée(s) sur {report['records']} changeraient sous les "
             f"règles de {report['rules']} (empreinte {report['rules_sha256'][:12]}…)."]
    for kind in report["kinds"]:
        lines += ["", f"{kind['kind']} : {kind['count']}"]
        for r in kind["records"]:
            q = r["question"]
            subject = q.get("diploma") or q.get("certification")
            lines.append(f"  enregistrement {r['id']} ({subject}, question du {q['date']}) : "
                         f"{brief(r['before'])} → {brief(r['after'])}")
            for e in r["rules"]:
                lines.append(f"      {e['file']}:{e['line']} « {e['quote']} »")
                if e["before"]:
                    lines.append(f"          avant : {e['before']}")
                if e["text"]:
                    lines.append(f"          après : {e['text']}")
    return "\n".join(lines)
