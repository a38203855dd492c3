# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module side of a stripe, shared by acstor.edge.nvme_stripe (one stripe) and acstor.edge.nvme_stripes
(every stripe of a node): the option spec, one read of the node, the result of a plan, and its apply.

Not pure: these functions take the AnsibleModule; the decisions are the planner's and the executor's.
"""

import os

from ansible_collections.acstor.edge.plugins.module_utils.common.node_io import remove_files, stale_temp_files
from ansible_collections.acstor.edge.plugins.module_utils.local_csi import contract
from ansible_collections.acstor.edge.plugins.module_utils.nvme.scan import collect_snapshot
from ansible_collections.acstor.edge.plugins.module_utils.stripe import boot_side
from ansible_collections.acstor.edge.plugins.module_utils.stripe.executor import (
    StripeApplyError,
    StripeExecutor,
    SystemdReload,
    device_size,
    filesystem_facts,
)
from ansible_collections.acstor.edge.plugins.module_utils.stripe.member_signatures import recorded_member_signatures

REQUIRED_TOOLS = {"lvm": ["lvm"], "mdadm": ["mdadm"]}

# The options of one stripe (nvme_stripe's, and each element of nvme_stripes' stripes).
STRIPE_ARGUMENT_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    backend=dict(type="str", default="lvm", choices=["lvm", "mdadm"]),
    mode=dict(type="str", default="volume", choices=["volume", "csi_vg"]),
    devices=dict(type="list", elements="str"),
    selector=dict(
        type="dict",
        options=dict(
            **{"class": dict(type="str", default="local", choices=["local", "other", "any"])},
            models=dict(type="list", elements="str"),
            min_size=dict(type="str"),
            count=dict(type="int"),
        ),
    ),
    stripe_size=dict(type="str"),
    filesystem=dict(type="str", choices=["xfs", "ext4", "none"]),
    mount_path=dict(type="str"),
    mount_options=dict(type="str"),
    mount_before=dict(type="list", elements="str"),
    force=dict(type="bool", default=False),
    ephemeral=dict(type="bool", default=False),
    volume_group=dict(type="str"),
    size_tolerance=dict(type="float", default=5.0),
)


def command_runner(module):
    def run(argv):
        return module.run_command(argv, environ_update={"LC_ALL": "C"})

    return run


def read_node(module, specs, run, known_members=False):
    """One read of the node for every spec (fails the module, changing nothing, when the node cannot be read).

    known_members: the signatures of recorded stripes' members that lsblk and the disks' first bytes prove are
    not read again by wipefs (stripe/member_signatures); a plan made on such a read may only confirm a no-op."""
    tools = ["lsblk", "wipefs"] + sorted({tool for spec in specs for tool in REQUIRED_TOOLS[spec.backend]})
    missing = [tool for tool in tools if not module.get_bin_path(tool)]
    if missing:
        module.fail_json(
            msg="missing tools on the node: %s (the node_prep role installs them)" % ", ".join(missing), changed=False
        )
    devices = [spec.device_path for spec in specs if spec.device_path]
    snapshot = collect_snapshot(
        run,
        module.get_bin_path,
        want_lvm=any(spec.backend == "lvm" for spec in specs),
        extra_probe=devices,
        read_heads=devices,
        paths=[spec.mount_path for spec in specs if spec.mount_path.startswith("/")],
        known_signatures=recorded_member_signatures if known_members else None,
    )
    if snapshot["errors"]:
        module.fail_json(
            msg="could not read the node's block devices: %s" % "; ".join(snapshot["errors"]), changed=False
        )
    return snapshot


def planned_result(spec, plan, diff):
    """nvme_stripe's result for a plan (before it is applied); with diff, the plan's before and after."""
    result = dict(
        changed=plan.changed,
        actions=[a.description for a in plan.actions],
        plan=[a.as_dict() for a in plan.actions],
        destroys=plan.destroys,
        warnings_found=list(plan.warnings),
    )
    if diff:
        after = dict(plan.after)
        if plan.destroys:
            after["destroys"] = plan.destroys
        result["diff"] = {"before": plan.before, "after": after}
    if spec.state == "present":
        result.update(
            device=spec.device_path,
            members=plan.record.get("members", []),
            geometry=plan.after.get("geometry"),
            filesystem=plan.filesystem if spec.mode == "volume" else None,
            mount=plan.after.get("mount"),
            record=plan.record,
        )
        if spec.mode == "csi_vg":
            result["csi_handoff"] = plan.record.get("csi_handoff")
    return result


def remove_leftovers(check_mode, result):
    """A run killed inside an atomic write (SIGKILL, power cut) leaves its temporary file behind."""
    directories = {"/etc", contract.RECORD_DIR} | {os.path.dirname(p) for p in contract.MDADM_CONF_PATHS}
    leftovers = stale_temp_files(sorted(directories))
    if leftovers:
        result.update(removed_temp_files=leftovers, changed=True)
        if not check_mode:
            remove_files(leftovers)


def systemd_reload(module, run):
    """The reload a call owes systemd after changing /etc/fstab (stripe/executor.SystemdReload)."""
    return SystemdReload(run, boot_side.systemd_is_running(module))


def apply_plan(module, spec, plan, run, result, update_initramfs, reload=None):
    """Apply a changed plan and complete result from the node; StripeApplyError (result holds what was done).

    reload: the call's SystemdReload, which the caller pays at the end of the call; without it the reload an fstab
    change owes is paid here, when the plan is applied or has failed.
    """
    own_reload = reload is None
    reload = reload or systemd_reload(module, run)
    executor = StripeExecutor(run, module.get_bin_path, update_initramfs=update_initramfs, reload=reload)
    try:
        executor.apply(plan)
    except StripeApplyError as error:
        failed = executor.reload.pay() if own_reload else ""
        result.update(actions=error.done, failed_action="; ".join(m for m in (str(error), failed) if m))
        raise
    failed = executor.reload.pay() if own_reload else ""
    if failed:
        result.update(actions=executor.done, failed_action=failed)
        raise StripeApplyError(failed, executor.done)
    result["actions"] = executor.done
    device = spec.device_path
    if spec.state == "present":
        result["record"] = plan.record
        if device and spec.mode == "volume":
            facts = filesystem_facts(device)
            if facts:
                result["filesystem"] = facts
            if result.get("geometry"):
                result["geometry"] = dict(result["geometry"], size=device_size(device))
