#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: node_prep
short_description: Read, plan and apply node_prep's kernel configuration in one call
version_added: 0.2.0
description:
  - What the R(acstor.edge.node_prep,ansible_collections.acstor.edge.node_prep_role) role runs with
    O(state=present) - the read and the plan of M(acstor.edge.node_prep_info), then the writes of
    M(acstor.edge.node_kernel_config), in one module call (each call costs seconds on a slow node).
  - Reads what M(acstor.edge.node_prep_info) reads (OS, live sysctls, kernel modules, installed packages, the LVM
    autoactivation filter, the drop-in and C(/etc/modules-load.d)), checks the same inputs and returns the same
    keys.
  - Then, with O(state=present), when the inputs have no error and no wanted package is missing, applies the
    kernel configuration as M(acstor.edge.node_kernel_config) does - writes O(sysctl_file) and
    O(modules_load_file) (only what differs, atomically), raises the sysctls below their minimum (one C(sysctl -w))
    and loads the modules not loaded (one C(modprobe -a)).
  - When a wanted package is missing it changes nothing and returns RV(packages_missing) - a package may bring a
    kernel module (Ubuntu's C(linux-modules-extra)); the role installs the packages, then calls
    M(acstor.edge.node_kernel_config), which also records the packages it installed.
  - Bad input (an option that may not reach a node file or command, or an input the node cannot take, see
    RV(input_errors)) fails the call before anything is written; the message names every input.
  - With O(state=absent) it reads and plans as M(acstor.edge.node_prep_info) and changes nothing; the role removes
    with M(acstor.edge.node_kernel_config).
  - With O(stripes_ahead), on a node this call leaves as it is, it also makes the nvme_stripe role's read
    (RV(stripes_ahead)), so that a no-op of both roles costs one module call.
extends_documentation_fragment:
  - acstor.edge.attributes.full
attributes:
  check_mode:
    details: Reads and plans; C(changed), RV(actions) and the diff say what it would write, nothing is written or run.
  diff_mode:
    details: One diff per file it writes or removes (before and after text).
options:
  sysctls:
    description:
      - Minimum value per sysctl name (dotted); a live value below it is raised and written to O(sysctl_file), one
        at or above it is never lowered. See O(acstor.edge.node_prep_info#module:sysctls).
    type: dict
    default: {}
  kernel_modules:
    description:
      - Kernel modules to load now and list for boot in O(modules_load_file) (unless another
        C(/etc/modules-load.d) file lists them). See O(acstor.edge.node_prep_info#module:kernel_modules).
    type: list
    elements: str
    default: []
  packages:
    description: See O(acstor.edge.node_prep_info#module:packages). Packages are checked, never installed.
    type: dict
    default: {}
  lvm_autoactivation:
    description: See O(acstor.edge.node_prep_info#module:lvm_autoactivation).
    type: bool
    default: false
  products:
    description: See O(acstor.edge.node_prep_info#module:products).
    type: list
    elements: str
  state:
    description:
      - V(present) applies the kernel configuration when nothing stops it; V(absent) only reads and plans the
        removal of O(sysctl_file) and O(modules_load_file) (RV(kernel_config)).
    type: str
    choices: [present, absent]
    default: present
  sysctl_file:
    description:
      - The drop-in written whole, as O(acstor.edge.node_kernel_config#module:sysctl_file) - a C(*.conf) file in a
        C(sysctl.d) directory.
    type: path
    default: /etc/sysctl.d/99-zz-acstor-edge.conf
  modules_load_file:
    description: The C(/etc/modules-load.d) file written whole, as O(acstor.edge.node_kernel_config#module:modules_load_file).
    type: path
    default: /etc/modules-load.d/acstor-edge.conf
  parts:
    description: The parts of the kernel configuration to plan and apply (the role passes the tags it runs with).
    type: list
    elements: str
    choices: [sysctl, modules]
    default: [sysctl, modules]
  os_facts:
    description: See O(acstor.edge.node_prep_info#module:os_facts).
    type: dict
    default: {}
  stripes_ahead:
    description:
      - The options of M(acstor.edge.nvme_stripes) as the C(acstor.edge.nvme_stripe) role would pass them. When given,
        with O(state=present), on a node this call neither changes nor would change (no input error, no package
        missing, the kernel configuration as planned, and with O(lvm_autoactivation) the LVM filter unset), the
        stripes' read is made in this call and returned in RV(stripes_ahead).
      - Null or not given - no read ahead.
    type: dict
notes:
  - The options are checked as M(acstor.edge.node_prep_info) and M(acstor.edge.node_kernel_config) check them
    (sysctl keys, kernel module and package names may not hold newlines, control characters, C(=) or white space),
    before the node is read.
  - On the Debian family installed packages are read from C(/var/lib/dpkg/status) (no command); C(dpkg-query) runs
    instead while dpkg has journal entries not yet folded into it, or with C(DPKG_ADMINDIR) set. Elsewhere C(rpm -q).
seealso:
  - module: acstor.edge.node_prep_info
  - module: acstor.edge.node_kernel_config
"""

EXAMPLES = r"""
- name: Prepare the node's kernel configuration in one call, or say which packages to install first
  acstor.edge.node_prep:
    sysctls:
      fs.inotify.max_user_instances: 8192
      fs.inotify.max_user_watches: 524288
    kernel_modules: [dm_mod, dm_raid, raid0, md_mod]
    packages:
      Debian: [lvm2, mdadm, nfs-common]
      RedHat: [lvm2, mdadm, nfs-utils]
    lvm_autoactivation: true
    products: [edge_volumes, local_csi]
  register: node_state

- name: Install what is missing
  ansible.builtin.package:
    name: "{{ node_state.packages_missing }}"
  when: node_state.packages_missing | length > 0

- name: Then write the kernel configuration, recording the packages installed
  acstor.edge.node_kernel_config:
    sysctls:
      fs.inotify.max_user_instances: 8192
      fs.inotify.max_user_watches: 524288
    kernel_modules: [dm_mod, dm_raid, raid0, md_mod]
    record_packages: "{{ node_state.packages_missing }}"
  when: node_state.packages_missing | length > 0
"""

RETURN = r"""
actions:
  description:
    - What this call did (or, in check mode, would do) to the kernel configuration, in order; empty when it applied
      nothing (RV(kernel_config.applied) false).
  returned: always
  type: list
  elements: str
  sample: ["write /etc/sysctl.d/99-zz-acstor-edge.conf", "raise fs.inotify.max_user_instances to 8192 (live 128)",
           "modprobe dm_raid"]
os:
  description: See RV(acstor.edge.node_prep_info#module:os).
  returned: always
  type: dict
  sample: {"id": "debian", "distribution": "Debian", "distribution_major_version": "12", "os_family": "Debian"}
kernel_release:
  description: See RV(acstor.edge.node_prep_info#module:kernel_release).
  returned: always
  type: str
  sample: 6.1.0-50-cloud-amd64
sysctls:
  description: Live value per requested sysctl the kernel has, as read before any change.
  returned: always
  type: dict
  sample: {"fs.inotify.max_user_instances": "128"}
sysctls_to_raise:
  description: Requested sysctls whose live value was below the minimum, as read. See RV(kernel_config) for what was raised.
  returned: always
  type: list
  elements: dict
  sample: [{"key": "fs.inotify.max_user_instances", "value": 8192, "live": "128"}]
kernel_modules:
  description: Per requested module, as read. See RV(acstor.edge.node_prep_info#module:kernel_modules).
  returned: always
  type: dict
  sample: {"dm_raid": {"valid": true, "known": true, "loaded": false, "builtin": false, "persisted": false,
                       "module": "dm_raid"}}
kernel_modules_to_load:
  description: Valid requested modules not loaded or not listed for boot, as read.
  returned: always
  type: list
  elements: str
  sample: [dm_raid, raid0]
kernel_modules_unknown:
  description: See RV(acstor.edge.node_prep_info#module:kernel_modules_unknown).
  returned: always
  type: list
  elements: str
  sample: []
kernel_config:
  description:
    - The kernel configuration plan (M(acstor.edge.node_kernel_config)'s result without the file texts) and
      whether this call applied it.
  returned: always
  type: dict
  contains:
    applied:
      description:
        - Whether this call applied the plan (in check mode - would apply it) - O(state=present), no error and no
          package missing. When false and C(changed), M(acstor.edge.node_kernel_config) has it to do.
      type: bool
      sample: true
    changed:
      description: Whether the plan changes anything.
      type: bool
      sample: true
    actions:
      description: What was done (or, in check mode or not applied, would be), in order.
      type: list
      elements: str
      sample: ["write /etc/sysctl.d/99-zz-acstor-edge.conf", "raise fs.inotify.max_user_instances to 8192 (live 128)",
               "modprobe dm_raid raid0"]
    files:
      description: The files written or removed (C(path), C(remove)).
      type: list
      elements: dict
      sample: [{"path": "/etc/sysctl.d/99-zz-acstor-edge.conf", "remove": false}]
    sysctls_to_raise:
      description: See RV(acstor.edge.node_kernel_config#module:sysctls_to_raise).
      type: list
      elements: dict
    sysctls_removed:
      description: See RV(acstor.edge.node_kernel_config#module:sysctls_removed).
      type: list
      elements: str
    modules_to_load:
      description: See RV(acstor.edge.node_kernel_config#module:modules_to_load).
      type: list
      elements: str
    modules_removed:
      description: See RV(acstor.edge.node_kernel_config#module:modules_removed).
      type: list
      elements: str
    modules_to_unload:
      description: Always empty here (unloading is O(acstor.edge.node_kernel_config#module:state=absent)'s).
      type: list
      elements: str
    modules_kept_loaded:
      description: Always empty here.
      type: list
      elements: dict
    legacy_module_files:
      description: See RV(acstor.edge.node_kernel_config#module:legacy_module_files).
      type: list
      elements: str
    unlisted_legacy_module_files:
      description: See RV(acstor.edge.node_kernel_config#module:unlisted_legacy_module_files).
      type: list
      elements: str
    reload_sysctl:
      description: Always false here.
      type: bool
  sample: {"applied": true, "changed": true, "actions": ["write /etc/sysctl.d/99-zz-acstor-edge.conf"],
           "files": [{"path": "/etc/sysctl.d/99-zz-acstor-edge.conf", "remove": false}]}
packages_recorded:
  description: See RV(acstor.edge.node_prep_info#module:packages_recorded).
  returned: always
  type: list
  elements: str
  sample: [nfs-common]
packages_key:
  description: See RV(acstor.edge.node_prep_info#module:packages_key).
  returned: always
  type: str
  sample: Debian
packages_query:
  description: See RV(acstor.edge.node_prep_info#module:packages_query).
  returned: always
  type: str
  sample: dpkg
packages_installed:
  description: See RV(acstor.edge.node_prep_info#module:packages_installed).
  returned: always
  type: dict
  sample: {"lvm2": "2.03.16-2"}
packages_missing:
  description: Wanted packages (names resolved) that are not installed, in the order given; when any, nothing was applied.
  returned: always
  type: list
  elements: str
  sample: []
packages_invalid:
  description: See RV(acstor.edge.node_prep_info#module:packages_invalid).
  returned: always
  type: list
  elements: str
  sample: []
lvm_auto_activation_volume_list:
  description: See RV(acstor.edge.node_prep_info#module:lvm_auto_activation_volume_list).
  returned: always
  type: str
  sample: null
lvmconfig_found:
  description: See RV(acstor.edge.node_prep_info#module:lvmconfig_found).
  returned: always
  type: bool
  sample: true
package_manager:
  description: See RV(acstor.edge.node_prep_info#module:package_manager).
  returned: always
  type: str
  sample: apt
input_errors:
  description:
    - Every input the node cannot take (see RV(acstor.edge.node_prep_info#module:input_errors)). With
      O(state=present) any of them fails the call, so a successful one returns it empty.
  returned: always
  type: list
  elements: str
  sample: []
stripes_ahead:
  description:
    - The nvme_stripe role's read of the stripes (the result of C(read_ahead) in the collection's stripe code) when
      O(stripes_ahead) was given and this call left the node as it is; else empty.
  returned: always
  type: dict
  sample: {}
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acstor.edge.plugins.module_utils.common.node_io import NodeFiles
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_runner import (
    PREP_ARGUMENT_SPEC,
    prep_option_errors,
    prepare_node,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(PREP_ARGUMENT_SPEC, stripes_ahead=dict(type="dict")),
        supports_check_mode=True,
    )
    params = module.params
    # names and values that reach sysctl.d, modules-load.d or a package manager: checked before any read
    errors = prep_option_errors(params, writes=True)
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors, changed=False)
    module.exit_json(**prepare_node(module, params, NodeFiles(), os.uname()[2]))


if __name__ == "__main__":
    main()
