# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/rollout.yml under ansible-runner (what AWX executes) on lab fleet hosts.

A private data dir holds the inventory, the extra vars (an AWX-style GitHub webhook payload) and the
environment; the test asserts on runner's artifacts: the set_stats data AWX workflows branch on, the
job events, and the acstor.edge.rollout_report files.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from acstor_testlib import COLLECTIONS_DIR

ROOT = Path(__file__).resolve().parents[3]
EDGELAB = ROOT / "tests" / "lab" / "edgelab.py"
FLEET = ["edgefleet%d" % i for i in range(201, 205)]
ansible_runner = pytest.importorskip(
    "ansible_runner", reason="ansible-runner is not installed (pip install ansible-runner)"
)


def edgelab(*args):
    return subprocess.run(
        [sys.executable, str(EDGELAB), *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def fleet():
    if os.geteuid() != 0:
        pytest.skip("lab fleet hosts need root (network namespaces)")
    up = edgelab("fleet", "up", str(len(FLEET)), "--start", "201")
    if up.returncode != 0:
        pytest.skip("edgelab fleet up failed (no lab image? run: edgelab image): " + up.stderr.strip()[-300:])
    try:
        hostvars = json.loads(edgelab("inventory", "--list").stdout)["_meta"]["hostvars"]
        yield {name: hostvars[name] for name in FLEET}
    finally:
        # Only this test's hosts: other lab users may have fleet hosts up.
        edgelab("fleet", "down", str(len(FLEET)), "--start", "201")


def write_data_dir(base, hostvars, extravars):
    inventory = {
        "all": {
            "children": {
                "edge_nodes": {
                    "hosts": hostvars,
                    "vars": {
                        "acstor_edge_cluster": "store-{{ inventory_hostname }}",
                        "acstor_edge_products": ["local_csi"],
                        "acstor_edge_node_phases": [],
                    },
                },
                "edge_clusters": {
                    "hosts": {"store-" + name: {} for name in hostvars},
                    "vars": {
                        "ansible_connection": "local",
                        "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                    },
                },
            }
        }
    }
    (base / "inventory").mkdir(parents=True)
    (base / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory))
    (base / "env").mkdir()
    (base / "env" / "extravars").write_text(yaml.safe_dump(extravars))
    (base / "env" / "envvars").write_text(
        yaml.safe_dump(
            {
                "ANSIBLE_COLLECTIONS_PATH": str(COLLECTIONS_DIR),
                "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
                "ANSIBLE_CALLBACKS_ENABLED": "acstor.edge.rollout_report",
                "ACSTOR_EDGE_REPORT_DIR": str(base / "report"),
            }
        )
    )


def run(base):
    return ansible_runner.run(
        private_data_dir=str(base), playbook=str(ROOT / "playbooks" / "rollout.yml"), quiet=True, timeout=300
    )


def stats_event(result):
    return next(e for e in result.events if e.get("event") == "playbook_on_stats")


def test_webhook_push_rolls_out_only_the_changed_site(tmp_path, fleet):
    changed = FLEET[2]
    payload = {
        "ref": "refs/heads/main",
        "after": "1" * 40,
        "before": "2" * 40,
        "commits": [
            {
                "id": "1" * 40,
                "added": [],
                "removed": [],
                "modified": ["inventories/fleet/host_vars/%s.yml" % changed, "README.md"],
            }
        ],
    }
    write_data_dir(
        tmp_path, fleet, {"awx_webhook_payload": payload, "rollout_webhook_inventory_dirs": ["inventories/fleet"]}
    )
    result = run(tmp_path)
    assert result.status == "successful", result.stdout.read()[-3000:]

    summary = stats_event(result)["event_data"]["artifact_data"]["acstor_edge_rollout"]
    assert list(summary["clusters"]) == ["store-" + changed]
    assert summary["clusters"]["store-" + changed]["nodes"][changed]["status"] == "ok"
    assert summary["event"]["provider"] == "github" and summary["halted"] is False

    # Only the changed site's node was contacted.
    node_hosts = {e["event_data"].get("host") for e in result.events if e.get("event") == "runner_on_ok"} & set(FLEET)
    assert node_hosts == {changed}
    report = json.loads((tmp_path / "report" / "rollout-report.json").read_text())
    assert report["complete"] and report["failed_hosts"] == []
    assert (tmp_path / "artifacts").is_dir()


def test_unreachable_canary_halts_and_is_reported(tmp_path, fleet):
    canary = FLEET[1]
    subprocess.run(["ip", "netns", "exec", canary, "ip", "link", "set", "lo", "down"], check=True)
    try:
        write_data_dir(tmp_path, fleet, {"rollout_canaries": ["store-" + canary], "rollout_serial": [1, "100%"]})
        result = run(tmp_path)
    finally:
        subprocess.run(["ip", "netns", "exec", canary, "ip", "link", "set", "lo", "up"], check=True)
    assert result.status == "failed"

    summary = stats_event(result)["event_data"]["artifact_data"]["acstor_edge_rollout"]
    assert summary["halted"] is True
    assert summary["failed_clusters"] == ["store-" + canary]
    assert sorted(summary["not_run_clusters"]) == sorted("store-" + n for n in FLEET if n != canary)
    assert summary["clusters"]["store-" + canary]["nodes"][canary]["status"] == "unreachable"

    unreachable = [e for e in result.events if e.get("event") == "runner_on_unreachable"]
    assert [e["event_data"]["host"] for e in unreachable] == [canary]
    report = json.loads((tmp_path / "report" / "rollout-report.json").read_text())
    assert report["unreachable_hosts"] == [canary]
    assert report["clusters"]["store-" + canary]["nodes"][canary]["unreachable"]["message"]
    assert (
        "| store-%s | %s | unreachable |" % (canary, canary) in (tmp_path / "report" / "rollout-report.md").read_text()
    )
