# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module side of the stripes' boot side, shared by acstor.edge.nvme_stripe_boot and acstor.edge.nvme_stripes:
read the files and unit states, plan with stripe/boot (install) or stripe/boot_removal (remove), apply.

Not pure: these functions take the AnsibleModule. On a no-op the only systemctl query is `is-active` for the units
to keep started (the metrics timer): whether a unit runs only systemd knows. Enablement is read from the links
under /etc/systemd/system/<target>.wants (what `systemctl enable` makes), not asked.
"""

import json
import os

from ansible_collections.acstor.edge.plugins.module_utils.common.argspec import list_of_dicts
from ansible_collections.acstor.edge.plugins.module_utils.common.node_io import (
    NodeFiles,
    file_mode,
    read_text,
    remove_files,
    stale_temp_files,
    write_file_atomic,
)
from ansible_collections.acstor.edge.plugins.module_utils.local_csi.contract import RECORD_DIR
from ansible_collections.acstor.edge.plugins.module_utils.stripe.boot import (
    CurrentFile,
    diff_of,
    enablement_from_links,
    parse_unit_states,
    plan_boot,
    wanted_files,
)
from ansible_collections.acstor.edge.plugins.module_utils.stripe.boot_removal import (
    plan_boot_removal,
    removal_candidates,
    removal_diff,
    unlisted_stripes,
    unlisted_warning,
)

# The options of the boot side (nvme_stripe_boot's, and the boot side of nvme_stripes).
BOOT_ARGUMENT_SPEC = dict(
    script=dict(type="str"),
    script_path=dict(type="path", default="/usr/local/sbin/acstor-edge-stripe-boot"),
    units=list_of_dicts(
        name=dict(type="str", required=True),
        content=dict(type="str"),
        enabled=dict(type="bool", default=True),
        started=dict(type="bool", default=False),
    ),
    fact_file=dict(type="path", default="/etc/ansible/facts.d/acstor_edge.fact"),
    health_fact_file=dict(type="path"),
    metrics_dir=dict(type="path"),
)


def unit_states(module, verb, names):
    if not names:
        return {}
    # rc is non-zero whenever one unit is not enabled/active: the printed states are what counts
    _rc, out, _err = module.run_command(["systemctl", verb] + names, environ_update={"LC_ALL": "C"})
    return parse_unit_states(names, out)


def systemctl(module, argv, what, reload=None):
    """reload: the call's SystemdReload (stripe/executor), paid by a verb that reloads systemd; paid before a
    failure stops the call."""
    rc, out, err = module.run_command(["systemctl"] + argv, environ_update={"LC_ALL": "C"})
    if rc != 0:
        failed = reload.pay() if reload else ""
        msg = "%s failed (rc %d): %s" % (what, rc, (err or out).strip())
        module.fail_json(msg="; ".join(m for m in (msg, failed) if m), changed=True)
    if reload:
        reload.paid_by(argv[0])


def systemd_is_running(module):
    return os.path.isdir("/run/systemd/system") and bool(module.get_bin_path("systemctl"))


def link_exists(path):
    return os.path.lexists(path)


def read_records(module):
    """The stripe records on the node, {name: record}; an unreadable one is warned about and left out."""
    files = NodeFiles()
    records = {}
    for path in sorted(files.glob(os.path.join(RECORD_DIR, "*.json"))):
        try:
            records[os.path.basename(path)[: -len(".json")]] = json.loads(files.read(path, "{}"))
        except ValueError:
            module.warn("unreadable stripe record %s: not reported" % path)
    return records


def record_names():
    """The names of the stripe records on the node (read or not)."""
    return sorted(os.path.basename(p)[: -len(".json")] for p in NodeFiles().glob(os.path.join(RECORD_DIR, "*.json")))


def report_unlisted(module, listed):
    """Stripes recorded on the node that the list no longer names: a warning each; returns them."""
    unlisted = unlisted_stripes(read_records(module), listed)
    for stripe in unlisted:
        module.warn(unlisted_warning(stripe))
    return unlisted


def _enabled(module, units):
    states, ask = enablement_from_links(units, link_exists)
    states.update(unit_states(module, "is-enabled", ask))
    return states


def install(module, params, reload=None):
    """The boot side in place (state present): result; writes only when not in check mode and something differs.
    reload: the call's SystemdReload, paid by the reload or the enable made here."""
    units = params["units"]
    files = wanted_files(
        params["script"], params["script_path"], units, params["fact"], params["fact_file"], params["health_fact_file"]
    )
    current = {f.path: CurrentFile(read_text(f.path), file_mode(f.path)) for f in files}
    systemd_running = systemd_is_running(module)
    enabled = _enabled(module, [u for u in units if u["enabled"]])
    active = unit_states(module, "is-active", [u["name"] for u in units if u["started"]]) if systemd_running else {}
    plan = plan_boot(files, current, units, enabled, active, systemd_running)
    leftovers = stale_temp_files(sorted({os.path.dirname(f.path) for f in files}))

    result = dict(changed=plan.changed or bool(leftovers), actions=plan.describe(), units=[u["name"] for u in units])
    if leftovers:
        result["removed_temp_files"] = leftovers
    if module._diff:
        result["diff"] = diff_of(plan, current)
    if module.check_mode or not result["changed"]:
        return result
    remove_files(leftovers)
    for wanted in plan.writes:
        write_file_atomic(wanted.path, wanted.content, wanted.mode)
        os.chmod(wanted.path, wanted.mode)
    for wanted in plan.modes:
        os.chmod(wanted.path, wanted.mode)
    if plan.daemon_reload:
        systemctl(module, ["daemon-reload"], "reloading systemd units", reload)
    if plan.enable:
        systemctl(module, ["enable"] + plan.enable, "enabling %s" % ", ".join(plan.enable), reload)
    if plan.start:
        systemctl(module, ["start"] + plan.start, "starting %s" % ", ".join(plan.start), reload)
    return result


