#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: node_kernel_config
short_description: Write node_prep's sysctl drop-in and modules-load.d file, raise sysctls and load modules in one call
version_added: "0.2.0"
description:
  - The writing side of the R(acstor.edge.node_prep,ansible_collections.acstor.edge.node_prep_role) role, in one
    idempotent call - what M(ansible.posix.sysctl) and M(community.general.modprobe) did once per setting and module.
  - Reads the live sysctls, the drop-in O(sysctl_file), every file in C(/etc/modules-load.d) and the kernel's
    modules (the same read as M(acstor.edge.node_prep_info)), plans, then writes only what differs, atomically.
  - With O(state=present) - a sysctl whose live value is below its minimum is written to O(sysctl_file) and
    raised now (one C(sysctl -w)); one whose live value is already at or above it is never lowered and not
    written, unless the drop-in already holds it (it stays, never below its minimum). A setting in the drop-in
    that O(sysctls) no longer names is removed from it; its live value stays.
  - The modules of O(kernel_modules) that no other C(/etc/modules-load.d) file lists are listed in
    O(modules_load_file); those not loaded are loaded now (one C(modprobe -a)). Per-module files that
    M(community.general.modprobe) wrote (C(<module>.conf)) count as listed and are never duplicated; a module no
    longer wanted leaves O(modules_load_file) and stays loaded.
  - With O(state=absent) - O(sysctl_file) and O(modules_load_file) are removed. Live values stay unless
    O(reload_sysctl) (then C(sysctl --system) applies the remaining configuration); modules stay loaded unless
    O(unload_modules). Per-module files of the previous version are reported in RV(legacy_module_files), never
    removed, since nothing proves this collection wrote them.
  - Every name and value is checked before the node is read, and sysctls the kernel lacks or modules it does
    not know stop the module before anything is written; an error names the option.
extends_documentation_fragment:
  - acstor.edge.attributes.full
attributes:
  check_mode:
    details: Returns the actions it would take.
  diff_mode:
    details: One diff per file written or removed (before and after text).
options:
  state:
    description:
      - V(present) writes the settings and modules; V(absent) removes this module's files.
    type: str
    choices: [present, absent]
    default: present
  sysctls:
    description:
      - Minimum value per sysctl name (dotted). Non-negative integers.
    type: dict
    default: {}
  sysctl_file:
    description:
      - The drop-in this module owns and writes whole. A C(*.conf) file in a C(sysctl.d) directory; it is
        removed when it would hold nothing.
    type: path
    default: /etc/sysctl.d/99-zz-acstor-edge.conf
  kernel_modules:
    description: Kernel modules to load now and at every boot. C(-) and C(_) are alike, as for C(modprobe).
    type: list
    elements: str
    default: []
  modules_load_file:
    description:
      - The C(/etc/modules-load.d) file this module owns and writes whole; removed when it would list nothing.
    type: path
    default: /etc/modules-load.d/acstor-edge.conf
  parts:
    description:
      - Which parts to manage (the role passes the tags it runs with); the others are neither read for the plan nor
        changed.
    type: list
    elements: str
    choices: [sysctl, modules]
    default: [sysctl, modules]
  record_packages:
    description:
      - With O(state=present), packages node_prep has just installed, added to its record
        (C(/etc/acstor-edge/node_prep.json)) so that a later O(state=absent) run may remove only those.
    type: list
    elements: str
    default: []
  forget_packages:
    description: With O(state=absent), remove the package record (the role does so after removing the packages).
    type: bool
    default: false
  reload_sysctl:
    description:
      - With O(state=absent), run C(sysctl --system) after removing O(sysctl_file), so the remaining configuration
        applies now. It may lower values the drop-in had raised.
    type: bool
    default: false
  unload_modules:
    description:
      - With O(state=absent), unload (C(modprobe -r)) the modules O(modules_load_file) listed that no other file
        lists, that are not built in and have no users; the others are reported in RV(modules_kept_loaded).
    type: bool
    default: false
seealso:
  - module: acstor.edge.node_prep
  - module: acstor.edge.node_prep_info
  - module: ansible.posix.sysctl
  - module: community.general.modprobe
"""

EXAMPLES = r"""
- name: Raise the Edge Volumes sysctls and load the md and device-mapper modules now and at boot
  acstor.edge.node_kernel_config:
    sysctls:
      fs.inotify.max_user_instances: 8192
      fs.inotify.max_user_watches: 524288
    kernel_modules: [dm_mod, dm_raid, raid0, md_mod]

