# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Apply a kernel_config plan on the node: the files, then sysctl and modprobe.

Shared by acstor.edge.node_kernel_config and acstor.edge.node_prep; what to do is kernel_config's (pure) plan.
"""

from ansible_collections.acstor.edge.plugins.module_utils.common.node_io import remove_files, write_file_atomic


def apply_files(plan):
    for change in plan["files"]:
        if change["remove"]:
            remove_files([change["path"]])
        else:
            write_file_atomic(change["path"], change["after"])


def _run(module, argv, what):
    rc, _out, err = module.run_command(argv)
    if rc != 0:
        module.fail_json(msg="%s failed (rc %d): %s" % (what, rc, err.strip()), cmd=argv)


def apply_kernel_config(module, plan):
    """Files first (a failure to load a module must not leave the boot configuration behind), then the live state:
    one sysctl -w for every sysctl to raise, one modprobe -a for every module to load."""
    apply_files(plan)
    if plan["sysctls_to_raise"]:
        settings = ["%s=%s" % (item["key"], item["value"]) for item in plan["sysctls_to_raise"]]
        _run(module, [module.get_bin_path("sysctl", required=True), "-w"] + settings, "sysctl -w " + " ".join(settings))
    if plan["reload_sysctl"]:
        _run(module, [module.get_bin_path("sysctl", required=True), "--system"], "sysctl --system")
    if plan["modules_to_load"]:
        names = plan["modules_to_load"]
        _run(module, [module.get_bin_path("modprobe", required=True), "-a"] + names, "modprobe " + " ".join(names))
    for name in plan["modules_to_unload"]:
        _run(module, [module.get_bin_path("modprobe", required=True), "-r", name], "modprobe -r " + name)
