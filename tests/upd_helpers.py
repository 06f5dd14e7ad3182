"""Helpers for the remote-update tests (tests/test_update*.py, docs/update.md): releases built
with tools/release.py from the repository or from an edited copy of it, served by a simulated
HTTP server (tools/emulator/net/simhttp.py), and the version pointer read from the flash."""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from tools.emulator import Module
from tools.emulator.net.simhttp import SimHttp
from tools.paths import ROOT
from tools.release import build_release

WEB_IP = "203.0.113.80"
URL = "http://%s/rel/manifest.txt" % WEB_IP
UPDATE = "connect update " + URL


def release(tmp: Path, version: str, edits: dict[str, tuple[str, str]] | None = None) -> Path:
    """Build release ``version`` into tmp/<version>; ``edits`` = {file: (old, new)} applied
    to a copy of the repository's on-module files first (a broken version on purpose; an
    empty ``old`` puts ``new`` in front of the file)."""
    src = tmp / ("src-" + version)
    src.mkdir(parents=True)
    for p in ROOT.glob("*.py"):
        shutil.copyfile(p, src / p.name)
    for name, (old, new) in (edits or {}).items():
        text = (src / name).read_text(encoding="latin-1")
        assert old in text, (name, old)
        text = new + text if old == "" else text.replace(old, new, 1)
        (src / name).write_text(text, encoding="latin-1")
    out = tmp / version
    build_release(version, out, src)
    return out


def serve(m: Module, rel: Path, prefix: str = "/rel/") -> SimHttp:
    """The release on the simulated web server; the emulator learns which source each .pyo
    of it was compiled from (a .pyo cannot run under Python 3)."""
    files = {prefix + p.name: p.read_bytes() for p in rel.iterdir() if p.is_file()}
    register(m, rel)
    return SimHttp(m.net, WEB_IP, 80, files)


def register(m: Module, rel: Path) -> None:
    for p in rel.glob("*.pyo"):
        m.add_pyo_source(p.read_bytes(), p.stem + ".py",
                         (rel / "src" / (p.stem + ".py")).read_text(encoding="latin-1"))


def pointer(m: Module) -> dict[str, str]:
    """The newest valid version pointer on the flash (gwboot.py's format), {} if none."""
    best: tuple[int, dict[str, str]] | None = None
    for name in ("sw_a.txt", "sw_b.txt"):
        if not m.flash.exists(name):
            continue
        data = m.flash.read(name).decode("latin-1")
        i = data.rfind("\nmd5=")
        if i < 0 or data[i + 1:] != "md5=" + hashlib.md5(data[:i + 1].encode("latin-1")).hexdigest() + "\n":
            continue
        kv = dict(line.partition("=")[::2] for line in data[:i].split("\n"))
        seq = int(kv["seq"])
        if best is None or 0 < (seq - best[0]) % 10**9 < 5 * 10**8:
            best = (seq, kv)
    return best[1] if best else {}


def running(m: Module) -> str:
    """The version the running script says it is (gwboot.version())."""
    gb = m.script_run.modules.get("gwboot")  # type: ignore[attr-defined]
    return gb.version()[1] if gb is not None else ""


def sent_texts(m: Module, since: int = 0) -> list[str]:
    return [s.text for s in m.sms.sent[since:]]


def wait_text(m: Module, part: str, timeout: float, since: int = 0) -> str:
    """Run until an SMS containing ``part`` went out; return it ('' on timeout)."""
    m.run_until(lambda: any(part in t for t in sent_texts(m, since)), timeout, step=0.5)
    for t in sent_texts(m, since):
        if part in t:
            return t
    return ""


def slot_file(rel: Path, slot: str, module: str) -> str:
    """The flash name a release's module gets in a slot (gwboot.py: u<slot><nn>.pyo)."""
    names = [line[5:].split(" ")[0] for line in (rel / "manifest.txt").read_text().split("\n")
             if line.startswith("file=")]
    return "u%s%02d.pyo" % (slot, names.index(module))


def file_count(rel: Path) -> int:
    return sum(1 for line in (rel / "manifest.txt").read_text().split("\n") if line.startswith("file="))


def change_config(m: Module) -> Module:
    """A changed configuration and SMS password (secret1), which an update must keep."""
    from gw_helpers import sms

    assert sms(m, "connect baud 19200") == ["Confirmed: baud 19200"]
    assert sms(m, "connect smspassword secret1") == ["Confirmed: smspassword set"]
    return m


def config_answers_changed(m: Module) -> None:
    """``config``, asked with the password, still shows what change_config set."""
    from gw_helpers import sms

    out = sms(m, "secret1 config")
    assert len(out) == 1 and "baud 19200" in out[0] and "smspassword changed" in out[0], out


def update(m: Module) -> int:
    """Start the update by SMS (with change_config's password); how many SMS went out before."""
    from gw_helpers import sms

    before = len(m.sms.sent)
    assert sms(m, UPDATE.replace("connect", "secret1")) == ["Confirmed: update from %s started" % URL]
    return before
