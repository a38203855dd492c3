#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: node_prep_info
short_description: Read in one pass everything the node_prep role decides on
version_added: "0.1.0"
description:
  - Reads the operating system from C(/etc/os-release), the live values of the given sysctls from
    C(/proc/sys), the state of the given kernel modules (loaded in C(/proc/modules) or built in,
    known to the running kernel's C(modules.dep), C(modules.builtin) or C(modules.alias), listed for
    boot in C(/etc/modules-load.d)), which of the given packages are installed (C(/var/lib/dpkg/status) read as a
    file on the Debian family, else one C(rpm -q) call for all of them) and, when asked, the LVM autoactivation
    filter (C(lvmconfig), run only when a file in C(/etc/lvm) names C(auto_activation_volume_list) outside a
    comment, or C(/etc/lvm/lvm.conf) is missing, or C(LVM_SYSTEM_DIR) or C(LVM_COMMAND_PROFILE) is set; otherwise
    the setting is unset).
  - Returns what the R(acstor.edge.node_prep,ansible_collections.acstor.edge.node_prep_role) role
    must change - the sysctls below their minimum,
    the kernel modules not loaded or not listed for boot, the packages not installed. M(acstor.edge.node_prep) makes
    the same read and plan and then applies them in the same call (what the role runs with C(state=present)).
  - Checks the node_prep role's inputs against the node (supported OS, products, sysctls the kernel
    has, the Edge Volumes inotify floor, kernel modules the kernel knows) and returns every problem in
    RV(input_errors).
  - Changes nothing on the node. Never fails because of what it finds; the role validates.
extends_documentation_fragment:
  - acstor.edge.attributes.read_only
options:
  sysctls:
    description:
      - Wanted minimum per sysctl name (dotted, as C(sysctl) names them). The live value of each is
        read; names the kernel does not have are left out of RV(sysctls).
      - A name that is not a sysctl key or a minimum that is not a non-negative integer is an error, before
        anything is read.
    type: dict
    default: {}
  kernel_modules:
    description: Kernel modules to report on. C(-) and C(_) are alike, as for C(modprobe).
    type: list
    elements: str
    default: []
  packages:
    description:
      - Package lists keyed by distribution or OS family, named as C(ansible_facts) name them
        (V(Debian), V(Ubuntu), V(RedHat), V(Azurelinux)...). The list for the node's distribution is
        used, else the one for its family, else none.
      - C({kernel_release}) in a name becomes the running kernel's release (C(uname -r)), for
        per-kernel packages such as Ubuntu's C(linux-modules-extra-{kernel_release}).
    type: dict
    default: {}
  lvm_autoactivation:
    description: Read C(activation/auto_activation_volume_list) from the merged LVM configuration.
    type: bool
    default: false
  products:
    description:
      - The products the node is prepared for (V(edge_volumes), V(local_csi)), checked into RV(input_errors);
        V(edge_volumes) also makes a O(sysctls) minimum of C(fs.inotify.max_user_instances) below 1024 an error.
      - When not given, the product checks are skipped.
    type: list
    elements: str
  state:
    version_added: 0.2.0
    description:
      - The node_prep state RV(kernel_config) is planned for; V(absent) plans the removal of the two files below.
    type: str
    choices: [present, absent]
    default: present
  sysctl_file:
    version_added: 0.2.0
    description: The sysctl drop-in M(acstor.edge.node_kernel_config) writes, read for RV(kernel_config).
    type: path
    default: /etc/sysctl.d/99-zz-acstor-edge.conf
  modules_load_file:
    version_added: 0.2.0
    description: The C(/etc/modules-load.d) file M(acstor.edge.node_kernel_config) writes, read for RV(kernel_config).
    type: path
    default: /etc/modules-load.d/acstor-edge.conf
  parts:
    version_added: 0.2.0
    description: The parts of RV(kernel_config) to plan, as for M(acstor.edge.node_kernel_config).
    type: list
    elements: str
    choices: [sysctl, modules]
    default: [sysctl, modules]
  os_facts:
    description:
      - OS facts the play already gathered (C(distribution), C(distribution_version),
        C(distribution_major_version), C(os_family) as in C(ansible_facts)). When they name a distribution and
        a major version they win over C(/etc/os-release) for RV(input_errors) and RV(package_manager).
    type: dict
    default: {}
notes:
  - Every name and value is checked before the node is read (sysctl keys, kernel module and package names may not
    hold newlines, control characters, C(=) or white space); an error names the option and the rule it breaks.
  - Installed packages are read from C(/var/lib/dpkg/status) on the Debian family (no command; C(dpkg-query) runs
    instead while dpkg has journal entries not yet folded into it, or with C(DPKG_ADMINDIR) set) and queried with
    C(rpm) elsewhere (whichever exists when the family has neither).
seealso:
  - module: acstor.edge.node_prep
  - module: acstor.edge.node_kernel_config
"""

EXAMPLES = r"""
- name: Read what node_prep decides on
  acstor.edge.node_prep_info:
    sysctls:
      fs.inotify.max_user_instances: 8192
      fs.inotify.max_user_watches: 524288
    kernel_modules: [dm_mod, dm_raid, raid0, md_mod]
    packages:
      Debian: [lvm2, mdadm, nfs-common]
      RedHat: [lvm2, mdadm, nfs-utils]
    lvm_autoactivation: true
  register: node_state

- name: Write the sysctl drop-in and the modules-load.d file only when they need it
  acstor.edge.node_kernel_config:
    sysctls:
      fs.inotify.max_user_instances: 8192
      fs.inotify.max_user_watches: 524288
    kernel_modules: [dm_mod, dm_raid, raid0, md_mod]
  when: node_state.kernel_config.changed
