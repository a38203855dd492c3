# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Turn a raw node snapshot (see nvme/scan.collect_snapshot) into an NVMe inventory.

Pure functions: the snapshot is a dict of recorded tool output, sysfs attribute values and
symlink targets, so everything here runs on fixtures recorded from the lab VMs.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ansible_collections.acstor.edge.plugins.module_utils.local_csi import contract
from ansible_collections.acstor.edge.plugins.module_utils.nvme.parsers import (
    link_basename,
    normalize_md_uuid,
    parse_fstab,
    parse_lsblk,
    parse_lvm_fullreport,
    parse_lvm_report,
    parse_mountinfo,
    parse_swaps,
    parse_wipefs_json,
    sysfs_value,
)

OS_MOUNTPOINTS = ("/", "/boot", "/boot/efi", "/efi", "[SWAP]")
# GPT type of the EFI system partition, and its MBR partition type.
EFI_PARTTYPES = ("c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "0xef")
_NAMESPACE_NAME = re.compile(r"^nvme[0-9]+n[0-9]+$")
_CONTROLLER_NAME = re.compile(r"^nvme[0-9]+$")


model_key = contract.model_key


@dataclass
class Signature:
    type: str
    label: str = ""
    uuid: str = ""
    offset: str = ""

    def describe(self):
        extra = ", ".join(
            "%s=%s" % (key, value) for key, value in (("label", self.label), ("uuid", self.uuid)) if value
        )
        return "%s signature%s" % (self.type, " (%s)" % extra if extra else "")


@dataclass
class InUse:
    signatures: List[Signature] = field(default_factory=list)
    partitions: List[str] = field(default_factory=list)
    holders: List[Dict[str, str]] = field(default_factory=list)
    mountpoints: List[str] = field(default_factory=list)
    md: Optional[Dict[str, str]] = None
    lvm_pv: Optional[Dict[str, str]] = None

    @property
    def any(self):
        return bool(self.signatures or self.partitions or self.holders or self.mountpoints)

    def as_dict(self):
        return {
            "any": self.any,
            "signatures": [s.__dict__.copy() for s in self.signatures],
            "partitions": list(self.partitions),
            "holders": [dict(h) for h in self.holders],
            "mountpoints": list(self.mountpoints),
            "md": dict(self.md) if self.md else None,
            "lvm_pv": dict(self.lvm_pv) if self.lvm_pv else None,
        }


@dataclass
class NvmeNamespace:
    name: str
    path: str
    by_id: List[str]
    controller: str
    model: str
    serial: str
    firmware: str
    transport: str
    size: int
    logical_sector_size: int
    physical_sector_size: int
    device_class: str
    in_use: InUse
    os_reasons: List[str] = field(default_factory=list)
    csi_eligible: bool = False
    csi_reasons: List[str] = field(default_factory=list)
    csi_addon_model_needed: Optional[str] = None
    csi_eligible_with_addon: bool = False
    lsblk: Optional[object] = None
    # False when wipefs could not list signatures: in_use.signatures is then not the whole truth
    signatures_read: bool = True

    @property
    def stable_id(self):
        """The by-id link naming model, serial and namespace id, else any by-id link."""
        preferred = [link for link in self.by_id if "/nvme-eui." not in link and "/nvme-nvme." not in link]
        with_nsid = [link for link in preferred if re.search(r"_[0-9]+$", link)]
        for choice in (with_nsid, preferred, self.by_id):
            if choice:
                return sorted(choice)[0]
        return self.path

    def as_dict(self):
        return {
            "name": self.name,
            "path": self.path,
            "by_id": list(self.by_id),
            "stable_id": self.stable_id,
            "controller": self.controller,
            "model": self.model,
            "serial": self.serial,
            "firmware": self.firmware,
            "transport": self.transport,
            "size": self.size,
            "logical_sector_size": self.logical_sector_size,
            "physical_sector_size": self.physical_sector_size,
            "class": self.device_class,
            "os_reasons": list(self.os_reasons),
            "in_use": self.in_use.as_dict(),
            "csi": {
                "eligible": self.csi_eligible,
                "reasons": list(self.csi_reasons),
                "addon_model_needed": self.csi_addon_model_needed,
                "eligible_with_addon_models": self.csi_eligible_with_addon,
            },
        }


@dataclass
class MdArray:
    name: str
    path: str
    level: str
    chunk_size: int
    raid_disks: int
    array_state: str
    degraded: int
    members: List[str]
    uuid: str = ""
    array_name: str = ""


@dataclass
class NodeInventory:
    devices: List[object]
    namespaces: List[NvmeNamespace]
    md_arrays: Dict[str, MdArray]
    pvs: List[Dict[str, str]]
    lvs: List[Dict[str, str]]
    mounts: List[object]
    fstab: List[object]
    fstab_text: str
    swaps: List[str]
    by_id: Dict[str, str]
    records: Dict[str, dict]
    loaded_modules: List[str]
    files: Dict[str, str]
    heads: Dict[str, str] = field(default_factory=dict)
    paths: Dict[str, dict] = field(default_factory=dict)

    def namespace(self, name):
        for namespace in self.namespaces:
            if namespace.name == name:
                return namespace
        return None

    def device(self, name):
        for top in self.devices:
            for node in top.walk():
                if node.name == name:
                    return node
        return None

    def mount_at(self, path):
        found = None
        for entry in self.mounts:
            if entry.mountpoint == path:
                found = entry  # the last one listed is the one visible
        return found


def _addon_reason(model):
    return "model '%s' is not built into the driver: add it to diskSelection.addonModels" % model


def _signatures(rows):
    return [Signature(r["type"], r.get("label", ""), r.get("uuid", ""), r.get("offset", "")) for r in rows]


def _by_id_links(by_id, name):
    return sorted(link for link, target in by_id.items() if target.rstrip("/").rsplit("/", 1)[-1] == name)


def _controller(snapshot, name):
    links = snapshot.get("links", {})
    parent = link_basename(links, "/sys/block/%s/device" % name) or ""
    if _CONTROLLER_NAME.match(parent):
        return parent
    # native NVMe multipath: the namespace head hangs off nvme-subsysN, which lists its controllers
    prefix = "/sys/class/nvme-subsystem/%s/" % parent
    controllers = sorted(path[len(prefix) :] for path in links if path.startswith(prefix))
    controllers = [c for c in controllers if _CONTROLLER_NAME.match(c)]
    return controllers[0] if controllers else parent


def _os_reasons(disk, swaps):
    reasons = []
    for node in disk.walk():
        for mountpoint in node.mountpoints:
            if mountpoint in OS_MOUNTPOINTS:
                reasons.append("%s holds %s" % (node.path, "swap" if mountpoint == "[SWAP]" else mountpoint))
        if node.path in swaps and "[SWAP]" not in node.mountpoints:
            reasons.append("%s holds swap" % node.path)
        if node.type == "part" and node.parttype in EFI_PARTTYPES:
            reasons.append("%s is an EFI system partition" % node.path)
    return reasons


def _in_use(disk, signature_rows, pv_rows):
    in_use = InUse(signatures=_signatures(signature_rows))
    in_use.mountpoints = list(disk.mountpoints)
    for child in disk.children:
        if child.type == "part":
            in_use.partitions.append(child.name)
            for node in child.walk():
                in_use.mountpoints.extend(node.mountpoints)
        else:
            in_use.holders.append({"name": child.name, "type": child.type, "path": child.path})
    for row in signature_rows:
        if row["type"] == "linux_raid_member" and in_use.md is None:
            in_use.md = {
                "uuid": normalize_md_uuid(row.get("uuid")),
                "name": row.get("label", "").split(":", 1)[-1],
                "label": row.get("label", ""),
            }
        if row["type"] == "LVM2_member" and in_use.lvm_pv is None:
            vg = ""
            for pv in pv_rows:
                if pv.get("pv_name") == disk.path:
                    vg = pv.get("vg_name", "")
            in_use.lvm_pv = {"vg": vg, "uuid": row.get("uuid", "")}
    return in_use


def _md_arrays(snapshot, by_id):
    attrs = snapshot.get("sysfs", {})
    links = snapshot.get("links", {})
    names = sorted({path.split("/")[3] for path in attrs if path.startswith("/sys/block/md")})
    arrays = {}
    for name in names:
        base = "/sys/block/%s/md/" % name
        members = sorted(path.rsplit("/", 1)[-1] for path in links if path.startswith("/sys/block/%s/slaves/" % name))
        md = MdArray(
            name=name,
            path="/dev/" + name,
            level=sysfs_value(attrs, base + "level"),
            chunk_size=int(sysfs_value(attrs, base + "chunk_size", "0") or 0),
            raid_disks=int(sysfs_value(attrs, base + "raid_disks", "0") or 0),
            array_state=sysfs_value(attrs, base + "array_state"),
            degraded=int(sysfs_value(attrs, base + "degraded", "0") or 0),
            members=members,
        )
        for link, target in by_id.items():
            if target.rstrip("/").rsplit("/", 1)[-1] != name:
                continue
            leaf = link.rsplit("/", 1)[-1]
            if leaf.startswith("md-uuid-"):
                md.uuid = normalize_md_uuid(leaf[len("md-uuid-") :])
            elif leaf.startswith("md-name-"):
                md.array_name = leaf[len("md-name-") :].split(":", 1)[-1]
        arrays[name] = md
    return arrays


def classify(disk, extra_models, os_reasons):
    if os_reasons:
        return "os"
    extra = {model_key(m) for m in extra_models}
    return "local" if contract.is_builtin_model(disk.model) or model_key(disk.model) in extra else "other"


def csi_verdict(disk, signature_rows):
    """The driver's filter: (eligible with its defaults, reasons, addon model needed, eligible with that addon)."""
    reasons = []
    addon_needed = None
    if not disk.path.startswith("/dev/nvme"):
        reasons.append("path %s does not start with /dev/nvme" % disk.path)
    if disk.type != "disk":
        reasons.append("type is %s, not disk" % disk.type)
    if not contract.is_builtin_model(disk.model):
        addon_needed = disk.model
        reasons.append(_addon_reason(disk.model))
    # the driver takes blank disks and existing LVM PVs; anything else (a partition table too) is "formatted"
    if [row for row in signature_rows if row["type"] != "LVM2_member"]:
        reasons.append("not blank: %s" % ", ".join(s.describe() for s in _signatures(signature_rows)))
    with_addon = not [r for r in reasons if addon_needed is None or r != _addon_reason(addon_needed)]
    return (not reasons, reasons, addon_needed, with_addon)


def build_inventory(snapshot, extra_models=()):
    """Snapshot dict -> NodeInventory with every NVMe namespace classified."""
    devices = parse_lsblk(snapshot.get("lsblk") or '{"blockdevices": []}')
    pv_rows, lv_rows = _lvm_rows(snapshot)
    swaps = parse_swaps(snapshot.get("swaps", ""))
    by_id = {k: v for k, v in snapshot.get("links", {}).items() if k.startswith("/dev/disk/by-id/")}
    signatures = parse_wipefs_json(snapshot.get("wipefs", ""))
    # members of a recorded stripe whose signature lsblk and the disk's first bytes gave (nvme/scan)
    signatures.update(parse_wipefs_json(json.dumps(snapshot.get("signatures_from_lsblk") or {})))
    namespaces = [
        _namespace(snapshot, disk, signatures.get(disk.path, []), pv_rows, swaps, by_id, extra_models)
        for disk in devices
        if disk.type == "disk" and _NAMESPACE_NAME.match(disk.name)
    ]
    namespaces.sort(key=_namespace_order)
    return NodeInventory(
        devices=devices,
        namespaces=namespaces,
        md_arrays=_md_arrays(snapshot, by_id),
        pvs=pv_rows,
        lvs=lv_rows,
        mounts=parse_mountinfo(snapshot.get("mountinfo", "")),
        fstab=parse_fstab(snapshot.get("fstab", "")),
        fstab_text=snapshot.get("fstab", ""),
        swaps=swaps,
        by_id=by_id,
        records=dict(snapshot.get("records", {})),
        loaded_modules=list(snapshot.get("modules", [])),
        files=dict(snapshot.get("files", {})),
        heads=dict(snapshot.get("heads", {})),
        paths=dict(snapshot.get("paths", {})),
    )


def _lvm_rows(snapshot):
    """(PV rows, LV rows): from the one `lvm fullreport` of a snapshot, or the `pvs` and `lvs` reports that snapshots
    recorded before it (tests/unit/fixtures/nvme)."""
    if "lvm" in snapshot:
        return parse_lvm_fullreport(snapshot["lvm"])
    return parse_lvm_report(snapshot.get("pvs", ""), "pv"), parse_lvm_report(snapshot.get("lvs", ""), "lv")


def _namespace_order(namespace):
    """nvme<controller>n<namespace> in numeric order (nvme2n1 before nvme10n1)."""
    controller, number = re.sub(r"\D", " ", namespace.name).split()[:2]
    return int(controller), int(number)


def _namespace(snapshot, disk, tags, pv_rows, swaps, by_id, extra_models):
    """One NVMe namespace: lsblk's identity (sysfs where lsblk has none), its class, use and CSI verdict."""
    attrs = snapshot.get("sysfs", {})
    controller = _controller(snapshot, disk.name)
    ctrl_base = "/sys/class/nvme/%s/" % controller
    os_reasons = _os_reasons(disk, swaps)
    eligible, reasons, addon, with_addon = csi_verdict(disk, tags)
    return NvmeNamespace(
        name=disk.name,
        path=disk.path,
        by_id=_by_id_links(by_id, disk.name),
        controller=controller,
        model=" ".join((disk.model or sysfs_value(attrs, ctrl_base + "model")).split()),
        serial=(disk.serial or sysfs_value(attrs, ctrl_base + "serial")).strip(),
        firmware=sysfs_value(attrs, ctrl_base + "firmware_rev") or disk.revision,
        transport=sysfs_value(attrs, ctrl_base + "transport") or disk.transport,
        size=disk.size,
        logical_sector_size=disk.logical_sector_size,
        physical_sector_size=disk.physical_sector_size,
        device_class=classify(disk, extra_models, os_reasons),
        in_use=_in_use(disk, tags, pv_rows),
        os_reasons=os_reasons,
        csi_eligible=eligible,
        csi_reasons=reasons,
        csi_addon_model_needed=addon,
        csi_eligible_with_addon=with_addon,
        lsblk=disk,
        signatures_read=snapshot.get("signatures_read", True),
    )


def addon_models_needed(inventory, extra_models=()):
    """Models the chart's diskSelection.addonModels must list for the local disks present."""
    extra = {model_key(m) for m in extra_models}
    models = {}
    for namespace in inventory.namespaces:
        key = model_key(namespace.model)
        if contract.is_builtin_model(namespace.model):
            continue
        if namespace.device_class == "local" or key in extra:
            models[key] = namespace.model
    return sorted(models.values())
