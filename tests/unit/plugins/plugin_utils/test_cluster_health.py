# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Readiness of the cluster roles' objects, as tables (plugin_utils/cluster_health)."""

import pytest

from ansible_collections.acstor.edge.plugins.plugin_utils.cluster_health import (
    daemonsets_not_ready,
    volumes_not_ready,
)


def daemonset(name="csi-local-node", generation=1, **status):
    return {"metadata": {"name": name, "generation": generation}, "status": status}


ROLLED_OUT = {"observedGeneration": 1, "desiredNumberScheduled": 2, "numberReady": 2, "updatedNumberScheduled": 2}


@pytest.mark.parametrize(
    "objects,expected",
    [
        ([daemonset(**ROLLED_OUT)], []),
        ([], []),
        ([daemonset(**{**ROLLED_OUT, "numberReady": 1})], ["csi-local-node 1/2 pods ready"]),
        ([daemonset(**{**ROLLED_OUT, "updatedNumberScheduled": 1})], ["csi-local-node 2/2 pods ready, 1 updated"]),
        ([daemonset(generation=2, **ROLLED_OUT)], ["csi-local-node 2/2 pods ready, spec not yet observed"]),
        # no pod scheduled anywhere: no node would serve volumes
        (
            [daemonset(observedGeneration=1, desiredNumberScheduled=0, numberReady=0, updatedNumberScheduled=0)],
            ["csi-local-node 0/0 pods ready"],
        ),
        # a DaemonSet the controller has not looked at yet has no status
        ([{"metadata": {"name": "new", "generation": 1}}], ["new 0/0 pods ready, spec not yet observed"]),
        (
            [{"metadata": {"name": "nulls", "generation": 1}, "status": None}],
            ["nulls 0/0 pods ready, spec not yet observed"],
        ),
        (
            [
                daemonset("a", **ROLLED_OUT),
                daemonset("b", **{**ROLLED_OUT, "numberReady": 0, "updatedNumberScheduled": 0}),
            ],
            ["b 0/2 pods ready, 0 updated"],
        ),
        # metadata.generation missing counts as 1
        (
            [{"metadata": {"name": "x"}, "status": dict(ROLLED_OUT, observedGeneration=0)}],
            ["x 2/2 pods ready, spec not yet observed"],
        ),
    ],
)
def test_daemonsets_not_ready(objects, expected):
    assert daemonsets_not_ready(objects) == expected


def claim(name, phase=None):
    return {"item": {"name": name}, "resources": [{"status": {"phase": phase}}] if phase else []}


def edge_volume(name, state=None):
    return {"item": {"name": name, "kind": "cloud"}, "resources": [{"status": {"state": state}}] if state else []}


@pytest.mark.parametrize(
    "claims,edge_volumes,expected",
    [
        ([claim("cache", "Bound")], [], []),
        ([claim("cache", "Pending")], [edge_volume("media")], ["cache claim Pending", "media EdgeVolume absent"]),
        ([claim("cache")], [], ["cache claim absent"]),
        ([claim("cache", "Bound"), claim("media", "Bound")], [edge_volume("media", "deployed")], []),
        ([claim("media", "Bound")], [edge_volume("media", "deploying")], ["media EdgeVolume deploying"]),
        ([{"item": {"name": "nostatus"}, "resources": [{}]}], [], ["nostatus claim absent"]),
        ([], [], []),
    ],
)
def test_volumes_not_ready(claims, edge_volumes, expected):
    assert volumes_not_ready(claims, edge_volumes) == expected
