#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: nvme_stripe
short_description: Ensure one RAID0 stripe over local NVMe disks (LVM raid0 or mdadm), its filesystem and mount
version_added: 0.1.0
description:
  - Discovers the node's NVMe namespaces, plans and applies one named stripe in a single call -
    members, stripe (LVM C(raid0) LV or mdadm RAID0), aligned filesystem, mount and its persistence.
  - Members are identified by serial and C(/dev/disk/by-id); an existing stripe is recognised by its
    md UUID/name or LVM tag C(acstor-edge-stripe-<name>), never by C(/dev/nvmeXnY) numbering.
  - The stripe is recorded on the node in C(/etc/acstor-edge/stripes/<name>.json) (members, geometry,
    the commands that rebuild it); the C(acstor.edge.nvme_stripe) role's boot unit reads it.
  - B(Safe mode) is always on. A device that holds any signature, partition, holder or mount this stripe did
    not create is refused, and the error names every offending device and what is on it. O(force=true) is
    the only way to wipe; C(--diff) then lists what will be destroyed. Mounted or otherwise active
    devices are refused even with O(force).
  - An existing stripe with other members, level or stripe size is an error (no reshape) unless O(force=true),
    which destroys and rebuilds it.
  - Loads the kernel modules it needs (C(dm_raid), C(raid0), C(md_mod)) when they are missing.
extends_documentation_fragment:
  - acstor.edge.attributes.full
attributes:
  check_mode:
    details: Returns the full action plan without changing anything.
  diff_mode:
    details: Members, geometry, filesystem and mount before and after, plus what would be destroyed.
options:
  name:
    description:
      - Name of the stripe. Lower-case letters, digits, V(_) and V(-), starting with a letter, at most 31 characters.
      - Used as the md array name (C(/dev/md/<name>)), or as the LVM volume group (unless O(volume_group)) and
        logical volume name (C(/dev/<vg>/<name>)).
    type: str
    required: true
  state:
    description:
      - V(absent) destroys the stripe and the data on it, removes its fstab and mdadm.conf entries and its record.
        It requires O(force=true).
    type: str
    choices: [present, absent]
    default: present
  backend:
    description:
      - V(lvm) builds an LVM C(raid0) logical volume (C(lvcreate --type raid0 --stripes N --stripesize S)),
        as Azure Container Storage v2 does. A single disk gives a linear LV.
      - V(mdadm) builds an md RAID0 array (chunk = O(stripe_size)), metadata 1.2, name O(name), homehost C(any).
    type: str
    choices: [lvm, mdadm]
    default: lvm
  mode:
    description:
      - V(volume) makes the stripe device, then O(filesystem) and the mount.
      - V(csi_vg) hands the disks to the local CSI driver (C(localdisk.csi.acstor.io)) -
        PVs and volume group O(volume_group) (default C(containerstorage)) tagged C(local-csi), no LV,
        so the driver stripes each volume itself. The chart must then run with C(cleanup.enabled=false),
        returned as RV(csi_handoff). Needs O(backend=lvm); O(filesystem) is V(none) (setting V(xfs) or V(ext4) is an
        error), and O(stripe_size), O(mount_path), O(mount_options) and O(mount_before) must not be set.
    type: str
    choices: [volume, csi_vg]
    default: volume
  devices:
    description:
      - Members as C(/dev/nvmeXnY) paths, C(/dev/disk/by-id/...) links or NVMe serials. Whole namespaces only.
      - Mutually exclusive with O(selector).
    type: list
    elements: str
  selector:
    description:
      - Pick members by class, model and size. Mutually exclusive with O(devices).
      - The stripe's own recorded members are preferred, then blank disks, in serial order.
    type: dict
    suboptions:
      class:
        description: Device class as M(acstor.edge.nvme_info) reports it; V(any) matches local and other.
        type: str
        choices: [local, other, any]
        default: local
      models:
        description: Only these models (case-insensitive, trimmed).
        type: list
        elements: str
      min_size:
        description: Minimum namespace size, for example V(1T) or V(500G).
        type: str
      count:
        description: Exactly this many disks (at least 1); fewer matches is an error. Default is every match.
        type: int
  stripe_size:
    description:
      - Stripe unit (LVM stripe size, md chunk), a power of two of at least 4 KiB, such as V(64k) or V(512k).
      - The default V(64k) is what LVM uses for raid0 when the local CSI driver builds its volumes, so a stripe
        behaves the same whichever built it. Small random I/O on NVMe is insensitive to it; large sequential
        reads (model weights) may gain a little from V(256k) to V(512k).
      - Default V(64k). Not used (an error when set) with O(mode=csi_vg).
    type: str
  filesystem:
    description:
      - Filesystem created aligned to the geometry (xfs C(su)/C(sw), ext4 C(stride)/C(stripe_width)).
      - An existing filesystem of another type is an error unless O(force=true).
      - Default V(xfs) with O(mode=volume), V(none) with O(mode=csi_vg) (which accepts no other value).
    type: str
    choices: [xfs, ext4, none]
  mount_path:
    description:
      - Absolute path to mount the filesystem on; persisted in C(/etc/fstab) by device path
        (C(/dev/md/<name>) or C(/dev/<vg>/<lv>)), with C(nofail) and ordered before (and required by) O(mount_before).
      - A path already mounted or listed in fstab for another device, or a non-empty directory, is an error.
    type: str
  mount_options:
    description:
      - Mount options, comma-separated without white space; C(nofail) and the systemd ordering options are added.
      - Default V(defaults,noatime). Only with O(mount_path) (an error otherwise).
    type: str
  mount_before:
    description:
      - systemd units (full names such as V(kubelet.service)) that must start after the mount and not without it
        (absent units are harmless).
      - Default V([kubelet.service, k3s.service, k3s-agent.service, rke2-server.service, rke2-agent.service]).
        Only with O(mount_path) (an error otherwise).
    type: list
    elements: str
  force:
    description:
      - Allow destroying data - wipe members that hold foreign signatures or partitions, rebuild a stripe with
        a different layout, reformat, and O(state=absent).
    type: bool
    default: false
  ephemeral:
    description:
      - The members are ephemeral local disks (an Azure VM after deallocation comes back with them blank). When
        the stripe was recorded, is gone, and every member is blank, it is built again with its filesystem and
        mount. Never when any member holds data, and never when V(false) (then it is an error).
    type: bool
    default: false
  volume_group:
    description:
      - LVM volume group name. Defaults to O(name), or C(containerstorage) with O(mode=csi_vg).
      - An error with O(backend=mdadm).
    type: str
  size_tolerance:
    description: Largest allowed size difference between members, in percent of the largest one.
    type: float
    default: 5.0
  extra_models:
    description:
      - Models treated as local disks by O(selector) C(class), in addition to the Azure and AWS local NVMe models.
      - Only with O(selector) (an error with O(devices)).
    type: list
    elements: str
  update_initramfs:
    description:
      - After a change to mdadm.conf, run C(update-initramfs -u) where the distro has it (Debian family), whose
        initramfs carries a copy of mdadm.conf. The array is found by its superblock name either way; this
        keeps the initramfs copy current. It takes minutes on slow nodes.
      - Default V(true). Only with O(backend=mdadm) (an error with V(lvm)).
    type: bool