- name: Remove the drop-in and the modules-load.d file, apply what the other sysctl files say
  acstor.edge.node_kernel_config:
    state: absent
    reload_sysctl: true
"""

RETURN = r"""
actions:
  description: What was done (or, in check mode, would be), in order.
  returned: always
  type: list
  elements: str
  sample: ["write /etc/sysctl.d/99-zz-acstor-edge.conf", "raise fs.inotify.max_user_instances to 8192 (live 128)",
           "modprobe dm_raid"]
sysctls_to_raise:
  description: The sysctls raised now, with their live value before.
  returned: always
  type: list
  elements: dict
  sample: [{"key": "fs.inotify.max_user_instances", "value": 8192, "live": "128"}]
sysctls_removed:
  description: Settings taken out of O(sysctl_file) (their live values stay).
  returned: always
  type: list
  elements: str
  sample: [fs.file-max]
modules_to_load:
  description: Modules loaded now.
  returned: always
  type: list
  elements: str
  sample: [dm_raid, raid0]
modules_removed:
  description: Modules taken out of O(modules_load_file) (they stay loaded unless O(unload_modules)).
  returned: always
  type: list
  elements: str
  sample: [raid0]
modules_to_unload:
  description: Modules unloaded (O(state=absent) with O(unload_modules)).
  returned: always
  type: list
  elements: str
  sample: []
modules_kept_loaded:
  description: Modules O(unload_modules) left loaded, each with the reason.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "dm_mod", "reason": "in use (3 users)"}]
legacy_module_files:
  description: Per-module C(/etc/modules-load.d/<module>.conf) files as M(community.general.modprobe) writes them.
  returned: always
  type: list
  elements: str
  sample: [/etc/modules-load.d/dm_raid.conf]
unlisted_legacy_module_files:
  description:
    - Those of RV(legacy_module_files) whose module O(kernel_modules) no longer names (all of them with
      O(state=absent)); left in place, remove them by hand if this collection wrote them.
  returned: always
  type: list
  elements: str
  sample: []
reload_sysctl:
  description: Whether C(sysctl --system) ran.
  returned: always
  type: bool
  sample: false
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acstor.edge.plugins.module_utils.common.node_io import NodeFiles
from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules
from ansible_collections.acstor.edge.plugins.module_utils.node.kernel_config import (
    PARTS,
    RESULT_KEYS,
    module_load_file_errors,
    node_errors,
    plan_diff,
    plan_kernel_config,
)
from ansible_collections.acstor.edge.plugins.module_utils.node.kernel_config_executor import apply_kernel_config
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_plan import option_errors
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_read import read_kernel_config


def input_errors(params):
    """Every option that may not reach a node file or command, before anything is read."""
    errors = option_errors(params["sysctls"], params["kernel_modules"], {})
    rules.check(errors, "sysctl_file", params["sysctl_file"], rules.sysctl_file)
    errors += module_load_file_errors(params["modules_load_file"])
    rules.check_list(errors, "record_packages", params["record_packages"], rules.package_name)
    return errors


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            sysctls=dict(type="dict", default={}),
            sysctl_file=dict(type="path", default="/etc/sysctl.d/99-zz-acstor-edge.conf"),
            kernel_modules=dict(type="list", elements="str", default=[]),
            modules_load_file=dict(type="path", default="/etc/modules-load.d/acstor-edge.conf"),
            parts=dict(type="list", elements="str", choices=list(PARTS), default=list(PARTS)),
            record_packages=dict(type="list", elements="str", default=[]),
            forget_packages=dict(type="bool", default=False),
            reload_sysctl=dict(type="bool", default=False),
            unload_modules=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    errors = input_errors(params)
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors)

    release = os.uname()[2]
    current = read_kernel_config(
        NodeFiles(), list(params["sysctls"]), params["kernel_modules"], release, params["sysctl_file"]
    )
    errors = node_errors(params, current, release)
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors)
    plan = plan_kernel_config(params, current)

    result = dict((key, plan[key]) for key in RESULT_KEYS)
    result["changed"] = plan["changed"]
    if module._diff:
        result["diff"] = plan_diff(plan)
    if not module.check_mode:
        apply_kernel_config(module, plan)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
