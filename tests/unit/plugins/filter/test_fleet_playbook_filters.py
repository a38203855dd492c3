"""The filters that replaced Jinja loops in roles and playbooks, as tables: the inventory model, the csi_driver
role's hand-offs, the teardown failures and the drift lines."""

import base64
import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.acstor.edge.plugins.filter.csi_driver import csi_driver_handoffs
from ansible_collections.acstor.edge.plugins.filter.fleet import fleet_inventory_clusters, fleet_inventory_nodes
from ansible_collections.acstor.edge.plugins.filter.rollout import fleet_drift_lines, fleet_teardown_failures

HOSTVARS = {
    "n1": {"acstor_edge_cluster": "c1", "acstor_edge_products": ["local_csi"], "node_prep_state": "present"},
    "n2": {"acstor_edge_cluster": "c1", "acstor_edge_node_phases": ["prep"], "unrelated": 1},
    "c1": {"ansible_connection": "local", "csi_driver_state": "present", "rollout_teardown_result": {"status": "ok"}},
    "c2": {
        "acstor_edge_cluster_phases": ["csi_driver"],
        "rollout_teardown_result": {"status": "failed", "phase": "csi_driver", "reason": "helm uninstall failed"},
    },
    "c3": {"rollout_teardown_result": {"status": "failed"}},
    "c4": {},
}


@pytest.mark.parametrize(
    "hosts,expected",
    [
        ([], {}),
        (
            ["n1", "n2"],
            {
                "n1": {
                    "cluster": "c1",
                    "products": ["local_csi"],
                    "phases": None,
                    "node_vars": {"acstor_edge_products": ["local_csi"], "node_prep_state": "present"},
                },
                "n2": {"cluster": "c1", "products": None, "phases": ["prep"], "node_vars": {}},
            },
        ),
    ],
)
def test_inventory_nodes(hosts, expected):
    assert fleet_inventory_nodes(hosts, HOSTVARS) == expected


@pytest.mark.parametrize(
    "hosts,expected",
    [
        (None, {}),
        (["c1"], {"c1": {"connection": "local", "phases": None, "cluster_vars": {"csi_driver_state": "present"}}}),
        (["c2"], {"c2": {"connection": None, "phases": ["csi_driver"], "cluster_vars": {}}}),
    ],
)
def test_inventory_clusters(hosts, expected):
    assert fleet_inventory_clusters(hosts, HOSTVARS) == expected


@pytest.mark.parametrize(
    "clusters,failed,failures",
    [
        ([], [], []),
        (["c1", "c4", "unknown"], [], []),  # ok, no result (never reached the teardown), not in the inventory
        (["c1", "c2"], ["c2"], ["c2 (csi_driver: helm uninstall failed)"]),
        (["c3", "c2"], ["c3", "c2"], ["c3 (: )", "c2 (csi_driver: helm uninstall failed)"]),
    ],
)
def test_teardown_failures(clusters, failed, failures):
    assert fleet_teardown_failures(clusters, HOSTVARS) == {"failed": failed, "failures": failures}


def _read(host, path, content):
    encoded = base64.b64encode(content.encode()).decode()
    return {"content": encoded, "item": [{"item": host}, {"path": path}]}


HANDOFF = {"volume_group": "containerstorage", "cleanup_enabled": False, "models": ["M"]}


@pytest.mark.parametrize(
    "reads,expected",
    [
        (None, []),
        ([{"failed": True, "item": [{"item": "n1"}, {"path": "/p"}]}], []),  # unreadable: left out
        (
            [_read("n1", "/p", json.dumps({"name": "fast", "csi_handoff": HANDOFF}))],
            [dict(HANDOFF, host="n1", stripe="fast")],
        ),
        ([_read("n1", "/p", json.dumps({"csi_handoff": HANDOFF}))], [dict(HANDOFF, host="n1", stripe="")]),
        ([_read("n1", "/p", json.dumps({"name": "a", "csi_handoff": {"volume_group": ""}}))], []),
        ([_read("n1", "/p", json.dumps({"name": "a", "csi_handoff": None}))], []),
        ([_read("n1", "/p", json.dumps(["not", "a", "record"]))], []),
    ],
)
def test_csi_driver_handoffs(reads, expected):
    assert csi_driver_handoffs(reads) == expected


def test_a_record_that_is_not_json_names_the_node_and_the_file():
    with pytest.raises(AnsibleFilterError, match="stripe record /etc/acstor-edge/stripes/a.json on n1 is not JSON"):
        csi_driver_handoffs([_read("n1", "/etc/acstor-edge/stripes/a.json", "{truncated")])


IN_SYNC = {"status": "in_sync", "changes": [], "problems": []}


@pytest.mark.parametrize(
    "sites,expected",
    [
        ({"c1": IN_SYNC}, ["drift: 1 site(s) in sync, 0 drifted, 0 unreachable, 0 failed"]),
        (
            {
                "c1": IN_SYNC,
                "c2": {
                    "status": "drifted",
                    "changes": [
                        {"host": "n3", "phase": "node_prep", "task": "Set sysctl", "what": "vm.swappiness 60 -> 10"},
                        {"host": "cluster", "phase": "csi_driver", "task": "Chart", "item": "a", "what": "values"},
                    ],
                    "problems": [],
                },
                "c3": {"status": "unreachable", "changes": [], "problems": ["n4: ssh timed out"]},
            },
            [
                "drift: 1 site(s) in sync, 1 drifted, 1 unreachable, 0 failed",
                "c2: drifted",
                "  n3 node_prep: Set sysctl: vm.swappiness 60 -> 10",
                "  cluster csi_driver: Chart [a]: values",
                "c3: unreachable",
                "  n4: ssh timed out",
            ],
        ),
    ],
)
def test_drift_lines(sites, expected):
    summary = {
        status: sorted(name for name, site in sites.items() if site["status"] == status)
        for status in ("in_sync", "drifted", "unreachable", "failed")
    }
    assert fleet_drift_lines({"sites": sites, "summary": summary, "drifted": bool(summary["drifted"])}) == expected
