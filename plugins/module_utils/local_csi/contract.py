# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the local CSI driver (Azure/local-csi-driver v0.3.0) expects of a node, and where we record stripes.

Every Python user imports these names from here. Two copies stay, on purpose, and unit tests hold
them equal to this file: the standalone boot script (roles/nvme_stripe/files/acstor_edge_stripe_boot.py,
which runs on the node without the collection) and the role defaults that repeat a value.
"""

# The models the driver takes without diskSelection.addonModels, compared trimmed and case-insensitive
# (internal/pkg/probe/filter.go DefaultDiskModels).
DISK_MODELS = (
    "Microsoft NVMe Direct Disk",
    "Microsoft NVMe Direct Disk v2",
    "Amazon EC2 NVMe Instance Storage",
)
# The volume group the driver uses (created on blank disks, or used as-is when it exists; chart default
# of the StorageClass parameter) and the tag it puts on it (internal/csi/core/lvm/lvm.go).
VOLUME_GROUP = "containerstorage"
VOLUME_GROUP_TAG = "local-csi"
# Kernel modules the driver needs on the host: it runs `modprobe dm-raid` and builds raid0 LVs
# (internal/pkg/raid/raid.go); md_mod is what our mdadm stripes need for the same disks.
KERNEL_MODULES = ("dm_mod", "dm_raid", "raid0", "md_mod")

# Ours, not the driver's: acstor.edge.nvme_stripe records each stripe in <RECORD_DIR>/<name>.json,
# and mdadm arrays in the first mdadm.conf that exists (Debian family, then Red Hat family).
RECORD_DIR = "/etc/acstor-edge/stripes"
MDADM_CONF_PATHS = ("/etc/mdadm/mdadm.conf", "/etc/mdadm.conf")


def model_key(model):
    """A model as the driver compares it: whitespace trimmed and collapsed, lower-case."""
    return " ".join(str(model or "").split()).lower()


def is_builtin_model(model):
    return model_key(model) in {model_key(m) for m in DISK_MODELS}


def record_path(name):
    return "%s/%s.json" % (RECORD_DIR, name)
