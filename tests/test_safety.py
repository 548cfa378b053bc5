"""No input makes the program open files other than those named, write outside its cache, or reach the network.

Each command runs under `strace -f` (installed with apt-get if missing; skipped, saying why, if it cannot
be): every file opened, renamed, removed or created is listed, and every socket.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

from conftest import ROOT
from webserver import free_port

pytestmark = pytest.mark.slow
CALLS = "openat,open,creat,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat,execve,socket,connect,bind"
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND")
SYSTEM_READS = ("/etc/ld.so.cache", "/etc/localtime", "/etc/ssl/", "/etc/pki/", "/etc/mime.types", "/usr/lib/",
                "/usr/share/zoneinfo/", "/usr/share/locale/", "/lib/", "/lib64/", "/usr/lib64/", "/proc/", "/sys/", "/dev/")
SECRETS = ("/etc/passwd", "/etc/shadow", "/root/.ssh", "/etc/hosts")
LINE = re.compile(r"^(?P<pid>\d+)\s+(?P<call>\w+)\((?P<args>.*)\)\s+=\s+(?P<result>-?\d+|\?)")
PATH = re.compile(r'"((?:[^"\\]|\\.)*)"')


@pytest.fixture(scope="module")
def strace() -> str:
    found = shutil.which("strace")
    if found is None and shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        for step in (["apt-get", "install", "-y", "-qq", "strace"], ["apt-get", "update", "-qq"],
                     ["apt-get", "install", "-y", "-qq", "strace"]):
            subprocess.run(step, capture_output=True, timeout=600, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
            found = shutil.which("strace")
            if found:
                break
    if found is None:
        pytest.skip("strace introuvable et impossible à installer avec apt-get (pas root, ou pas de réseau)")
    probe = subprocess.run([found, "-f", "-qq", "-o", os.devnull, "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"strace ne peut pas tracer ici (ptrace interdit ?) : {probe.stderr.strip()[:200]}")
    return found


class Trace:
    """What a traced run did: files opened for reading, paths written, programs run, sockets."""

    def __init__(self, log: Path, cwd: Path):
        self.reads, self.writes, self.programs, self.sockets = set(), set(), [], []
        self.cwd = str(cwd)  # the folder the command runs in (listed by Python's `-m`), not its files
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            match = LINE.match(line)
            if not match:
                continue
            call, args, ok = match["call"], match["args"], match["result"] not in ("-1", "?")
            paths = [self._absolute(p, cwd) for p in PATH.findall(args)]
            if call in ("openat", "open", "creat") and paths:
                writing = call == "creat" or any(flag in args for flag in WRITE_FLAGS)
                if writing:
                    self.writes.add(paths[0])
                elif ok:
                    self.reads.add(paths[0])
            elif call.startswith(("rename", "unlink", "mkdir")) and not (call.startswith("mkdir") and not ok):
                self.writes.update(paths)
            elif call == "execve" and ok:
                self.programs.append(paths[0])
            elif call in ("socket", "connect", "bind"):
                self.sockets.append(f"{call}({args})")

    @staticmethod
    def _absolute(path: str, cwd: Path) -> str:
        path = path.encode("latin-1", "backslashreplace").decode("unicode_escape", "replace")
        return os.path.normpath(path if path.startswith("/") else str(cwd / path))

    def unexpected_writes(self, *allowed: Path) -> list[str]:
        places = [str(p) for p in allowed] + ["/dev/null", "/dev/tty"]
        return sorted(w for w in self.writes if not any(w == p or w.startswith(p.rstrip("/") + "/") for p in places))

    def unexpected_reads(self, *allowed: Path) -> list[str]:
        places = [str(p) for p in allowed] + _python_places() + [str(ROOT / "cnam_dsl"), str(ROOT / "grammar")]
        return sorted(r for r in self.reads
                      if r not in (str(ROOT), self.cwd) and not r.startswith(SYSTEM_READS)
                      and not any(r == p or r.startswith(p.rstrip("/") + "/") for p in places))

    def network(self) -> list[str]:
        return [s for s in self.sockets if "AF_INET" in s or "AF_NETLINK" in s or "AF_PACKET" in s]


def _python_places() -> list[str]:
    places = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    places |= {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    places |= {p for p in sys.path if p and os.path.isdir(p) and p != str(ROOT)}
    return sorted({os.path.realpath(p) for p in places} | places)


def traced(strace: str, tmp_path: Path, *args: str, name: str = "trace") -> tuple[subprocess.CompletedProcess, Trace]:
    """Run `cnam ARGS` under strace, from tmp_path, its cache and temporary folder inside tmp_path."""
    log = tmp_path / f"{name}.strace"
    env = _environment(tmp_path)
    result = subprocess.run([strace, "-f", "-qq", "-e", f"trace={CALLS}", "-o", str(log), sys.executable,
                             "-m", "cnam_dsl", *args], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)
    return result, Trace(log, tmp_path)


def _environment(tmp_path: Path) -> dict:
    for folder in ("cache", "tmp", "home"):
        (tmp_path / folder).mkdir(exist_ok=True)
    return {**{k: v for k, v in os.environ.items() if k != "CNAM_NO_CACHE"},
            "CNAM_CACHE_DIR": str(tmp_path / "cache"), "TMPDIR": str(tmp_path / "tmp"),
            "HOME": str(tmp_path / "home"), "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def hostile_rules(tmp_path: Path) -> Path:
    """A copy of the rule base whose source documents point outside their folder."""
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    na = rules / "cnam-na" / "source.cnr"
    text = na.read_text(encoding="utf-8")
    na.write_text(re.sub(r"document « [^»]* »", "document « ../../secret.txt »", text), encoding="utf-8")
    eleves = rules / "cnam-eleves" / "source.cnr"
    text = eleves.read_text(encoding="utf-8")
    eleves.write_text(re.sub(r"document « [^»]* »", "document « /etc/passwd »", text), encoding="utf-8")
    return rules


HOSTILE_CANDIDATES = {
    "tags.yaml": "name: !!python/object/apply:os.system ['touch PWNED']\nexperiences: []\n",
    "new.yaml": "name: !!python/object/new:subprocess.Popen [['touch', 'PWNED']]\n",
    "names.yaml": "name: ../../etc/passwd\nexperiences:\n  - label: /etc/shadow\n    months: 12\n    field: in\n",
    "include.yaml": "experiences: !include /etc/passwd\n",
    "merge.yaml": "base: &b {months: 1}\nexperiences: [*b]\n",
    "json.json": json.dumps({"name": "file:///etc/passwd", "experiences": [{"months": 3, "field": "in",
                                                                           "label": "$(touch PWNED)"}]}),
}


def assert_contained(trace: Trace, tmp_path: Path, *named: Path, writes: tuple[Path, ...] = ()) -> None:
    assert trace.unexpected_writes(tmp_path / "cache", tmp_path / "tmp", *writes) == []
    assert trace.unexpected_reads(tmp_path / "cache", tmp_path / "tmp", *named) == []
    assert not [r for r in trace.reads if r.startswith(SECRETS) or r.endswith("secret.txt")]
    assert trace.programs == [sys.executable] or len(trace.programs) == 1, trace.programs
    assert trace.network() == []
    assert not (tmp_path / "PWNED").exists()


def test_check_reads_only_the_rules_named_and_writes_only_its_cache(strace, tmp_path):
    result, trace = traced(strace, tmp_path, "check", "--rules", str(ROOT / "rules"))
    assert result.returncode == 0, result.stderr
    assert trace.reads & {str(ROOT / "rules" / "diplomes.cnr")}
    assert str(tmp_path / "cache" / "lark-rules.tables") in trace.writes
    assert_contained(trace, tmp_path, ROOT / "rules")


def test_the_parser_tables_are_not_read_from_the_shared_temporary_folder(strace, tmp_path):
    """Regression: Lark's `cache=True` kept the tables in $TMPDIR/.lark_cache_<user>_<sha256>_3_11.tmp,
    a predictable name that anyone may create in a shared /tmp, and unpickled it at start-up."""
    result, trace = traced(strace, tmp_path, "check", "--rules", str(ROOT / "rules"))
    assert result.returncode == 0
    assert not [p for p in trace.reads | trace.writes if ".lark_" in p], sorted(trace.reads | trace.writes)
    assert not [p for p in trace.reads if p.startswith(str(tmp_path / "tmp"))]


def test_documents_outside_the_source_folder_are_never_opened(strace, tmp_path):
    rules = hostile_rules(tmp_path)
    result, trace = traced(strace, tmp_path, "check", "--rules", str(rules))
    assert result.returncode == 1 and "nom de document invalide" in result.stdout
    assert_contained(trace, tmp_path, rules)


@pytest.mark.parametrize("name", sorted(HOSTILE_CANDIDATES))
def test_hostile_candidates_open_nothing_and_run_nothing(strace, tmp_path, name):
    candidate = tmp_path / name
    candidate.write_text(HOSTILE_CANDIDATES[name], encoding="utf-8")
    result, trace = traced(strace, tmp_path, "missing", "--diploma", "licence", "--profile", str(candidate),
                           "--rules", str(ROOT / "rules"), "--format", "json")
    assert result.returncode in (0, 2) and "Traceback" not in result.stderr, result.stderr
    assert_contained(trace, tmp_path, ROOT / "rules", candidate)


def test_fmt_writes_only_the_file_named_through_a_temporary_beside_it(strace, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules)
    target = rules / "cnam-na" / "licence.cnr"
    target.write_text(target.read_text(encoding="utf-8").replace("\n  exige", "\n      exige"), encoding="utf-8")
    result, trace = traced(strace, tmp_path, "fmt", "--rules", str(rules), str(target))
    assert result.returncode == 0 and "reformaté" in result.stdout, result.stdout + result.stderr
    written = {w for w in trace.unexpected_writes(tmp_path / "cache", tmp_path / "tmp")}
    assert str(target) in written
    assert all(w == str(target) or (os.path.dirname(w) == str(target.parent) and w.endswith(".tmp"))
               for w in written), written
    assert_contained(trace, tmp_path, rules, writes=(target.parent,))


def test_the_server_opens_nothing_for_hostile_requests_and_connects_nowhere(strace, tmp_path):
    log, port = tmp_path / "serve.strace", free_port()
    process = subprocess.Popen([strace, "-f", "-qq", "-e", f"trace={CALLS}", "-o", str(log), sys.executable, "-m",
                                "cnam_dsl", "serve", "--port", str(port), "--rules", str(ROOT / "rules")],
                               cwd=tmp_path, env=_environment(tmp_path), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url)
        started = log.read_text(encoding="utf-8", errors="replace").count("\n")
        with httpx.Client(base_url=url, timeout=60) as http:
            for body in ({"diploma": "../../etc/passwd", "profile": {}},
                         {"diploma": "licence", "sources": ["../../etc/passwd"], "profile": {}},
                         {"diploma": "licence", "profile": {"name": "!!python/object/apply:os.system ['touch PWNED']",
                                                            "experiences": [{"months": 3, "field": "in",
                                                                             "label": "/etc/shadow"}]}}):
                assert http.post("/api/missing", json=body).status_code in (200, 422)
            for target in ("/static/../../pyproject.toml", "/static/%2e%2e/%2e%2e/pyproject.toml",
                           "/regles/../../etc/passwd", "/docs/../../etc/passwd", "/regles/%2fetc%2fpasswd"):
                assert http.get(target).status_code in (400, 404)
            files = {"candidate_file": ("../../etc/passwd", b"name: !!python/name:os.system\n", "text/yaml")}
            assert http.post("/", data={"action": "import"}, files=files).status_code == 422
    finally:
        _stop_traced(process)
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    (tmp_path / "requests.strace").write_text("\n".join(lines[started:]), encoding="utf-8")
    during = Trace(tmp_path / "requests.strace", tmp_path)
    whole = Trace(log, tmp_path)
    assert not [r for r in during.reads if r.startswith(SECRETS) or "pyproject" in r], sorted(during.reads)
    assert during.unexpected_reads(tmp_path / "cache", tmp_path / "tmp", ROOT / "rules") == []
    assert whole.unexpected_writes(tmp_path / "cache", tmp_path / "tmp") == []
    assert not [s for s in whole.sockets if s.startswith("connect") and "AF_UNIX" not in s], whole.sockets
    # Programs: the server, then its worker processes (the same Python interpreter, nothing else).
    assert whole.programs and {os.path.realpath(p) for p in whole.programs} == {os.path.realpath(sys.executable)}, \
        whole.programs
    assert all("127.0.0.1" in s for s in whole.sockets if s.startswith("bind")), whole.sockets
    assert not (tmp_path / "PWNED").exists()


def _wait(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/api/sources", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.3)
    raise RuntimeError(f"cnam serve (sous strace) ne répond pas sur {url}")


def _stop_traced(process: subprocess.Popen) -> None:
    """Ctrl-C to the traced server (strace's child, found by pid), then wait for strace to finish."""
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    for pid in children.read_text().split() if children.exists() else []:
        os.kill(int(pid), signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