"""

RETURN = r"""
os:
  description: The operating system from C(/etc/os-release), with names as C(ansible_facts) uses them.
  returned: always
  type: dict
  contains:
    id:
      description: os-release C(ID).
      type: str
      sample: debian
    id_like:
      description: os-release C(ID_LIKE) words.
      type: list
      elements: str
      sample: []
    pretty_name:
      description: os-release C(PRETTY_NAME).
      type: str
      sample: Debian GNU/Linux 12 (bookworm)
    distribution:
      description: Distribution name as C(ansible_facts['distribution']).
      type: str
      sample: Debian
    distribution_version:
      description: os-release C(VERSION_ID).
      type: str
      sample: "12"
    distribution_major_version:
      description: The part of the version before the first dot.
      type: str
      sample: "12"
    os_family:
      description: OS family as C(ansible_facts['os_family']).
      type: str
      sample: Debian
kernel_release:
  description: The running kernel's release.
  returned: always
  type: str
  sample: 6.1.0-50-cloud-amd64
sysctls:
  description: Live value per requested sysctl the kernel has (text as in C(/proc/sys)).
  returned: always
  type: dict
  sample: {"fs.inotify.max_user_instances": "128", "fs.file-max": "9223372036854775807"}
sysctls_to_raise:
  description: Requested sysctls whose live value is below the minimum, in the order given.
  returned: always
  type: list
  elements: dict
  sample: [{"key": "fs.inotify.max_user_instances", "value": 8192, "live": "128"}]
kernel_modules:
  description:
    - Per requested module - C(valid) (a module name), C(known) (the running kernel has it),
      C(loaded) (in C(/proc/modules) or built in), C(builtin), C(persisted) (listed in
      C(/etc/modules-load.d)) and C(module) (the module an alias resolves to).
  returned: always
  type: dict
  sample: {"dm_raid": {"valid": true, "known": true, "loaded": false, "builtin": false, "persisted": false,
                       "module": "dm_raid"}}
kernel_modules_to_load:
  description: Valid requested modules not loaded now or not listed for boot, in the order given.
  returned: always
  type: list
  elements: str
  sample: [dm_raid, raid0]
kernel_modules_unknown:
  description: Valid requested modules the running kernel does not have.
  returned: always
  type: list
  elements: str
  sample: []
kernel_config:
  version_added: 0.2.0
  description:
    - What M(acstor.edge.node_kernel_config) would do with the same O(sysctls), O(kernel_modules), O(state),
      O(sysctl_file) and O(modules_load_file) - its plan without the file texts. The role calls it only when
      C(changed) is true.
  returned: always
  type: dict
  sample: {"changed": true, "actions": ["write /etc/sysctl.d/99-zz-acstor-edge.conf", "modprobe dm_raid"],
           "files": [{"path": "/etc/sysctl.d/99-zz-acstor-edge.conf", "remove": false}]}
packages_recorded:
  version_added: 0.2.0
  description: The packages node_prep recorded as installed by itself (C(/etc/acstor-edge/node_prep.json)).
  returned: always
  type: list
  elements: str
  sample: [nfs-common]
packages_key:
  description: The O(packages) key used for this node, or null when none matched.
  returned: always
  type: str
  sample: Debian
packages_query:
  description:
    - How installed packages were read - V(dpkg) (the status file, or C(dpkg-query)), V(rpm), or V(none) when nothing
      was asked or no tool exists.
  returned: always
  type: str
  sample: dpkg
packages_installed:
  description: Installed version per wanted package that is installed.
  returned: always
  type: dict
  sample: {"lvm2": "2.03.16-2"}
packages_missing:
  description: Wanted packages (names resolved) that are not installed, in the order given.
  returned: always
  type: list
  elements: str
  sample: [nfs-common]
packages_invalid:
  description: Entries of the selected package list that are not package names.
  returned: always
  type: list
  elements: str
  sample: []
lvm_auto_activation_volume_list:
  description:
    - The C(auto_activation_volume_list=...) setting when LVM has one, null when it is unset or
      was not asked for.
  returned: always
  type: str
  sample: null
lvmconfig_found:
  description: Whether C(lvmconfig) exists (false also when O(lvm_autoactivation) is false).
  returned: always
  type: bool
  sample: true
package_manager:
  description: The supported OS's package manager (V(apt), V(dnf), V(tdnf)), empty when the OS is not supported.
  returned: always
  type: str
  sample: apt
input_errors:
  description:
    - Every input the node cannot take, empty when all is well - an unsupported OS (supported are Ubuntu
      22.04/24.04, Debian 12/13, Azure Linux 3 and the RHEL 9 family), no or unknown O(products), O(sysctls)
      names the kernel does not have, an inotify instances minimum below 1024 for Edge Volumes, O(kernel_modules)
      the running kernel does not know (except those the OS's packages bring).
  returned: always
  type: list
  elements: str
  sample: ["sysctl fs.nope does not exist on this kernel"]
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acstor.edge.plugins.module_utils.common.node_io import NodeFiles
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_runner import (
    PREP_ARGUMENT_SPEC,
    prep_option_errors,
    read_node_prep,
)


def main():
    module = AnsibleModule(argument_spec=PREP_ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    # names and values that reach sysctl.d, modules-load.d or a package manager: checked before any read
    errors = prep_option_errors(params)
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors)
    facts, _plan, _current = read_node_prep(module, params, NodeFiles(), os.uname()[2])
    module.exit_json(changed=False, **facts)


if __name__ == "__main__":
    main()
