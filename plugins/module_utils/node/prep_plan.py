# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan node_prep's writes from the node state read by acstor.edge.node_prep_info.

Pure: (state, wanted) -> what must change. The rules of the node_prep role live here:
a sysctl is only ever raised (a live value already at or above the minimum is left alone),
a kernel module is only touched when it is not loaded or not listed for boot, a package
only when it is not installed. The role's input checks against the node (supported OS,
products, sysctls the kernel has, the inotify floor, kernel modules the kernel knows) too.
"""

import re

from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_state import (
    KERNEL_MODULE_NAME,
    KERNEL_RELEASE_PLACEHOLDER,
    PACKAGE_NAME,
    normalize_module_name,
)

KNOWN_PRODUCTS = ("edge_volumes", "local_csi")
SUPPORTED_OS = "Ubuntu 22.04/24.04, Debian 12/13, Azure Linux 3, RHEL 9 family"
# The Edge Volumes docs require fs.inotify.max_user_instances >= 1024 on every platform.
INOTIFY_INSTANCES = "fs.inotify.max_user_instances"
INOTIFY_INSTANCES_FLOOR = 1024

# Supported OSes, keyed by distribution or OS family as ansible_facts names them (the distribution's
# entry wins). modules_from_packages: kernel modules that only exist once the packages are installed
# (Ubuntu cloud kernels ship nvme_tcp in linux-modules-extra).
OS_SUPPORT = {
    "Debian": {"name": "Debian", "major_versions": ("12", "13"), "package_manager": "apt", "modules_from_packages": ()},
    "Ubuntu": {
        "name": "Ubuntu",
        "major_versions": ("22", "24"),
        "package_manager": "apt",
        "modules_from_packages": ("nvme_tcp",),
    },
    "RedHat": {
        "name": "RHEL 9 family",
        "major_versions": ("9",),
        "package_manager": "dnf",
        "modules_from_packages": (),
    },
    # ansible-core reports Azure Linux (os-release ID=azurelinux) as distribution and os_family "Azurelinux".
    "Azurelinux": {
        "name": "Azure Linux",
        "major_versions": ("3",),
        "package_manager": "tdnf",
        "modules_from_packages": (),
    },
}
OS_FACT_NAMES = ("distribution", "distribution_version", "distribution_major_version", "os_family")


def node_os(read_os, gathered_facts):
    """The OS node_prep decides on: facts the play gathered win (same os-release), else what was read."""
    facts = gathered_facts or {}
    if facts.get("distribution") is not None and facts.get("distribution_major_version") is not None:
        return dict((name, str(facts.get(name, ""))) for name in OS_FACT_NAMES)
    return read_os


def os_support(os_info):
    """The OS_SUPPORT entry for the node's distribution, else its OS family, else None."""
    return OS_SUPPORT.get(os_info.get("distribution")) or OS_SUPPORT.get(os_info.get("os_family"))


def os_errors(os_info):
    support = os_support(os_info)
    if support and os_info.get("distribution_major_version") in support["major_versions"]:
        return []
    return [
        "unsupported OS %s %s (supported: %s)"
        % (os_info.get("distribution"), os_info.get("distribution_version"), SUPPORTED_OS)
    ]


def product_errors(products):
    choices = ", ".join(KNOWN_PRODUCTS)
    if not products:
        return ["node_prep_products is empty; choose from " + choices]
    unknown = [
        name for index, name in enumerate(products) if name not in KNOWN_PRODUCTS and name not in products[:index]
    ]
    if unknown:
        return ["unknown product(s) %s in node_prep_products; choose from %s" % (", ".join(unknown), choices)]
    return []


def sysctl_errors(products, minimums, live):
    """Names the kernel lacks, and an inotify instances minimum below the Edge Volumes floor."""
    errors = ["sysctl %s does not exist on this kernel" % name for name in minimums if name not in live]
    instances = minimums.get(INOTIFY_INSTANCES, INOTIFY_INSTANCES_FLOOR)
    if (
        "edge_volumes" in (products or [])
        and re.fullmatch("[0-9]+", str(instances))
        and int(instances) < INOTIFY_INSTANCES_FLOOR
    ):
        floor = INOTIFY_INSTANCES_FLOOR
        errors.append("%s %s is below the %d Edge Volumes needs" % (INOTIFY_INSTANCES, instances, floor))
    return errors


def kernel_module_errors(os_info, unknown, kernel_release):
    """Modules the running kernel lacks, except those the OS's packages bring (installed in this run)."""
    from_packages = (os_support(os_info) or {}).get("modules_from_packages", ())
    return [
        "kernel module %s is unknown to kernel %s" % (name, kernel_release)
        for name in unknown
        if name not in from_packages
    ]


def input_errors(os_info, products, minimums, live, modules_unknown, kernel_release):
    """Every node_prep input the node cannot take, all at once, in the role's order.

    ``products`` None skips the product checks (node_prep_info used on its own).
    """
    errors = os_errors(os_info)
    if products is not None:
        errors += product_errors(products)
    errors += sysctl_errors(products, minimums, live)
    return errors + kernel_module_errors(os_info, modules_unknown, kernel_release)


