# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan node_prep's kernel configuration: the sysctl drop-in, our modules-load.d file, modprobe.

Pure: (what the node has, what is wanted) -> the files to write or remove (before/after text), the
sysctls to raise now, the modules to load or unload. acstor.edge.node_prep_info returns this plan so
the role calls acstor.edge.node_kernel_config only when it has something to do; node_kernel_config
plans again from its own read and applies it.

The rules:
  * a sysctl whose live value is at or above its minimum is never lowered and not written; one already
    in our drop-in stays there (never below its minimum); a setting no longer wanted leaves the drop-in,
    its live value stays;
  * our modules-load.d file lists the wanted modules no other file there lists (so a per-module file
    that community.general.modprobe wrote for an earlier version counts as listed, never duplicated);
    a module no longer wanted leaves our file and is not unloaded;
  * state absent removes our two files; live values stay unless asked (sysctl --system), a module is
    unloaded only when asked, listed by us alone and not in use. Files we cannot prove we wrote (the
    per-module ones) are reported, never removed.
"""

import json
import re

from ansible_collections.acstor.edge.plugins.module_utils.node.prep_plan import sysctl_minimum
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_state import (
    normalize_module_name,
    parse_modules_load,
    parse_packages_record,
)

SYSCTL_HEADER = "# Kernel settings raised by acstor.edge.node_prep; rewritten on every change, edits are lost.\n"
MODULES_HEADER = "# Kernel modules loaded at boot for acstor.edge.node_prep; rewritten on every change.\n"
PARTS = ("sysctl", "modules")
# What acstor.edge.node_kernel_config returns of its plan (and acstor.edge.node_prep under kernel_config).
RESULT_KEYS = (
    "actions",
    "sysctls_to_raise",
    "sysctls_removed",
    "modules_to_load",
    "modules_removed",
    "modules_to_unload",
    "modules_kept_loaded",
    "legacy_module_files",
    "unlisted_legacy_module_files",
    "reload_sysctl",
)
# What node_prep installed, so that state absent removes only those packages (never the OS's or the user's).
PACKAGES_RECORD = "/etc/acstor-edge/node_prep.json"


def parse_sysctl_conf(text):
    """sysctl.d(5) text -> {name: value} in file order (the last assignment of a name wins)."""
    entries = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        name, value = line.split("=", 1)
        # a leading '-' only tells systemd-sysctl to ignore a failure to set it
        entries[name.strip().lstrip("-").replace("/", ".")] = value.strip()
    return entries


def render_sysctl_conf(entries):
    """{name: value} -> the drop-in's text; '' when there is nothing to hold."""
    if not entries:
        return ""
    return SYSCTL_HEADER + "".join("%s=%s\n" % (name, value) for name, value in entries.items())


def render_modules_load(names):
    if not names:
        return ""
    return MODULES_HEADER + "".join(name + "\n" for name in names)


def _as_int(text):
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def plan_sysctl_entries(minimums, live, current_entries):
    """The drop-in's entries and the sysctls to raise now.

    Returns (entries, raise_now, removed). A wanted name the kernel lacks is kept as the file has it
    (input validation stops the role on it); a live value that is not one integer is raised, as before.
    """
    entries, raise_now = {}, []
    for name, wanted in minimums.items():
        minimum = sysctl_minimum(wanted)
        if minimum is None or name not in live:
            if name in current_entries:
                entries[name] = current_entries[name]
            continue
        in_file = _as_int(current_entries.get(name))
        live_value = _as_int(live[name])
        below = live_value is None or live_value < minimum
        if name in current_entries or below:
            # never write a value below the minimum, never lower one already above it
            entries[name] = str(max(minimum, in_file or 0))
        if below:
            raise_now.append({"key": name, "value": int(entries[name]), "live": live[name].strip()})
    removed = [name for name in current_entries if name not in entries]
    return entries, raise_now, removed


def legacy_module_files(texts, our_file):
    """Per-module files as community.general.modprobe writes them (``<module>.conf`` holding just that name)."""
    found = {}
    for path, text in sorted(texts.items()):
        base = path.rsplit("/", 1)[-1]
        names = parse_modules_load([text or ""])
        module = normalize_module_name(base[: -len(".conf")]) if base.endswith(".conf") else None
        if path != our_file and module and names == set([module]):
            found[path] = module
    return found


