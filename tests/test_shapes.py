"""`Shapes.read` reads a flat `missing` line as `batch.Answerer._simple` and `simple_facts` read it, or gives None.

`python tests/test_shapes.py COHORT.jsonl...` prints the cost per line of both readings.
"""

from __future__ import annotations

import json
import random
import sys
import time

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from cnam_dsl.batch.shapes import LONGEST, MISSING_FIELDS, Shapes
from cnam_dsl.batch.simple import simple_facts
from cnam_dsl.solve import Facts
from cnam_dsl.solve.values import DONE_KEYS

from test_batch_columns import random_request


def reference(text: bytes):
    """(key, facts) as `Answerer._simple` reads them off a line (the date unparsed), or None."""
    try:
        request = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if type(request) is not dict or request.get("command") != "missing" or not MISSING_FIELDS.issuperset(request):
        return None
    diploma, milestone = request.get("diploma"), request.get("milestone", "delivery")
    sources, on = request.get("sources", request.get("source")), request.get("date")
    if isinstance(sources, str):
        sources = [sources]
    if not (isinstance(diploma, str) and isinstance(milestone, str) and (on is None or isinstance(on, str))
            and (sources is None or isinstance(sources, list) and all(isinstance(s, str) for s in sources))):
        return None
    facts = simple_facts(request.get("profile"))
    return None if facts is None else ((diploma, tuple(sources) if sources else None, milestone, on), facts)


def bits(value):
    """`value` with its floats spelled to the bit and every type named, dicts in their order."""
    if type(value) is float:
        return "float", value.hex()
    if type(value) in (tuple, list):
        return type(value).__name__, tuple(bits(v) for v in value)
    if type(value) is dict:
        return "dict", tuple((bits(k), bits(v)) for k, v in value.items())
    return type(value).__name__, value


def checked(shapes: Shapes, text: bytes) -> bool:
    """Whether `shapes` read the line; it must then agree with the reference to the bit."""
    found = shapes.read(text)
    if found is None:
        return False
    expected = reference(text)
    assert expected is not None, text
    key, shape, values = found
    totals, done, (decision, ue) = values[:len(shape)], values[len(shape):-2], values[-2:]
    facts = Facts({k: v for k, v in zip(shape, totals) if v > 0}, dict(zip(DONE_KEYS, done)), decision, ue)
    assert bits(key) == bits(expected[0]), text
    assert bits(vars(facts)) == bits(vars(expected[1])), text
    return True


# ---------------------------------------------------------------- request lines of every kind


class Raw(str):
    """A number token written as it is (an exponent, `-0`, a leading zero...)."""


def written(value, rng: random.Random) -> str:
    """JSON text of `value`, with spaces, new lines and tabs here and there, keys at times shuffled."""
    def gap():
        return rng.choice(["", "", "", " ", "  ", "\n", "\t", "\r\n "])

    if type(value) is Raw:
        return value
    if type(value) is dict:
        items = list(value.items())
        if rng.random() < 0.3:
            rng.shuffle(items)
        return "{" + ",".join(f"{gap()}{json.dumps(k)}{gap()}:{gap()}{written(v, rng)}{gap()}" for k, v in items) + "}"
    if type(value) is list:
        return "[" + gap() + ",".join(gap() + written(v, rng) + gap() for v in value) + "]"
    return json.dumps(value, ensure_ascii=rng.random() < 0.2)


def line(request: dict, rng: random.Random) -> bytes:
    """`request` as a line, compact, spaced or written with gaps."""
    style = rng.randrange(4)
    if style == 0:
        text = json.dumps(request, separators=(",", ":"), ensure_ascii=False)  # Raw tokens: strings here
    elif style == 1:
        text = json.dumps(request, sort_keys=rng.random() < 0.5)
    else:
        text = written(request, rng)
    return text.encode("utf-8", "surrogatepass")


