# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers for block-layer tool output and on-disk superblocks.

Every function here takes text (or bytes) and returns data; none of them runs a command or
reads a file, so they are tested on output recorded from the lab VMs
(tests/unit/fixtures/nvme/).
"""

import json
import struct
from dataclasses import dataclass, field
from typing import List

# parse_size moved to node_inputs (one rule for sizes); importable from here as before
from ansible_collections.acstor.edge.plugins.module_utils.node.inputs import parse_size  # noqa: F401 pylint: disable=unused-import


@dataclass
class BlockDevice:
    """One node of `lsblk --json --bytes -O` (the tree keeps partitions and holders as children)."""

    name: str
    path: str
    type: str
    size: int = 0
    model: str = ""
    serial: str = ""
    revision: str = ""
    transport: str = ""
    logical_sector_size: int = 0
    physical_sector_size: int = 0
    fstype: str = ""
    label: str = ""
    uuid: str = ""
    pttype: str = ""
    parttype: str = ""
    mountpoints: List[str] = field(default_factory=list)
    children: List["BlockDevice"] = field(default_factory=list)

    def walk(self):
        """This device and every descendant, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class MountEntry:
    source: str
    mountpoint: str
    fstype: str
    options: str
    major_minor: str = ""


@dataclass
class FstabEntry:
    source: str
    mountpoint: str
    fstype: str
    options: str
    line_number: int


@dataclass
class FilesystemSuperblock:
    """What the superblock says about a filesystem's identity and RAID alignment."""

    type: str
    uuid: str
    block_size: int
    stripe_unit: int
    stripe_width: int
    # xfs sb_inprogress: mkfs.xfs sets it first and clears it last; the kernel refuses to mount such a
    # filesystem, so one that still carries it was never mounted and holds no data
    in_progress: bool = False


def _text(value):
    return "" if value is None else str(value).strip()


def _int(value):
    if value in (None, ""):
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _lsblk_node(raw):
    mountpoints = raw.get("mountpoints")
    if mountpoints is None:
        # util-linux < 2.37 has only the single-valued column
        mountpoints = [raw.get("mountpoint")]
    return BlockDevice(
        name=_text(raw.get("name")),
        path=_text(raw.get("path")) or "/dev/" + _text(raw.get("name")),
        type=_text(raw.get("type")),
        size=_int(raw.get("size")),
        model=_text(raw.get("model")),
        serial=_text(raw.get("serial")),
        revision=_text(raw.get("rev")),
        transport=_text(raw.get("tran")),
        logical_sector_size=_int(raw.get("log-sec")),
        physical_sector_size=_int(raw.get("phy-sec")),
        fstype=_text(raw.get("fstype")),
        label=_text(raw.get("label")),
        uuid=_text(raw.get("uuid")),
        pttype=_text(raw.get("pttype")),
        parttype=_text(raw.get("parttype")).lower(),
        mountpoints=[m for m in mountpoints if m],
        children=[_lsblk_node(child) for child in raw.get("children") or []],
    )


def parse_lsblk(text):
    """`lsblk --json --bytes -O` -> list of top-level BlockDevice trees."""
    data = json.loads(text)
    return [_lsblk_node(raw) for raw in data.get("blockdevices", [])]


def parse_wipefs_json(text):
    """`wipefs --no-act --json DEV...` -> {device path: [signature dicts]} (type, label, uuid, offset).

    Devices without any signature are absent from the result: they are blank.
    """
    text = text.strip()
    if not text:
        return {}
    result = {}
    for row in json.loads(text).get("signatures", []):
        device = row.get("device", "")
        path = device if device.startswith("/") else "/dev/" + device
        result.setdefault(path, []).append(
            {
                "type": _text(row.get("type")),
                "label": _text(row.get("label")),
                "uuid": _text(row.get("uuid")),
                "offset": _text(row.get("offset")),
            }
        )
    return result


def parse_lvm_report(text, section):
    """`pvs|lvs|vgs --reportformat json` -> list of row dicts of `section` (pv, lv, vg)."""
    text = text.strip()
    if not text:
        return []
    rows = []
    for report in json.loads(text).get("report", []):
        rows.extend(report.get(section, []))
    return rows


def parse_lvm_fullreport(text):
    """`lvm fullreport --reportformat json` (nvme/scan.LVM_REPORT_ARGV) -> (PV rows, LV rows) as `pvs` and `lvs` print
    them with the same fields: the rows of every VG's "pv" report (the orphan PVs' too) in pvs' order (pv_name), and
    of its "seg" report in lvs' order (vg_name, lv_name; an LV's segments in their order)."""
    pvs = sorted(parse_lvm_report(text, "pv"), key=lambda row: row.get("pv_name", ""))
    lvs = sorted(parse_lvm_report(text, "seg"), key=lambda row: (row.get("vg_name", ""), row.get("lv_name", "")))
    return pvs, lvs


