"""A closed form traced into a program: straight-line operations over a candidate's inputs, and the one generator
of code from it (no Z3 here).

`Program.of(plan)` records the operations of `closed_form.scenario` (each
question the engine asks) and `closed_form.decision` (the answer) once, each
subterm once. The program is then run, unchanged, on whatever numbers an
`ops` object provides: Z3 terms (`proof`, `terms`), NumPy columns (`table`),
exact integers (`ClosedForm.decide_values`, through Python generated from the
program, as `dataclasses` and `collections.namedtuple` generate theirs; the
straight-line form runs about ten times faster). That generator
(`Program._source`) is the only code generated and executed in the project.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

from ..language.model import CATEGORIES
from .closed_form import OPTIONS, QUESTIONS, Answer, Decision, Inputs, Optimum, Plan, decision, scenario
from .values import DONE_KEYS


class Trace:
    """The operations of `scenario` recorded as a program: each subterm once, constants folded."""

    def __init__(self):
        self.nodes: list[tuple] = []
        self._index: dict[tuple, int] = {}
        self.true, self.false = self._node(("bool", True)), self._node(("bool", False))

    def _node(self, node: tuple) -> int:
        if node not in self._index:
            self._index[node] = len(self.nodes)
            self.nodes.append(node)
        return self._index[node]

    def input(self, name: str, i: int = 0) -> int:
        return self._node(("in", name, i))

    def const(self, value: Fraction) -> int:
        return self._node(("const", Fraction(value)))

    def code(self, value: int) -> int:
        """An integer that is not a number of months (a status, an index): never scaled."""
        return self._node(("code", int(value)))

    def add(self, a, b):
        return self._node(("add", a, b))

    def sub(self, a, b):
        return self._node(("sub", a, b))

    def max(self, a, b):
        return a if a == b else self._node(("max", a, b))

    def min(self, a, b):
        return a if a == b else self._node(("min", a, b))

    def ite(self, c, a, b):
        if c == self.true or a == b:
            return a
        return b if c == self.false else self._node(("ite", c, a, b))

    def ge(self, a, b):
        return self._node(("ge", a, b))

    def gt(self, a, b):
        return self._node(("gt", a, b))

    def eq(self, a, b):
        return self._node(("eq", a, b))

    def and_(self, a, b):
        if a == self.true:
            return b
        if b == self.true:
            return a
        return self.false if self.false in (a, b) else self._node(("and", a, b))

    def or_(self, a, b):
        if a == self.false:
            return b
        if b == self.false:
            return a
        return self.true if self.true in (a, b) else self._node(("or", a, b))

    def not_(self, a):
        if a in (self.true, self.false):
            return self.false if a == self.true else self.true
        return self._node(("not", a))


# How each operation reads in the generated Python (exact integers and bools).
PYTHON = {
    "add": "{0} + {1}", "sub": "{0} - {1}", "max": "{0} if {0} >= {1} else {1}", "min": "{0} if {0} <= {1} else {1}",
    "ite": "{1} if {0} else {2}", "ge": "{0} >= {1}", "gt": "{0} > {1}", "eq": "{0} == {1}",
    "and": "{0} and {1}", "or": "{0} or {1}", "not": "not {0}",
}
OPERATIONS = {"add": "add", "sub": "sub", "max": "max", "min": "min", "ite": "ite", "ge": "ge", "gt": "gt",
              "eq": "eq", "and": "and_", "or": "or_", "not": "not_"}


@dataclass(frozen=True)
class Program:
    """Every question of one plan and the answer they make, as straight-line operations over the candidate's
    inputs (subterms shared); `outputs[question]` are the nodes of a question's answer (feasible per
    combination, any feasible, then the optima's fields), `outputs["decision"]` those of the decision
    (`Decision`, flattened by `decision_nodes`)."""

    nodes: tuple[tuple, ...]
    outputs: dict
    combinations: int

    @staticmethod
    def of(plan: Plan) -> "Program":
        trace = Trace()
        inputs = Inputs(tuple(trace.input("x", i) for i in range(len(CATEGORIES))),
                        tuple(trace.input("d", i) for i in range(len(DONE_KEYS))),
                        trace.input("h"), trace.input("v"), trace.input("c"), trace.input("e"), trace.input("w"))
        answers = {q: scenario(trace, plan, inputs, *q) for q in QUESTIONS}
        outputs: dict = {}
        for (mode, todo_zero), answer in answers.items():
            optima = [answer.least_added] if mode != "none" else [answer.low, answer.high, answer.left]
            outputs[(mode, todo_zero)] = answer.feasible + (answer.any_feasible,) + tuple(
                f for o in optima for f in (o.value, o.closed, o.bounded))
        outputs["decision"] = flat(decision(trace, plan, inputs, answers))
        return Program(tuple(trace.nodes), outputs, len(plan.combinations))

    def answer(self, mode: str, values) -> Answer:
        """A question's answer from the values of its outputs."""
        n = self.combinations
        optima = [Optimum(*values[i:i + 3]) for i in range(n + 1, len(values), 3)]
        if mode != "none":
            return Answer(tuple(values[:n]), values[n], optima[0], None, None, None)
        return Answer(tuple(values[:n]), values[n], None, *optima)

    def needed(self, wanted) -> list[int]:
        """The nodes the wanted ones depend on, in order."""
        needed = set(wanted)
        for i in range(len(self.nodes) - 1, -1, -1):
            if i in needed and self.nodes[i][0] in PYTHON:
                needed.update(self.nodes[i][1:])
        return sorted(needed)

    def evaluate(self, ops, inputs: Inputs, questions=QUESTIONS) -> dict:
        """The questions' answers (and, asked as "decision", the decision) computed with these operations
        (Z3 terms, NumPy columns...), each node once."""
        values = self.values(ops, inputs, [o for q in questions for o in self.outputs[q]])
        return {q: (unflat([values[o] for o in self.outputs[q]]) if q == "decision"
                    else self.answer(q[0], [values[o] for o in self.outputs[q]])) for q in questions}

    def decide(self, ops, inputs: Inputs, options: bool = True) -> Decision:
        """The decision computed with these operations (without its options, `options` False: only the nodes
        the status, the pathways and the amounts need are computed)."""
        wanted = self.outputs["decision"] if options else self.outputs["decision"][:OPTIONS_START]
        values = self.values(ops, inputs, wanted)
        return unflat([values[o] for o in wanted])

    def values(self, ops, inputs: Inputs, wanted) -> dict[int, object]:
        """The values of the wanted nodes (and of those they depend on), by a straight-line function of
        the operations `ops` (generated once per set of wanted nodes)."""
        wanted = tuple(wanted)
        run = self._straight.get(wanted)
        if run is None:
            run = self._straight[wanted] = self._straight_line(wanted)
        return dict(zip(wanted, run(ops, inputs.x, inputs.done, inputs.has_decision, inputs.decision,
                                    inputs.by_commission, inputs.complement, inputs.duties)))

    @cached_property
    def _straight(self) -> dict[tuple[int, ...], object]:
        return {}

    def _straight_line(self, wanted: tuple[int, ...]):
        """`run(ops, x, d, h, v, c, e, w)`: the wanted nodes' values, each needed node computed once by `ops`."""
        header = ("def run(ops, x, d, h, v, c, e, w):\n    " + ", ".join(f"o_{t}" for t in OPERATIONS) + " = "
                  + ", ".join(f"ops.{name}" for name in OPERATIONS.values()))
        source, constants = self._source(header, wanted, "ops.const(k[{}])", "ops.code({})", ("ops.false", "ops.true"),
                                         lambda tag, args: f"o_{tag}({', '.join(args)})")
        return _function(source, {"k": constants})

    def python(self, wanted) -> tuple[object, list[Fraction]]:
        """The wanted nodes as a Python function of exact integers (months × a common denominator),
        `run(x, d, h, v, c, e, w, k)` with `k` the constants (returned alongside) scaled alike."""
        source, constants = self._source("def run(x, d, h, v, c, e, w, k):", wanted, "k[{}]", "{}", ("False", "True"),
                                         lambda tag, args: PYTHON[tag].format(*args))
        return _function(source, {}), constants

    def _source(self, header: str, wanted, constant: str, code: str, booleans: tuple[str, str], operation):
        """The source of a function computing the `wanted` nodes in order, each needed node once as
        `n<i>` (`constant` formats the index of a constant, `code` an integer code, `booleans` spell false
        and true, `operation` writes an operation from its tag and its arguments), and the constants it
        indexes."""
        constants: list[Fraction] = []
        lines = [header]
        for i in self.needed(wanted):
            node = self.nodes[i]
            tag = node[0]
            if tag == "in":
                expr = f"{node[1]}[{node[2]}]" if node[1] in "xd" else node[1]
            elif tag == "const":
                expr = constant.format(len(constants))
                constants.append(node[1])
            elif tag == "bool":
                expr = booleans[bool(node[1])]
            elif tag == "code":
                expr = code.format(node[1])
            else:
                expr = operation(tag, [f"n{a}" for a in node[1:]])
            lines.append(f"    n{i} = {expr}")
        lines.append(f"    return ({', '.join(f'n{i}' for i in wanted)},)")
        return "\n".join(lines) + "\n", constants


