# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout role's decisions from the inventory and its hosts' results, as tables (plugin_utils/rollout_model)."""

import pytest

from ansible_collections.acstor.edge.plugins.plugin_utils.rollout_model import (
    cluster_model,
    cluster_phases,
    node_outcomes,
    present_stripes,
    stripe_problems,
)

HOSTVARS = {
    "c1": {"group_names": ["edge_clusters", "site_a"]},
    "c2": {"group_names": ["edge_clusters"]},
    "n1": {
        "group_names": ["edge_nodes", "rack_1"],
        "acstor_edge_products": ["local_csi"],
        "rollout_node_result": {"status": "ok", "phases": ["prep"]},
    },
    "n2": {
        "group_names": ["edge_nodes"],
        "acstor_edge_products": ["edge_volumes"],
        "rollout_node_result": {"status": "failed", "phase": "stripe", "reason": "device not found"},
    },
    "n3": {"group_names": ["edge_nodes"]},
}


def test_cluster_model_lists_groups_of_clusters_and_their_nodes_in_order():
    model = cluster_model(["c2", "c1"], {"c1": ["n1", "n2"]}, HOSTVARS)
    assert list(model) == ["c2", "c1"]
    assert model == {
        "c2": {"groups": ["edge_clusters"], "nodes": {}},
        "c1": {"groups": ["edge_clusters", "site_a"], "nodes": {"n1": ["edge_nodes", "rack_1"], "n2": ["edge_nodes"]}},
    }


def test_cluster_model_of_a_host_without_groups():
    assert cluster_model(["gone"], {"gone": ["n9"]}, HOSTVARS) == {"gone": {"groups": [], "nodes": {"n9": []}}}


@pytest.mark.parametrize(
    "nodes,expected",
    [
        ([], {"ok": [], "failed": [], "failures": []}),
        (["n1"], {"ok": ["n1"], "failed": [], "failures": []}),
        (["n1", "n2"], {"ok": ["n1"], "failed": ["n2"], "failures": ["n2 (stripe: device not found)"]}),
        (
            ["n3"],
            {"ok": [], "failed": ["n3"], "failures": ["n3 (-: unreachable or stopped before the end of its phases)"]},
        ),
        (
            ["absent"],
            {
                "ok": [],
                "failed": ["absent"],
                "failures": ["absent (-: unreachable or stopped before the end of its phases)"],
            },
        ),
    ],
)
def test_node_outcomes(nodes, expected):
    assert node_outcomes(nodes, HOSTVARS) == expected


@pytest.mark.parametrize(
    "nodes,configured,expected",
    [
        (["n1"], None, ["csi_driver"]),
        (["n2"], None, ["arc_extension", "edge_volumes"]),
        (["n2", "n1"], None, ["csi_driver", "arc_extension", "edge_volumes"]),  # phase order, not node order
        (["n3"], None, ["csi_driver", "arc_extension", "edge_volumes"]),  # no acstor_edge_products: both products
        ([], None, []),
        (["n1"], ["edge_volumes"], ["edge_volumes"]),  # the inventory's list wins as given
        (["n1"], [], []),
    ],
)
def test_cluster_phases(nodes, configured, expected):
    assert cluster_phases(nodes, HOSTVARS, configured) == expected


def test_present_stripes_keep_list_order():
    stripes = [
        {"name": "a", "mount_path": "/a"},
        {"name": "b", "state": "absent", "mount_path": "/b"},
        {"name": "c", "state": "present"},
        {"name": "d"},
    ]
    assert [s["name"] for s in present_stripes(stripes)] == ["a", "c", "d"]
    assert present_stripes(None) == []


@pytest.mark.parametrize(
    "names,health,expected",
    [
        (["a"], {}, []),
        (
            ["a", "b"],
            {"a": {"degraded": False}, "b": {"degraded": True, "problem": "1 of 2 PVs missing"}},
            ["stripe b: 1 of 2 PVs missing"],
        ),
        (["b"], {"b": {"degraded": True}}, ["stripe b: degraded"]),
        (["a"], {"a": {"degraded": True, "problem": "down"}, "z": {"degraded": True}}, ["stripe a: down"]),
        (["a"], None, []),
    ],
)
def test_stripe_problems(names, health, expected):
    assert stripe_problems(names, health) == expected
