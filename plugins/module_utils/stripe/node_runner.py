# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module side of acstor.edge.nvme_stripes: every stripe of the list in order, then the boot side.

Not pure: these functions take the AnsibleModule. What they decide between the stripes is stripe/node_stripes'
(pure); each stripe is stripe/runner's (as acstor.edge.nvme_stripe), the boot side stripe/boot_side's (as
acstor.edge.nvme_stripe_boot).
"""

from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules
from ansible_collections.acstor.edge.plugins.module_utils.nvme.inventory import build_inventory
from ansible_collections.acstor.edge.plugins.module_utils.stripe.boot import validate
from ansible_collections.acstor.edge.plugins.module_utils.stripe.boot_side import (
    BOOT_ARGUMENT_SPEC,
    apply_boot,
    record_names,
    report_unlisted,
)
from ansible_collections.acstor.edge.plugins.module_utils.stripe.executor import StripeApplyError
from ansible_collections.acstor.edge.plugins.module_utils.stripe.node_stripes import (
    boot_options,
    boot_stays,
    csi_handoff,
    stripe_item_options,
    stripe_list_errors,
    stripe_result_entry,
    with_volume_group,
)
from ansible_collections.acstor.edge.plugins.module_utils.stripe.planner import plan_stripe
from ansible_collections.acstor.edge.plugins.module_utils.stripe.runner import (
    STRIPE_ARGUMENT_SPEC,
    apply_plan,
    command_runner,
    planned_result,
    read_node,
    remove_leftovers,
    systemd_reload,
)
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import spec_from_options

BOOT_KEYS = ("script", "script_path", "units", "fact_file", "health_fact_file", "metrics_dir")

# acstor.edge.nvme_stripes' options; one copy for the module and for the stripes' read-ahead (stripe/read_ahead),
# which validates the role's arguments as the module would.
ARGUMENT_SPEC = dict(
    BOOT_ARGUMENT_SPEC,
    stripes=dict(
        type="list",
        elements="dict",
        required=True,
        options=STRIPE_ARGUMENT_SPEC,
        mutually_exclusive=[("devices", "selector")],
    ),
    extra_models=dict(type="list", elements="str"),
    update_initramfs=dict(type="bool", default=True),
    csi_volume_group=dict(type="str"),
)


def input_errors(params):
    """Every option of every stripe, as the stripes get them (the fleet volume group applied, when it is a valid LVM
    name: else its own error names it once), and of the boot side; checked before the node is read."""
    errors = []
    if params["csi_volume_group"] is not None:
        rules.check(errors, "csi_volume_group", params["csi_volume_group"], rules.lvm_name)
    items = with_volume_group(params["stripes"], None if errors else params["csi_volume_group"])
    errors += stripe_list_errors(items, params["extra_models"], params["update_initramfs"], "stripes")
    return errors + boot_errors(params)


def boot_errors(params):
    """The boot side's options checked as nvme_stripe_boot checks them (the fact it writes is the module's own)."""
    errors = validate(
        params["script"], params["script_path"], params["units"], {}, params["fact_file"], params["health_fact_file"]
    )
    if params["metrics_dir"]:
        rules.check(errors, "metrics_dir", params["metrics_dir"], rules.absolute_path)
    return errors


def _fail(module, index, spec, msg, done, reload, **result):
    """Stop at this stripe: the error names it; done holds the results of the stripes before it (and this one).
    The reload owed for the fstab changes made so far is paid first."""
    failed = reload.pay()
    module.fail_json(
        msg="stripe %s (stripes[%d]): %s" % (spec.name, index, "; ".join(m for m in (msg, failed) if m)),
        failed_stripe=spec.name,
        results=done,
        changed=any(r["changed"] for r in done),
        **result,
    )


def plan_on_node(module, specs, snapshot):
    """The plan of specs[0] and the snapshot it was made on: read when none is given, and read again in full when
    the plan changes anything or refuses and the read took member signatures from lsblk (stripe/member_signatures:
    those only ever confirm a no-op)."""
    run = command_runner(module)
    snapshot = snapshot or read_node(module, specs, run, known_members=True)
    plan = plan_stripe(specs[0], build_inventory(snapshot, specs[0].extra_models))
    if snapshot.get("signatures_from_lsblk") and (plan.changed or plan.errors):
        snapshot = read_node(module, specs, run)
        plan = plan_stripe(specs[0], build_inventory(snapshot, specs[0].extra_models))
    return plan, snapshot


def converge_stripe(module, index, item, spec, options, plan, done, reload):
    """One stripe's plan (list item, its spec and nvme_stripe options) applied unless in check mode; its entry of
    the results. reload: the call's SystemdReload."""
    if plan.errors:
        _fail(module, index, spec, "; ".join(plan.errors), done, reload, errors=plan.errors)
    result = planned_result(spec, plan, module._diff)
    for warning in plan.warnings:
        module.warn("stripe %s: %s" % (spec.name, warning))
    if not module.check_mode and plan.changed:
        try:
            run = command_runner(module)
            apply_plan(module, spec, plan, run, result, options.get("update_initramfs") is not False, reload)
        except StripeApplyError as error:
            _fail(module, index, spec, str(error), done + [stripe_result_entry(item, result)], reload)
    return stripe_result_entry(item, result)


def converge_stripes(module, params, items, reload):
    """Every stripe in list order, from one read of the node (read again only after a stripe changed it)."""
    options = [stripe_item_options(item, params["extra_models"], params["update_initramfs"]) for item in items]
    specs = [spec_from_options(one) for one in options]
    snapshot, results = None, []
    for index, item in enumerate(items):
        plan, snapshot = plan_on_node(module, specs[index:], snapshot)
        result = converge_stripe(module, index, item, specs[index], options[index], plan, results, reload)
        results.append(result)
        if result["changed"] and not module.check_mode:
            snapshot = None
    return results


def converge_node(module, params):
    """The module's result: the stripes, then the boot side decided from the records left on the node.

    One systemd reload for the call's fstab changes, at its end: the one the boot side makes when it enables or
    disables a unit, else its own (earlier only when a mount needs it: stripe/mount_units)."""
    items = with_volume_group(params["stripes"], params["csi_volume_group"])
    result = dict(changed=False)
    remove_leftovers(module.check_mode, result)
    reload = systemd_reload(module, command_runner(module))
    results = converge_stripes(module, params, items, reload)
    handoff = csi_handoff(results)
    stays = boot_stays(items, record_names())
    boot = apply_boot(module, boot_options(stays, handoff, dict((k, params[k]) for k in BOOT_KEYS)), reload)
    boot["state"] = "present" if stays else "absent"
    failed = reload.pay()
    if failed:
        module.fail_json(msg=failed, results=results, boot=boot, changed=True)
    # A diff of each stripe that changes (an unchanged one is no change to show), then the boot side's files.
    stripe_diffs = [(r.pop("diff", None), r["changed"]) for r in results]
    diffs = [diff for diff, changed in stripe_diffs if diff and changed] + boot.pop("diff", [])
    result.update(
        changed=result["changed"] or boot["changed"] or any(r["changed"] for r in results),
        # one list of what the call did (or would do), each line naming its stripe or the boot side
        actions=["stripe %s: %s" % (r["name"], action) for r in results for action in r.get("actions", [])]
        + ["boot side: %s" % action for action in boot.get("actions", [])],
        results=results,
        boot=boot,
        unlisted=report_unlisted(module, [item["name"] for item in items]),
    )
    if handoff:
        result["csi_handoff"] = handoff
    if module._diff:
        result["diff"] = diffs
    return result
