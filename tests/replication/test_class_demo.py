"""``psyai class demo``: a small simulated class through the real experiment scripts, collected and judged."""

from __future__ import annotations

import json

from psyai.cli import main
from psyai.replication.report import VERDICTS


def test_class_demo_end_to_end(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["class", "demo", "--out", str(out), "--groups", "2", "--participants", "3"]) == 0
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert set(data["verdicts"]) == {"turing_text", "surprisal_reading"}
    assert all(v in VERDICTS for v in data["verdicts"].values())
    for kit, experiment in (("turing_text", "turing_test"), ("surprisal_reading", "self_paced_reading")):
        # the real scripts wrote the logs; collect kept both groups' sim001 apart
        logs = sorted((out / kit / "groups").rglob("*_log.jsonl"))
        assert len(logs) == 6 and all(experiment in str(p) for p in logs)
        assert {p.relative_to(out / kit / "groups").parts[0] for p in logs} == {"g01", "g02"}
        if kit == "surprisal_reading":  # each simulated reader drew their own slope (simulation.between_sd)
            own = {json.loads(p.read_text(encoding="utf-8").splitlines()[0])["simulation"]["observer"]["b_measure"]
                   for p in logs}
            assert len(own) == 6
        k = data["kits"][kit]
        assert [g["group"] for g in k["groups"]] == ["g01", "g02"] and k["meta"]["k"] == 2
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count("<figure>") == 2 and "Simulated data" in html
    assert data["demo"]["groups"] == 2 and data["seconds"]["total"] > 0
    printed = capsys.readouterr().out
    assert "turing_text:" in printed and "report.html" in printed
    # a demo never writes into a folder with something in it
    assert main(["class", "demo", "--out", str(out)]) == 1
