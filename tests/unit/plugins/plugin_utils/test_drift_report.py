# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
import pytest

from ansible_collections.acstor.edge.plugins.plugin_utils.drift_report import (
    change_entry,
    describe_change,
    fleet_summary,
    site_status,
)


def host(status="ok", changes=(), failures=(), unreachable=None):
    return {
        "status": status,
        "phases": {},
        "changes": list(changes),
        "failures": list(failures),
        "unreachable": unreachable,
    }


CHANGE = {
    "phase": "edge_volumes",
    "task": "Local shared volumes",
    "what": "spec.resources.requests.storage: 5Gi -> 2Gi",
}


@pytest.mark.parametrize(
    "result, what",
    [
        # our modules say what they would do
        (
            {
                "changed": True,
                "actions": ["configurationSettings.X: False -> True"],
                "diff": {"before": {}, "after": {"a": 1}},
            },
            "configurationSettings.X: False -> True",
        ),
        # kubernetes.core.k8s: the leaves that differ, server-managed fields left out
        (
            {
                "changed": True,
                "diff": {
                    "before": {"metadata": {"resourceVersion": "7", "name": "c"}, "spec": {"size": "5Gi"}},
                    "after": {"metadata": {"resourceVersion": "8", "name": "c"}, "spec": {"size": "2Gi"}},
                },
            },
            "spec.size: 5Gi -> 2Gi",
        ),
        (
            {"changed": True, "diff": {"before": {"labels": {}}, "after": {"labels": {"team": "a"}}}},
            "labels.team: absent -> a",
        ),
        # text diffs (copy, lineinfile, sysctl files): the lines that differ
        ({"changed": True, "diff": [{"before": "a=1\nb=2\n", "after": "a=1\nb=3\n"}]}, "-b=2; +b=3"),
        # helm-diff output
        ({"changed": True, "diff": {"prepared": "  image: x\n-  tag: v1\n+  tag: v2\n"}}, "- tag: v1; + tag: v2"),
        ({"changed": True, "msg": "would upgrade"}, "would upgrade"),
        ({"changed": True}, "changed"),
    ],
)
def test_describe_change_says_what_in_one_line(result, what):
    assert describe_change(result) == what


def test_describe_change_is_bounded():
    before = {"k%02d" % i: i for i in range(20)}
    text = describe_change({"diff": {"before": before, "after": {}}})
    assert text.endswith("and 12 more") and text.count("->") == 8
    assert len(describe_change({"msg": "x" * 1000})) == 300


def test_change_entry_keeps_the_item_label():
    assert change_entry("prep", "Raise", {"msg": "m"}, item="fs.file-max=100000") == {
        "phase": "prep",
        "task": "Raise",
        "what": "m",
        "item": "fs.file-max=100000",
    }
    assert "item" not in change_entry("prep", "Raise", {"msg": "m"})


def test_site_verdicts_and_fleet_summary():
    clusters = {
        "quiet": {"host": host(), "nodes": {"quiet-n1": host()}},
        "edited": {"host": host(changes=[CHANGE]), "nodes": {"edited-n1": host()}},
        "node-drift": {"host": host(), "nodes": {"n-drift": host(changes=[dict(CHANGE, phase="prep")])}},
        "gone": {
            "host": host(changes=[CHANGE]),
            "nodes": {"gone-n1": host("unreachable", unreachable={"message": "ssh timeout"})},
        },
        "broken": {"host": host("failed", failures=[{"message": "API refused"}]), "nodes": {}},
        "no-cluster-host": {"host": None, "nodes": {"x": host()}},
    }
    drift = fleet_summary(clusters)
    assert drift["summary"] == {
        "in_sync": ["no-cluster-host", "quiet"],
        "drifted": ["edited", "node-drift"],
        "unreachable": ["gone"],
        "failed": ["broken"],
    }
    assert drift["drifted"] is True
    assert drift["sites"]["edited"]["changes"] == [dict(CHANGE, host="cluster")]
    assert drift["sites"]["node-drift"]["changes"][0]["host"] == "n-drift"
    # an unreachable site keeps what was seen, and says why its drift is unknown
    assert (
        drift["sites"]["gone"]["problems"] == ["gone-n1: ssh timeout"] and len(drift["sites"]["gone"]["changes"]) == 1
    )
    assert drift["sites"]["broken"]["problems"] == ["cluster: API refused"]
    assert fleet_summary({"quiet": clusters["quiet"]})["drifted"] is False


def test_in_sync_site_shows_nothing():
    assert site_status({"host": host(), "nodes": {}}) == {"status": "in_sync", "changes": [], "problems": []}
