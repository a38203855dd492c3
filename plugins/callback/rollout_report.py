# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: rollout_report
type: aggregate
short_description: Write a JSON and Markdown report of a fleet run, per cluster and node
description:
  - Records, for every host, each phase (role) it ran with ok/changed/failed/skipped task counts and the
    duration, plus failure and unreachable messages; edge nodes are grouped under their cluster
    (C(acstor_edge_cluster)).
  - Writes C(rollout-report.json) and C(rollout-report.md) into O(report_dir) when the playbook ends, and
    refreshes them at the start of every play, so a run that stops early still leaves a report.
  - Unlike a final play, a callback sees unreachable hosts and runs that Ansible ended early.
  - Records, per cluster, what a version change did (from the facts C(csi_driver_release) and
    C(arc_extension_release) the roles set) - version before, version after, rolled back and why.
  - Lists, per host, every task that changed something (in check mode, that would change something) with one line
    saying what, and gives each site (a cluster and its nodes) a verdict - in_sync, drifted, unreachable or failed -
    in the report's C(drift) section. C(playbooks/drift.yml) reads that section.
requirements:
  - Enable it, for example C(ANSIBLE_CALLBACKS_ENABLED=acstor.edge.rollout_report).
options:
  report_dir:
    description: Directory for the report files (created when missing); relative paths are from the working directory.
    type: path
    default: acstor-edge-report
    env:
      - name: ACSTOR_EDGE_REPORT_DIR
    ini:
      - section: callback_rollout_report
        key: report_dir