def _unescape_octal(value):
    # /proc/self/mountinfo and /etc/fstab escape space, tab, newline and backslash as \ooo
    if "\\" not in value:
        return value
    out = []
    index = 0
    while index < len(value):
        if value[index] == "\\" and value[index + 1 : index + 4].isdigit():
            out.append(chr(int(value[index + 1 : index + 4], 8)))
            index += 4
        else:
            out.append(value[index])
            index += 1
    return "".join(out)


def parse_mountinfo(text):
    """/proc/self/mountinfo -> list of MountEntry."""
    entries = []
    for line in text.splitlines():
        fields = line.split()
        if "-" not in fields:
            continue
        separator = fields.index("-")
        if separator < 6 or len(fields) < separator + 3:
            continue
        entries.append(
            MountEntry(
                source=_unescape_octal(fields[separator + 2]),
                mountpoint=_unescape_octal(fields[4]),
                fstype=fields[separator + 1],
                options=fields[5],
                major_minor=fields[2],
            )
        )
    return entries


def parse_swaps(text):
    """/proc/swaps -> list of swap device or file paths."""
    return [line.split()[0] for line in text.splitlines()[1:] if line.strip()]


def parse_fstab(text):
    """/etc/fstab -> list of FstabEntry (comments and blank lines skipped)."""
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = stripped.split()
        if len(fields) < 2:
            continue
        entries.append(
            FstabEntry(
                source=_unescape_octal(fields[0]),
                mountpoint=_unescape_octal(fields[1]),
                fstype=fields[2] if len(fields) > 2 else "",
                options=fields[3] if len(fields) > 3 else "defaults",
                line_number=number,
            )
        )
    return entries


def parse_mdadm_detail_export(text):
    """`mdadm --detail --export /dev/mdX` -> {MD_LEVEL: raid0, MD_UUID: ..., MD_DEVICE_dev_nvme0n1_ROLE: 0, ...}."""
    result = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep:
            result[key] = value.strip("'\"")
    return result


def normalize_md_uuid(value):
    """md UUIDs come as 8:8:8:8 (mdadm) or 8-4-4-4-12 (blkid, udev); compare them as 32 hex digits."""
    digits = "".join(ch for ch in (value or "").lower() if ch in "0123456789abcdef")
    return digits if len(digits) == 32 else ""


def mdadm_uuid_format(value):
    digits = normalize_md_uuid(value)
    return ":".join(digits[i : i + 8] for i in range(0, 32, 8)) if digits else ""


def _format_uuid(raw):
    hexed = raw.hex()
    return "-".join((hexed[0:8], hexed[8:12], hexed[12:16], hexed[16:20], hexed[20:32]))


# XFS superblock (struct xfs_dsb, big endian) offsets: sb_blocksize @4, sb_uuid @32,
# sb_unit @184 and sb_width @188, both in filesystem blocks (xfs_format.h).
_XFS_MAGIC = b"XFSB"
# ext2/3/4 superblock at byte 1024 of the device (little endian): s_log_block_size @0x18,
# s_magic @0x38, s_uuid @0x68, s_raid_stride @0x164 (blocks), s_raid_stripe_width @0x170 (blocks).
_EXT_SUPERBLOCK_OFFSET = 1024
_EXT_MAGIC = 0xEF53


def parse_superblock(head):
    """First 4 KiB of a device -> FilesystemSuperblock for xfs or ext4, else None.

    Reading the superblock directly costs no process (xfs_info/dumpe2fs would), which keeps a
    no-op run cheap on slow nodes. stripe_unit/stripe_width are returned in bytes.
    """
    if len(head) >= 192 and head[0:4] == _XFS_MAGIC:
        block_size = struct.unpack(">I", head[4:8])[0]
        unit, width = struct.unpack(">II", head[184:192])
        return FilesystemSuperblock(
            "xfs",
            _format_uuid(head[32:48]),
            block_size,
            unit * block_size,
            width * block_size,
            in_progress=head[126] != 0,
        )
    base = _EXT_SUPERBLOCK_OFFSET
    if len(head) >= base + 0x174 and struct.unpack("<H", head[base + 0x38 : base + 0x3A])[0] == _EXT_MAGIC:
        block_size = 1024 << struct.unpack("<I", head[base + 0x18 : base + 0x1C])[0]
        stride = struct.unpack("<H", head[base + 0x164 : base + 0x166])[0]
        stripe_width = struct.unpack("<I", head[base + 0x170 : base + 0x174])[0]
        return FilesystemSuperblock(
            "ext4",
            _format_uuid(head[base + 0x68 : base + 0x78]),
            block_size,
            stride * block_size,
            stripe_width * block_size,
        )
    return None


def human_size(value):
    for unit, scale in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if value >= scale:
            return ("%.2f" % (value / float(scale))).rstrip("0").rstrip(".") + " " + unit
    return "%d B" % value


def sysfs_value(attrs, path, default=""):
    value = attrs.get(path)
    return default if value is None else value.strip()


def link_basename(links, path):
    target = links.get(path)
    return target.rstrip("/").rsplit("/", 1)[-1] if target else None