def same_but_digits(text: bytes, rng: random.Random) -> bytes:
    """`text` with some of its digits changed: a line of the same shape."""
    return bytes(rng.choice(b"0123456789") if 48 <= b <= 57 and rng.random() < 0.5 else b for b in text)


def mostly(good, bad):
    """`good` nine times in ten, else `bad`."""
    return st.integers(0, 9).flatmap(lambda n: bad if n == 0 else good)


def merged(fields, extra):
    """The dictionaries of `fields`, at times with some of `extra` (unknown or refused fields) too."""
    return st.builds(lambda a, b: {**a, **b}, fields, mostly(st.just({}), st.fixed_dictionaries({}, optional=extra)))


TOKENS = ["1e2", "1E+1", "12.50", "-0", "-0.0", "0.5e1", "1e400", "1e-400", "01", "1.0e-2", "3e0", "100e-2", "0e5",
          "1200.0000000000001", "18446744073709551616", "99999999999999999999"]
number = st.one_of(
    st.integers(-3, 1300), st.floats(-5, 1300), st.floats(0, 1.5), st.sampled_from(TOKENS).map(Raw),
    st.sampled_from([0, 0.0, -0.0, 5e-324, 1e-10, 1200, 1200.0, 1201, 1, 1.0, 0.1, 1 / 3, 10**19, 2**64, 10**25, 1e300,
                     float("nan"), float("inf"), True, False, None, "12", [1], {}]))
months = mostly(st.integers(1, 48) | st.floats(0.01, 48).map(lambda m: round(m, 2)) | st.floats(1e-9, 1200), number)
text = mostly(st.text(alphabet="ab09+- ", max_size=6) | st.sampled_from(["bac+2", "bac+3", "licence", "Léa 2"]),
              st.text(max_size=4) | st.sampled_from(["x" * 501, "12" * 250, "12" * 251, "\ud800", "é\x01\"\\"]))
field = mostly(st.sampled_from(["in", "out"]), st.sampled_from(["in2", "0", "", 1, None, True, "salaried"]))
experience = merged(st.fixed_dictionaries({"months": months, "field": field}, optional={
    "kind": mostly(st.sampled_from(["salaried", "self_employed", "volunteer", "union"]), st.sampled_from(["x1", 2])),
    "level": mostly(st.sampled_from(["sufficient", "insufficient"]), st.sampled_from(["insufficient3", None])),
    "time_share": mostly(st.sampled_from([0.5, 0.25, 1, 0.8]) | st.floats(1e-9, 1), number),
    "label": mostly(text, number)}), {"start": st.just("2020-01-01"), "end": st.just("2021-03-04"), "x": st.just(1)})
internship = merged(st.fixed_dictionaries({"months": months}, optional={
    "field": field, "report": mostly(st.booleans(), st.sampled_from([0, 1, None, "true"]))}),
    {"end": st.just("2021-03-04"), "label": st.just("x")})
entries = mostly(st.lists(mostly(experience, number), min_size=1, max_size=3), st.sampled_from([[], None]) | number)
profile = mostly(merged(st.fixed_dictionaries({"experiences": entries}, optional={
    "name": mostly(text, number),
    "ue_acquired": mostly(st.integers(0, 1000), st.sampled_from([-1, 1001, 2.0, 0.0, Raw("1e2"), True]) | number),
    "decided_internship_months": months, "internships": mostly(st.lists(internship, max_size=2), st.none() | number),
}), {"vae_requests": st.just([]), "other9": st.just(1)}), st.sampled_from([None, [], "x", 3]))
sources = mostly(st.lists(text | st.sampled_from(["cnam-na", "cnam-eleves"]), max_size=2) | text,
                 st.sampled_from([None, 3, 0, "", {"a": 1}, [1], ["cnam-na", None]]))
