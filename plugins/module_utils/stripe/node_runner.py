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


def _fail(module, index, spec, msg, done, **result):
    """Stop at this stripe: the error names it; done holds the results of the stripes before it (and this one)."""
    module.fail_json(
        msg="stripe %s (stripes[%d]): %s" % (spec.name, index, msg),
        failed_stripe=spec.name,
        results=done,
        changed=any(r["changed"] for r in done),
        **result,
    )


def converge_stripe(module, index, item, spec, options, snapshot, done):
    """Plan one stripe (list item, its spec and nvme_stripe options) on the snapshot and, unless in check mode, apply
    it; its entry of the results."""
    plan = plan_stripe(spec, build_inventory(snapshot, spec.extra_models))
    if plan.errors:
        _fail(module, index, spec, "; ".join(plan.errors), done, errors=plan.errors)
    result = planned_result(spec, plan, module._diff)
    for warning in plan.warnings:
        module.warn("stripe %s: %s" % (spec.name, warning))
    if not module.check_mode and plan.changed:
        try:
            apply_plan(module, spec, plan, command_runner(module), result, options.get("update_initramfs") is not False)
        except StripeApplyError as error:
            _fail(module, index, spec, str(error), done + [stripe_result_entry(item, result)])
    return stripe_result_entry(item, result)


def converge_stripes(module, params, items):
    """Every stripe in list order, from one read of the node (read again only after a stripe changed it)."""
    options = [stripe_item_options(item, params["extra_models"], params["update_initramfs"]) for item in items]
    specs = [spec_from_options(one) for one in options]
    snapshot, results = None, []
    for index, item in enumerate(items):
        if snapshot is None:
            snapshot = read_node(module, specs[index:], command_runner(module))
        result = converge_stripe(module, index, item, specs[index], options[index], snapshot, results)
        results.append(result)
        if result["changed"] and not module.check_mode:
            snapshot = None
    return results


def converge_node(module, params):
    """The module's result: the stripes, then the boot side decided from the records left on the node."""
    items = with_volume_group(params["stripes"], params["csi_volume_group"])
    result = dict(changed=False)
    remove_leftovers(module.check_mode, result)
    results = converge_stripes(module, params, items)
    handoff = csi_handoff(results)
    stays = boot_stays(items, record_names())
    boot = apply_boot(module, boot_options(stays, handoff, dict((k, params[k]) for k in BOOT_KEYS)))
    boot["state"] = "present" if stays else "absent"
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