def remove(module, params, reload=None):
    """No stripe record left (state absent): stop, disable and remove what we installed, only what carries our mark.
    reload: the call's SystemdReload, paid by the disable or the reload made here."""
    candidates = removal_candidates(
        [u["name"] for u in params["units"]],
        params["script_path"],
        params["health_fact_file"],
        params["fact_file"],
        params["metrics_dir"],
    )
    current = {c.path: CurrentFile(read_text(c.path), file_mode(c.path)) for c in candidates}
    plan = plan_boot_removal(candidates, current, systemd_is_running(module))
    leftovers = stale_temp_files(sorted({os.path.dirname(c.path) for c in candidates}))

    result = dict(
        changed=plan.changed or bool(leftovers),
        actions=plan.describe(),
        units=[],
        removed=[c.path for c in plan.remove],
        kept=plan.kept,
    )
    if leftovers:
        result["removed_temp_files"] = leftovers
    for kept in plan.kept:
        module.warn("%s: %s" % (kept["path"], kept["reason"]))
    if module._diff:
        result["diff"] = removal_diff(plan, current)
    if module.check_mode or not result["changed"]:
        return result
    remove_files(leftovers)
    if plan.stop:
        systemctl(module, ["stop"] + plan.stop, "stopping %s" % ", ".join(plan.stop), reload)
    if plan.disable:
        systemctl(module, ["disable"] + plan.disable, "disabling %s" % ", ".join(plan.disable), reload)
    remove_files([c.path for c in plan.remove])
    if plan.daemon_reload:
        systemctl(module, ["daemon-reload"], "reloading systemd units", reload)
    return result


def apply_boot(module, params, reload=None):
    """params: nvme_stripe_boot's options (state, script, script_path, units, fact, fact_file, health_fact_file,
    metrics_dir). The result of installing or removing the boot side. reload: the SystemdReload of a call that
    changed /etc/fstab (nvme_stripes), paid by the boot side's own reload, enable or disable."""
    return remove(module, params, reload) if params["state"] == "absent" else install(module, params, reload)
