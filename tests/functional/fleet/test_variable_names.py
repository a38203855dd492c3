# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The names of docs/fleet.md#variables, on the installed playbooks and roles, on the controller only.

- which hosts: acstor_edge_node_hosts / acstor_edge_cluster_hosts select within edge_nodes / edge_clusters (a site
  group holds both), in nodes.yml, clusters.yml, teardown.yml and the rollout plan (rollout_clusters defaults to it);
- renamed variables (acstor_edge_teardown_clusters, acstor_edge_serial, acstor_edge_max_fail_percentage) still work,
  with an Ansible deprecation warning, and the new name wins;
- an unset acstor_edge_products means both products to the node roles and to the cluster phases.
Nothing connects to a node: every host is connection local and no role task that reads a node runs.
"""

import json
import re

import pytest
import yaml

from acstor_testlib import COLLECTIONS_DIR, ansible_environment, run_playbook

EDGE = COLLECTIONS_DIR / "ansible_collections" / "acstor" / "edge"
PLAYBOOKS = EDGE / "playbooks"
LOCAL = {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"}
INVENTORY = {
    "all": {
        "vars": LOCAL,
        "children": {
            "edge_clusters": {"hosts": {"c-both": None, "c-csi": None}},
            "edge_nodes": {
                "hosts": {
                    "n-both-1": {"acstor_edge_cluster": "c-both"},  # no acstor_edge_products
                    "n-both-2": {"acstor_edge_cluster": "c-both"},
                    "n-csi": {"acstor_edge_cluster": "c-csi", "acstor_edge_products": ["local_csi"]},
                }
            },
            "site_a": {"hosts": {"c-both": None, "n-both-1": None, "n-both-2": None}},
            "site_b": {"hosts": {"c-csi": None, "n-csi": None}},
        },
    }
}


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    path = tmp_path_factory.mktemp("names") / "hosts.yml"
    path.write_text(yaml.safe_dump(INVENTORY))
    return path


def _playbook(inventory, *args):
    # Ansible's own strategy: a third-party one (run_all runs these tests under mitogen) draws a deprecation
    # warning of its own, and these tests count ours
    env = ansible_environment(
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
        ANSIBLE_DEPRECATION_WARNINGS="True",
        ANSIBLE_STRATEGY="linear",
    )
    proc = run_playbook(["-i", str(inventory), *args], env)
    return proc.returncode, proc.stdout + proc.stderr


def _listed_hosts(output):
    """{play name: [hosts]} from --list-hosts output."""
    plays, current = {}, None
    for line in output.splitlines():
        match = re.match(r"\s*play #\d+ \((.*)\): (.*)\tTAGS", line)
        if match:
            current = plays.setdefault(match.group(2).strip(), [])
        elif current is not None and line.startswith("      ") and line.strip():
            current.append(line.strip())
    return plays


def _extra(**variables):
    return ["-e", json.dumps(variables)]


@pytest.mark.parametrize(
    "variables, nodes, clusters",
    [
        ({}, ["n-both-1", "n-both-2", "n-csi"], ["c-both", "c-csi"]),
        (
            {"acstor_edge_node_hosts": "site_a", "acstor_edge_cluster_hosts": "site_a"},
            ["n-both-1", "n-both-2"],
            ["c-both"],
        ),
        (
            {"acstor_edge_node_hosts": "site_b", "acstor_edge_cluster_hosts": "site_a:site_b"},
            ["n-csi"],
            ["c-both", "c-csi"],
        ),
    ],
)
def test_which_hosts_stay_within_their_group(inventory, variables, nodes, clusters):
    rc, output = _playbook(inventory, str(PLAYBOOKS / "site.yml"), "--list-hosts", *_extra(**variables))
    assert rc == 0, output[-3000:]
    plays = _listed_hosts(output)
    assert sorted(plays["Check and prepare edge nodes for Azure Container Storage"]) == nodes, output
    assert sorted(plays["Install the storage components on each cluster"]) == clusters, output


def _teardown_clusters(inventory, **variables):
    """The clusters teardown.yml asks to confirm (its first play stops there without a confirmation)."""
    rc, output = _playbook(inventory, str(PLAYBOOKS / "teardown.yml"), *_extra(**variables))
    assert rc != 0
    match = re.search(r"on: (\S*)\. To go ahead, run again with", output)
    assert match, output[-3000:]
    return match.group(1).split(","), output


def test_teardown_picks_clusters_with_the_one_name_and_the_old_one_still_works(inventory):
    assert _teardown_clusters(inventory)[0] == ["c-both", "c-csi"]
    assert _teardown_clusters(inventory, acstor_edge_cluster_hosts="site_b")[0] == ["c-csi"]
    clusters, output = _teardown_clusters(inventory, acstor_edge_teardown_clusters="c-both")
    assert clusters == ["c-both"]
    assert "acstor_edge_teardown_clusters is deprecated; use acstor_edge_cluster_hosts" in output
    assert "DEPRECATION WARNING" in output
    assert _teardown_clusters(inventory, acstor_edge_teardown_clusters="c-both", acstor_edge_cluster_hosts="c-csi")[
        0
    ] == ["c-csi"]


def _node_batches(inventory, **variables):
    """Batches of nodes.yml's play: its always-tagged run_once warning task runs once per batch."""
    rc, output = _playbook(inventory, str(PLAYBOOKS / "nodes.yml"), "--tags", "no-such-tag", *_extra(**variables))
    assert rc == 0, output[-3000:]
    return output.count("TASK [Warn about deprecated variable names]"), output