request = merged(st.fixed_dictionaries({
    "command": mostly(st.just("missing"), st.sampled_from(["vae", "missing2", None])),
    "diploma": mostly(st.sampled_from(["licence", "bac+2", "bac+3", "licence-l3"]) | text,
                      st.sampled_from([5, None, ["x"]])),
    "profile": profile,
}, optional={
    "date": mostly(st.sampled_from(["2026-01-01", "2024-02-29", "2026-13-45", None]) | text,
                   st.sampled_from([20260101, ["2026-01-01"]])),
    "sources": sources, "source": sources,
    "milestone": mostly(st.sampled_from(["delivery", "probatoire", "m1"]) | text, st.sampled_from([None, 7])),
}), {"certification": st.just("LP110504"), "x1": st.just(1)})

SHARED = Shapes()  # lives across the examples: shapes are learnt from some lines, used on others


@settings(max_examples=800, deadline=None)
@given(request=request, seed=st.integers(0, 2**32))
def test_a_line_read_by_shape_is_read_as_simple_facts_reads_it(request, seed):
    rng = random.Random(seed)  # spaces and digits: hypothesis's own `randoms()` costs too much here
    first = line(request, rng)
    lines = [first, *(same_but_digits(first, rng) for _ in range(3))]
    alike = Shapes()  # learns the shape from the second of these lines that parses
    for text in lines:
        alone = Shapes()  # learns the shape from this very line
        alone.read(text)
        for shapes in (alone, alike, SHARED):
            checked(shapes, text)


# ---------------------------------------------------------------- cohorts, shapes


def test_a_cohort_is_read_by_shape():
    """Lines like those of bench/run.py's cohorts (months with 2 decimals): few shapes, nearly all read."""
    rng = random.Random(7)
    shapes = Shapes()
    cohort = [json.dumps({"command": "missing", "diploma": rng.choice(["licence", "bac+2", "ingenieur"]),
                          "date": "2026-01-01", "profile": {"experiences": [
                              {"months": round(rng.uniform(1, 48), 2), "field": rng.choice(["in", "out"])}
                              for _ in range(rng.randint(1, 2))]}}).encode() for _ in range(20_000)]
    assert sum(checked(shapes, text) for text in cohort) >= 0.95 * len(cohort)


def test_every_flat_line_is_read_once_its_shape_is_known():
    """test_batch_columns's varied requests: each line `simple_facts` reads (the others have dated periods)."""
    rng = random.Random(2026)
    shapes = Shapes()
    cohort = [json.dumps(random_request(rng)).encode() for _ in range(3000)]
    for text in cohort:
        shapes.read(text)
    flat = [text for text in cohort if reference(text) is not None]
    assert len(flat) > 1500 and all(checked(shapes, text) for text in flat)


def test_digits_in_a_diploma_make_different_keys():
    shapes = Shapes()
    line2, line3 = (b'{"command": "missing", "diploma": "bac+%d", "profile": {"experiences": [{"months": 1%d, '
                    b'"field": "in"}]}}' % (n, n) for n in (2, 3))
    assert shapes.read(line2) is None  # a shape is learnt from its second line
    assert shapes.read(line2)[0] == ("bac+2", None, "delivery", None)
    assert shapes.read(line3)[0] == ("bac+3", None, "delivery", None)
    assert shapes.read(line3)[2] == (13.0, 0, 0, 0, 0, None, 0)


def test_the_months_of_a_category_are_added_in_their_order():
    a, b, c = 33.6655410508, 22.7017185834, 26.0494801553
    assert round(a + b + c, 9) != round(a + c + b, 9)
    shapes = Shapes()
    experiences = b'{"months": %r, "field": "in"}, {"months": 1, "field": "out"}, {"months": %r, "field": "in"}, ' \
                  b'{"months": %r, "field": "in"}' % (a, b, c)
    text = b'{"command": "missing", "diploma": "licence", "profile": {"experiences": [%s]}}' % experiences
    shapes.read(text)
    assert checked(shapes, text)


