# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Collect one raw snapshot of the node's block layer, cheaply.

Guest Python on slow nodes pays for every process, so this reads sysfs, /proc and
/dev/disk/by-id directly and runs only: one `lsblk`, one read-only `wipefs` over all NVMe disks
(and the stripe device when asked), and `pvs`/`lvs` only when LVM is in play. The snapshot is plain
data (strings and dicts); nvme_inventory.build_inventory turns it into an inventory, and the
same shape is what tests/unit/fixtures/nvme/ records from the lab VMs.
"""

import glob
import json
import os

LSBLK_ARGV = ["lsblk", "--json", "--bytes", "-O"]
PVS_FIELDS = "pv_name,pv_uuid,vg_name,vg_uuid,vg_tags,pv_size,dev_size"
LVS_FIELDS = "lv_name,vg_name,lv_uuid,lv_tags,segtype,stripes,stripe_size,lv_size,lv_path,lv_active,lv_health_status"
LVM_COMMON = ["--reportformat", "json", "--units", "b", "--nosuffix"]
RECORD_DIR = "/etc/acstor-edge/stripes"
MDADM_CONF_PATHS = ("/etc/mdadm/mdadm.conf", "/etc/mdadm.conf")
WATCHED_MODULES = ("dm_mod", "dm_raid", "raid0", "md_mod")
_CONTROLLER_ATTRS = ("model", "serial", "firmware_rev", "transport")
_MD_ATTRS = ("level", "chunk_size", "raid_disks", "array_state", "degraded")


class LiveNodeFiles:
    """How the collector reads the node: sysfs, /proc, /dev links. Tests swap in recorded ones."""

    def read(self, path, default=""):
        try:
            with open(path, "r") as handle:
                return handle.read()
        except (IOError, OSError):
            return default

    def links(self, pattern):
        found = {}
        for path in glob.glob(pattern):
            try:
                found[path] = os.readlink(path)
            except OSError:
                continue
        return found

    def glob(self, pattern):
        return glob.glob(pattern)

    def isdir(self, path):
        return os.path.isdir(path)

    def exists(self, path):
        return os.path.lexists(path)

    def listdir(self, path):
        return os.listdir(path)

    def head(self, path):
        return read_device_head(path)


def read_device_head(path, size=4096):
    """First bytes of a block device (superblocks), or b'' when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except (IOError, OSError):
        return b""


def collect_snapshot(run, bin_path, want_lvm=False, extra_probe=(), read_heads=(), paths=(), files=None):
    """run(argv) -> (rc, stdout, stderr); bin_path(name) -> path or None.

    want_lvm forces the pvs/lvs reports even when lsblk shows no LVM (a stripe spec that uses
    LVM needs to see every VG name). extra_probe: more devices to list signatures of. read_heads:
    devices whose first 4 KiB are kept (hex) for superblock parsing. paths: directories whose
    state (exists, entries) is recorded, such as a mount path.
    """
    files = files or LiveNodeFiles()
    snapshot = {"errors": []}
    rc, out, err = run(LSBLK_ARGV)
    if rc != 0:
        snapshot["errors"].append("lsblk failed: %s" % err.strip())
        out = '{"blockdevices": []}'
    snapshot["lsblk"] = out
    data = json.loads(out)

    disks = []
    uses_lvm = False
    stack = list(data.get("blockdevices", []))
    while stack:
        node = stack.pop()
        name = node.get("name") or ""
        if node.get("type") == "disk" and name.startswith("nvme"):
            disks.append(node.get("path") or "/dev/" + name)
        if node.get("fstype") == "LVM2_member" or node.get("type") == "lvm":
            uses_lvm = True
        stack.extend(node.get("children") or [])

    probe = sorted(set(disks)) + [p for p in extra_probe if files.exists(p)]
    snapshot["wipefs"] = ""
    if probe:
        # One read-only wipefs lists every signature of every device. `blkid -p` cannot do
        # that in one call: util-linux 2.38 stops at the first device without a signature.
        rc, out, err = run(["wipefs", "--no-act", "--json"] + probe)
        if rc != 0:
            snapshot["errors"].append("wipefs --no-act failed: %s" % err.strip())
        snapshot["wipefs"] = out

    snapshot["pvs"] = snapshot["lvs"] = ""
    if (uses_lvm or want_lvm) and bin_path("lvm"):
        rc, out, err = run(["pvs"] + LVM_COMMON + ["-o", PVS_FIELDS])
        snapshot["pvs"] = out if rc == 0 else ""
        if rc != 0:
            snapshot["errors"].append("pvs failed: %s" % err.strip())
        rc, out, err = run(["lvs"] + LVM_COMMON + ["-o", LVS_FIELDS])
        snapshot["lvs"] = out if rc == 0 else ""
        if rc != 0:
            snapshot["errors"].append("lvs failed: %s" % err.strip())

    links = {}
    for pattern in (
        "/dev/disk/by-id/*",
        "/sys/block/nvme*/device",
        "/sys/class/nvme-subsystem/*/nvme*",
        "/sys/block/md*/slaves/*",
    ):
        links.update(files.links(pattern))
    snapshot["links"] = links

    attrs = {}
    for controller in files.glob("/sys/class/nvme/nvme*"):
        for attr in _CONTROLLER_ATTRS:
            attrs["%s/%s" % (controller, attr)] = files.read("%s/%s" % (controller, attr))
    for md in files.glob("/sys/block/md*"):
        for attr in _MD_ATTRS:
            attrs["%s/md/%s" % (md, attr)] = files.read("%s/md/%s" % (md, attr))
    snapshot["sysfs"] = attrs

    snapshot["mountinfo"] = files.read("/proc/self/mountinfo")
    snapshot["swaps"] = files.read("/proc/swaps")
    snapshot["fstab"] = files.read("/etc/fstab")
    snapshot["modules"] = sorted(m for m in WATCHED_MODULES if files.isdir("/sys/module/" + m))
    conf = {}
    for path in MDADM_CONF_PATHS:
        if files.exists(path):
            conf[path] = files.read(path)
    snapshot["files"] = conf
    records = {}
    for path in sorted(files.glob(os.path.join(RECORD_DIR, "*.json"))):
        try:
            records[os.path.basename(path)[: -len(".json")]] = json.loads(files.read(path, "{}"))
        except ValueError:
            snapshot["errors"].append("unreadable stripe record %s" % path)
    snapshot["records"] = records
    snapshot["heads"] = {p: files.head(p).hex() for p in read_heads if files.exists(p)}
    path_state = {}
    for path in paths:
        if files.isdir(path):
            path_state[path] = {"exists": True, "is_dir": True, "entries": sorted(files.listdir(path))[:10]}
        else:
            path_state[path] = {"exists": files.exists(path), "is_dir": False, "entries": []}
    snapshot["paths"] = path_state
    return snapshot