def _function(source: str, namespace: dict):
    """The function `run` that a generated source defines (numbers, indices and the operations' names only)."""
    exec(compile(source, "<closed form>", "exec"), namespace)  # noqa: S102
    return namespace["run"]


def flat(d: Decision) -> tuple:
    """A decision's values in a fixed order (`unflat` reads them back)."""
    optima = (d.low, d.high, d.left, d.least)
    return ((d.status, d.combination) + tuple(f for o in optima for f in (o.value, o.closed, o.bounded))
            + tuple(f for present, o in d.options for f in (present, o.value, o.closed)))


OPTIONS_START = 14  # where a flattened decision's options begin (after the status, the pathways, four optima)


def unflat(values) -> Decision:
    """A decision from its values in `flat`'s order (without options if the values stop before them)."""
    values = list(values)
    optima = [Optimum(*values[2 + 3 * i:5 + 3 * i]) for i in range(4)]
    start = OPTIONS_START
    options = tuple((values[start + 3 * i], Optimum(values[start + 3 * i + 1], values[start + 3 * i + 2], True))
                    for i in range(len(OPTIONS))) if len(values) > start else ()
    return Decision(values[0], values[1], *optima, options)


class ClosedForm:
    """A plan traced once into its `Program`; for one candidate at a time, the decision runs as a generated
    Python function over exact integers (`decide_values`)."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.program = Program.of(plan)
        self._run = None
        self._scaled: dict[int, list[int]] = {}

    def decide_values(self, x, done, has_decision: bool, decision: int, by_commission: bool, complement: int,
                      duties: bool, scale: int) -> Decision:
        """The decision for one candidate whose numbers are integers in 1/`scale` month."""
        if self._run is None:
            self._run, self._constants = self.program.python(self.program.outputs["decision"])
        scaled = self._scaled.get(scale)
        if scaled is None:
            scaled = self._scaled[scale] = [int(c * scale) for c in self._constants]
        return unflat(self._run(x, done, has_decision, decision, by_commission, complement, duties, scaled))
