# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
import pytest

from ansible_collections.acstor.edge.plugins.plugin_utils.inventory_model import validate_inventory
from ansible_collections.acstor.edge.plugins.plugin_utils.rollout_plan import (
    RolloutPolicyError,
    batch_sizes,
    batch_verdict,
    plan_batches,
)

CANARY_POLICY = [1, "10%", "25%", "100%"]


@pytest.mark.parametrize(
    "total, policy, sizes",
    [
        (21, CANARY_POLICY, [1, 2, 5, 13]),
        (3, CANARY_POLICY, [1, 1, 1]),  # 10% of 3 rounds down to 0 and becomes 1, like Ansible serial
        (10, [2], [2, 2, 2, 2, 2]),
        (10, "30%", [3, 3, 3, 1]),
        (5, None, [5]),
        (5, [], [5]),
        (0, CANARY_POLICY, []),
        (4, ["1", "50%"], [1, 2, 1]),
    ],
)
def test_batch_sizes_follow_ansible_serial(total, policy, sizes):
    assert batch_sizes(total, policy) == sizes


def test_canaries_go_first_and_max_batches_is_enforced():
    clusters = ["a", "b", "c", "d"]
    assert plan_batches(clusters, [1, "100%"], canaries=["c"]) == [["c"], ["a", "b", "d"]]
    with pytest.raises(RolloutPolicyError, match="gives 4 batches"):
        plan_batches(clusters, [1], max_batches=3)


@pytest.mark.parametrize("policy", [[0], ["0%"], ["150%"], [True], ["ten"], [1.5]])
def test_bad_policies_are_refused(policy):
    with pytest.raises(RolloutPolicyError):
        batch_sizes(4, policy)


def test_batch_verdict_is_strictly_greater_like_max_fail_percentage():
    assert batch_verdict(["a", "b", "c", "d", "e"], ["c"], 20)["continue"] is True
    assert batch_verdict(["a", "b", "c", "d", "e"], ["c"], 19)["continue"] is False
    verdict = batch_verdict(["a"], ["a"], 0)
    assert verdict == {"continue": False, "failed": ["a"], "failed_percentage": 100.0}
    assert batch_verdict([], [], 0)["continue"] is True


def _node(cluster="c1", **extra):
    info = {"cluster": cluster, "products": ["local_csi"], "stripes": [], "phases": ["preflight"]}
    info.update(extra)
    return info


def test_valid_inventory_has_no_errors():
    result = validate_inventory(
        {"n1": _node()}, {"c1": {"connection": "local"}}, {"serial": CANARY_POLICY, "max_fail_percentage": 10}
    )
    assert result["errors"] == [] and result["warnings"] == []
    assert result["members"] == {"c1": ["n1"]}


def test_every_inventory_error_is_reported_at_once():
    nodes = {
        "n1": _node(cluster=None),
        "n2": _node(cluster="nowhere"),
        "n3": _node(products=["edge_volumes", "nfs"], phases=["prep", "reboot"]),
        "n4": _node(
            stripes=[
                {"name": "data", "devices": ["/dev/disk/by-id/nvme-A", "SERIAL1"]},
                {"name": "scratch", "devices": ["serial1"]},
                {"name": "data", "selector": {"model": "x"}},
                {"devices": ["/dev/nvme3n1"]},
                {"name": "nodisk"},
            ]
        ),
        "Bad_Cluster": _node(),
    }
    clusters = {"c1": {"connection": "local"}, "Bad_Cluster": {"connection": "local"}, "c3": {"connection": "ssh"}}
    result = validate_inventory(nodes, clusters, {"serial": ["0%"], "max_fail_percentage": "ten"})
    text = "\n".join(result["errors"])
    for expected in [
        "n1: node has no cluster",
        "n2: acstor_edge_cluster 'nowhere' is not a host of edge_clusters",
        "n3: unknown product(s) nfs",
        "n3: unknown node phase(s) reboot",
        "n4: nvme_stripe_list[1].devices[0]: serial1 is already claimed by stripe data (rule unique)",
        "n4: nvme_stripe_list[2].name: 'data' is listed twice (also nvme_stripe_list[0]) (rule unique)",
        "n4: nvme_stripe_list[2].selector: has unknown key(s) model; known: class, models, min_size, count",
        "n4: nvme_stripe_list[3].name: is empty or missing (rule single-line)",
        "n4: nvme_stripe_list[4].devices: give exactly one of devices or selector (rule one-of)",
        "Bad_Cluster is in both edge_nodes and edge_clusters",
        "Bad_Cluster: cluster host names must be lowercase",
        "rollout_serial: serial step '0%' must be a percentage",
        "rollout_max_fail_percentage must be a number",
    ]:
        assert expected in text
    assert "c3: cluster hosts normally use ansible_connection=local (got ssh)" in result["warnings"]
    assert "c3: no edge node names this cluster; only its cluster phases run" in result["warnings"]


def test_max_fail_percentage_from_the_command_line_is_a_string():
    result = validate_inventory(
        {"n1": _node()}, {"c1": {"connection": "local"}}, {"serial": [1], "max_fail_percentage": "20"}
    )
    assert result["errors"] == []


def test_absent_stripes_do_not_claim_devices():
    nodes = {
        "n1": _node(
            stripes=[
                {"name": "old", "state": "absent", "devices": ["/dev/nvme1n1"]},
                {"name": "new", "devices": ["/dev/nvme1n1"]},
            ]
        )
    }
    assert validate_inventory(nodes, {"c1": {"connection": "local"}})["errors"] == []
