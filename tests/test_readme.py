"""The README's SMS examples are what the gateway answers (sms_commands.handle)."""
from __future__ import annotations

import re

import pytest

from onmodule import Flash, Loader
from tools.paths import ROOT

L = Loader(flash=Flash())
sc = L.load("sms_commands")
cs = L.load("config_store")

# What the gateway knows when the examples are sent (the status row shows it all).
# The examples are sent from +15551230001 (the phones rows say so).
STATUS = {"state": "connected", "peer": "203.0.113.9:40001", "ip": "10.20.30.40", "csq": 17,
          "uptime": 183845, "tonet": 1234, "toser": 567, "conns": 4, "sender": "+15551230001"}


def readme_rows() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### SMS commands"):text.index("### Defaults")]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`") and cells[0] != "SMS":
            sms = cells[0].split("`")[1]
            reply = cells[1].split("`")[1] if cells[1].startswith("`") else ""
            rows.append((sms, reply))
    assert len(rows) >= 15
    return rows


@pytest.mark.parametrize("sms,reply", readme_rows())
def test_readme_example(sms: str, reply: str) -> None:
    replies, _, _ = sc.handle(sms, cs.defaults(), dict(STATUS))
    assert replies == ([reply] if reply else [])


def update_walkthrough() -> tuple[str, str, list[str]]:
    """The README's remote-update walk-through: the release command's version and folder,
    and the update SMS it says to send on the emulator's console."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("### Remote update"):text.index("## The module's budget")]
    cmd = re.search(r"python -m tools\.release --version (\S+) -o release/(\S+)", section)
    assert cmd is not None
    sms_lines = re.findall(r"sms \+15551230001 (connect update \S+?)`", section.replace("\n", " "))
    assert sms_lines
    return cmd.group(1), cmd.group(2), sms_lines


def test_readme_update_walkthrough_in_process(tmp_path) -> None:
    """The update walk-through on the emulator's in-process runner (bash scripts/run.sh without
    --real): the downloaded .pyo files run from the sources the CLI registers
    (cli.register_sources); before, they had no source and the update rolled back."""
    from gw_helpers import boot, sms
    from tools.emulator.cli import register_sources
    from tools.emulator.net.simhttp import SimHttp
    from tools.release import build_release
    from upd_helpers import wait_text

    version, folder, texts = update_walkthrough()
    assert folder == version
    for t in texts:   # the release folder is served from release/: /<version>/manifest.txt
        assert t.endswith(":8080/%s/manifest.txt" % version), t
    rel = tmp_path / "release" / version
    build_release(version, rel)
    m = boot(tmp_path)
    assert register_sources(m, ROOT) >= 17
    files = {"/%s/%s" % (version, p.name): p.read_bytes() for p in rel.iterdir() if p.is_file()}
    host = re.match(r"connect update http://([\d.]+):8080/", texts[0]).group(1)
    web = SimHttp(m.net, host, 8080, files)
    assert sms(m, texts[0]) == ["Confirmed: update from %s started" % texts[0].split()[-1]]
    got = wait_text(m, "update %s" % version, 600)
    assert got == "Confirmed: update %s running, was factory" % version, m.trace_text()[-2000:]
    assert len(web.requests) == 17


def test_readme_emulator_snippet(tmp_path, monkeypatch) -> None:
    """The README's Python example of the emulator runs as written (virtual clock, in a
    fresh folder) and its script gets the AT answer it asks for."""
    text = (ROOT / "README.md").read_text()
    start = text.index("```python\nfrom tools.emulator import Module")
    code = text[start + len("```python\n"):text.index("```", start + 10)]
    monkeypatch.chdir(tmp_path)
    ns: dict = {}
    exec(compile(code, "README.md", "exec"), ns)
    m = ns["m"]
    assert "+CSQ: 17,0\r" in m.trace_lines
    assert (tmp_path / "flash-dir" / "main.py").is_file()


def test_readme_fleet_walkthrough_config(tmp_path) -> None:
    """The fleet walk-through's configuration, made as the README says (its printf line, then
    the [unit.pump3] block, then the three ways in), is what the fleet server reads: the
    unit's identity is what the unit sends after the README's name/identity SMS."""
    import subprocess

    from tools.fleet.config import load

    text = (ROOT / "README.md").read_text()
    section = text[text.index("## The fleet server"):text.index("## The emulator")]
    printf = re.search(r"^printf .*> fleet\.toml$", section, re.M)
    assert printf is not None
    subprocess.run(["bash", "-c", printf.group(0)], cwd=tmp_path, check=True)
    first = load(tmp_path / "fleet.toml")
    assert first.listen == ("127.0.0.1", 7000) and first.units == {}
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None
    ways = re.search(r"also has `(rfc2217 = \d+)`, `(raw = \d+)`, `(modbus = \d+)`", section.replace("\n", " "))
    assert ways is not None
    with open(tmp_path / "fleet.toml", "a") as f:
        f.write("\n" + block.group(1) + "\n".join(ways.groups()) + "\n")
    cfg = load(tmp_path / "fleet.toml")
    unit = cfg.units["pump3"]
    sent = [re.search(r"sms \+15551230001 (connect %s [^`]+)`" % k, section.replace("\n", " ")).group(1)
            for k in ("name", "identity", "heartbeat")]
    replies = [sc.handle(s, cs.defaults(), dict(STATUS))[0] for s in sent]
    assert all(r[0].startswith("Confirmed: ") for r in replies), replies
    assert sent[1].split()[-1] == '%ID%0D%0A' and unit.identity == b"pump3\r\n"
    assert unit.heartbeat == b"\r\nALIVE\r\n"
    assert {w: a[1] for w, a in unit.ways.items()} == {"rfc2217": 7100, "raw": 7200, "modbus": 7300}