"""

import datetime
import json
import os
import time

from ansible.plugins.callback import CallbackBase
from ansible.template import Templar

from ansible_collections.acstor.edge.plugins.plugin_utils.drift_report import (
    change_entry,
    fleet_summary,
    sites_not_in_sync,
    verdict_counts,
)

# Role names (without the collection prefix) shown as phases; other tasks count under "rollout".
_PHASE_OF_ROLE = {
    "preflight": "preflight",
    "node_prep": "prep",
    "nvme_stripe": "stripe",
    "csi_driver": "csi_driver",
    "arc_extension": "arc_extension",
    "edge_volumes": "edge_volumes",
    "inventory_validation": "validate",
}
_MESSAGE_LIMIT = 600
_CHANGES_LIMIT = 100
# Facts the cluster roles set to say what a version change did (version_before, version_after, rolled_back, reason).
_RELEASE_FACTS = {"csi_driver_release": "csi_driver", "arc_extension_release": "arc_extension"}


def _phase_of(task):
    role = getattr(task, "_role", None)
    name = role.get_name(include_role_fqcn=False) if role is not None else ""
    return _PHASE_OF_ROLE.get(name, "rollout")


def _message(result):
    data = result._result
    parts = [str(data.get(key)).strip() for key in ("msg", "stderr", "reason") if data.get(key)]
    return " ".join(parts)[:_MESSAGE_LIMIT]


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "acstor.edge.rollout_report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self.started = time.time()
        self.started_iso = datetime.datetime.now(datetime.timezone.utc).isoformat()
        self.hosts = {}
        self.task_started = {}
        self.playbook = ""
        self.clusters = {}

    # ------------------------------------------------------------------ bookkeeping
    def _host(self, name):
        return self.hosts.setdefault(
            name, {"status": "ok", "phases": {}, "failures": [], "unreachable": None, "changes": []}
        )

    def _phase(self, host, phase):
        return self._host(host)["phases"].setdefault(
            phase, {"ok": 0, "changed": 0, "failed": 0, "skipped": 0, "seconds": 0.0}
        )

    def _record(self, result, outcome):
        host = result._host.get_name()
        task = result._task
        phase = self._phase(host, _phase_of(task))
        started = self.task_started.get((host, task._uuid))
        if started is not None:
            phase["seconds"] = round(phase["seconds"] + time.time() - started, 2)
        phase[outcome] += 1
        if outcome == "ok" and result._result.get("changed"):
            phase["changed"] += 1
            # A loop's own result only sums its items; each changed item is recorded by v2_runner_item_on_ok. A module
            # may return a `results` list of its own (acstor.edge.nvme_stripes: one per stripe): not a loop.
            if not (task.loop or task.loop_with) or "results" not in result._result:
                self._change(host, task, result._result)
        if outcome == "ok":
            facts = result._result.get("ansible_facts") or {}
            for fact, name in _RELEASE_FACTS.items():
                if isinstance(facts.get(fact), dict):
                    self._host(host).setdefault("releases", {})[name] = dict(facts[fact])
        return host, task

    def _change(self, host, task, data, item=None):
        changes = self._host(host)["changes"]
        if len(changes) < _CHANGES_LIMIT:
            changes.append(change_entry(_phase_of(task), task.get_name(), data, item))

    # ------------------------------------------------------------------ events
    def v2_playbook_on_start(self, playbook):
        self.playbook = os.path.basename(playbook._file_name)

    def v2_playbook_on_play_start(self, play):
        if not self.clusters:
            self._map_nodes_to_clusters(play)
        self._write(final=False)

    def _map_nodes_to_clusters(self, play):
        variable_manager = play.get_variable_manager()
        inventory = getattr(variable_manager, "_inventory", None)
        if inventory is None or "edge_nodes" not in inventory.groups:
            return
        loader = getattr(variable_manager, "_loader", None)
        for host in inventory.groups["edge_nodes"].get_hosts():
            host_vars = variable_manager.get_vars(host=host, include_hostvars=False)
            try:
                cluster = Templar(loader=loader, variables=host_vars).template(host_vars.get("acstor_edge_cluster"))
            except Exception:  # a broken inventory value: the validation play names it; here the node stays unmapped
                continue
            if isinstance(cluster, str):
                self.clusters[host.name] = cluster

    def v2_runner_on_start(self, host, task):
        self.task_started[(host.get_name(), task._uuid)] = time.time()

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        host, task = self._record(result, "failed")
        if ignore_errors:
            return
        entry = self._host(host)
        entry["status"] = "failed"
        entry["failures"].append({"phase": _phase_of(task), "task": task.get_name(), "message": _message(result)})

    def v2_runner_on_unreachable(self, result):
        host, task = self._record(result, "failed")
        entry = self._host(host)
        entry["status"] = "unreachable"
        entry["unreachable"] = {"phase": _phase_of(task), "task": task.get_name(), "message": _message(result)}

    def v2_runner_item_on_ok(self, result):
        data = result._result
        if data.get("changed"):
            label = self._get_item_label(data)
            self._change(result._host.get_name(), result._task, data, label)

    def v2_runner_item_on_failed(self, result):
        # The task's own failed event follows; it carries the summary message.
        return

    def v2_playbook_on_stats(self, stats):
        for host in stats.processed:
            summary = stats.summarize(host)
            entry = self._host(host)
            if summary.get("unreachable") and entry["status"] == "ok":
                entry["status"] = "unreachable"
            entry["changed_tasks"] = summary.get("changed", 0)
            entry["rescued_tasks"] = summary.get("rescued", 0)
        self._write(final=True)

    # ------------------------------------------------------------------ output
    def report(self, final):
        clusters = {}
        for host, entry in sorted(self.hosts.items()):
            if host == "localhost":
                continue
            cluster = self.clusters.get(host)
            if cluster is None:
                clusters.setdefault(host, {"host": None, "nodes": {}})["host"] = entry
            else:
                clusters.setdefault(cluster, {"host": None, "nodes": {}})["nodes"][host] = entry
        failed = sorted(h for h, e in self.hosts.items() if e["status"] == "failed")
        unreachable = sorted(h for h, e in self.hosts.items() if e["status"] == "unreachable")
        return {
            "playbook": self.playbook,
            "complete": final,
            "started": self.started_iso,
            "seconds": round(time.time() - self.started, 1),
            "failed_hosts": failed,
            "unreachable_hosts": unreachable,
            "controller": self.hosts.get("localhost"),
            "clusters": clusters,
            "drift": fleet_summary(clusters),
        }

    @staticmethod
    def markdown(report):
        lines = [
            "# acstor.edge run report: %s" % report["playbook"],
            "",
            "Started %s, %s s%s. Failed: %s. Unreachable: %s."
            % (
                report["started"],
                report["seconds"],
                "" if report["complete"] else " (still running)",
                ", ".join(report["failed_hosts"]) or "none",
                ", ".join(report["unreachable_hosts"]) or "none",
            ),
            "",
            "| Cluster | Host | Status | Phases (changed/failed, seconds) | Message |",
            "|---|---|---|---|---|",
        ]

        def row(cluster, host, entry):
            phases = ", ".join(
                "%s %d/%d %.1fs" % (name, p["changed"], p["failed"], p["seconds"])
                for name, p in entry["phases"].items()
            )
            problem = entry["unreachable"] or (entry["failures"][-1] if entry["failures"] else None)
            message = "" if problem is None else "%s: %s" % (problem["task"], problem["message"])
            message = message.replace("|", "\\|").replace("\n", " ")
            return "| %s | %s | %s | %s | %s |" % (cluster, host, entry["status"], phases, message)

        for cluster, data in sorted(report["clusters"].items()):
            if data["host"] is not None:
                lines.append(row(cluster, cluster, data["host"]))
            for node, entry in sorted(data["nodes"].items()):
                lines.append(row(cluster, node, entry))
        return "\n".join(lines + CallbackModule.markdown_changes(report["drift"])) + "\n"

    @staticmethod
    def markdown_changes(drift):
        lines = [
            "",
            "## Changes per site (in check mode: what would change)",
            "",
            "Sites in sync: %d. Drifted: %d. Unreachable: %d. Failed: %d." % verdict_counts(drift),
            "",
        ]
        for name, status, changes, problems in sites_not_in_sync(drift):
            lines.append("- **%s**: %s" % (name, status))
            lines.extend("  - %s" % line for line in changes)
            lines.extend("  - %s" % problem.replace("\n", " ") for problem in problems)
        return lines

    def _write(self, final):
        directory = os.path.abspath(os.path.expanduser(self.get_option("report_dir")))
        report = self.report(final)
        try:
            os.makedirs(directory, exist_ok=True)
            for name, text in (
                ("rollout-report.json", json.dumps(report, indent=2, sort_keys=True) + "\n"),
                ("rollout-report.md", self.markdown(report)),
            ):
                partial = os.path.join(directory, "." + name + ".tmp")
                with open(partial, "w") as handle:
                    handle.write(text)
                os.replace(partial, os.path.join(directory, name))
        except OSError as exc:
            self._display.warning("acstor.edge.rollout_report: cannot write the report to %s: %s" % (directory, exc))
