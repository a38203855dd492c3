# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When no stripe record is left on a node: remove the boot side we installed, and only what we can prove is ours.

Pure: removal_candidates(options) -> [Candidate]; plan_boot_removal(candidates, current, systemd_running) ->
RemovalPlan. A file is ours when it sits at the path we were told and its content carries our mark (the header
our units and the health fact start with, the boot script's docstring, a fact file holding only our key, a
metrics file holding only our metrics); anything else at those paths is kept and reported, never removed.

Also here, because it reads the same records: unlisted_stripes(records, listed) - the stripes recorded on the
node that the stripe list no longer names. They are reported, never removed (that takes state absent + force).
"""

import json
import os
from dataclasses import dataclass, field
from typing import List

from ansible_collections.acstor.edge.plugins.module_utils.stripe.boot import UNIT_DIR, CurrentFile

# The first line of every unit template of the nvme_stripe role and of the health fact (boot.HEALTH_FACT).
MANAGED_MARK = "# Managed by acstor.edge (role nvme_stripe)"
# The boot script's own docstring opening (roles/nvme_stripe/files/acstor_edge_stripe_boot.py); a unit test
# keeps the shipped script and this mark together.
SCRIPT_MARK = '"""acstor.edge stripes at boot'
# The fact file carries nothing but the hand-off (roles/nvme_stripe writes {} or {"csi_handoff": ...}).
FACT_KEYS = frozenset(["csi_handoff"])
# The boot script writes <metrics_dir>/acstor_edge_stripes.prom with only acstor_edge_stripe_* metrics.
METRICS_FILE = "acstor_edge_stripes.prom"
METRIC_PREFIX = "acstor_edge_stripe"


@dataclass
class Candidate:
    path: str
    kind: str  # unit, script, health_fact, fact, metrics
    unit: str = ""  # the unit name, for kind unit


@dataclass
class RemovalPlan:
    stop: List[str] = field(default_factory=list)
    disable: List[str] = field(default_factory=list)
    remove: List[Candidate] = field(default_factory=list)
    kept: List[dict] = field(default_factory=list)  # {path, reason}: present, not provably ours
    daemon_reload: bool = False

    @property
    def changed(self):
        return bool(self.stop or self.disable or self.remove or self.daemon_reload)

    def describe(self):
        out = ["stop %s" % u for u in self.stop]
        out += ["disable %s" % u for u in self.disable]
        out += ["remove %s" % c.path for c in self.remove]
        if self.daemon_reload:
            out.append("reload systemd units")
        return out


def removal_candidates(unit_names, script_path, health_fact_file, fact_file, metrics_dir):
    """The files the role installs, at the paths it was given (None or empty: that file is not looked for)."""
    found = [Candidate("%s/%s" % (UNIT_DIR, name), "unit", name) for name in unit_names]
    if script_path:
        found.append(Candidate(script_path, "script"))
    if health_fact_file:
        found.append(Candidate(health_fact_file, "health_fact"))
    if fact_file:
        found.append(Candidate(fact_file, "fact"))
    if metrics_dir:
        found.append(Candidate(os.path.join(metrics_dir, METRICS_FILE), "metrics"))
    return found


def _is_ours_fact(content):
    try:
        fact = json.loads(content)
    except ValueError:
        return False
    return isinstance(fact, dict) and set(fact) <= FACT_KEYS


def _is_ours_metrics(content):
    lines = [line for line in content.splitlines() if line.strip()]
    comment_prefixes = ("# HELP %s" % METRIC_PREFIX, "# TYPE %s" % METRIC_PREFIX)
    return bool(lines) and all(line.startswith(METRIC_PREFIX) or line.startswith(comment_prefixes) for line in lines)


def owned(kind, content):
    """Does this content carry our mark for a file of this kind?"""
    if kind in ("unit", "health_fact"):
        return any(line.startswith(MANAGED_MARK) for line in content.splitlines()[:3])
    if kind == "script":
        return SCRIPT_MARK in content[:400]
    if kind == "fact":
        return _is_ours_fact(content)
    if kind == "metrics":
        return _is_ours_metrics(content)
    return False


def plan_boot_removal(candidates, current, systemd_running):
    """candidates: [Candidate]; current: {path: CurrentFile} (content None: missing)."""
    plan = RemovalPlan()
    for candidate in candidates:
        content = (current.get(candidate.path) or CurrentFile(None, None)).content
        if content is None:
            continue
        if not owned(candidate.kind, content):
            plan.kept.append({"path": candidate.path, "reason": "present, but without our mark: not ours to remove"})
            continue
        plan.remove.append(candidate)
        if candidate.kind == "unit":
            if systemd_running:
                plan.stop.append(candidate.unit)
            # a unit without [Install] (the metrics service, started by its timer) has no enablement to undo
            if "[Install]" in content:
                plan.disable.append(candidate.unit)
    plan.daemon_reload = systemd_running and any(c.kind == "unit" for c in plan.remove)
    return plan


def removal_diff(plan, current):
    """One Ansible diff entry per file removed: its content before, nothing after."""
    return [
        {
            "before_header": candidate.path,
            "after_header": "%s (absent)" % candidate.path,
            "before": current[candidate.path].content,
            "after": "",
        }
        for candidate in plan.remove
    ]


def _member_serials(record):
    return [m["serial"] for m in record.get("members") or [] if isinstance(m, dict) and m.get("serial")]


def unlisted_stripes(records, listed):
    """records: {name: record dict}; listed: the names the stripe list has (any state). Sorted by name."""
    unlisted = []
    for name in sorted(set(records) - set(listed)):
        record = records[name] if isinstance(records[name], dict) else {}
        mount = record.get("mount") or {}
        unlisted.append(
            {
                "name": name,
                "backend": record.get("backend", ""),
                "mode": record.get("mode", ""),
                "device": record.get("device", ""),
                "mount_path": mount.get("path", "") if isinstance(mount, dict) else "",
                "serials": _member_serials(record),
            }
        )
    return unlisted


def unlisted_warning(stripe):
    """One line per stripe: what it is, and that nothing happens to it."""
    where = ("mounted at %s" % stripe["mount_path"]) if stripe["mount_path"] else "no mount"
    serials = ", ".join(stripe["serials"]) or "no serials recorded"
    return (
        "stripe %s (backend %s, %s, devices by serial: %s) is on this node but no longer in nvme_stripe_list; "
        "it is kept as it is: to remove it, list it with state: absent and force: true"
        % (stripe["name"], stripe["backend"] or "unknown", where, serials)
    )