def plan_modules_load(wanted, modules, texts, our_file):
    """Our modules-load.d file's names, the modules to load now, and what other files list.

    ``modules`` is prep_plan.describe_kernel_modules' result, ``texts`` {path: text} of every file in
    /etc/modules-load.d (ours included).
    """
    listed_elsewhere = parse_modules_load(text or "" for path, text in texts.items() if path != our_file)
    names, seen = [], set()
    for name in wanted:
        state = modules.get(name) or {}
        if not state.get("valid"):
            continue
        keys = set([normalize_module_name(name), state.get("module") or normalize_module_name(name)])
        if keys & (listed_elsewhere | seen):
            continue
        seen |= keys
        names.append(name)
    load_now = [name for name in wanted if (modules.get(name) or {}).get("known") and not modules[name]["loaded"]]
    return names, load_now, listed_elsewhere


def _file_change(path, before, after):
    """A file action, or None when the file already holds ``after``; an empty ``after`` removes the file."""
    if after == "":
        return None if before is None else {"path": path, "before": before, "after": "", "remove": True}
    if before == after:
        return None
    return {"path": path, "before": before or "", "after": after, "remove": False}


def _sysctl_file_change(path, before, entries):
    """Rewrite the drop-in only when its settings differ: a drop-in of the previous version (no header,
    the same settings) is left as it is."""
    if before is not None and entries and parse_sysctl_conf(before) == entries:
        return None
    return _file_change(path, before, render_sysctl_conf(entries))


def _modules_file_change(path, before, names):
    if before is not None and names and parse_modules_load([before]) == set(map(normalize_module_name, names)):
        return None
    return _file_change(path, before, render_modules_load(names))


def plan_present(desired, current):
    """state present: the files to write or remove, sysctls to raise, modules to load."""
    plan = empty_plan()
    parts = desired.get("parts", PARTS)
    if "sysctl" in parts:
        before = current.get("sysctl_text")
        entries, raise_now, removed = plan_sysctl_entries(
            desired.get("sysctls", {}), current.get("live", {}), parse_sysctl_conf(before)
        )
        _add_file(plan, _sysctl_file_change(desired["sysctl_file"], before, entries))
        plan["sysctls_to_raise"] = raise_now
        plan["sysctls_removed"] = removed
    if "modules" in parts:
        our_file = desired["modules_load_file"]
        texts = current.get("modules_load_texts", {})
        names, load_now, _listed = plan_modules_load(
            desired.get("kernel_modules", []), current.get("modules", {}), texts, our_file
        )
        before = texts.get(our_file)
        _add_file(plan, _modules_file_change(our_file, before, names))
        plan["modules_to_load"] = load_now
        plan["modules_removed"] = sorted(parse_modules_load([before or ""]) - set(map(normalize_module_name, names)))
        wanted = set(normalize_module_name(name) for name in desired.get("kernel_modules", []))
        legacy = legacy_module_files(texts, our_file)
        plan["legacy_module_files"] = sorted(legacy)
        plan["unlisted_legacy_module_files"] = sorted(path for path, module in legacy.items() if module not in wanted)
    return plan


def plan_absent(desired, current):
    """state absent: remove our files; reload sysctls or unload modules only when asked."""
    plan = empty_plan()
    parts = desired.get("parts", PARTS)
    if "sysctl" in parts:
        _add_file(plan, _file_change(desired["sysctl_file"], current.get("sysctl_text"), ""))
        plan["sysctls_removed"] = list(parse_sysctl_conf(current.get("sysctl_text")))
        plan["reload_sysctl"] = bool(desired.get("reload_sysctl")) and bool(plan["files"])
    if "modules" in parts:
        our_file = desired["modules_load_file"]
        texts = current.get("modules_load_texts", {})
        ours = parse_modules_load([texts.get(our_file) or ""])
        _add_file(plan, _file_change(our_file, texts.get(our_file), ""))
        plan["modules_removed"] = sorted(ours)
        plan["legacy_module_files"] = sorted(legacy_module_files(texts, our_file))
        plan["unlisted_legacy_module_files"] = list(plan["legacy_module_files"])
        if desired.get("unload_modules"):
            listed_elsewhere = parse_modules_load(text or "" for path, text in texts.items() if path != our_file)
            plan["modules_to_unload"], plan["modules_kept_loaded"] = plan_unload(
                sorted(ours), listed_elsewhere, current.get("use_counts", {}), current.get("builtin", set())
            )
    return plan


