#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: nvme_stripes
short_description: Ensure every NVMe stripe of a node and the stripes' boot side in one call
version_added: 0.1.0
description:
  - All stripes of a node and their boot side in one module call - what M(acstor.edge.nvme_stripe) does for each
    stripe of O(stripes), in list order, then what M(acstor.edge.nvme_stripe_boot) does for the node. The
    C(acstor.edge.nvme_stripe) role calls it once per node.
  - One read of the node serves every stripe; it is read again only after a stripe changed it, so each stripe
    is planned from the node as it is then. Each stripe has the safety of M(acstor.edge.nvme_stripe) (foreign
    signatures refused unless its O(stripes[].force), its record written as pending before any destructive
    command, no reshape).
  - Then the boot side follows the node, not the list - installed while a stripe stays on the node after this run,
    removed (only the files carrying our mark) when every listed stripe has O(stripes[].state=absent) and no
    other stripe is recorded. This is decided from the list and the records, so C(--check --diff) shows the same
    plan as the run.
  - The hand-off fact is always written while a stripe stays - the first csi_vg stripe's RV(csi_handoff), or
    no hand-off.
  - Stripes recorded on the node that O(stripes) does not name are reported in RV(unlisted), with a warning each,
    and left as they are.
  - A failing stripe stops the call - the error names it; the stripes before it are done (their results are in
    RV(results)), nothing is done for the ones after it nor for the boot side.
  - Every option of every stripe is checked before the node is read; an error names the option as
    C(stripes[1].mount_path), and nothing changes.
  - A no-op reads the node once (C(lsblk), one C(lvm fullreport) when LVM is in play, and one C(wipefs --no-act)
    over the disks that are not members of a recorded stripe whose signature lsblk and the disk's first bytes
    prove) and the boot side's files and C(.wants) links; its only C(systemctl) call is C(is-active) of the units to
    keep started (whether a unit runs only systemd knows). A plan that would change something is made again from
    a full C(wipefs --no-act) read.
  - The fstab changes of a call reload systemd once, at its end (by the boot side's C(systemctl enable) or
    C(disable) when it makes one); before the mount only when systemd may hold a mount unit made from an old fstab
    line for that path.
extends_documentation_fragment:
  - acstor.edge.attributes.full
attributes:
  check_mode:
    details: Plans every stripe from the node as it is and the boot side from the list; changes nothing.
  diff_mode:
    details: One diff per stripe (headed C(stripe <name>)) and one per boot file written or removed.