notes:
  - Every option is checked before the node is read, and an error names the option and the rule it breaks
    (for example C(mount_before[0]) and C(rule single-line) for a newline in a unit name); nothing on the node changes.
    Values that reach C(/etc/fstab), C(mdadm.conf), LVM names and tags or the stripe record may not hold newlines,
    control characters, or the separators of those files (white space, C(#), C(,) in fstab fields).
  - Options the chosen O(mode), O(backend) or member choice does not use are refused when set, not ignored.
    With O(state=absent) only O(name), O(backend), O(mode), O(volume_group), O(mount_path) and O(force) are used;
    the others are checked but not refused, so a stripe's own list item can be switched to absent.
  - Needs C(lsblk), C(wipefs) and, per backend, LVM2 or mdadm on the node; C(mkfs.xfs) or C(mkfs.ext4) for a filesystem.
  - On Debian-family nodes a changed mdadm.conf is followed by C(update-initramfs -u).
  - M(acstor.edge.nvme_stripes) does what this module does for every stripe of a list and adds the boot side in the
    same call; the R(acstor.edge.nvme_stripe,ansible_collections.acstor.edge.nvme_stripe_role) role calls it once
    per node.
seealso:
  - module: acstor.edge.nvme_info
  - module: acstor.edge.nvme_stripes
"""

EXAMPLES = r"""
- name: Stripe every local NVMe disk for a model cache
  acstor.edge.nvme_stripe:
    name: modelcache
    selector:
      class: local
    filesystem: xfs
    mount_path: /var/lib/modelcache
    ephemeral: true

- name: md RAID0 over two disks given by serial, ext4
  acstor.edge.nvme_stripe:
    name: scratch
    backend: mdadm
    devices: [AZL0000, AZL0001]
    stripe_size: 512k
    filesystem: ext4
    mount_path: /mnt/scratch

- name: Hand the local disks to the local CSI driver
  acstor.edge.nvme_stripe:
    name: csi
    mode: csi_vg
    filesystem: none
    selector:
      class: local

- name: Remove a stripe (destroys its data)
  acstor.edge.nvme_stripe:
    name: scratch
    backend: mdadm
    state: absent
    force: true
"""

RETURN = r"""
removed_temp_files:
  description:
    - Temporary files an earlier, killed run of this module left beside C(/etc/fstab), C(mdadm.conf) or the
      stripe records, removed by this run (listed, not removed, in check mode).
  returned: when there were any
  type: list
  elements: str
  sample: ["/etc/mdadm/.acstor-edge-4711-er2jmr8s"]
device:
  description: The stripe block device (empty for O(mode=csi_vg)).
  returned: success
  type: str
  sample: /dev/modelcache/modelcache
members:
  description: Members in serial order.
  returned: success
  type: list
  elements: dict
  sample: [{"serial": "AZL0000", "path": "/dev/nvme1n1", "by_id": "/dev/disk/by-id/nvme-Microsoft_NVMe_Direct_Disk_AZL0000_1",
            "model": "Microsoft NVMe Direct Disk", "size": 4294967296}]
geometry:
  description: Level (raid0, linear or csi_vg), number of stripes, stripe size in bytes and device size.
  returned: success
  type: dict
  sample: {"level": "raid0", "stripes": 4, "stripe_size": 65536, "stripe_size_human": "64 KiB", "size": 17163091968}
filesystem:
  description: Filesystem type, UUID and alignment (stripe unit and width in bytes, from the superblock).
  returned: success
  type: dict
  sample: {"type": "xfs", "uuid": "0b7c...", "alignment": {"stripe_unit": 65536, "stripe_width": 262144}}
mount:
  description: Mount path and options, or null.
  returned: success
  type: dict
  sample: {"path": "/var/lib/modelcache", "options": "defaults,noatime"}
actions:
  description: Human-readable actions, in order; planned ones in check mode, taken ones otherwise.
  returned: always
  type: list
  elements: str
  sample: ["create LVM physical volumes", "create volume group modelcache", "create striped LV /dev/modelcache/modelcache"]
plan:
  description: The actions with their commands and what each destroys.
  returned: always
  type: list
  elements: dict
destroys:
  description: What the actions destroy (only non-empty with O(force=true)).
  returned: always
  type: list
  elements: str
warnings_found:
  description: Non-fatal findings such as a filesystem aligned to another geometry.
  returned: always
  type: list
  elements: str
record:
  description: What is recorded on the node in C(/etc/acstor-edge/stripes/<name>.json).
  returned: success and state is present
  type: dict
csi_handoff:
  description: For O(mode=csi_vg) - what the local CSI driver role needs.
  returned: success and mode is csi_vg
  type: dict
  sample: {"volume_group": "containerstorage", "cleanup_enabled": false, "models": ["Microsoft NVMe Direct Disk"]}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.acstor.edge.plugins.module_utils.nvme.inventory import build_inventory
from ansible_collections.acstor.edge.plugins.module_utils.stripe.executor import StripeApplyError
from ansible_collections.acstor.edge.plugins.module_utils.stripe.planner import plan_stripe
from ansible_collections.acstor.edge.plugins.module_utils.stripe.runner import (
    STRIPE_ARGUMENT_SPEC,
    apply_plan,
    command_runner,
    planned_result,
    read_node,
    remove_leftovers,
)
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import spec_from_options, stripe_option_errors

ARGUMENT_SPEC = dict(
    STRIPE_ARGUMENT_SPEC,
    extra_models=dict(type="list", elements="str"),
    update_initramfs=dict(type="bool"),
)


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC, mutually_exclusive=[("devices", "selector")], supports_check_mode=True
    )
    # every option, before the node is read: nothing is run or written for bad input
    errors = stripe_option_errors(module.params)
    if errors:
        module.fail_json(msg="; ".join(errors), errors=errors, changed=False)
    spec = spec_from_options(module.params)
    run = command_runner(module)
    plan = plan_stripe(spec, build_inventory(read_node(module, [spec], run), spec.extra_models))
    if plan.errors:
        module.fail_json(msg="; ".join(plan.errors), errors=plan.errors, changed=False)
    result = planned_result(spec, plan, module._diff)
    for warning in plan.warnings:
        module.warn(warning)
    remove_leftovers(module.check_mode, result)
    if not module.check_mode and plan.changed:
        try:
            apply_plan(module, spec, plan, run, result, module.params["update_initramfs"] is not False)
        except StripeApplyError as error:
            module.fail_json(msg=str(error), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
