# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The signatures of a recorded stripe's member disks, known without `wipefs` (nvme_stripes' no-op read).

Pure: lsblk's JSON, the stripe records and a reader of a disk's first bytes in; rows in `wipefs --json` form out.

`wipefs --no-act` lists every signature libblkid finds on a disk; lsblk prints the one udev probed. On a disk that
is a member of a stripe we recorded and that is assembled right now, the two agree, and only then is lsblk's word
taken: the record names the disk's serial, lsblk shows the backend's member signature with the record's identity
(the md array's UUID; for LVM, the stripe's LV stacked on the disk), no partition table and no partition, the
stripe's device held on the disk, and the disk's own first bytes carry that signature's magic where wipefs reports
it. A disk that fails any of these is read by wipefs. Nothing here ever finds a disk blank: a disk it knows holds
our member signature. And a plan made from these rows that changes anything, or refuses, is made again from a full
wipefs read (stripe/node_runner): they only confirm a no-op.
"""

from ansible_collections.acstor.edge.plugins.module_utils.nvme.parsers import normalize_md_uuid
from ansible_collections.acstor.edge.plugins.module_utils.stripe.backends import dm_name

# backend: (signature type, offset wipefs reports, magic found there). LVM's label in sector 1 (pvcreate's
# default: "LABELONE" at 512, "LVM2 001" at 536 = 0x218); md metadata 1.2 at 4 KiB (magic a92b4efc, little endian).
MEMBER_SIGNATURE = {
    "lvm": ("LVM2_member", 0x218, b"LVM2 001"),
    "mdadm": ("linux_raid_member", 0x1000, b"\xfc\x4e\x2b\xa9"),
}
LVM_LABEL = (0x200, b"LABELONE")


def _walk(node):
    stack = list(node.get("children") or [])
    while stack:
        child = stack.pop()
        yield child
        stack.extend(child.get("children") or [])


def _holds_stripe(disk, record):
    """The record's stripe device is stacked on this disk now (LVM: its LV; md: an array of the record's UUID)."""
    if record.get("backend") == "lvm":
        wanted = dm_name(record.get("volume_group") or "", record.get("logical_volume") or "")
        return bool(record.get("logical_volume")) and any(
            node.get("type") == "lvm" and node.get("name") == wanted for node in _walk(disk)
        )
    uuid = normalize_md_uuid(record.get("md_uuid"))
    return (
        bool(uuid)
        and normalize_md_uuid(disk.get("uuid")) == uuid
        and any(node.get("type") == "raid0" for node in _walk(disk))
    )


def _magic_at(head, offset, magic):
    return (head or b"")[offset : offset + len(magic)] == magic


def member_signature(disk, record, head_of):
    """The wipefs row of a member disk (lsblk node) of the recorded stripe, or None when it is not proven."""
    if record.get("pending") or record.get("backend") not in MEMBER_SIGNATURE:
        return None
    kind, offset, magic = MEMBER_SIGNATURE[record["backend"]]
    if (
        disk.get("type") != "disk"
        or disk.get("fstype") != kind
        or not disk.get("uuid")
        or disk.get("pttype")
        or any(node.get("type") == "part" for node in _walk(disk))
        or not _holds_stripe(disk, record)
    ):
        return None
    head = head_of(disk.get("path") or "/dev/" + disk.get("name", ""))
    if not _magic_at(head, offset, magic) or (record["backend"] == "lvm" and not _magic_at(head, *LVM_LABEL)):
        return None
    return {
        "device": disk.get("name"),
        "offset": "0x%x" % offset,
        "type": kind,
        "uuid": disk.get("uuid"),
        "label": disk.get("label"),
    }


def recorded_member_signatures(blockdevices, records, head_of):
    """{disk path: [wipefs row]} for the NVMe disks (lsblk's top-level nodes) proven members of a recorded stripe."""
    by_serial = {}
    for record in records.values():
        for member in record.get("members") or []:
            if member.get("serial"):
                by_serial.setdefault(member["serial"], []).append(record)
    known = {}
    for disk in blockdevices:
        records_of = by_serial.get((disk.get("serial") or "").strip(), [])
        if len(records_of) != 1 or not (disk.get("name") or "").startswith("nvme"):
            continue
        row = member_signature(disk, records_of[0], head_of)
        if row:
            known[disk.get("path") or "/dev/" + disk["name"]] = [row]
    return known