options:
  stripes:
    description:
      - The stripes of the node, applied in this order. Each takes the options of M(acstor.edge.nvme_stripe) with
        the same meaning, defaults and rules, except O(extra_models) and O(update_initramfs), which are set once
        for the list. Names must be unique and no disk may be named by two stripes.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: See O(acstor.edge.nvme_stripe#module:name).
        type: str
        required: true
      state:
        description: See O(acstor.edge.nvme_stripe#module:state).
        type: str
        choices: [present, absent]
        default: present
      backend:
        description: See O(acstor.edge.nvme_stripe#module:backend).
        type: str
        choices: [lvm, mdadm]
        default: lvm
      mode:
        description: See O(acstor.edge.nvme_stripe#module:mode).
        type: str
        choices: [volume, csi_vg]
        default: volume
      devices:
        description: See O(acstor.edge.nvme_stripe#module:devices). Mutually exclusive with O(stripes[].selector).
        type: list
        elements: str
      selector:
        description: See O(acstor.edge.nvme_stripe#module:selector).
        type: dict
        suboptions:
          class:
            description: See O(acstor.edge.nvme_stripe#module:selector.class).
            type: str
            choices: [local, other, any]
            default: local
          models:
            description: See O(acstor.edge.nvme_stripe#module:selector.models).
            type: list
            elements: str
          min_size:
            description: See O(acstor.edge.nvme_stripe#module:selector.min_size).
            type: str
          count:
            description: See O(acstor.edge.nvme_stripe#module:selector.count).
            type: int
      stripe_size:
        description: See O(acstor.edge.nvme_stripe#module:stripe_size).
        type: str
      filesystem:
        description: See O(acstor.edge.nvme_stripe#module:filesystem).
        type: str
        choices: [xfs, ext4, none]
      mount_path:
        description: See O(acstor.edge.nvme_stripe#module:mount_path).
        type: str
      mount_options:
        description: See O(acstor.edge.nvme_stripe#module:mount_options).
        type: str
      mount_before:
        description: See O(acstor.edge.nvme_stripe#module:mount_before).
        type: list
        elements: str
      force:
        description: See O(acstor.edge.nvme_stripe#module:force).
        type: bool
        default: false
      ephemeral:
        description: See O(acstor.edge.nvme_stripe#module:ephemeral).
        type: bool
        default: false
      volume_group:
        description:
          - See O(acstor.edge.nvme_stripe#module:volume_group). With O(stripes[].mode=csi_vg) the default is
            O(csi_volume_group) when that is set.
        type: str
      size_tolerance:
        description: See O(acstor.edge.nvme_stripe#module:size_tolerance).
        type: float
        default: 5.0
  extra_models:
    description:
      - O(acstor.edge.nvme_stripe#module:extra_models) of the stripes with a O(stripes[].selector) (not passed to the
        others).
    type: list
    elements: str
  update_initramfs:
    description:
      - O(acstor.edge.nvme_stripe#module:update_initramfs) of the O(stripes[].backend=mdadm) stripes (not passed to
        the others).
    type: bool
    default: true
  csi_volume_group:
    description: The volume group of a O(stripes[].mode=csi_vg) stripe that sets no O(stripes[].volume_group).
    type: str
  script:
    description:
      - Content of the boot and metrics script (O(acstor.edge.nvme_stripe_boot#module:script)). Installed only
        with O(units).
    type: str
  script_path:
    description: See O(acstor.edge.nvme_stripe_boot#module:script_path).
    type: path
    default: /usr/local/sbin/acstor-edge-stripe-boot
  units:
    description:
      - The boot side's systemd units while a stripe stays (O(acstor.edge.nvme_stripe_boot#module:units)).
      - Removal, with no stripe left, looks for every unit the role may have installed, whatever this says
        (C(acstor-edge-stripes.service), C(acstor-edge-stripe-metrics.service), C(acstor-edge-stripe-metrics.timer)).
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: See O(acstor.edge.nvme_stripe_boot#module:units[].name).
        type: str
        required: true
      content:
        description: See O(acstor.edge.nvme_stripe_boot#module:units[].content).
        type: str
      enabled:
        description: See O(acstor.edge.nvme_stripe_boot#module:units[].enabled).
        type: bool
        default: true
      started:
        description: See O(acstor.edge.nvme_stripe_boot#module:units[].started).
        type: bool
        default: false
  fact_file:
    description: The hand-off fact file (O(acstor.edge.nvme_stripe_boot#module:fact_file)).
    type: path
    default: /etc/ansible/facts.d/acstor_edge.fact
  health_fact_file:
    description:
      - See O(acstor.edge.nvme_stripe_boot#module:health_fact_file). Installed only with O(units); removed with
        the rest when no stripe is left.
    type: path
  metrics_dir:
    description:
      - The directory of the metrics file, removed with the rest when no stripe is left
        (O(acstor.edge.nvme_stripe_boot#module:metrics_dir)).
    type: path
notes:
  - Needs what M(acstor.edge.nvme_stripe) needs on the node (C(lsblk), C(wipefs), LVM2 or mdadm per backend).
seealso:
  - module: acstor.edge.nvme_stripe
  - module: acstor.edge.nvme_stripe_boot
"""

EXAMPLES = r"""
- name: A model-cache stripe and the local CSI driver's disks, with the boot unit
  acstor.edge.nvme_stripes:
    stripes:
      - name: modelcache
        selector:
          class: local
          models: [Microsoft NVMe Direct Disk]
        mount_path: /var/lib/modelcache
        ephemeral: true
      - name: csi
        mode: csi_vg
        selector:
          class: local
          models: [Amazon EC2 NVMe Instance Storage]
    script: "{{ lookup('ansible.builtin.file', 'acstor_edge_stripe_boot.py') }}"
    units:
      - name: acstor-edge-stripes.service
        content: "{{ lookup('ansible.builtin.template', 'acstor-edge-stripes.service.j2') }}"
  register: node_stripes

- name: Remove the last stripe (destroys its data); the boot side goes with it
  acstor.edge.nvme_stripes:
    stripes:
      - name: modelcache
        state: absent
        force: true
"""

RETURN = r"""
actions:
  description:
    - "What the call did (in check mode, would do), in order, each line naming its stripe (C(stripe <name>: ...)) or
      the boot side (C(boot side: ...)). Empty on a no-op."
  returned: when every stripe succeeded
  type: list
  elements: str
  sample: ["stripe modelcache: mount /dev/modelcache/modelcache at /var/lib/modelcache", "boot side: enable acstor-edge-stripes.service"]
results:
  description:
    - One result per stripe, in list order, with the keys of M(acstor.edge.nvme_stripe)'s result (its diff is in
      this module's diff), plus C(item) (the list item) and C(name), as a loop over M(acstor.edge.nvme_stripe)
      registers them.
  returned: always
  type: list
  elements: dict
csi_handoff:
  description: The first csi_vg stripe's hand-off for the local CSI driver role (see M(acstor.edge.nvme_stripe)).
  returned: when a stripe has O(stripes[].mode=csi_vg) and O(stripes[].state=present)
  type: dict
  sample: {"volume_group": "containerstorage", "cleanup_enabled": false, "models": ["Amazon EC2 NVMe Instance Storage"]}
boot:
  description:
    - The boot side's result, as M(acstor.edge.nvme_stripe_boot) returns it, plus its C(state) - V(present) while
      a stripe stays on the node, V(absent) when it was removed.
  returned: when every stripe succeeded
  type: dict
  sample: {"state": "present", "changed": false, "actions": [], "units": ["acstor-edge-stripes.service"]}
unlisted:
  description: The stripes recorded on the node that O(stripes) does not name; kept as they are.
  returned: when every stripe succeeded
  type: list
  elements: dict
  sample: [{"name": "old", "backend": "lvm", "mode": "volume", "device": "/dev/old/old", "mount_path": "/srv/old",
            "serials": ["EL1a2b3c0", "EL1a2b3c1"]}]
removed_temp_files:
  description: Temporary files a killed earlier run left beside the stripe files (fstab, mdadm.conf, records).
  returned: when there were any
  type: list
  elements: str
failed_stripe:
  description: The name of the stripe that failed.
  returned: failure of a stripe
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acstor.edge.plugins.module_utils.stripe.node_runner import (
    ARGUMENT_SPEC,
    converge_node,
    input_errors,
)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    # every option of every stripe and of the boot side, before the node is read: nothing changes for bad input
    errors = input_errors(params)
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors, changed=False)
    module.exit_json(**converge_node(module, params))


if __name__ == "__main__":
    main()
