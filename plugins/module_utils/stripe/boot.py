# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan the boot-time side of the stripes: script, systemd units, hand-off fact, health fact.

Pure: plan_boot(wanted files, current files, unit states, systemd running) -> BootPlan.
"""

import json
from dataclasses import dataclass, field
from typing import List, Optional

from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules

UNIT_DIR = "/etc/systemd/system"
# An executable local fact: Ansible runs it at fact gathering, so the health it reports is never stale.
HEALTH_FACT = (
    "#!/bin/sh\n# Managed by acstor.edge (role nvme_stripe): the stripes' health, computed when facts "
    "are gathered.\nexec /usr/bin/python3 %s health\n"
)


@dataclass
class WantedFile:
    path: str
    content: str
    mode: int


@dataclass
class CurrentFile:
    content: Optional[str]  # None: missing
    mode: Optional[int]


@dataclass
class BootPlan:
    writes: List[WantedFile] = field(default_factory=list)
    modes: List[WantedFile] = field(default_factory=list)  # right content, wrong mode
    daemon_reload: bool = False
    enable: List[str] = field(default_factory=list)
    start: List[str] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)

    @property
    def changed(self):
        return bool(self.writes or self.modes or self.daemon_reload or self.enable or self.start)

    def describe(self):
        out = ["write %s" % f.path for f in self.writes]
        out += ["set mode %04o on %s" % (f.mode, f.path) for f in self.modes]
        if self.daemon_reload:
            out.append("reload systemd units")
        out += ["enable %s" % u for u in self.enable]
        out += ["start %s" % u for u in self.start]
        return out


def fact_content(fact):
    return json.dumps(fact, indent=2, sort_keys=True) + "\n"


def validate(script, script_path, units, fact, fact_file, health_fact_file=None, state="present"):
    """Errors naming each bad option, before anything on the node is read (node_inputs' rules).

    With state absent the units, script_path and files name what to remove: no content is needed.
    """
    errors = []
    if health_fact_file:
        if not script and state == "present":
            errors.append(rules.message("health_fact_file", "needs the boot script, and script is empty", "required"))
        rules.check(errors, "health_fact_file", health_fact_file, rules.fact_file)
    if units and not script and state == "present":
        errors.append(rules.message("script", "is empty, and the units need the boot script", "required"))
    if script or state == "absent":
        rules.check(errors, "script_path", script_path, rules.absolute_path)
    if fact is not None or state == "absent":
        rules.check(errors, "fact_file", fact_file, rules.fact_file)
    names = []
    for index, unit in enumerate(units):
        option = "units[%d].name" % index
        if state == "present" and unit.get("content") is None:
            errors.append(rules.message("units[%d].content" % index, "is required with state present", "required"))
        if rules.check(errors, option, unit["name"], rules.unit_name):
            if not unit["name"].endswith((".service", ".timer")):
                errors.append(rules.message(option, "%r is not a .service or .timer unit" % unit["name"], "unit-name"))
            names.append(unit["name"])
    if len(set(names)) != len(names):
        errors.append(rules.message("units", "names must be unique (got %s)" % ", ".join(names), "unique"))
    return errors


def wanted_files(script, script_path, units, fact, fact_file, health_fact_file=None):
    files = []
    if script:
        files.append(WantedFile(script_path, script, 0o755))
        if health_fact_file:
            files.append(WantedFile(health_fact_file, HEALTH_FACT % script_path, 0o755))
    for unit in units:
        files.append(WantedFile("%s/%s" % (UNIT_DIR, unit["name"]), unit["content"], 0o644))
    if fact is not None:
        files.append(WantedFile(fact_file, fact_content(fact), 0o644))
    return files


def plan_boot(files, current, units, enabled, active, systemd_running):
    """files: [WantedFile]; current: {path: CurrentFile}; enabled/active: {unit: state string}."""
    plan = BootPlan()
    for wanted in files:
        now = current.get(wanted.path) or CurrentFile(None, None)
        if now.content != wanted.content:
            plan.writes.append(wanted)
        elif now.mode != wanted.mode:
            plan.modes.append(wanted)
    unit_written = any(f.path.startswith(UNIT_DIR + "/") for f in plan.writes)
    for unit in units:
        if unit.get("enabled", True) and enabled.get(unit["name"]) != "enabled":
            plan.enable.append(unit["name"])
        if systemd_running and unit.get("started") and active.get(unit["name"]) != "active":
            plan.start.append(unit["name"])
    # systemctl enable reloads the manager itself; an explicit reload is only needed when an already
    # enabled unit's file changed (and only when systemd runs: a chroot or image build has no manager)
    plan.daemon_reload = systemd_running and unit_written and not plan.enable
    return plan


def parse_unit_states(names, output):
    """systemctl is-enabled/is-active prints one state per unit, in order (missing units included)."""
    states = [line.strip() for line in output.splitlines() if line.strip()]
    return dict(zip(names, states)) if len(states) == len(names) else {}


def diff_of(plan, current):
    """One Ansible diff entry per file written."""
    diffs = []
    for wanted in plan.writes:
        now = current.get(wanted.path) or CurrentFile(None, None)
        diffs.append(
            {
                "before_header": wanted.path,
                "after_header": wanted.path,
                "before": now.content or "",
                "after": wanted.content,
            }
        )
    return diffs


def install_links(content):
    """The links `systemctl enable` makes for a unit file: [Install] WantedBy=/RequiredBy= targets, as
    (directory suffix, target) pairs. None when the file has anything else there (Alias=, Also=, ...)."""
    links = []
    section = ""
    for line in (content or "").splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line
        elif section == "[Install]" and "=" in line and not line.startswith(("#", ";")):
            key, value = (part.strip() for part in line.split("=", 1))
            if key not in ("WantedBy", "RequiredBy"):
                return None
            links += [(".wants" if key == "WantedBy" else ".requires", target) for target in value.split()]
    return links


def enablement_from_links(units, link_exists):
    """{unit: "enabled" or "disabled"} for the units whose enablement is their links under UNIT_DIR (no systemctl),
    and the names only `systemctl is-enabled` can answer (no [Install] links, or other [Install] keys)."""
    states, ask = {}, []
    for unit in units:
        links = install_links(unit.get("content"))
        if not links:
            ask.append(unit["name"])
            continue
        paths = ["%s/%s%s/%s" % (UNIT_DIR, target, suffix, unit["name"]) for suffix, target in links]
        states[unit["name"]] = "enabled" if all(link_exists(path) for path in paths) else "disabled"
    return states, ask
