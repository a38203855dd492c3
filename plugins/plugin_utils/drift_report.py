# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a run changed (or, in check mode, would change), per host and per site, for the rollout_report callback.

A change is one task result with changed=true. `describe_change` turns the result into one short line: the
module's own `actions` when it returns them (our modules do), else the leaves that differ between the diff's
before and after, else the changed lines of a text diff. `site_status` folds the hosts of a site (a cluster host
and its nodes) into one verdict: in_sync, drifted, unreachable or failed (the check itself broke, so nothing is
known about drift there).
"""

from __future__ import annotations

_WHAT_LIMIT = 300
_PATH_LIMIT = 8
# Fields the API server or a controller writes: a difference there is not drift.
_IGNORED_PATHS = (
    "metadata.managedFields",
    "metadata.resourceVersion",
    "metadata.generation",
    "metadata.uid",
    "metadata.creationTimestamp",
    "metadata.annotations.kubectl.kubernetes.io/last-applied-configuration",
    "status",
)
SITE_STATUSES = ("in_sync", "drifted", "unreachable", "failed")


def _leaf_differences(before, after, path=""):
    """Dotted paths whose values differ between two JSON-like values, with (before, after) for each."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in sorted(set(before) | set(after), key=str):
            child = "%s.%s" % (path, key) if path else str(key)
            if any(child == ignored or child.startswith(ignored + ".") for ignored in _IGNORED_PATHS):
                continue
            out.extend(_leaf_differences(before.get(key), after.get(key), child))
        return out
    if before == after:
        return []
    return [(path or "(value)", before, after)]


def _short(value):
    text = "absent" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe_diff(diff):
    if isinstance(diff, list):
        parts = [_describe_diff(one) for one in diff]
        return "; ".join(part for part in parts if part)
    if not isinstance(diff, dict):
        return ""
    if diff.get("prepared"):
        lines = [line.strip() for line in str(diff["prepared"]).splitlines() if line.strip()[:1] in ("+", "-")]
        return "; ".join(lines[:_PATH_LIMIT])
    before, after = diff.get("before"), diff.get("after")
    if isinstance(before, str) or isinstance(after, str):
        old = set((before or "").splitlines()) if isinstance(before, str) else set()
        new = set((after or "").splitlines()) if isinstance(after, str) else set()
        lines = ["-" + line for line in sorted(old - new)] + ["+" + line for line in sorted(new - old)]
        return "; ".join(lines[:_PATH_LIMIT])
    differences = _leaf_differences(before or {}, after or {})
    text = ["%s: %s -> %s" % (path, _short(old), _short(new)) for path, old, new in differences[:_PATH_LIMIT]]
    if len(differences) > _PATH_LIMIT:
        text.append("and %d more" % (len(differences) - _PATH_LIMIT))
    return "; ".join(text)


def describe_change(result):
    """One line saying what a changed task result changed (or would change)."""
    actions = result.get("actions")
    if isinstance(actions, list) and actions:
        text = "; ".join(str(action) for action in actions)
    else:
        text = _describe_diff(result.get("diff")) or str(result.get("msg") or "").strip() or "changed"
    text = " ".join(text.split())
    return text if len(text) <= _WHAT_LIMIT else text[: _WHAT_LIMIT - 3] + "..."


def change_entry(phase, task, result, item=None):
    """The record of one changed task result (item: the loop item's label, when the task loops)."""
    entry = {"phase": phase, "task": task, "what": describe_change(result)}
    if item is not None:
        entry["item"] = str(item)
    return entry


def host_status(entry):
    """in_sync / drifted / unreachable / failed for one host entry of the callback's report."""
    if entry.get("status") == "unreachable":
        return "unreachable"
    if entry.get("status") == "failed":
        return "failed"
    return "drifted" if entry.get("changes") else "in_sync"


def site_status(site):
    """The verdict of one site ({"host": cluster entry or None, "nodes": {name: entry}}) and its changes."""
    hosts = ([(None, site["host"])] if site.get("host") is not None else []) + sorted(site.get("nodes", {}).items())
    statuses = [host_status(entry) for _name, entry in hosts]
    changes = [dict(change, host=name or "cluster") for name, entry in hosts for change in entry.get("changes", [])]
    problems = [
        "%s: %s"
        % (name or "cluster", (entry.get("unreachable") or (entry.get("failures") or [{}])[-1]).get("message", ""))
        for (name, entry), status in zip(hosts, statuses, strict=True)
        if status in ("unreachable", "failed")
    ]
    for status in ("unreachable", "failed", "drifted"):
        if status in statuses:
            return {"status": status, "changes": changes, "problems": problems}
    return {"status": "in_sync", "changes": [], "problems": []}


def fleet_summary(clusters):
    """Per-site verdicts and the sites grouped by verdict, from the callback's clusters section."""
    sites = {name: site_status(site) for name, site in sorted(clusters.items())}
    summary = {
        status: sorted(name for name, site in sites.items() if site["status"] == status) for status in SITE_STATUSES
    }
    return {"sites": sites, "summary": summary, "drifted": bool(summary["drifted"])}


def change_line(change):
    """One change of a site: host, phase, task, the loop item when the task loops, and what changed."""
    item = " [%s]" % change["item"] if "item" in change else ""
    return "%s %s: %s%s: %s" % (change["host"], change["phase"], change["task"], item, change["what"])


def sites_not_in_sync(drift):
    """(name, status, change lines, problems) of each site not in sync, in the report's order."""
    return [
        (name, site["status"], [change_line(change) for change in site["changes"]], site["problems"])
        for name, site in drift["sites"].items()
        if site["status"] != "in_sync"
    ]


def verdict_counts(drift):
    """How many sites are in sync, drifted, unreachable and failed (in the order of SITE_STATUSES)."""
    return tuple(len(drift["summary"][status]) for status in SITE_STATUSES)


def drift_lines(drift):
    """The drift report as the lines drift.yml shows: the count per verdict, then each site not in sync with its
    changes and its problems."""
    lines = ["drift: %d site(s) in sync, %d drifted, %d unreachable, %d failed" % verdict_counts(drift)]
    for name, status, changes, problems in sites_not_in_sync(drift):
        lines.append("%s: %s" % (name, status))
        lines.extend("  " + line for line in changes + problems)
    return lines
