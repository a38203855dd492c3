# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The node roles' variables checked with the rules their modules use (node/inputs, stripe/spec).

Each role's first task runs these over its own variables, and playbooks/validate.yml runs them over
every node host's inventory variables, so both report the same errors, named by variable, with the
same rule ids as the module that would receive the value. Only variables that are set are checked: a
role's defaults are known good, and hostvars hold only what the inventory sets.
"""

from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules
from ansible_collections.acstor.edge.plugins.module_utils.stripe.node_stripes import (
    stripe_list_errors,
    with_volume_group,
)

NODE_PREP_PRODUCTS = ("edge_volumes", "local_csi")
KERNEL_RELEASE_PLACEHOLDER = "{kernel_release}"


def _check_bool(errors, name, value):
    rules.check(errors, name, value, rules.boolean)


def _check_optional_path(errors, name, value):
    if value != "":
        rules.check(errors, name, value, rules.absolute_path)


def _check_sysctls(errors, name, value):
    if not isinstance(value, dict):
        errors.append(rules.message(name, "must be a dict of sysctl name: minimum, got %r" % (value,), "dict"))
        return
    for key, minimum in value.items():
        option = "%s[%r]" % (name, key)
        if rules.check(errors, option, key, rules.sysctl_name):
            rules.check(errors, option, minimum, rules.sysctl_value)


def _check_packages(errors, name, value):
    rules.check_list(errors, name, value, rules.string)
    for index, package in enumerate(value if isinstance(value, list) else []):
        option = "%s[%d]" % (name, index)
        if isinstance(package, str):
            reason = rules.package_name(package.replace(KERNEL_RELEASE_PLACEHOLDER, "0"))
            if reason:
                errors.append(rules.message(option, reason, reason.rule_id))


def _check_products(errors, name, value):
    for index, product in enumerate(rules.check_list(errors, name, value, rules.string)):
        rules.check_choice(errors, "%s[%d]" % (name, index), product, NODE_PREP_PRODUCTS)


def _list_of(rule):
    return lambda errors, name, value: rules.check_list(errors, name, value, rule)


def _single(rule):
    return lambda errors, name, value: rules.check(errors, name, value, rule)


# Variables whose values reach a node file or command, per role, with their check.
ROLE_VARIABLES = {
    "nvme_stripe": {
        "nvme_stripe_extra_models": _list_of(rules.single_line),
        "acstor_edge_nvme_models_extra": _list_of(rules.single_line),
        "acstor_edge_csi_volume_group": _single(rules.lvm_name),
        "nvme_stripe_update_initramfs": _check_bool,
        "nvme_stripe_boot_unit": _check_bool,
        "nvme_stripe_boot_script": _single(rules.absolute_path),
        "nvme_stripe_before_units": _list_of(rules.unit_name),
        "nvme_stripe_metrics_dir": _check_optional_path,
        "nvme_stripe_metrics_interval": _single(rules.timespan),
        "nvme_stripe_fact_file": _single(rules.fact_file),
    },
    "node_prep": {
        "node_prep_products": _check_products,
        "node_prep_packages_extra": _check_packages,
        "node_prep_packages_update_cache": _check_bool,
        "node_prep_sysctl_file": _single(rules.sysctl_file),
        "node_prep_sysctls": _check_sysctls,
        "node_prep_kernel_modules": _list_of(rules.kernel_module),
        "node_prep_kernel_modules_extra": _list_of(rules.kernel_module),
        "node_prep_fault_tolerant": _check_bool,
        "node_prep_hugepages_2m": _single(rules.sysctl_value),
        "node_prep_lvm_autoactivation": _check_bool,
        "node_prep_state": lambda errors, name, value: rules.check_choice(errors, name, value, ("present", "absent")),
        "node_prep_absent_reload_sysctl": _check_bool,
        "node_prep_absent_unload_modules": _check_bool,
        "node_prep_absent_remove_packages": _check_bool,
    },
    "preflight": {
        "preflight_skip_checks": _list_of(rules.single_line),
        "preflight_strict": _check_bool,
        "preflight_fault_tolerant": _check_bool,
        "preflight_kubernetes_required": _check_bool,
    },
}
# preflight role variable -> acstor.edge.preflight_info option, checked together (node_inputs.preflight_errors)
PREFLIGHT_OPTIONS = {
    "preflight_products": "products",
    "preflight_local_path_dir": "local_path_dir",
    "preflight_free_space": "free_space",
    "preflight_local_csi_volume_group": "csi_volume_group",
    "preflight_local_csi_addon_models": "addon_models",
}
# The fleet-wide list of local NVMe models: the default of nvme_stripe_extra_models and (for local_csi)
# preflight_local_csi_addon_models; csi_driver_addon_models reads it from the cluster's nodes.
NVME_MODELS_VARIABLE = "acstor_edge_nvme_models_extra"
# The local CSI driver's volume group, named once: csi_vg stripes, preflight_local_csi_volume_group, csi_driver.
CSI_VOLUME_GROUP_VARIABLE = "acstor_edge_csi_volume_group"
ROLE_VARIABLE_NAMES = tuple(
    ["nvme_stripe_list", "acstor_edge_products"]
    + list(PREFLIGHT_OPTIONS)
    + [name for table in ROLE_VARIABLES.values() for name in table]
)


def _fleet_models(variables):
    """acstor_edge_nvme_models_extra when it is a valid list (else None: its own check names the error once)."""
    value, errors = variables.get(NVME_MODELS_VARIABLE), []
    if value is not None:
        _list_of(rules.single_line)(errors, NVME_MODELS_VARIABLE, value)
    return None if errors else value


def _fleet_volume_group(variables):
    """acstor_edge_csi_volume_group when it is a valid LVM name (else None: its own check names the error once)."""
    value, errors = variables.get(CSI_VOLUME_GROUP_VARIABLE), []
    if value is not None:
        _single(rules.lvm_name)(errors, CSI_VOLUME_GROUP_VARIABLE, value)
    return None if errors else value


def role_input_errors(role, variables):
    """Errors of one node role's variables (only those present in ``variables``), each naming the variable."""
    errors = []
    if role == "nvme_stripe" and "nvme_stripe_list" in variables:
        extra_models = variables.get("nvme_stripe_extra_models", _fleet_models(variables))
        stripes = with_volume_group(variables["nvme_stripe_list"], _fleet_volume_group(variables))
        errors.extend(stripe_list_errors(stripes, extra_models, variables.get("nvme_stripe_update_initramfs")))
    if role == "preflight":
        options = dict(
            (option, variables[variable])
            for variable, option in PREFLIGHT_OPTIONS.items()
            if variables.get(variable) is not None
        )
        if "products" not in options and variables.get("acstor_edge_products") is not None:
            options["products"] = variables["acstor_edge_products"]  # the role's default for preflight_products
        if "csi_volume_group" not in options and _fleet_volume_group(variables) is not None:
            options["csi_volume_group"] = _fleet_volume_group(variables)  # the role's default
        products = options.get("products", rules.PREFLIGHT_PRODUCTS)
        if (
            "addon_models" not in options
            and _fleet_models(variables) is not None
            and isinstance(products, (list, tuple))
            and "local_csi" in products
        ):
            options["addon_models"] = _fleet_models(variables)  # the role's default, for local_csi only
        by_option = dict((option, variable) for variable, option in PREFLIGHT_OPTIONS.items())
        errors.extend(rules.preflight_errors(options, by_option.get))
    for name, check in ROLE_VARIABLES[role].items():
        if name in variables and variables[name] is not None:
            check(errors, name, variables[name])
    return errors


def node_input_errors(variables):
    """Errors of every node role's variables a host sets, as validate.yml reports them."""
    return [error for role in ROLE_VARIABLES for error in role_input_errors(role, variables)]


def pick_role_variables(hostvars):
    """The node role variables one host sets, from a hostvars mapping (read one by one: hostvars template lazily)."""
    return dict((name, hostvars[name]) for name in ROLE_VARIABLE_NAMES if name in hostvars)
