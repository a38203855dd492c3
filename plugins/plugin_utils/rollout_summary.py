# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rollout's summary: what each planned cluster and its nodes ended with, and the lines people read.

Pure functions over plain data, like rollout_model; ``hostvars`` maps host name to that host's variables.
"""

from __future__ import annotations

from ansible_collections.acstor.edge.plugins.plugin_utils.rollout_model import host_variable


def _result(hostvars, host, name):
    return host_variable(hostvars, host, name) or {}


def _node_summary(node, ran, hostvars):
    result = _result(hostvars, node, "rollout_node_result")
    return {
        "status": result.get("status", "unreachable" if ran else "not_run"),
        "phases": result.get("phases", []),
        "reason": result.get("reason", "no result: unreachable or stopped" if ran else ""),
    }


def _cluster_summary(cluster, batch, ran, members, hostvars):
    result = _result(hostvars, cluster, "rollout_cluster_result")
    return {
        "batch": batch,
        "status": result.get("status", "failed" if ran else "not_run"),
        "phase": result.get("phase", ""),
        "reason": result.get("reason", "no result" if ran else ""),
        "phases": result.get("phases", []),
        "gate": result.get("gate", {}),
        "releases": result.get("releases", {}),
        "nodes": {node: _node_summary(node, ran, hostvars) for node in members.get(cluster) or []},
    }


def cluster_summary(plan, batch_results, hostvars):
    """Each planned cluster, in plan order: its batch (from 1), status, phase, reason, gate, releases and nodes.

    A cluster of a batch that ran but left no result failed; one of a batch that never ran is ``not_run``, and so are
    its nodes. A node of a batch that ran without a result was unreachable or stopped.
    """
    ran = {cluster for result in batch_results or [] for cluster in result.get("clusters", [])}
    members = plan.get("members") or {}
    return {
        cluster: _cluster_summary(cluster, number, cluster in ran, members, hostvars)
        for number, batch in enumerate(plan.get("batches") or [], start=1)
        for cluster in batch
    }


def _cluster_line(name, cluster):
    line = f"batch {cluster['batch']} {name}: {cluster['status']}"
    if cluster["status"] == "failed":
        line += f" ({cluster['phase']}: {cluster['reason']})"
    if cluster["status"] == "ok" and cluster["gate"]:
        line += ", gate checked " + (", ".join(cluster["gate"].get("checked", [])) or "nothing")
    not_ok = [f"{node}={outcome['status']}" for node, outcome in cluster["nodes"].items() if outcome["status"] != "ok"]
    if not_ok:
        line += " nodes: " + ", ".join(not_ok)
    return line


def _release_line(phase, release):
    line = (
        f"  {phase}: {release.get('version_before') or 'not installed'} -> {release.get('version_after') or 'absent'}"
    )
    reason, rolled_back = release.get("reason"), release.get("rolled_back")
    if reason or rolled_back:
        line += ", rolled back: " + ("yes" if rolled_back else "no") + (f" ({reason})" if reason else "")
    return line


def summary_lines(summary):
    """The summary for people: the targets, then a line per cluster, each followed by a line per release it changed."""
    lines = [f"rollout: {summary['targets']}"]
    for name, cluster in summary["clusters"].items():
        lines.append(_cluster_line(name, cluster))
        lines.extend(_release_line(phase, release) for phase, release in cluster["releases"].items())
    return lines
