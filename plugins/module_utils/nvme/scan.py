# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Collect one raw snapshot of the node's block layer, cheaply.

Guest Python on slow nodes pays for every process, so this reads sysfs, /proc and
/dev/disk/by-id directly and runs only: one `lsblk`, one read-only `wipefs` over all NVMe disks
(and the stripe device when asked), and one `lvm fullreport` only when LVM is in play. The snapshot is plain
data (strings and dicts); nvme/inventory.build_inventory turns it into an inventory, and the
same shape is what tests/unit/fixtures/nvme/ records from the lab VMs.
"""

import json
import os

from ansible_collections.acstor.edge.plugins.module_utils.common.node_io import NodeFiles
from ansible_collections.acstor.edge.plugins.module_utils.local_csi import contract

LSBLK_ARGV = ["lsblk", "--json", "--bytes", "-O"]
PVS_FIELDS = "pv_name,pv_uuid,vg_name,vg_uuid,vg_tags,pv_size,dev_size"
LVS_FIELDS = "lv_name,vg_name,lv_uuid,lv_tags,segtype,stripes,stripe_size,lv_size,lv_path,lv_active,lv_health_status"
LVM_COMMON = ["--reportformat", "json", "--units", "b", "--nosuffix"]
# One LVM process for what `pvs -o PVS_FIELDS` and `lvs -o LVS_FIELDS` printed (0.3 s each on a TCG lab node):
# fullreport's pv report (orphan PVs included) and its seg report (lvs with segment fields prints a row per segment
# too, and leaves out internal LVs as fullreport does without --all). Its other reports get one cheap field each.
LVM_REPORT_ARGV = (
    ["lvm", "fullreport"]
    + LVM_COMMON
    + ["--configreport", "pv", "-o", PVS_FIELDS, "--configreport", "seg", "-o", LVS_FIELDS]
    + ["--configreport", "vg", "-o", "vg_name", "--configreport", "lv", "-o", "lv_name"]
    + ["--configreport", "pvseg", "-o", "pvseg_start"]
)
# enough of a disk's first bytes for the member signatures stripe/member_signatures checks (md 1.2 at 4 KiB)
HEAD_BYTES = 0x1000 + 512
_CONTROLLER_ATTRS = ("model", "serial", "firmware_rev", "transport")
_MD_ATTRS = ("level", "chunk_size", "raid_disks", "array_state", "degraded")


def collect_snapshot(
    run, bin_path, want_lvm=False, extra_probe=(), read_heads=(), paths=(), files=None, known_signatures=None
):
    """run(argv) -> (rc, stdout, stderr); bin_path(name) -> path or None.

    want_lvm forces the LVM report even when lsblk shows no LVM (a stripe spec that uses
    LVM needs to see every VG name). extra_probe: more devices to list signatures of. read_heads:
    devices whose first 4 KiB are kept (hex) for superblock parsing. paths: directories whose
    state (exists, entries) is recorded, such as a mount path. files: how node files are read
    (common.node_io.NodeFiles by default). known_signatures(lsblk's top-level nodes, the stripe records, a reader of a
    disk's first bytes) -> {disk path: [wipefs row]}: the disks whose signatures are known without wipefs
    (stripe/member_signatures), kept in "signatures_from_lsblk"; wipefs reads the others (and extra_probe, when it
    runs at all).
    """
    files = files or NodeFiles()
    snapshot = {"errors": []}
    disks, uses_lvm = _read_lsblk(run, snapshot)
    _read_records(files, snapshot)
    probe = sorted(set(disks))
    if known_signatures:
        blockdevices = json.loads(snapshot["lsblk"]).get("blockdevices", [])
        known = known_signatures(blockdevices, snapshot["records"], lambda path: files.head(path, HEAD_BYTES))
        if known:
            snapshot["signatures_from_lsblk"] = {"signatures": [row for rows in known.values() for row in rows]}
            probe = [disk for disk in probe if disk not in known]
    _read_signatures(run, snapshot, probe + [p for p in extra_probe if probe and files.exists(p)])
    _read_lvm(run, snapshot, (uses_lvm or want_lvm) and bin_path("lvm"))
    _read_sysfs(files, snapshot)
    snapshot["mountinfo"] = files.read("/proc/self/mountinfo")
    snapshot["swaps"] = files.read("/proc/swaps")
    snapshot["fstab"] = files.read("/etc/fstab")
    snapshot["modules"] = sorted(m for m in contract.KERNEL_MODULES if files.isdir("/sys/module/" + m))
    snapshot["files"] = dict((path, files.read(path)) for path in contract.MDADM_CONF_PATHS if files.exists(path))
    snapshot["heads"] = {p: files.head(p).hex() for p in read_heads if files.exists(p)}
    snapshot["paths"] = dict((path, _path_state(files, path)) for path in paths)
    return snapshot


def _read_lsblk(run, snapshot):
    """Record lsblk; return (NVMe disk paths, whether any LVM is in use)."""
    rc, out, err = run(LSBLK_ARGV)
    if rc != 0:
        snapshot["errors"].append("lsblk failed: %s" % err.strip())
        out = '{"blockdevices": []}'
    snapshot["lsblk"] = out
    disks = []
    uses_lvm = False
    stack = list(json.loads(out).get("blockdevices", []))
    while stack:
        node = stack.pop()
        name = node.get("name") or ""
        if node.get("type") == "disk" and name.startswith("nvme"):
            disks.append(node.get("path") or "/dev/" + name)
        if node.get("fstype") == "LVM2_member" or node.get("type") == "lvm":
            uses_lvm = True
        stack.extend(node.get("children") or [])
    return disks, uses_lvm


def _read_signatures(run, snapshot, probe):
    snapshot["wipefs"] = ""
    if not probe:
        return
    # One read-only wipefs lists every signature of every device. `blkid -p` cannot do
    # that in one call: util-linux 2.38 stops at the first device without a signature.
    rc, out, err = run(["wipefs", "--no-act", "--json"] + probe)
    if rc != 0:
        snapshot["errors"].append("wipefs --no-act failed: %s" % err.strip())
        # absent from recorded snapshots: signatures were read
        snapshot["signatures_read"] = False
    snapshot["wipefs"] = out


def _read_lvm(run, snapshot, wanted):
    snapshot["lvm"] = ""
    if not wanted:
        return
    rc, out, err = run(LVM_REPORT_ARGV)
    snapshot["lvm"] = out if rc == 0 else ""
    if rc != 0:
        snapshot["errors"].append("lvm fullreport failed: %s" % err.strip())


def _read_sysfs(files, snapshot):
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


def _read_records(files, snapshot):
    records = {}
    for path in sorted(files.glob(os.path.join(contract.RECORD_DIR, "*.json"))):
        try:
            records[os.path.basename(path)[: -len(".json")]] = json.loads(files.read(path, "{}"))
        except ValueError:
            snapshot["errors"].append("unreadable stripe record %s" % path)
    snapshot["records"] = records


def _path_state(files, path):
    if files.isdir(path):
        return {"exists": True, "is_dir": True, "entries": sorted(files.listdir(path))[:10]}
    return {"exists": files.exists(path), "is_dir": False, "entries": []}