def test_node_serial_old_name_still_works_new_name_wins(inventory):
    batches, output = _node_batches(inventory, acstor_edge_serial=1)
    assert batches == 3
    assert "acstor_edge_serial is deprecated; use acstor_edge_node_serial" in output
    assert "DEPRECATION WARNING" in output
    assert _node_batches(inventory, acstor_edge_serial=1, acstor_edge_node_serial=2)[0] == 2
    rc, output = _playbook(inventory, str(PLAYBOOKS / "nodes.yml"), "--tags", "no-such-tag")
    assert rc == 0 and "DEPRECATION WARNING" not in output, output[-3000:]


def test_rollout_clusters_defaults_to_the_one_name(inventory, tmp_path):
    out = tmp_path / "plan.json"
    play = [
        {
            "hosts": "localhost",
            "gather_facts": False,
            "tasks": [
                {"ansible.builtin.include_role": {"name": "acstor.edge.rollout"}},
                {"ansible.builtin.copy": {"content": "{{ rollout_plan | to_json }}", "dest": str(out), "mode": "0600"}},
            ],
        }
    ]
    (tmp_path / "plan.yml").write_text(yaml.safe_dump(play))
    rc, output = _playbook(inventory, str(tmp_path / "plan.yml"), *_extra(acstor_edge_cluster_hosts="site_b"))
    assert rc == 0, output[-3000:]
    plan = json.loads(out.read_text())
    assert plan["targets"]["clusters"] == ["c-csi"] and plan["batch_nodes"] == [["n-csi"]]


def test_unset_products_mean_both_to_node_roles_and_cluster_phases(inventory, tmp_path):
    out = tmp_path / "resolved"
    out.mkdir()
    write = {
        "ansible.builtin.copy": {
            "dest": str(out) + "/{{ inventory_hostname }}.json",
            "mode": "0600",
            "content": "{{ resolved | to_json }}",
        },
        "delegate_to": "localhost",
    }
    play = [
        # the rollout's first play: validation (cluster members) and the plan
        {
            "hosts": "localhost",
            "gather_facts": False,
            "tasks": [{"ansible.builtin.include_role": {"name": "acstor.edge.rollout"}}],
        },
        # the node roles' defaults, resolved on each node
        {
            "hosts": "edge_nodes",
            "gather_facts": False,
            "tasks": [
                {"ansible.builtin.include_vars": str(EDGE / "roles" / "preflight" / "defaults" / "main.yml")},
                {"ansible.builtin.include_vars": str(EDGE / "roles" / "node_prep" / "defaults" / "main.yml")},
                dict(
                    write,
                    vars={
                        "resolved": {"preflight": "{{ preflight_products }}", "node_prep": "{{ node_prep_products }}"}
                    },
                ),
            ],
        },
        # the rollout role's cluster phases (what clusters.yml, rollout.yml and teardown.yml run), on each cluster
        {
            "hosts": "edge_clusters",
            "gather_facts": False,
            "tasks": [
                {"ansible.builtin.include_vars": str(EDGE / "roles" / "rollout" / "defaults" / "main.yml")},
                {"ansible.builtin.include_vars": str(EDGE / "roles" / "rollout" / "vars" / "main.yml")},
                dict(write, vars={"resolved": {"phases": "{{ __rollout_cluster_phases }}"}}),
            ],
        },
    ]
    (tmp_path / "resolve.yml").write_text(yaml.safe_dump(play))
    rc, output = _playbook(inventory, str(tmp_path / "resolve.yml"))
    assert rc == 0, output[-3000:]
    resolved = {path.stem: json.loads(path.read_text()) for path in out.iterdir()}
    both = ["edge_volumes", "local_csi"]
    assert sorted(resolved["n-both-1"]["preflight"]) == both and sorted(resolved["n-both-1"]["node_prep"]) == both
    assert resolved["n-csi"] == {"preflight": ["local_csi"], "node_prep": ["local_csi"]}
    assert resolved["c-both"]["phases"] == ["csi_driver", "arc_extension", "edge_volumes"]
    assert resolved["c-csi"]["phases"] == ["csi_driver"]
