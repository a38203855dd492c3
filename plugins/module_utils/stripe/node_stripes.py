# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every stripe of a node and its boot side, composed: what acstor.edge.nvme_stripes decides between the stripes.

Pure: the options each list item becomes (role-wide settings passed only where used), the errors of the whole
list, whether a stripe stays on the node after this run (then the boot side is installed, else removed), the
local CSI driver hand-off, and the boot side's options. The node_role_input_errors filter checks the role's
nvme_stripe_list with the same functions on the controller.
"""

from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import OPTION_NAMES, stripe_option_errors

# The options each list item takes; extra_models and update_initramfs are role-wide (one value for the list).
STRIPE_ITEM_OPTIONS = tuple(name for name in OPTION_NAMES if name not in ("extra_models", "update_initramfs"))
# Every unit the role may have installed: removal looks for each, whatever the settings are now.
ROLE_UNITS = ("acstor-edge-stripes.service", "acstor-edge-stripe-metrics.service", "acstor-edge-stripe-metrics.timer")
_BY_ID = "/dev/disk/by-id/"


def _device_key(ref):
    """A comparable key for one device reference: a path, a by-id name or a serial."""
    text = str(ref).strip()
    if text.startswith(_BY_ID):
        return "by-id:" + text[len(_BY_ID) :]
    if text.startswith("/dev/"):
        return "path:" + text
    return "serial:" + text.lower()


def stripe_item_options(item, extra_models=None, update_initramfs=None):
    """The nvme_stripe options of one list item (None: omitted); the role-wide ones only where the stripe uses them."""
    options = dict((key, item.get(key)) for key in STRIPE_ITEM_OPTIONS)
    if item.get("selector") is not None:
        options["extra_models"] = extra_models
    if (item.get("backend") or "lvm") == "mdadm":
        options["update_initramfs"] = update_initramfs
    return options


def with_volume_group(stripes, volume_group):
    """The items as the stripes get them: a csi_vg item without volume_group gets the fleet-wide one."""
    if volume_group is None or not isinstance(stripes, list):
        return stripes
    return [
        dict(item, volume_group=volume_group)
        if isinstance(item, dict) and item.get("mode") == "csi_vg" and item.get("volume_group") is None
        else item
        for item in stripes
    ]


def _item_errors(item, prefix, extra_models, update_initramfs):
    if not isinstance(item, dict):
        return [rules.message(prefix, "must be a dict of nvme_stripe options, got %r" % (item,), "dict")]
    errors = []
    unknown = sorted(str(key) for key in item if key not in STRIPE_ITEM_OPTIONS)
    if unknown:
        errors.append(
            rules.message(
                prefix,
                "has option(s) the role does not pass: %s (extra_models and "
                "update_initramfs are the role variables nvme_stripe_extra_models and "
                "nvme_stripe_update_initramfs)" % ", ".join(unknown),
                "choice",
            )
        )
    return errors + stripe_option_errors(stripe_item_options(item, extra_models, update_initramfs), prefix + ".")


def _claim_errors(item, prefix, claims):
    """A disk named by two stripes of the list (absent ones claim nothing); claims: {device key: stripe name}."""
    if item.get("state", "present") == "absent" or not isinstance(item.get("devices"), list):
        return []
    errors = []
    for position, ref in enumerate(item["devices"]):
        key = _device_key(ref)
        if key in claims and claims[key] != item.get("name"):
            errors.append(
                rules.message(
                    "%s.devices[%d]" % (prefix, position),
                    "%s is already claimed by stripe %s" % (ref, claims[key]),
                    "unique",
                )
            )
        claims.setdefault(key, item.get("name"))
    return errors


def stripe_list_errors(stripes, extra_models=None, update_initramfs=None, name="nvme_stripe_list"):
    """Every error of a stripe list: each item as the module would get it, unique names, no disk claimed twice."""
    if stripes is None:
        return []
    if not isinstance(stripes, list):
        return [rules.message(name, "must be a list of stripes, got %r" % (stripes,), "list")]
    errors, seen, claims = [], {}, {}
    for index, item in enumerate(stripes):
        prefix = "%s[%d]" % (name, index)
        errors.extend(_item_errors(item, prefix, extra_models, update_initramfs))
        if not isinstance(item, dict):
            continue
        stripe = item.get("name")
        if isinstance(stripe, str):
            if stripe in seen:
                message = "%r is listed twice (also %s[%d])" % (stripe, name, seen[stripe])
                errors.append(rules.message(prefix + ".name", message, "unique"))
            seen.setdefault(stripe, index)
        errors.extend(_claim_errors(item, prefix, claims))
    return errors


def boot_stays(items, record_names):
    """Whether a stripe stays on the node after this run: unless every listed stripe has state absent and every
    record on the node is one of them. Decided from the list, so check mode (nothing removed yet) plans the same."""
    absent = set(item["name"] for item in items if item.get("state") == "absent")
    return len(absent) < len(items) or bool(set(record_names) - absent)


def csi_handoff(results):
    """The local CSI driver hand-off of the first csi_vg stripe (None without one)."""
    return next((result["csi_handoff"] for result in results if result.get("csi_handoff")), None)


def boot_options(stays, handoff, boot):
    """nvme_stripe_boot's options for this run. boot: script, script_path, units, fact_file, health_fact_file,
    metrics_dir, as the role gives them. Staying: the units (the script and health fact only with units) and the
    hand-off fact, always written (without a csi_vg stripe it says so: a reader never trusts a stale one).
    Not staying: every unit the role may have installed, the script, both facts and the metrics file removed."""
    options = dict(boot, state="present" if stays else "absent", fact=None)
    if stays:
        options["fact"] = {"csi_handoff": handoff} if handoff else {}
        options["metrics_dir"] = None
        if not boot["units"]:
            options.update(script=None, health_fact_file=None)
    else:
        options["units"] = [{"name": name} for name in ROLE_UNITS]
    return options


def stripe_result_entry(item, result):
    """One stripe's entry of the results, as a loop over nvme_stripe registers it: the result, its item and name;
    its diff (before/after dicts) headed by the stripe, for the one diff list of the call."""
    entry = dict(result, item=item, name=item["name"])
    if "diff" in result:
        header = "stripe %s" % item["name"]
        entry["diff"] = dict(result["diff"], before_header=header, after_header=header)
    return entry
