# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one read of the node node_prep decides on, shared by acstor.edge.node_prep_info (which plans),
acstor.edge.node_prep (which plans and applies) and acstor.edge.node_kernel_config (which plans again and applies).

``files`` is a common.node_io.NodeFiles (or a test double with ``read``, ``exists``, ``glob`` and ``listdir``);
parsing is in prep_state, deciding in prep_plan and kernel_config. Two reads may need a command, given the
AnsibleModule: the installed packages (rpm, or dpkg-query when the dpkg database cannot be read as a file) and the
LVM autoactivation filter (lvmconfig, when a configuration file may set it).
"""

import os

from ansible_collections.acstor.edge.plugins.module_utils.node.kernel_config import PACKAGES_RECORD
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_plan import describe_kernel_modules
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_state import (
    dpkg_journal_pending,
    lvm_config_may_set,
    normalize_module_name,
    parse_dpkg_query,
    parse_dpkg_status,
    parse_lvmconfig_setting,
    parse_module_aliases,
    parse_module_index,
    parse_modules_load,
    parse_proc_module_users,
    parse_proc_modules,
    parse_rpm_query,
    sysctl_proc_path,
)

MODULES_LOAD_DIR = "/etc/modules-load.d"
LVM_CONFIG = "/etc/lvm/lvm.conf"
LVM_AUTOACTIVATION_SETTING = "auto_activation_volume_list"
# Environment variables that make LVM read its configuration from elsewhere (lvm.conf(5)).
LVM_CONFIG_ENVIRONMENT = ("LVM_SYSTEM_DIR", "LVM_COMMAND_PROFILE")
# dpkg's database (dpkg(1) FILES); DPKG_ADMINDIR moves it, and then only dpkg-query knows where it is.
DPKG_STATUS = "/var/lib/dpkg/status"
DPKG_UPDATES = "/var/lib/dpkg/updates"
DPKG_ADMINDIR_ENVIRONMENT = "DPKG_ADMINDIR"


def read_sysctls(files, names):
    """Live value per sysctl name the kernel has."""
    live = {}
    for name in names:
        path = sysctl_proc_path(name)
        value = files.read("/proc/sys/" + path, None) if path else None
        if value is not None:
            live[name] = value.strip()
    return live


def read_modules_load(files):
    """{path: text} of every file in /etc/modules-load.d."""
    return dict(
        (MODULES_LOAD_DIR + "/" + entry, files.read(MODULES_LOAD_DIR + "/" + entry, ""))
        for entry in files.listdir(MODULES_LOAD_DIR)
    )


def read_kernel_modules(files, names, release, load_texts):
    """Per wanted module: loaded, built in, known, listed for boot (prep_plan.describe_kernel_modules);
    also the use counts and the built-in set, for unloading."""
    base = "/lib/modules/%s/" % release
    proc_modules = files.read("/proc/modules", "")
    loaded = parse_proc_modules(proc_modules)
    builtin = parse_module_index(files.read(base + "modules.builtin", ""))
    available = parse_module_index(files.read(base + "modules.dep", ""))
    unresolved = [
        name
        for name in names
        if isinstance(name, str) and normalize_module_name(name) not in (available | builtin | loaded)
    ]
    # modules.alias is the largest index file; read it only for names that are not module names.
    aliases = parse_module_aliases(files.read(base + "modules.alias", ""), unresolved) if unresolved else {}
    persisted = parse_modules_load(load_texts.values())
    modules = describe_kernel_modules(names, loaded, builtin, available, aliases, persisted)
    return modules, parse_proc_module_users(proc_modules), builtin


def read_kernel_config(files, sysctl_names, module_names, release, sysctl_file):
    """What kernel_config.plan_kernel_config needs, in one pass."""
    load_texts = read_modules_load(files)
    modules, users, builtin = read_kernel_modules(files, module_names, release, load_texts)
    return {
        "live": read_sysctls(files, sysctl_names),
        "sysctl_text": files.read(sysctl_file, None),
        "modules": modules,
        "modules_load_texts": load_texts,
        "use_counts": users,
        "builtin": builtin,
        "record_text": files.read(PACKAGES_RECORD, None),
    }


def lvm_autoactivation_may_be_set(files, environ):
    """Whether lvmconfig must be asked for activation/auto_activation_volume_list: False only when lvm.conf and every
    other /etc/lvm/*.conf (lvmlocal.conf, host tag files) leave it unset, read as text (no process started)."""
    if any(environ.get(name) for name in LVM_CONFIG_ENVIRONMENT) or not files.exists(LVM_CONFIG):
        return True
    texts = [files.read(path) for path in files.glob("/etc/lvm/*.conf")]
    return lvm_config_may_set(texts, LVM_AUTOACTIVATION_SETTING)


def read_dpkg_status(files, environ):
    """The text of dpkg's status file when it alone answers what is installed, else None (then dpkg-query must):
    no file, a database moved by DPKG_ADMINDIR, journal entries dpkg has not folded in yet, or bytes that do not
    decode (the package names and states are ASCII, but an old package's description may not be UTF-8)."""
    if environ.get(DPKG_ADMINDIR_ENVIRONMENT) or dpkg_journal_pending(files.listdir(DPKG_UPDATES)):
        return None
    try:
        return files.read(DPKG_STATUS, None)
    except UnicodeDecodeError:
        return None


def query_packages(module, files, names, os_info):
    """(how they were read, {installed name: version}) for the wanted names, in at most one command.

    On the Debian family the status file is read as text (no process: a command costs a fork and dpkg-query's
    start, which a slow node feels), else dpkg-query as before; rpm -q elsewhere.
    """
    if not names:
        return "none", {}
    dpkg_query = module.get_bin_path("dpkg-query")
    rpm = module.get_bin_path("rpm")
    if dpkg_query and (os_info["os_family"] == "Debian" or not rpm):
        status = read_dpkg_status(files, os.environ)
        if status is not None:
            return "dpkg", parse_dpkg_status(status, names)
        # rc 1 only says some names are unknown to dpkg; those are simply not installed.
        rc, out, err = module.run_command(
            [dpkg_query, "-W", "-f=${Package}\t${db:Status-Abbrev}\t${Version}\n"] + names
        )
        if rc not in (0, 1):
            module.fail_json(msg="dpkg-query failed (rc %d): %s" % (rc, err.strip()))
        return "dpkg", parse_dpkg_query(out)
    if rpm:
        # rc is the number of names not installed.
        rc, out, err = module.run_command([rpm, "-q", "--qf", "%{NAME}\t%{VERSION}-%{RELEASE}\n"] + names)
        if err.strip() and not out.strip():
            module.fail_json(msg="rpm -q failed (rc %d): %s" % (rc, err.strip()))
        return "rpm", parse_rpm_query(out)
    return "none", {}


def read_lvm_autoactivation(module, files):
    """(lvmconfig found, the auto_activation_volume_list setting or None when unset)."""
    lvmconfig = module.get_bin_path("lvmconfig")
    if not lvmconfig:
        return False, None
    if not lvm_autoactivation_may_be_set(files, os.environ):
        # no configuration file sets it: every volume group autoactivates, as lvmconfig would say (rc 5)
        return True, None
    rc, out, err = module.run_command([lvmconfig, "--typeconfig", "current", "activation/auto_activation_volume_list"])
    # rc 5: the setting is not present, so every volume group autoactivates.
    if rc not in (0, 5):
        module.fail_json(msg="lvmconfig failed (rc %d): %s" % (rc, err.strip()))
    return True, parse_lvmconfig_setting(rc, out)
