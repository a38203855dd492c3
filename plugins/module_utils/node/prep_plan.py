# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan node_prep's writes from the node state read by acstor.edge.node_prep_info.

Pure: (state, wanted) -> what must change. The rules of the node_prep role live here:
a sysctl is only ever raised (a live value already at or above the minimum is left alone),
a kernel module is only touched when it is not loaded or not listed for boot, a package
only when it is not installed.
"""

from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_state import (
    KERNEL_MODULE_NAME,
    KERNEL_RELEASE_PLACEHOLDER,
    PACKAGE_NAME,
    normalize_module_name,
)


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
