"""The pure part of make bench (tests/bench/benchcalc.py): the issue 17 targets P1..P5b, the ping-play fit and
the tables built from recorded runs."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import benchcalc as bc  # noqa: E402  pylint: disable=wrong-import-position,import-error


def _run(wall, ctrl, hosts_cpu=0.0, ok=10, changed=0, host_names=("h1",)):
    return {
        "wall_s": wall,
        "controller_cpu_s": ctrl,
        "hosts_cpu_s": hosts_cpu,
        "machine_busy_cpu_s": None,
        "load_1min_before": 1.0,
        "recap": {h: {"ok": ok, "changed": changed} for h in host_names},
    }


def _node_records():
    """Two repetitions; ping plays follow wall = 2 + 3·k exactly, the no-op costs 2 + 3·1.5 s."""
    records = []
    for rep, (ours, base) in enumerate([(20.0, 50.0), (30.0, 40.0)]):
        records.append(
            {
                "side": "ours",
                "rep": rep,
                "converge": _run(ours, 1.0),
                "noop": _run(6.5, 1.0),
                "floor": {**_run(2 + 3 * 9, 1.0, ok=9), "ping_tasks": 9},
                "ping1": {**_run(2 + 3 * 1, 1.0, ok=1), "ping_tasks": 1},
            }
        )
        records.append({"side": "baseline", "rep": rep, "converge": _run(base, 1.0), "noop": _run(30.0, 1.0)})
    return records


def _node_table(records, noop_changed=(0, 0)):
    ours = [r for r in records if r["side"] == "ours"]
    base = [r for r in records if r["side"] == "baseline"]
    return {
        "ours": {
            "converge": bc.summary([r["converge"]["wall_s"] for r in ours]),
            "noop": bc.summary([r["noop"]["wall_s"] for r in ours]),
            "noop_changed": list(noop_changed),
        },
        "baseline": {"converge": bc.summary([r["converge"]["wall_s"] for r in base])},
    }


def test_summary_leaves_out_missing_values():
    assert bc.summary([3, None, 1, 2]) == {"median": 2, "min": 1, "max": 3, "n": 3}
    assert bc.summary([None]) is None


def test_ping_fit_recovers_the_line():
    a, b = bc.ping_fit([(1, 5.0), (9, 29.0), (1, 5.0), (9, 29.0)])
    assert (round(a, 6), round(b, 6)) == (2.0, 3.0)
    assert bc.ping_units(8.0, (a, b)) == pytest.approx(2.0)


def test_ping_fit_least_squares_over_noisy_points():
    a, b = bc.ping_fit([(1, 4.0), (1, 6.0), (5, 16.0), (5, 18.0)])
    assert (a, b) == (pytest.approx(2.0), pytest.approx(3.0))


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([(9, 30.0), (9, 31.0)], "two different lengths"),
        ([(1, 30.0), (9, 20.0)], "no slower"),
    ],
)
def test_ping_fit_refuses_what_it_cannot_fit(points, message):
    with pytest.raises(ValueError, match=message):
        bc.ping_fit(points)


def test_node_verdicts_p1_and_p2():
    records = _node_records()
    found = bc.node_verdicts(_node_table(records), records)
    assert found["P1"]["value"] == pytest.approx(25.0 / 45.0, abs=1e-3)
    assert found["P1"]["per_repetition"] == [0.4, 0.75]
    assert found["P1"]["met"] is False
    p2 = found["P2"]
    assert (p2["fit_a_s"], p2["fit_b_s"]) == (2.0, 3.0)
    assert p2["value"] == pytest.approx(1.5)
    assert p2["per_repetition"] == [1.5, 1.5]
    assert p2["met"] is True and p2["changed_zero"] is True


def test_p2_is_not_met_when_the_rerun_changed_something():
    records = _node_records()
    p2 = bc.node_verdicts(_node_table(records, noop_changed=(0, 1)), records)["P2"]
    assert p2["value"] <= bc.bound("P2")
    assert p2["met"] is False


def test_p2_needs_both_ping_plays():
    records = _node_records()
    for rec in records:
        rec.pop("ping1", None)
    assert "P2" not in bc.node_verdicts(_node_table(records), records)


def _fleet_records():
    """Per host: 1.0 s CPU at 10 hosts, 1.1 s at 200; controller CPU 1.2× and then 1.6× the ping play's."""
    records = []
    for size, ctrl, hosts_cpu, ping_ctrl in ((10, 6.0, 4.0, 5.0), (200, 128.0, 92.0, 80.0)):
        for rep in range(2):
            run = _run(size * 0.5, ctrl, hosts_cpu, host_names=[f"h{i}" for i in range(size)])
            run.update(hosts=size, rep=rep, ping={**_run(1.0, ping_ctrl), "ping_tasks": 10})
            records.append(run)
    return records


def test_fleet_table_and_verdicts():
    rows = bc.fleet_table(_fleet_records(), cores=2)
    assert [row["hosts"] for row in rows] == [10, 200]
    assert rows[0]["cpu_per_host_s"] == pytest.approx(1.0)
    assert rows[1]["cpu_per_host_s"] == pytest.approx(1.1)
    assert rows[1]["wall_vs_cpu_bound"] == pytest.approx(100.0 / 110.0)
    assert rows[0]["controller_cpu_vs_ping"] == pytest.approx(1.2)
    found = bc.fleet_verdicts(rows)
    assert found["P3"]["value"] == pytest.approx(1.1)
    assert (found["P3"]["from_hosts"], found["P3"]["to_hosts"], found["P3"]["met"]) == (10, 200, True)
    # the worst size counts for P3b
    assert found["P3b"]["value"] == pytest.approx(1.6)
    assert found["P3b"]["hosts"] == 200 and found["P3b"]["met"] is False
    assert found["P3b"]["per_size"] == {10: 1.2, 200: 1.6}


def test_fleet_rows_without_ping_play_give_no_p3b():
    records = _fleet_records()
    for rec in records:
        rec.pop("ping")
    found = bc.fleet_verdicts(bc.fleet_table(records, cores=2))
    assert set(found) == {"P3"}


def test_cluster_verdicts():
    table = [
        {"clusters": 100, "cpu_per_cluster_s": 13.0, "wall_vs_cpu_bound": 1.25},
        {"clusters": 10, "cpu_per_cluster_s": 10.0, "wall_vs_cpu_bound": 1.5},
    ]
    found = bc.cluster_verdicts(table)
    assert found["P5"]["value"] == pytest.approx(1.3)
    assert found["P5"]["met"] is False
    assert (found["P5"]["from_clusters"], found["P5"]["to_clusters"]) == (10, 100)
    assert found["P5b"]["value"] == 1.25 and found["P5b"]["met"] is True
    assert bc.cluster_verdicts(table[:1]) == {}


def test_targets_table_names_every_target():
    records = _node_records()
    lines = bc.targets_markdown(bc.node_verdicts(_node_table(records), records))
    rows = {line.split(" | ")[0].lstrip("| "): line for line in lines[2:]}
    assert list(rows) == ["P1", "P2", "P3", "P3b", "P5", "P5b"]
    assert "**no**" in rows["P1"] and "0.40, 0.75" in rows["P1"]
    assert "| 1.50 |" in rows["P2"] and "| yes |" in rows["P2"]
    assert "not measured in this run" in rows["P3"]