def test_the_digits_the_schema_refuses_are_refused_on_each_line():
    request = b'{"command": "missing", "diploma": "licence", "profile": {%s}}'
    experience = b'"experiences": [{"months": %s, "field": "in"}]'
    for good, bad in [(experience % b"1200", experience % b"1201"), (experience % b"1e3", experience % b"2e3"),
                      (experience % b'3, "time_share": 0.5', experience % b'3, "time_share": 1.5'),
                      (experience % b'3, "time_share": 1', experience % b'3, "time_share": 0'),
                      (b'"ue_acquired": 1000', b'"ue_acquired": 1001'),
                      (b'"decided_internship_months": 1200', b'"decided_internship_months": 1201'),
                      (b'"internships": [{"months": 1200}]', b'"internships": [{"months": 1201}]')]:
        shapes = Shapes()
        shapes.read(request % good)
        assert checked(shapes, request % good)
        assert shapes.read(request % bad) is None and reference(request % bad) is None
    shapes = Shapes()
    for ue in (b"2.0", b"2.0", b"3.0", b"1e2"):  # a number, but not an integer
        assert shapes.read(request % b'"ue_acquired": %s' % ue) is None


def test_a_first_line_that_fails_teaches_nothing_wrong():
    shapes = Shapes()
    lines = [b'{"command":"missing","diploma":"licence","profile":{"experiences":[{"months":%s,"field":"in"}]}}' % m
             for m in (b"01", b"01", b"00", b"10", b"12")]
    assert [shapes.read(text) for text in lines[:3]] == [None, None, None]  # seen, not JSON, no months
    assert [shapes.read(text)[2][0] for text in lines[3:]] == [10.0, 12.0]


def test_an_escape_never_spells_a_key_for_the_shape():
    shapes = Shapes()
    months, nonths = (b'{"command": "missing", "diploma": "x", "profile": {"experiences": [{"\\u006%sonths": 3, '
                      b'"field": "in"}]}}' % c for c in (b"d", b"e"))
    assert reference(months) is not None and reference(nonths) is None
    assert [shapes.read(text) for text in (months, months, nonths)] == [None, None, None]


def test_lines_that_are_no_requests():
    shapes = Shapes()
    for text in (b"", b"not json", b"[1]", b"null", b'{"command": "vae"}', b'{"command": "missing"}', b"\x00{}") * 2:
        assert shapes.read(text) is None


def test_the_shapes_remembered_are_bounded():
    shapes = Shapes(size=20)
    for n in range(1, 300):  # as many shapes, 40 functions
        experiences = b",".join([b'{"months": 1, "field": "in"}'] * (n % 40) + [b'{"months": %d, "field": "out"}' % n])
        diploma = b"x" * (n // 40)
        text = b'{"command": "missing", "diploma": "%s", "profile": {"experiences": [%s]}}' % (diploma, experiences)
        shapes.read(text)
        assert checked(shapes, text)
        assert len(shapes._seen) <= 20 and len(shapes._readers) <= 20 and len(shapes._made) <= 20
    long = b'{"command": "missing", "diploma": "%s", "profile": {}}' % (b"x" * LONGEST)
    assert reference(long) is not None and [shapes.read(long), shapes.read(long)] == [None, None]


# ---------------------------------------------------------------- cost per line (not a test)


def cost(paths: list[str]) -> None:
    """Print µs per line: `Shapes.read` against `orjson.loads` + `Answerer._simple` (today's reading)."""
    from cnam_dsl.batch.cohort import Answerer, _load, _proofs

    answerer = Answerer(_load(None), _proofs())
    for path in paths:
        with open(path, "rb") as f:
            cohort = f.read().splitlines()
        readings = {"Shapes.read": Shapes().read, "orjson.loads": orjson.loads,
                    "orjson.loads + _simple": lambda text: answerer._simple(orjson.loads(text))}
        for name, read in readings.items():
            best = float("inf")
            for _ in range(3):
                start = time.perf_counter()
                for text in cohort:
                    read(text)
                best = min(best, time.perf_counter() - start)
            print(f"{path}: {name}: {best / len(cohort) * 1e6:.2f} µs/line")


if __name__ == "__main__":
    cost(sys.argv[1:])
