"""The remote update (docs/update.md) with the gateway's compiled .pyo files under the real
CPython 1.5.2+ with -X (tests/real152_helpers.py), virtual clock. The release's files are
served as bytes only: the emulator is not told their sources, so the downloaded ua00.pyo ...
run as their bytecode (gwboot.py loads them with imp.load_module, ES13 5.2.30), as on the
module. One update that is confirmed, one that is rolled back."""
from __future__ import annotations

from pathlib import Path

import pytest

from real152_helpers import crashes, real_module, start, wait_state
from tools.emulator import Module
from tools.emulator.net.simhttp import SimHttp
from upd_helpers import (WEB_IP, change_config, config_answers_changed, file_count, pointer, release,
                         sent_texts, update, wait_text)


@pytest.fixture(scope="module")
def rels(tmp_path_factory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("releases")
    return {"good": release(tmp, "1.3"),
            "raises": release(tmp, "1.4-imp", {"gwmode.py": ("", "raise ValueError\n")})}


def serve_bytes(m: Module, rel: Path) -> SimHttp:
    return SimHttp(m.net, WEB_IP, 80, {"/rel/" + p.name: p.read_bytes() for p in rel.iterdir() if p.is_file()})


def configured(tmp_path: Path, py152: Path) -> Module:
    return change_config(start(real_module(tmp_path, py152)))


def config_kept(m: Module) -> None:
    assert wait_state(m, "listening", 120)
    config_answers_changed(m)


def test_good_update_runs_the_downloaded_bytecode(tmp_path: Path, py152: Path, rels) -> None:
    m = configured(tmp_path, py152)
    web = serve_bytes(m, rels["good"])
    since = update(m)
    assert m.run_until(lambda: m.boots == 2, 600), m.trace_text()[-3000:]
    text = wait_text(m, "running, was", 600, since)
    assert text == "Confirmed: update 1.3 running, was factory", (sent_texts(m, since), m.trace_text()[-3000:])
    p = pointer(m)
    assert (p["cur"], p["ver"], p["prev"], p["pver"], p["state"]) == ("a", "1.3", "", "factory", "good")
    assert len(web.requests) == 1 + file_count(rels["good"])
    assert "gwboot: starting 1.3" in m.trace_lines and crashes(m) == []
    assert m.script_run.child_version.startswith("1.5.2")  # type: ignore[attr-defined]
    assert not m.pyo_sources                                 # only bytecode could run
    config_kept(m)
    m.close()


def test_a_version_that_raises_at_start_is_rolled_back(tmp_path: Path, py152: Path, rels) -> None:
    m = configured(tmp_path, py152)
    serve_bytes(m, rels["raises"])
    since = update(m)
    text = wait_text(m, "rolled back", 4000, since)
    assert text == "Error: update 1.4-imp rolled back: it raised ValueError at start", (
        sent_texts(m, since), m.trace_text()[-3000:])
    p = pointer(m)
    assert (p["cur"], p["ver"], p["prev"], p["pver"], p["state"]) == ("", "factory", "a", "1.4-imp", "good")
    assert m.boots == 3                                 # the switch, the rollback
    assert "gwboot: starting factory" in m.trace_lines[-40:]
    config_kept(m)
    m.close()


def test_a_damaged_manifest_rolls_back_with_ioerror(tmp_path: Path, py152: Path) -> None:
    # gwboot.manifest() raises IOError when the slot's manifest fails its md5: by its bare
    # name (a call IOError('...') is "TypeError: call of non-function" on the module, and
    # the rollback reason was then 'it raised TypeError at start'); the reason is traced.
    import hashlib

    m = real_module(tmp_path, py152)
    body = "format=gwsw1\nseq=1\ncur=a\nver=1.3\nprev=\npver=factory\nstate=good\nboots=0\nwho=\nwhy=\n"
    m.flash.write("sw_a.txt", (body + "md5=" + hashlib.md5(body.encode()).hexdigest() + "\n").encode())
    m.flash.write("ua.man", b"file=gwloop 100 0123 boot\nmd5=00000000000000000000000000000000\n")
    start(m)
    assert "gwboot: ua.man: bad checksum" in m.trace_lines and "gwboot: IOError None" in m.trace_lines
    p = pointer(m)
    assert (p["cur"], p["ver"], p["state"], p["why"]) == ("", "factory", "rolled", "it raised IOError at start")
