"""A small, CI-sized version of `make bench` that fails when the collection gets slower.

One lab VM, one repetition: the roles' first converge and no-op rerun are measured in units of a fixed
5-task ansible.builtin.ping play run on the same VM in the same run, so a busy machine slows both sides
alike. Four fleet hosts against one check that the controller + host CPU per host stays flat (the bench's
P3), and a no-op rerun on the four against a ping play of the same length on them checks the controller's
own work per host and task (P3b). The bounds are generous (about twice what docs/benchmarks.md reports):
they catch a role that grows module calls or facts, not noise. The full benchmark (tests/bench/run_bench.py,
`make bench`) is not part of CI.
"""

import json
import os
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import benchlib as bl  # noqa: E402  pylint: disable=wrong-import-position,import-error

NODE = "bench-guard"
FLEET_START = 401
PING_UNIT_TASKS = 5
# In ping-floor units (wall time of a 5-task ping play on the same VM in the same run). Measured on 2 shared
# cores (load 5): converge 6.2 units, no-op rerun 2.7 units. The bounds are about twice that.
MAX_CONVERGE_UNITS = 12.0
MAX_NOOP_UNITS = 6.0
# CPU per host on 4 fleet hosts over 1 host (the bench's P3, 200 over 10 hosts: 1.2).
MAX_FLEET_CPU_PER_HOST_GROWTH = 2.0
# Controller CPU of the no-op rerun on 4 fleet hosts over that of a ping play with as many tasks per host (the
# bench's P3b: 1.5 from 10 to 200 hosts, where the playbook's fixed cost is spread over more hosts). Measured at
# 4 hosts: 1.80 (trial of run_bench.py, load 2-4), 1.76 and 1.80 (this guard, load 6-7); about twice that.
MAX_FLEET_CONTROLLER_VS_PING = 3.5
RESULTS = bl.REPO / "tests" / "output" / "bench-guard.json"


def _lab_ready():
    if os.geteuid() != 0:
        return "the lab needs root (QEMU monitor, netns)"
    try:
        bl.lab("status")
    except bl.BenchError as exc:
        return f"edgelab is not usable here: {exc}"
    edgelab = bl._edgelab_module()  # pylint: disable=protected-access
    try:
        edgelab.require_image()
    except edgelab.LabError as exc:
        return f"no lab image ({exc}); build it with make lab-image"
    return None


SKIP_REASON = _lab_ready()
pytestmark = pytest.mark.skipif(SKIP_REASON is not None, reason=f"bench guard skipped: {SKIP_REASON}")


def _record(key, value):
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    data = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    data[key] = value
    RESULTS.write_text(json.dumps(data, indent=1, default=str) + "\n")


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("bench-guard")


@pytest.fixture(scope="module")
def node_runs(work):
    bl.lab("up", NODE, "--nvme", 4, "--size", 2, "--model", "local")
    try:
        inventory = bl.write_inventory(work / "node.json", "bench_node", bl.lab_hostvars(), [NODE])
        ours = bl.PLAYBOOKS / "ours.yml"
        runs = {
            "converge": bl.check_run(bl.run_playbook(ours, inventory, work / "converge.log"), [NODE]),
            "noop": bl.check_run(bl.run_playbook(ours, inventory, work / "noop.log"), [NODE]),
        }
        floor = bl.ping_floor_playbook(work / "floor.json", PING_UNIT_TASKS)
        runs["unit"] = bl.check_run(bl.run_playbook(floor, inventory, work / "floor.log"), [NODE])
    finally:
        bl.lab("down", NODE)
    _record(
        "node",
        {k: {"wall_s": v["wall_s"], "recap": v["recap"], "load": v["load_1min_before"]} for k, v in runs.items()},
    )
    return runs


def test_converge_changes_and_stays_within_bound(node_runs):
    units = node_runs["converge"]["wall_s"] / node_runs["unit"]["wall_s"]
    _record("converge_units", units)
    assert bl.total_changed(node_runs["converge"]) > 0, "the first converge changed nothing: not a fresh node"
    assert units <= MAX_CONVERGE_UNITS, (
        f"first converge took {node_runs['converge']['wall_s']:.1f} s = {units:.1f} × a {PING_UNIT_TASKS}-ping play "
        f"({node_runs['unit']['wall_s']:.1f} s); bound {MAX_CONVERGE_UNITS}. Profile with "
        f"ANSIBLE_CALLBACKS_ENABLED=ansible.posix.profile_tasks (log: {node_runs['converge']['log']})"
    )