def option_errors(sysctls, kernel_modules, packages):
    """acstor.edge.node_prep_info's options checked before the node is read, each error naming the option."""
    errors = []
    for name, minimum in sysctls.items():
        option = "sysctls[%r]" % (name,)
        if rules.check(errors, option, name, rules.sysctl_name):
            rules.check(errors, option, minimum, rules.sysctl_value)
    rules.check_list(errors, "kernel_modules", kernel_modules, rules.kernel_module)
    for key, names in packages.items():
        option = "packages[%r]" % (key,)
        for index, name in enumerate(names if isinstance(names, list) else [names]):
            item = "%s[%d]" % (option, index)
            if rules.check(errors, item, name, rules.string):
                reason = rules.package_name(name.replace(KERNEL_RELEASE_PLACEHOLDER, "0"))
                if reason:
                    errors.append(rules.message(item, reason, reason.rule_id))
    return errors


def sysctl_minimum(value):
    """A wanted sysctl minimum as an int, or None when it is not a non-negative integer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.isdigit() and value.isascii():
        return int(value)
    return None


def plan_sysctls(minimums, live):
    """Sysctls whose live value is below the wanted minimum, in the order given.

    ``minimums`` maps name -> minimum, ``live`` name -> live value (text) for the names the
    kernel has. Names the kernel lacks and minimums that are not integers are left to the
    role's input validation; they are never planned. A live value that is not a single
    integer cannot be compared and is planned (ansible.posix.sysctl then decides).
    """
    to_raise = []
    for name, value in minimums.items():
        minimum = sysctl_minimum(value)
        if minimum is None or name not in live:
            continue
        current = live[name].strip()
        if current.isdigit() and int(current) >= minimum:
            continue
        to_raise.append({"key": name, "value": minimum, "live": current})
    return to_raise


def describe_kernel_modules(wanted, loaded, builtin, available, aliases, persisted):
    """Per wanted module: is it a valid name, known to the kernel, loaded now, listed for boot.

    ``loaded`` is /proc/modules, ``builtin`` modules.builtin, ``available`` modules.dep,
    ``aliases`` {alias: module} from modules.alias, ``persisted`` the names in
    /etc/modules-load.d; all normalised with - as _. A built-in module counts as loaded.
    """
    result = {}
    for name in wanted:
        if not isinstance(name, str) or not KERNEL_MODULE_NAME.fullmatch(name):
            result[name] = {
                "valid": False,
                "known": False,
                "loaded": False,
                "builtin": False,
                "persisted": False,
                "module": None,
            }
            continue
        module = normalize_module_name(name)
        if module not in available and module not in builtin and module not in loaded:
            module = aliases.get(module, module)
        is_builtin = module in builtin
        is_loaded = module in loaded or is_builtin
        result[name] = {
            "valid": True,
            "known": is_loaded or module in available,
            "loaded": is_loaded,
            "builtin": is_builtin,
            "persisted": normalize_module_name(name) in persisted or module in persisted,
            "module": module,
        }
    return result


def plan_kernel_modules(modules):
    """Valid module names that are not loaded now or not listed for boot, in the order given."""
    return [name for name, state in modules.items() if state["valid"] and not (state["loaded"] and state["persisted"])]


def select_packages(packages_by_os, os_info, kernel_release):
    """The package list for this node: the entry for its distribution, else for its OS family.

    Returns (key used or None, resolved names, invalid names). ``{kernel_release}`` in a name
    becomes the running kernel's release.
    """
    key = None
    for candidate in (os_info.get("distribution"), os_info.get("os_family")):
        if candidate and candidate in packages_by_os:
            key = candidate
            break
    names, invalid = [], []
    for name in (packages_by_os.get(key) or []) if key else []:
        resolved = str(name).replace(KERNEL_RELEASE_PLACEHOLDER, kernel_release)
        if not PACKAGE_NAME.fullmatch(resolved):
            invalid.append(str(name))
        elif resolved not in names:
            names.append(resolved)
    return key, names, invalid


def plan_packages(wanted, installed):
    """Wanted packages that are not installed, in the order given."""
    return [name for name in wanted if name not in installed]


def converge_errors(input_errors, kernel_config_errors, packages_missing):
    """What stops acstor.edge.node_prep (state present) before it changes anything: every input error, and, once no
    package is missing, what node_kernel_config would refuse (a module the kernel does not know may come with a
    package, such as Ubuntu's linux-modules-extra: the role installs it and node_kernel_config checks again)."""
    errors = list(input_errors)
    if not packages_missing:
        errors += [error for error in kernel_config_errors if error not in errors]
    return errors


def may_apply_kernel_config(state, errors, packages_missing):
    """acstor.edge.node_prep writes the kernel configuration itself only with state present, no error and every
    package installed; else it changes nothing, and the role installs the packages and then calls
    node_kernel_config (which also records the packages installed now)."""
    return state == "present" and not errors and not packages_missing


def lvm_autoactivation_holds(asked, lvmconfig_found, volume_list):
    """Whether the node_prep role's LVM check (tasks/lvm.yml) passes on this read: not asked, or lvmconfig found and
    no auto_activation_volume_list."""
    return not asked or (lvmconfig_found and volume_list is None)


def may_read_ahead(options, applied, kernel_config_changed, lvm_holds):
    """Whether acstor.edge.node_prep also reads the stripes ahead for the nvme_stripe role: asked for (options not
    None), on a node node_prep leaves as it is (applied: state present, no error, no package missing; nothing to
    change in the kernel configuration; the LVM check passes). After a change the stripe role reads for itself."""
    return options is not None and applied and not kernel_config_changed and lvm_holds
