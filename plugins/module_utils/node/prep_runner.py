# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module side of acstor.edge.node_prep_info (discover -> plan) and acstor.edge.node_prep (discover -> plan ->
apply, in one call).

Not pure: these functions take the AnsibleModule. The reads are prep_read's, the decisions prep_plan's and
kernel_config's (pure), the writes kernel_config_executor's.
"""

from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules
from ansible_collections.acstor.edge.plugins.module_utils.node.kernel_config import (
    PARTS,
    module_load_file_errors,
    node_errors,
    plan_diff,
    plan_kernel_config,
    plan_summary,
)
from ansible_collections.acstor.edge.plugins.module_utils.node.kernel_config_executor import apply_kernel_config
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_plan import (
    converge_errors,
    input_errors,
    lvm_autoactivation_holds,
    may_apply_kernel_config,
    may_read_ahead,
    node_os,
    option_errors,
    os_support,
    plan_kernel_modules,
    plan_packages,
    plan_sysctls,
    select_packages,
)
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_read import (
    query_packages,
    read_kernel_config,
    read_lvm_autoactivation,
)
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_state import (
    describe_os,
    parse_os_release,
    parse_packages_record,
)

# The options of acstor.edge.node_prep_info, which acstor.edge.node_prep takes too.
PREP_ARGUMENT_SPEC = dict(
    sysctls=dict(type="dict", default={}),
    kernel_modules=dict(type="list", elements="str", default=[]),
    packages=dict(type="dict", default={}),
    lvm_autoactivation=dict(type="bool", default=False),
    products=dict(type="list", elements="str"),
    os_facts=dict(type="dict", default={}),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    sysctl_file=dict(type="path", default="/etc/sysctl.d/99-zz-acstor-edge.conf"),
    modules_load_file=dict(type="path", default="/etc/modules-load.d/acstor-edge.conf"),
    parts=dict(type="list", elements="str", choices=list(PARTS), default=list(PARTS)),
)
KERNEL_CONFIG_OPTIONS = ("state", "sysctls", "kernel_modules", "sysctl_file", "modules_load_file", "parts")


def prep_option_errors(params, writes=False):
    """Names and values that reach sysctl.d, modules-load.d or a package manager, checked before any read; with
    ``writes`` (node_prep) also the drop-in's path, as node_kernel_config checks it."""
    errors = option_errors(params["sysctls"], params["kernel_modules"], params["packages"])
    if writes:
        rules.check(errors, "sysctl_file", params["sysctl_file"], rules.sysctl_file)
    return errors + module_load_file_errors(params["modules_load_file"])


def read_node_prep(module, params, files, release):
    """One read of everything node_prep decides on, and the plan.

    Returns (facts: what node_prep_info returns, the kernel configuration plan with its file texts, the kernel
    configuration read).
    """
    os_info = describe_os(parse_os_release(files.read("/etc/os-release") or files.read("/usr/lib/os-release")))
    current = read_kernel_config(
        files, list(params["sysctls"]), params["kernel_modules"], release, params["sysctl_file"]
    )
    live, modules = current["live"], current["modules"]
    packages_key, wanted_packages, invalid_packages = select_packages(params["packages"], os_info, release)
    packages_query, installed = query_packages(module, files, wanted_packages, os_info)
    lvmconfig_found, volume_list = (
        read_lvm_autoactivation(module, files) if params["lvm_autoactivation"] else (False, None)
    )
    unknown_modules = [name for name, state in modules.items() if state["valid"] and not state["known"]]
    decided_os = node_os(os_info, params["os_facts"])
    plan = plan_kernel_config(dict((key, params[key]) for key in KERNEL_CONFIG_OPTIONS), current)
    facts = dict(
        os=os_info,
        kernel_release=release,
        sysctls=live,
        sysctls_to_raise=plan_sysctls(params["sysctls"], live),
        kernel_modules=modules,
        kernel_modules_to_load=plan_kernel_modules(modules),
        kernel_modules_unknown=unknown_modules,
        kernel_config=plan_summary(plan),
        packages_key=packages_key,
        packages_query=packages_query,
        packages_installed=dict((name, installed[name]) for name in wanted_packages if name in installed),
        packages_missing=plan_packages(wanted_packages, installed),
        packages_invalid=invalid_packages,
        packages_recorded=parse_packages_record(current["record_text"]),
        lvm_auto_activation_volume_list=volume_list,
        lvmconfig_found=lvmconfig_found,
        package_manager=(os_support(decided_os) or {}).get("package_manager", ""),
        input_errors=input_errors(decided_os, params["products"], params["sysctls"], live, unknown_modules, release),
    )
    return facts, plan, current


def prepare_node(module, params, files, release):
    """acstor.edge.node_prep: read and plan as node_prep_info, then apply the kernel configuration as
    node_kernel_config when nothing stops it (prep_plan.may_apply_kernel_config); check mode plans only.

    Fails, changing nothing, on input errors (state present). Returns node_prep_info's facts, ``kernel_config``
    with ``applied``, ``changed``, ``actions`` (what it did, as node_kernel_config says it; the drift report reads
    them), ``diff`` (--diff, the files applied) and ``stripes_ahead``.
    """
    facts, plan, current = read_node_prep(module, params, files, release)
    errors = []
    if params["state"] == "present":
        errors = converge_errors(
            facts["input_errors"], node_errors(params, current, release), facts["packages_missing"]
        )
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors, changed=False)
    applied = may_apply_kernel_config(params["state"], errors, facts["packages_missing"])
    result = dict(facts, changed=applied and plan["changed"], actions=plan["actions"] if applied else [])
    result["kernel_config"]["applied"] = applied
    if applied and module._diff:
        result["diff"] = plan_diff(plan)
    if applied and plan["changed"] and not module.check_mode:
        apply_kernel_config(module, plan)
    lvm_holds = lvm_autoactivation_holds(
        params["lvm_autoactivation"], facts["lvmconfig_found"], facts["lvm_auto_activation_volume_list"]
    )
    result["stripes_ahead"] = {}
    if may_read_ahead(params["stripes_ahead"], applied, plan["changed"], lvm_holds):
        result["stripes_ahead"] = read_stripes_ahead(module, params["stripes_ahead"])
    return result


def read_stripes_ahead(module, options):
    """The nvme_stripe role's read, made in this call on a node node_prep leaves as it is (one module call fewer on a
    no-op). Imported here, when asked: a node_prep call without it never loads the stripe code."""
    from ansible_collections.acstor.edge.plugins.module_utils.stripe.read_ahead import (  # pylint: disable=import-outside-toplevel
        read_ahead,
    )

    return read_ahead(module, options)
