# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout summary and its lines, as tables (plugin_utils/rollout_summary)."""

import pytest

from ansible_collections.acstor.edge.plugins.plugin_utils.rollout_summary import cluster_summary, summary_lines

OK_NODE = {"status": "ok", "phases": ["prep", "stripe"], "reason": ""}
HOSTVARS = {
    "c1": {
        "rollout_cluster_result": {
            "status": "ok",
            "reason": "",
            "phases": ["csi_driver"],
            "gate": {"checked": ["csi_driver"]},
        }
    },
    "c2": {"rollout_cluster_result": {"status": "failed", "phase": "arc_extension", "reason": "ARM said no"}},
    "c3": {},
    "n1": {"rollout_node_result": {"status": "ok", "phases": ["prep", "stripe"], "reason": ""}},
    "n2": {"rollout_node_result": {"status": "failed", "phases": ["prep"], "reason": "disk gone"}},
    "n3": {},
}
PLAN = {"batches": [["c1", "c2"], ["c3"]], "members": {"c1": ["n1"], "c2": ["n2", "n3"], "c3": ["n3"]}}


def _cluster(batch, status, phase="", reason="", phases=(), gate=None, releases=None, nodes=None):
    return {
        "batch": batch,
        "status": status,
        "phase": phase,
        "reason": reason,
        "phases": list(phases),
        "gate": gate or {},
        "releases": releases or {},
        "nodes": nodes or {},
    }


@pytest.mark.parametrize(
    "ran,cluster,expected",
    [
        # a cluster with a result keeps it; its batch counts from 1
        (
            ["c1", "c2"],
            "c1",
            _cluster(1, "ok", phases=["csi_driver"], gate={"checked": ["csi_driver"]}, nodes={"n1": OK_NODE}),
        ),
        # a node of a batch that ran without a result was unreachable or stopped
        (
            ["c1", "c2"],
            "c2",
            _cluster(
                1,
                "failed",
                "arc_extension",
                "ARM said no",
                nodes={
                    "n2": {"status": "failed", "phases": ["prep"], "reason": "disk gone"},
                    "n3": {"status": "unreachable", "phases": [], "reason": "no result: unreachable or stopped"},
                },
            ),
        ),
        # a cluster of a batch that ran but left no result failed
        (
            ["c1", "c2", "c3"],
            "c3",
            _cluster(
                2,
                "failed",
                reason="no result",
                nodes={"n3": {"status": "unreachable", "phases": [], "reason": "no result: unreachable or stopped"}},
            ),
        ),
        # a batch that never ran (the rollout halted): the cluster and its nodes did not run
        (
            ["c1", "c2"],
            "c3",
            _cluster(2, "not_run", nodes={"n3": {"status": "not_run", "phases": [], "reason": ""}}),
        ),
    ],
)
def test_cluster_summary(ran, cluster, expected):
    summary = cluster_summary(PLAN, [{"clusters": ran}], HOSTVARS)
    assert list(summary) == ["c1", "c2", "c3"]  # plan order
    assert summary[cluster] == expected


def test_cluster_summary_of_a_cluster_without_members_or_host():
    summary = cluster_summary({"batches": [["gone"]], "members": {}}, [], {})
    assert summary == {"gone": _cluster(1, "not_run")}


def test_cluster_summary_of_an_empty_plan():
    assert cluster_summary({"batches": [], "members": {}}, [], HOSTVARS) == {}


RELEASE = {"version_before": "1.2.0", "version_after": "1.3.0", "rolled_back": False, "reason": ""}


@pytest.mark.parametrize(
    "cluster,expected",
    [
        (_cluster(1, "ok"), ["batch 1 c: ok"]),
        (
            _cluster(1, "ok", gate={"checked": ["csi_driver", "stripes"]}),
            ["batch 1 c: ok, gate checked csi_driver, stripes"],
        ),
        (_cluster(1, "ok", gate={"checked": []}), ["batch 1 c: ok, gate checked nothing"]),
        (_cluster(2, "failed", "csi_driver", "helm failed"), ["batch 2 c: failed (csi_driver: helm failed)"]),
        # the gate is said only for a cluster that passed
        (
            _cluster(2, "failed", "gate", "not ready", gate={"checked": ["csi_driver"]}),
            ["batch 2 c: failed (gate: not ready)"],
        ),
        (_cluster(3, "not_run", nodes={"n": {"status": "not_run"}}), ["batch 3 c: not_run nodes: n=not_run"]),
        (
            _cluster(1, "ok", nodes={"a": {"status": "ok"}, "b": {"status": "failed"}, "d": {"status": "unreachable"}}),
            ["batch 1 c: ok nodes: b=failed, d=unreachable"],
        ),
        (_cluster(1, "ok", releases={"csi_driver": RELEASE}), ["batch 1 c: ok", "  csi_driver: 1.2.0 -> 1.3.0"]),
        (
            _cluster(1, "failed", "edge_volumes", "x", releases={"arc_extension": dict(RELEASE, rolled_back=True)}),
            ["batch 1 c: failed (edge_volumes: x)", "  arc_extension: 1.2.0 -> 1.3.0, rolled back: yes"],
        ),
        (
            _cluster(
                1, "ok", releases={"csi_driver": dict(RELEASE, version_before="", version_after="", reason="off")}
            ),
            ["batch 1 c: ok", "  csi_driver: not installed -> absent, rolled back: no (off)"],
        ),
        (
            _cluster(1, "ok", releases={"arc_extension": dict(RELEASE, rolled_back=True, reason="back on 1.2.0")}),
            ["batch 1 c: ok", "  arc_extension: 1.2.0 -> 1.3.0, rolled back: yes (back on 1.2.0)"],
        ),
    ],
)
def test_summary_lines_of_one_cluster(cluster, expected):
    assert (
        summary_lines({"targets": "all clusters", "clusters": {"c": cluster}}) == ["rollout: all clusters"] + expected
    )


def test_summary_lines_keep_the_clusters_order():
    clusters = {"z": _cluster(1, "ok"), "a": _cluster(2, "not_run")}
    assert summary_lines({"targets": "t", "clusters": clusters}) == [
        "rollout: t",
        "batch 1 z: ok",
        "batch 2 a: not_run",
    ]