def test_noop_rerun_changes_nothing_and_stays_within_bound(node_runs):
    noop = node_runs["noop"]
    units = noop["wall_s"] / node_runs["unit"]["wall_s"]
    _record("noop_units", units)
    assert bl.total_changed(noop) == 0, f"the no-op rerun changed {bl.total_changed(noop)} task(s): {noop['log']}"
    assert units <= MAX_NOOP_UNITS, (
        f"no-op rerun took {noop['wall_s']:.1f} s = {units:.1f} × a {PING_UNIT_TASKS}-ping play "
        f"({node_runs['unit']['wall_s']:.1f} s); bound {MAX_NOOP_UNITS} (log: {noop['log']})"
    )


@pytest.fixture(scope="module")
def fleet_runs(work):
    """First converge of nodes.yml (no disks) on 1 fresh fleet host, then on 4 others; on the 4, a no-op rerun
    and a ping play of as many tasks per host as the rerun ran."""
    names = bl.fleet_up(5, FLEET_START)
    runs = {}
    try:
        fleet = bl.FleetBench(names)
        playbook, skip = fleet.playbook, fleet.skip

        def measured(label, play, hosts, extra_args, changed=None):
            inventory = fleet.inventory(work / f"{label}.json", hosts)
            before = fleet.hosts_cpu_seconds(hosts)
            run = bl.check_run(bl.run_playbook(play, inventory, work / f"{label}.log", extra_args), hosts, changed)
            run["hosts_cpu_s"] = fleet.hosts_cpu_seconds(hosts) - before
            return run

        runs["converge1"] = measured("fleet1", playbook, names[:1], skip)
        runs["converge4"] = measured("fleet4", playbook, names[1:], skip)
        runs["noop4"] = measured("fleet4-noop", playbook, names[1:], skip, changed=0)
        tasks = runs["noop4"]["recap"][names[1]]["ok"]
        pings = bl.ping_floor_playbook(work / "fleet-ping.json", tasks, hosts="edge_nodes")
        runs["ping4"] = measured("fleet4-ping", pings, names[1:], [])
        runs["ping4"]["ping_tasks"] = tasks
    finally:
        bl.fleet_stop(names)
    return runs


def test_fleet_cpu_per_host_stays_flat(fleet_runs):
    per_host = {
        size: (fleet_runs[f"converge{size}"]["controller_cpu_s"] + fleet_runs[f"converge{size}"]["hosts_cpu_s"]) / size
        for size in (1, 4)
    }
    growth = per_host[4] / per_host[1]
    _record("fleet_cpu_per_host", {"per_host_s": per_host, "growth": growth})
    assert growth <= MAX_FLEET_CPU_PER_HOST_GROWTH, (
        f"CPU per host grew {growth:.2f}× from 1 to 4 fleet hosts ({per_host}); bound {MAX_FLEET_CPU_PER_HOST_GROWTH}"
    )


def test_fleet_noop_controller_cpu_near_a_ping_play(fleet_runs):
    noop, ping = fleet_runs["noop4"], fleet_runs["ping4"]
    ratio = noop["controller_cpu_s"] / ping["controller_cpu_s"]
    _record(
        "fleet_controller_vs_ping",
        {
            "noop_s": noop["controller_cpu_s"],
            "ping_s": ping["controller_cpu_s"],
            "tasks": ping["ping_tasks"],
            "ratio": ratio,
        },
    )
    assert ratio <= MAX_FLEET_CONTROLLER_VS_PING, (
        f"the no-op of nodes.yml on 4 fleet hosts took {noop['controller_cpu_s']:.1f} s of controller CPU, "
        f"{ratio:.2f}× a {ping['ping_tasks']}-task ping play on the same hosts ({ping['controller_cpu_s']:.1f} s); "
        f"bound {MAX_FLEET_CONTROLLER_VS_PING} (log: {noop['log']})"
    )