def plan_unload(names, listed_elsewhere, use_counts, builtin):
    """Modules of our file that may be unloaded: loaded, not built in, listed by no other file, not in use."""
    unload, kept = [], []
    for name in names:
        if name not in use_counts:
            continue
        if name in builtin:
            kept.append({"name": name, "reason": "built in"})
        elif name in listed_elsewhere:
            kept.append({"name": name, "reason": "listed in another /etc/modules-load.d file"})
        elif use_counts[name] != 0:
            kept.append({"name": name, "reason": "in use (%d users)" % use_counts[name]})
        else:
            unload.append(name)
    return unload, kept


def plan_packages_record(desired, current):
    """The record of the packages node_prep installed: names added on present, the file dropped on absent
    only with ``forget_packages`` (after the role removed them). An unreadable record is left alone."""
    before = current.get("record_text")
    recorded = parse_packages_record(before)
    if desired.get("state", "present") == "absent":
        names = [] if desired.get("forget_packages") else recorded
    else:
        names = recorded + [name for name in desired.get("record_packages", []) if name not in recorded]
    if names == recorded:
        return None
    after = json.dumps({"packages_installed": names}, indent=2) + "\n" if names else ""
    return _file_change(PACKAGES_RECORD, before, after)


def plan_kernel_config(desired, current):
    """The whole plan; ``desired['state']`` picks present or absent."""
    if desired.get("state", "present") == "absent":
        plan = plan_absent(desired, current)
    else:
        plan = plan_present(desired, current)
    _add_file(plan, plan_packages_record(desired, current))
    return finish(plan)


def empty_plan():
    return {
        "files": [],
        "sysctls_to_raise": [],
        "sysctls_removed": [],
        "reload_sysctl": False,
        "modules_to_load": [],
        "modules_removed": [],
        "modules_to_unload": [],
        "modules_kept_loaded": [],
        "legacy_module_files": [],
        "unlisted_legacy_module_files": [],
    }


def _add_file(plan, change):
    if change:
        plan["files"].append(change)


def finish(plan):
    """Add the human-readable actions and whether anything changes."""
    actions = []
    for change in plan["files"]:
        actions.append("%s %s" % ("remove" if change["remove"] else "write", change["path"]))
    actions += ["raise %s to %s (live %s)" % (s["key"], s["value"], s["live"]) for s in plan["sysctls_to_raise"]]
    if plan["reload_sysctl"]:
        actions.append("sysctl --system")
    actions += ["modprobe " + name for name in plan["modules_to_load"]]
    actions += ["modprobe -r " + name for name in plan["modules_to_unload"]]
    plan["actions"] = actions
    plan["changed"] = bool(actions)
    return plan


def node_errors(desired, current, release):
    """With state present, what the plan cannot be applied with: sysctls the kernel lacks, modules it does not know
    (of the parts managed)."""
    if desired.get("state", "present") != "present":
        return []
    parts = desired.get("parts", PARTS)
    errors = []
    if "sysctl" in parts:
        errors += [
            "sysctl %s does not exist on this kernel" % name
            for name in desired.get("sysctls", {})
            if name not in current["live"]
        ]
    if "modules" in parts:
        errors += [
            "kernel module %s is unknown to kernel %s" % (name, release)
            for name, state in current["modules"].items()
            if not state["known"]
        ]
    return errors


def plan_summary(plan):
    """The plan without the file texts: what node_prep_info and node_prep return under ``kernel_config``."""
    summary = dict((key, value) for key, value in plan.items() if key != "files")
    summary["files"] = [dict(path=change["path"], remove=change["remove"]) for change in plan["files"]]
    return summary


def plan_diff(plan):
    """One --diff entry per file written or removed."""
    return [
        dict(before_header=change["path"], after_header=change["path"], before=change["before"], after=change["after"])
        for change in plan["files"]
    ]


def module_load_file_errors(path):
    """Our modules-load file must be a *.conf directly in /etc/modules-load.d (modules-load.d(5))."""
    directory, _sep, base = (path or "").rpartition("/")
    if directory != "/etc/modules-load.d" or not re.fullmatch(r"[A-Za-z0-9_.@+-]+\.conf", base):
        return ["modules_load_file %r is not a *.conf file in /etc/modules-load.d" % (path,)]
    return []
