"""A small, CI-sized version of `make bench` that fails when the collection gets slower.

One lab VM, one repetition: the roles' first converge and no-op rerun are measured in units of a fixed
5-task ansible.builtin.ping play run on the same VM in the same run, so a busy machine slows both sides
alike. Four fleet hosts against one check that the controller + host CPU per host stays flat. The bounds
are generous (about twice what docs/benchmarks.md reports): they catch a role that grows module calls or
facts, not noise. The full benchmark (tests/bench/run_bench.py, `make bench`) is not part of CI.
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
# CPU per host on 4 fleet hosts over 1 host (bench target on 50 hosts: 1.2).
MAX_FLEET_CPU_PER_HOST_GROWTH = 2.0
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


def test_fleet_cpu_per_host_stays_flat(work):
    """First converge of nodes.yml (no disks) on 1 fresh fleet host, then on 4 others: same work per host."""
    import yaml  # pylint: disable=import-outside-toplevel

    names = bl.fleet_up(5, FLEET_START)
    try:
        hostvars = bl.lab_hostvars()
        group_vars = yaml.safe_load((bl.BENCH_DIR / "vars" / "fleet.yml").read_text())
        sshd = bl.fleet_sshd_pids(names)
        playbook = bl.REPO / "playbooks" / "nodes.yml"
        per_host = {}
        for hosts in (names[:1], names[1:]):
            inventory = bl.write_inventory(work / f"fleet{len(hosts)}.json", "edge_nodes", hostvars, hosts, group_vars)
            before = bl.fleet_cpu_seconds({h: sshd[h] for h in hosts})
            run = bl.check_run(
                bl.run_playbook(playbook, inventory, work / f"fleet{len(hosts)}.log", ["--skip-tags", "stripe"]), hosts
            )
            hosts_cpu = bl.fleet_cpu_seconds({h: sshd[h] for h in hosts}) - before
            per_host[len(hosts)] = (run["controller_cpu_s"] + hosts_cpu) / len(hosts)
    finally:
        bl.fleet_stop(names)
    growth = per_host[4] / per_host[1]
    _record("fleet_cpu_per_host", {"per_host_s": per_host, "growth": growth})
    assert growth <= MAX_FLEET_CPU_PER_HOST_GROWTH, (
        f"CPU per host grew {growth:.2f}× from 1 to 4 fleet hosts ({per_host}); bound {MAX_FLEET_CPU_PER_HOST_GROWTH}"
    )
