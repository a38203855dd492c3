# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Local CSI driver (Azure/local-csi-driver) input rules: Helm release, chart, images, StorageClass, node selector.

The values that reach the nodes (volume group, disk models, mount options) keep node_inputs' rules; the rest are the
Kubernetes and Helm rules of k8s_inputs. acstor.edge.local_csi_driver_preflight and the csi_driver role both call
driver_option_errors, so they refuse the same input with the same words.
"""

from ansible_collections.acstor.edge.plugins.module_utils.common import inputs as common
from ansible_collections.acstor.edge.plugins.module_utils.k8s import inputs as k8s
from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules

# The chart's StorageClass parameters (charts/latest/templates): csi.storage.k8s.io/fstype ext4 or xfs.
FSTYPES = ("ext4", "xfs")
RECLAIM_POLICIES = ("Delete", "Retain")  # core/v1 PersistentVolumeReclaimPolicy a StorageClass may set
STORAGE_CLASS_OPTIONS = ("fstype", "reclaim_policy", "is_default", "mount_options")


@common.rule("chart-ref", "a chart reference: oci://host/path, repo/chart or a local directory")
@rules.one_line
def chart_ref(value):
    if value.startswith("oci://"):
        return k8s.image_registry(value[len("oci://") :])
    if any(char.isspace() for char in value):
        return "%r contains white space" % (value,)
    return None


def driver_option_errors(options, name=None):
    """Every error of acstor.edge.local_csi_driver_preflight's options (None: not set); name(option) -> reported name."""
    name = name or (lambda option: option)
    errors = []
    for option, rule in (
        ("release_name", k8s.helm_release_name),
        ("release_namespace", k8s.dns_label),
        ("storage_class_name", k8s.dns_subdomain),
        ("image_registry", k8s.image_registry),
        ("image_tag", k8s.image_tag),
    ):
        if options.get(option) not in (None, ""):
            rules.check(errors, name(option), options[option], rule)
    k8s.check_labels(errors, name("node_selector"), options.get("node_selector"))
    common.nested(errors, name("extra_values"), options.get("extra_values"), "dict")
    if options.get("cleanup_enabled") is not None:
        rules.check(errors, name("cleanup_enabled"), options["cleanup_enabled"], rules.boolean)
    storage_class = common.nested(errors, name("storage_class"), options.get("storage_class"), "dict") or {}
    for option, choices in (("fstype", FSTYPES), ("reclaim_policy", RECLAIM_POLICIES)):
        if storage_class.get(option) is not None:
            rules.check_choice(errors, name("storage_class." + option), storage_class[option], choices)
    if storage_class.get("is_default") is not None:
        rules.check(errors, name("storage_class.is_default"), storage_class["is_default"], rules.boolean)
    # Volume group, disk models and mount options reach the nodes: node_inputs' rules, reported under our names.
    node_side = {
        "volume_group": options.get("volume_group"),
        "addon_models": options.get("addon_models"),
        "storage_class": {"mount_options": storage_class.get("mount_options")},
        "node_handoffs": options.get("node_handoffs"),
    }
    for error in rules.local_csi_driver_errors(node_side):
        for option in ("volume_group", "addon_models", "storage_class.mount_options", "node_handoffs"):
            if error.startswith(option):
                error = name(option) + error[len(option) :]
                break
        errors.append(error)
    return errors
