# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan one NVMe stripe: (inventory, StripeSpec) -> Plan of actions, or errors.

Pure: no commands, no files. Every data-safety rule of acstor.edge.nvme_stripe lives here so
that it is unit tested as a table of current state x spec -> plan/error.
"""

import json
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ansible_collections.acstor.edge.plugins.module_utils.node import inputs as rules
from ansible_collections.acstor.edge.plugins.module_utils.node.inputs import parse_size
from ansible_collections.acstor.edge.plugins.module_utils.nvme.inventory import model_key
from ansible_collections.acstor.edge.plugins.module_utils.nvme.parsers import (
    human_size,
    mdadm_uuid_format,
    normalize_md_uuid,
    parse_superblock,
)

# 64 KiB: what LVM uses for raid0 when no --stripesize is given, i.e. what the local CSI
# driver (ACStor v2) builds; keeping it for both backends makes a stripe behave the same
# whichever backend or the driver built it. Small random I/O on NVMe is insensitive to it.
DEFAULT_STRIPE_SIZE = 64 * 1024
MIN_STRIPE_SIZE = 4096
DEFAULT_SIZE_TOLERANCE = 5.0
CSI_VOLUME_GROUP = "containerstorage"
CSI_VG_TAG = "local-csi"
STRIPE_TAG_PREFIX = "acstor-edge-stripe-"
RECORD_DIR = "/etc/acstor-edge/stripes"
RECORD_VERSION = 1
DEFAULT_MOUNT_BEFORE = (
    "kubelet.service",
    "k3s.service",
    "k3s-agent.service",
    "rke2-server.service",
    "rke2-agent.service",
)
FILESYSTEMS = ("xfs", "ext4", "none")
BACKENDS = ("lvm", "mdadm")
MODES = ("volume", "csi_vg")
STATES = ("present", "absent")
SELECTOR_KEYS = ("class", "models", "min_size", "count")
SELECTOR_CLASSES = ("local", "other", "any")
OPTION_NAMES = (
    "name",
    "state",
    "backend",
    "mode",
    "devices",
    "selector",
    "stripe_size",
    "filesystem",
    "mount_path",
    "mount_options",
    "mount_before",
    "force",
    "ephemeral",
    "volume_group",
    "size_tolerance",
    "extra_models",
    "update_initramfs",
)


@dataclass
class StripeSpec:
    name: str
    state: str = "present"
    backend: str = "lvm"
    mode: str = "volume"
    devices: List[str] = field(default_factory=list)
    selector: Optional[Dict[str, object]] = None
    stripe_size: object = DEFAULT_STRIPE_SIZE
    filesystem: Optional[str] = None  # None: xfs for mode volume, none for mode csi_vg
    mount_path: str = ""
    mount_options: str = "defaults,noatime"
    mount_before: List[str] = field(default_factory=lambda: list(DEFAULT_MOUNT_BEFORE))
    force: bool = False
    ephemeral: bool = False
    volume_group: str = ""
    size_tolerance: float = DEFAULT_SIZE_TOLERANCE
    extra_models: List[str] = field(default_factory=list)

    def __post_init__(self):
        if self.filesystem is None:
            self.filesystem = "none" if self.mode == "csi_vg" else "xfs"

    @property
    def vg_name(self):
        if self.volume_group:
            return self.volume_group
        return CSI_VOLUME_GROUP if self.mode == "csi_vg" else self.name

    @property
    def lv_name(self):
        return self.name

    @property
    def tag(self):
        return STRIPE_TAG_PREFIX + self.name

    @property
    def stripe_bytes(self):
        return parse_size(self.stripe_size)

    @property
    def device_path(self):
        if self.backend == "mdadm":
            return "/dev/md/%s" % self.name
        if self.mode == "csi_vg":
            return ""
        return "/dev/%s/%s" % (self.vg_name, self.lv_name)


@dataclass
class Action:
    kind: str  # command | write_file | remove_file | mkdir | md_conf | record | fstab
    description: str
    argv: List[str] = field(default_factory=list)
    path: str = ""
    content: str = ""
    destroys: List[str] = field(default_factory=list)
    ok_rcs: List[int] = field(default_factory=lambda: [0])

    def as_dict(self):
        out = {"kind": self.kind, "description": self.description}
        if self.argv:
            out["command"] = list(self.argv)
        if self.path:
            out["path"] = self.path
        if self.destroys:
            out["destroys"] = list(self.destroys)
        return out


@dataclass
class ExistingStripe:
    backend: str
    device: str
    members: List[str]  # namespace names (current kernel names)
    level: str = ""
    stripes: int = 0
    stripe_size: int = 0
    active: bool = True
    uuid: str = ""
    size: int = 0
    vg: str = ""
    lv: str = ""
    vg_tags: List[str] = field(default_factory=list)
    other_lvs: List[str] = field(default_factory=list)


@dataclass
class Plan:
    spec: StripeSpec
    errors: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    actions: List[Action] = field(default_factory=list)
    members: List[object] = field(default_factory=list)
    existing: Optional[ExistingStripe] = None
    before: Dict[str, object] = field(default_factory=dict)
    after: Dict[str, object] = field(default_factory=dict)
    record: Dict[str, object] = field(default_factory=dict)
    filesystem: Dict[str, object] = field(default_factory=dict)
    creates_stripe: bool = False

    @property
    def changed(self):
        return bool(self.actions)

    @property
    def destroys(self):
        return [item for action in self.actions for item in action.destroys]


def validate_spec(spec, prefix=""):
    """Errors for a spec on its own, before looking at the node. Each names the option and its rule.

    The value rules are node_inputs' (the same functions validate.yml runs); the rules about how the
    options combine live here.
    """
    errors = []
    option = prefix.__add__
    rules.check(errors, option("name"), spec.name, rules.stripe_name)
    rules.check_choice(errors, option("state"), spec.state, STATES)
    rules.check_choice(errors, option("backend"), spec.backend, BACKENDS)
    rules.check_choice(errors, option("mode"), spec.mode, MODES)
    if spec.state == "absent":
        # teardown flips a stripe's own list item to absent: its other options are checked, not used
        if spec.mount_path:
            rules.check(errors, option("mount_path"), spec.mount_path, rules.mount_path)
        if spec.volume_group:
            rules.check(errors, option("volume_group"), spec.volume_group, rules.lvm_name)
        return errors
    rules.check(errors, option("stripe_size"), spec.stripe_size, rules.stripe_size)
    rules.check_choice(errors, option("filesystem"), spec.filesystem, FILESYSTEMS)
    if spec.mount_path and rules.check(errors, option("mount_path"), spec.mount_path, rules.mount_path):
        if spec.filesystem == "none" and spec.mode == "volume":
            errors.append(
                rules.message(
                    option("mount_path"), "%r needs a filesystem (filesystem is none)" % spec.mount_path, "mode"
                )
            )
    rules.check(errors, option("mount_options"), spec.mount_options, rules.mount_options)
    rules.check_list(errors, option("mount_before"), spec.mount_before, rules.unit_name)
    if spec.mode == "csi_vg":
        if spec.backend != "lvm":
            errors.append(
                rules.message(
                    option("backend"),
                    "mode csi_vg needs backend lvm: the CSI driver stripes each volume across the VG's PVs",
                    "mode",
                )
            )
        if spec.mount_path:
            errors.append(
                rules.message(
                    option("mount_path"),
                    "mode csi_vg creates no volume to mount: remove mount path %r" % spec.mount_path,
                    "mode",
                )
            )
        if spec.filesystem != "none":
            errors.append(
                rules.message(
                    option("filesystem"),
                    "mode csi_vg creates no filesystem (the CSI driver "
                    "formats each volume): set filesystem none, got %r" % spec.filesystem,
                    "mode",
                )
            )
    if bool(spec.devices) == bool(spec.selector):
        errors.append(rules.message(option("devices"), "give exactly one of devices or selector", "one-of"))
    rules.check_list(errors, option("devices"), spec.devices, rules.single_line)
    if spec.selector:
        _check_selector(errors, option("selector"), spec.selector)
    rules.check(errors, option("size_tolerance"), spec.size_tolerance, rules.non_negative_number)
    if spec.volume_group:
        rules.check(errors, option("volume_group"), spec.volume_group, rules.lvm_name)
    rules.check_list(errors, option("extra_models"), spec.extra_models, rules.single_line)
    return errors


def _check_selector(errors, option, selector):
    if not isinstance(selector, dict):
        errors.append(rules.message(option, "must be a dict, got %r" % (selector,), "dict"))
        return
    unknown = sorted(str(key) for key in selector if key not in SELECTOR_KEYS)
    if unknown:
        errors.append(
            rules.message(
                option, "has unknown key(s) %s; known: %s" % (", ".join(unknown), ", ".join(SELECTOR_KEYS)), "choice"
            )
        )
    if selector.get("class") is not None:
        rules.check_choice(errors, option + ".class", selector["class"], SELECTOR_CLASSES)
    rules.check_list(errors, option + ".models", selector.get("models"), rules.single_line)
    if selector.get("min_size") is not None:
        rules.check(errors, option + ".min_size", selector["min_size"], rules.size)
    if selector.get("count") is not None:
        rules.check(errors, option + ".count", selector["count"], rules.positive_integer)


def stripe_option_errors(options, prefix=""):
    """Every error of one stripe's options as the user gave them (None or absent: not set).

    Beyond validate_spec: an option the chosen mode, backend or member choice does not use is refused
    when it was set, never silently ignored. Used by the module, the role and validate.yml alike.
    """
    errors = []
    if not isinstance(options, dict):
        return [rules.message(prefix.rstrip(".") or "options", "must be a dict, got %r" % (options,), "dict")]
    unknown = sorted(str(key) for key in options if key not in OPTION_NAMES)
    if unknown:
        errors.append(
            rules.message(prefix.rstrip(".") or "options", "has unknown option(s) %s" % ", ".join(unknown), "choice")
        )

    def given(key):
        value = options.get(key)
        return value is not None and value != [] and value != ""

    for key in ("devices", "mount_before", "extra_models"):
        if given(key):
            rules.check_list(errors, prefix + key, options[key], rules.string)
    for key in ("force", "ephemeral", "update_initramfs"):
        if options.get(key) is not None:
            rules.check(errors, prefix + key, options[key], rules.boolean)
    for key in ("name", "state", "backend", "mode", "filesystem", "mount_path", "mount_options", "volume_group"):
        if options.get(key) is not None:
            rules.check(errors, prefix + key, options[key], rules.string)
    if errors:
        return errors
    state = options.get("state") or "present"
    mode = options.get("mode") or "volume"
    backend = options.get("backend") or "lvm"
    if state != "absent":
        filesystem = options.get("filesystem") or ("none" if mode == "csi_vg" else "xfs")
        if mode == "csi_vg":
            for key in ("stripe_size", "mount_options", "mount_before"):
                if given(key):
                    rules.unused(
                        errors,
                        prefix + key,
                        "mode csi_vg builds no volume (the CSI driver stripes and mounts each volume itself)",
                    )
        elif filesystem == "none" or not options.get("mount_path"):
            for key in ("mount_options", "mount_before"):
                if given(key):
                    rules.unused(
                        errors,
                        prefix + key,
                        "nothing is mounted (%s)" % ("filesystem is none" if filesystem == "none" else "no mount_path"),
                    )
        if given("extra_models") and not given("selector"):
            rules.unused(
                errors,
                prefix + "extra_models",
                "extra_models only widens what selector class local matches, and this stripe names its devices",
            )
        if backend == "mdadm" and given("volume_group"):
            rules.unused(errors, prefix + "volume_group", "backend mdadm makes no LVM volume group")
    if backend != "mdadm" and options.get("update_initramfs") is not None:
        rules.unused(
            errors,
            prefix + "update_initramfs",
            "only backend mdadm writes mdadm.conf, whose copy the initramfs carries",
        )
    spec = spec_from_options(options)
    return errors + validate_spec(spec, prefix)


def spec_from_options(options):
    """A StripeSpec from options as the user gave them, unset ones taking the defaults of the mode."""
    selector = options.get("selector")
    if isinstance(selector, dict):
        selector = {k: v for k, v in selector.items() if v is not None}

    def value(key, default):
        return default if options.get(key) is None else options[key]

    return StripeSpec(
        name=value("name", ""),
        state=value("state", "present"),
        backend=value("backend", "lvm"),
        mode=value("mode", "volume"),
        devices=list(value("devices", [])),
        selector=selector or None,
        stripe_size=value("stripe_size", "64k"),
        filesystem=options.get("filesystem"),
        mount_path=value("mount_path", ""),
        mount_options=value("mount_options", "defaults,noatime"),
        mount_before=list(value("mount_before", DEFAULT_MOUNT_BEFORE)),
        force=bool(value("force", False)),
        ephemeral=bool(value("ephemeral", False)),
        volume_group=value("volume_group", ""),
        size_tolerance=value("size_tolerance", DEFAULT_SIZE_TOLERANCE),
        extra_models=list(value("extra_models", [])),
    )


def _resolve_entry(entry, inventory):
    """One devices entry (path, by-id link, serial) -> (namespace, error)."""
    text = str(entry).strip()
    target_name = None
    if text.startswith("/dev/disk/by-id/"):
        if text not in inventory.by_id:
            return None, "device %s is unknown: no such /dev/disk/by-id link" % text
        target_name = inventory.by_id[text].rstrip("/").rsplit("/", 1)[-1]
    elif text.startswith("/dev/"):
        target_name = text[len("/dev/") :]
    if target_name is not None:
        namespace = inventory.namespace(target_name)
        if namespace:
            return namespace, None
        node = inventory.device(target_name)
        if node is not None and node.type == "part":
            return None, "device %s is a partition: give the whole NVMe namespace" % text
        if node is not None:
            return None, "device %s is a %s, not an NVMe namespace" % (text, node.type)
        return None, "device %s is unknown: not an NVMe namespace on this node" % text
    matches = [n for n in inventory.namespaces if n.serial == text]
    if len(matches) == 1:
        return matches[0], None
    if len(matches) > 1:
        return None, (
            "serial %s names %d namespaces of one controller (%s): give their /dev/disk/by-id links"
            % (text, len(matches), ", ".join(n.path for n in matches))
        )
    return None, "device %s is unknown: no NVMe namespace has that serial or path" % text


def _recorded_serials(record):
    return [m.get("serial") for m in (record or {}).get("members", []) if m.get("serial")]


def resolve_members(spec, inventory, record=None, existing=None):
    """Desired members as NvmeNamespace objects, plus errors naming each bad input."""
    errors = []
    members = []
    if record and not record.get("pending") and not spec.force:
        present = {n.serial for n in inventory.namespaces}
        lost = [m for m in record.get("members", []) if m.get("serial") and m["serial"] not in present]
        if lost:
            return [], [
                "stripe %s is missing member(s) %s (recorded in %s/%s.json): RAID0 cannot run with a member "
                "missing, so the stripe and its data are unavailable until the disk is back; nothing was "
                "changed (force: true builds a new, empty stripe on the disks present)"
                % (
                    spec.name,
                    ", ".join("%s (%s)" % (m["serial"], m.get("by_id") or "no by-id link") for m in lost),
                    RECORD_DIR,
                    spec.name,
                )
            ]
    if spec.devices:
        seen = {}
        for entry in spec.devices:
            namespace, error = _resolve_entry(entry, inventory)
            if error:
                errors.append(error)
                continue
            if namespace.name in seen:
                errors.append(
                    "device %s is a duplicate: it is the same namespace (%s) as %s"
                    % (entry, namespace.path, seen[namespace.name])
                )
                continue
            seen[namespace.name] = entry
            if namespace.device_class == "os":
                errors.append(
                    "device %s is the OS disk (%s): refusing to use it" % (entry, "; ".join(namespace.os_reasons))
                )
                continue
            members.append(namespace)
    else:
        selector = spec.selector or {}
        wanted_class = selector.get("class", "local")
        models = {model_key(m) for m in selector.get("models") or []}
        min_size = parse_size(selector.get("min_size") or 0)
        if min_size is None:
            errors.append("selector min_size %r is not a size" % (selector.get("min_size"),))
            min_size = 0
        count = selector.get("count")
        candidates = [
            n
            for n in inventory.namespaces
            if n.device_class != "os"
            and (wanted_class in (None, "", "any") or n.device_class == wanted_class)
            and (not models or model_key(n.model) in models)
            and n.size >= min_size
        ]
        recorded = set(_recorded_serials(record))
        existing_names = set(existing.members) if existing else set()
        # prefer this stripe's own members, then blank disks; serial order makes the choice stable
        candidates.sort(
            key=lambda n: (
                0 if (n.serial in recorded or n.name in existing_names) else 1,
                1 if n.in_use.any else 0,
                n.serial,
            )
        )
        needed = int(count) if count is not None else max(len(candidates), 1)
        if count is not None and int(count) < 1:
            errors.append("selector count %r must be at least 1" % (count,))
        elif len(candidates) < needed or not candidates:
            errors.append(
                "selector %s matches %d disk(s) (%s), fewer than the %d needed"
                % (
                    json.dumps(selector, sort_keys=True),
                    len(candidates),
                    ", ".join("%s %s %s" % (n.path, n.serial, n.model) for n in candidates) or "none",
                    needed,
                )
            )
        members = candidates[:needed]
    if spec.backend == "mdadm" and len(members) == 1 and not errors:
        errors.append(
            "backend mdadm needs at least 2 devices for RAID0, got 1 (%s); use backend lvm for a "
            "single disk" % members[0].path
        )
    if members and not errors:
        sizes = [n.size for n in members]
        spread = (max(sizes) - min(sizes)) * 100.0 / max(sizes) if max(sizes) else 0.0
        if spread > spec.size_tolerance:
            errors.append(
                "devices have mixed sizes (%s): they differ by %.1f%%, more than size_tolerance %s%% "
                "(RAID0 uses the smallest size on every member)"
                % (
                    ", ".join("%s (serial %s)=%s" % (n.path, n.serial, human_size(n.size)) for n in members),
                    spread,
                    spec.size_tolerance,
                )
            )
    members.sort(key=lambda n: n.serial)
    return members, errors


def _dm_prefix(vg):
    return vg.replace("-", "--") + "-"


def find_existing(spec, inventory, record=None):
    """The stripe on the node, recognised by md UUID/name or LVM tags, never by nvmeXnY numbering."""
    if spec.backend == "mdadm":
        recorded_uuid = normalize_md_uuid((record or {}).get("md_uuid", ""))
        for md in inventory.md_arrays.values():
            if md.array_name == spec.name or (recorded_uuid and md.uuid == recorded_uuid):
                return ExistingStripe(
                    backend="mdadm",
                    device="/dev/md/%s" % spec.name,
                    members=list(md.members),
                    level=md.level,
                    stripes=md.raid_disks,
                    stripe_size=md.chunk_size,
                    active=md.array_state not in ("", "inactive"),
                    uuid=md.uuid,
                    size=_device_size(inventory, md.name),
                )
        # not assembled: the superblocks on the disks still name the array
        members = [
            n
            for n in inventory.namespaces
            if n.in_use.md
            and (n.in_use.md["name"] == spec.name or (recorded_uuid and n.in_use.md["uuid"] == recorded_uuid))
        ]
        if members:
            return ExistingStripe(
                backend="mdadm",
                device="/dev/md/%s" % spec.name,
                members=[n.name for n in members],
                level="raid0",
                active=False,
                uuid=members[0].in_use.md["uuid"],
            )
        return None
    by_tag = {}
    for row in inventory.pvs:
        tags = [t for t in (row.get("vg_tags") or "").split(",") if t]
        vg = row.get("vg_name") or ""
        if vg and (spec.tag in tags or vg == spec.vg_name):
            entry = by_tag.setdefault(vg, {"tags": tags, "pvs": []})
            entry["pvs"].append(row.get("pv_name", ""))
    if not by_tag:
        return None
    tagged = [vg for vg, entry in by_tag.items() if spec.tag in entry["tags"]]
    vg = tagged[0] if tagged else spec.vg_name
    entry = by_tag[vg]
    members = [p[len("/dev/") :] for p in entry["pvs"]]
    existing = ExistingStripe(backend="lvm", device="", members=sorted(members), vg=vg, vg_tags=entry["tags"])
    for row in inventory.lvs:
        if row.get("vg_name") != vg:
            continue
        if row.get("lv_name") == spec.lv_name and spec.mode == "volume":
            existing.lv = spec.lv_name
            existing.device = "/dev/%s/%s" % (vg, spec.lv_name)
            existing.level = row.get("segtype", "")
            existing.stripes = max(existing.stripes, int(row.get("stripes") or 0))
            existing.stripe_size = int(row.get("stripe_size") or 0)
            existing.active = row.get("lv_active") == "active"
            existing.size = int(row.get("lv_size") or 0)
        else:
            existing.other_lvs.append(row.get("lv_name", ""))
    return existing


def _device_size(inventory, name):
    node = inventory.device(name)
    return node.size if node else 0


def _lsblk_for_stripe(inventory, spec, existing):
    if not existing:
        return None
    if existing.backend == "mdadm":
        for md in inventory.md_arrays.values():
            if md.array_name == spec.name or (existing.uuid and md.uuid == existing.uuid):
                return inventory.device(md.name)
        return None
    wanted = _dm_prefix(existing.vg) + existing.lv.replace("-", "--")
    return inventory.device(wanted)


def _ours(namespace, spec, existing):
    """Is what sits on this disk part of this stripe?"""
    if not existing:
        return False
    if existing.backend == "lvm":
        return bool(namespace.in_use.lvm_pv) and namespace.in_use.lvm_pv.get("vg") == existing.vg
    md = namespace.in_use.md
    return bool(md) and (md["uuid"] == existing.uuid or (not existing.uuid and md["name"] == spec.name))


def _our_orphan_pv(namespace, recorded_serials):
    """A PV in no VG on a disk this stripe's record names: left by an interrupted build of ours."""
    pv = namespace.in_use.lvm_pv
    return namespace.serial in recorded_serials and bool(pv) and not pv.get("vg")


def offences(namespace, spec, existing, recorded_serials=()):
    """What on this disk this stripe did not create: (description list, hard) - hard ones force cannot clear."""
    found = []
    hard = []
    ours = _ours(namespace, spec, existing)
    orphan = _our_orphan_pv(namespace, recorded_serials)
    for signature in namespace.in_use.signatures:
        if ours and signature.type in ("LVM2_member", "linux_raid_member"):
            continue
        if orphan and signature.type == "LVM2_member":
            continue
        found.append(signature.describe())
    if namespace.in_use.partitions:
        found.append("partitions %s" % ", ".join(namespace.in_use.partitions))
    for holder in namespace.in_use.holders:
        if ours:
            continue
        text = "holder %s (%s)" % (holder["name"], holder["type"])
        found.append(text)
        hard.append(text)
    for mountpoint in namespace.in_use.mountpoints:
        text = "mounted at %s" % mountpoint
        found.append(text)
        hard.append(text)
    return found, hard


def _member_view(namespace):
    return {
        "serial": namespace.serial,
        "path": namespace.path,
        "by_id": namespace.stable_id,
        "model": namespace.model,
        "size": namespace.size,
    }


def _geometry(spec, count, size=0):
    if spec.mode == "csi_vg":
        return {"level": "csi_vg", "stripes": count, "stripe_size": 0, "size": size}
    level = "raid0" if count > 1 or spec.backend == "mdadm" else "linear"
    stripe_size = spec.stripe_bytes if level == "raid0" else 0
    return {
        "level": level,
        "stripes": count,
        "stripe_size": stripe_size,
        "stripe_size_human": human_size(stripe_size) if stripe_size else "",
        "size": size,
    }


def mkfs_argv(spec, count, overwrite):
    """mkfs aligned to the stripe: xfs su/sw, ext4 stride/stripe_width (in 4 KiB blocks)."""
    device = spec.device_path
    stripe = spec.stripe_bytes
    striped = count > 1
    if spec.filesystem == "xfs":
        argv = ["mkfs.xfs", "-q"]
        if striped:
            argv += ["-d", "su=%dk,sw=%d" % (stripe // 1024, count)]
        if overwrite:
            argv.append("-f")
        return argv + [device]
    argv = ["mkfs.ext4", "-q", "-b", "4096", "-m", "0"]
    if striped:
        stride = stripe // 4096
        argv += ["-E", "stride=%d,stripe_width=%d" % (stride, stride * count)]
    if overwrite:
        argv.append("-F")
    return argv + [device]


def expected_alignment(spec, count):
    if count < 2 or spec.filesystem == "none":
        return {"stripe_unit": 0, "stripe_width": 0}
    return {"stripe_unit": spec.stripe_bytes, "stripe_width": spec.stripe_bytes * count}


def create_argvs(spec, member_paths):
    """Commands that build the stripe (and filesystem) on blank members; also recorded for boot rebuilds."""
    count = len(member_paths)
    stripe_kib = spec.stripe_bytes // 1024
    commands = []
    if spec.backend == "mdadm":
        commands.append(
            [
                "mdadm",
                "--create",
                spec.device_path,
                "--run",
                "--level=0",
                "--metadata=1.2",
                "--raid-devices=%d" % count,
                "--chunk=%d" % stripe_kib,
                "--name=%s" % spec.name,
                "--homehost=any",
            ]
            + list(member_paths)
        )
    else:
        # vgcreate initialises the PVs itself: no window between a pvcreate and a vgcreate in which
        # an interrupted run leaves anonymous PVs behind.
        tags = ["--addtag", spec.tag]
        if spec.mode == "csi_vg":
            tags = ["--addtag", CSI_VG_TAG] + tags
        commands.append(["vgcreate", "--yes"] + tags + [spec.vg_name] + list(member_paths))
        if spec.mode == "volume":
            lvcreate = [
                "lvcreate",
                "--yes",
                "--wipesignatures",
                "y",
                "--addtag",
                spec.tag,
                "--name",
                spec.lv_name,
                "--extents",
                "100%FREE",
            ]
            if count > 1:
                lvcreate += ["--type", "raid0", "--stripes", str(count), "--stripesize", "%dk" % stripe_kib]
            commands.append(lvcreate + [spec.vg_name])
    if spec.mode == "volume" and spec.filesystem != "none":
        commands.append(mkfs_argv(spec, count, overwrite=True))
    return commands


def fstab_line(spec):
    options = [o for o in (spec.mount_options or "defaults").split(",") if o]
    # nofail: a missing stripe must not drop the node into emergency mode (no ssh);
    # required-by: kubelet and friends do not start on the root fs instead of the stripe. Any
    # x-systemd.required-by drops the mount's default local-fs.target dependency (systemd.mount(5)),
    # so wanted-by puts it back - found on the lab, where the mount was otherwise skipped at boot.
    extras = ["nofail", "x-systemd.wanted-by=local-fs.target"]
    extras += ["x-systemd.before=%s" % u for u in spec.mount_before]
    extras += ["x-systemd.required-by=%s" % u for u in spec.mount_before]
    for extra in extras:
        if extra not in options:
            options.append(extra)
    return "%s %s %s %s 0 0" % (spec.device_path, spec.mount_path, spec.filesystem, ",".join(options))


def _modules_needed(spec, inventory):
    wanted = ("md_mod", "raid0") if spec.backend == "mdadm" else ("dm_mod", "dm_raid", "raid0")
    return [m for m in wanted if m not in inventory.loaded_modules]


def build_record(spec, members, md_uuid=""):
    record = {
        "version": RECORD_VERSION,
        "name": spec.name,
        "backend": spec.backend,
        "mode": spec.mode,
        "stripe_size": spec.stripe_bytes,
        "filesystem": spec.filesystem if spec.mode == "volume" else "none",
        "device": spec.device_path,
        "volume_group": spec.vg_name if spec.backend == "lvm" else "",
        "logical_volume": spec.lv_name if spec.backend == "lvm" and spec.mode == "volume" else "",
        "md_uuid": mdadm_uuid_format(md_uuid) if md_uuid else "",
        "mount": {"path": spec.mount_path, "options": spec.mount_options} if spec.mount_path else None,
        "ephemeral": bool(spec.ephemeral),
        "members": [_member_view(n) for n in members],
        "rebuild": create_argvs(spec, [n.stable_id for n in members])
        if spec.mode == "volume" or spec.backend == "lvm"
        else [],
    }
    if spec.mode == "csi_vg":
        record["csi_handoff"] = csi_handoff(spec, members)
    return record


def csi_handoff(spec, members):
    models = sorted({n.model for n in members})
    return {"volume_group": spec.vg_name, "cleanup_enabled": False, "models": models}


def _fs_state(inventory, spec, existing):
    """(type, uuid, alignment dict or None) of what is on the stripe device today."""
    node = _lsblk_for_stripe(inventory, spec, existing)
    fstype = node.fstype if node else ""
    uuid = node.uuid if node else ""
    head = bytes.fromhex(inventory.heads.get(spec.device_path, ""))
    superblock = parse_superblock(head) if head else None
    if superblock:
        fstype = fstype or superblock.type
        uuid = uuid or superblock.uuid
        return fstype, uuid, {"stripe_unit": superblock.stripe_unit, "stripe_width": superblock.stripe_width}
    return fstype, uuid, None


def _half_made_fs(inventory, spec):
    """An xfs an interrupted mkfs left behind (never mountable, so it holds no data)."""
    head = bytes.fromhex(inventory.heads.get(spec.device_path, ""))
    superblock = parse_superblock(head) if head else None
    return bool(superblock and superblock.in_progress)


def _state_view(members, geometry, filesystem, mount):
    return {
        "members": [m["serial"] + " " + m["by_id"] for m in members],
        "geometry": geometry,
        "filesystem": filesystem,
        "mount": mount,
    }


def _device_label(inventory, name):
    """A member as a destroys entry: kernel name, serial and by-id link (kernel names change between boots)."""
    namespace = inventory.namespace(name)
    if namespace is None:
        return "/dev/%s" % name
    return "%s (serial %s, %s)" % (namespace.path, namespace.serial, namespace.stable_id or "no by-id link")


def _destroy_existing(plan, spec, existing, inventory, unmount):
    names = ", ".join("/dev/" + m for m in existing.members)
    labels = ", ".join(_device_label(inventory, m) for m in existing.members)
    if unmount:
        plan.actions.append(Action("command", "unmount %s" % spec.mount_path, ["umount", spec.mount_path]))
    if existing.backend == "mdadm":
        device = existing.device
        md = [a for a in inventory.md_arrays.values() if a.uuid == existing.uuid or a.array_name == spec.name]
        if md:
            device = md[0].path
            plan.actions.append(
                Action(
                    "command",
                    "stop md array %s" % device,
                    ["mdadm", "--stop", device],
                    destroys=["md array %s (%s)" % (device, labels)],
                )
            )
        plan.actions.append(
            Action(
                "command",
                "erase md superblocks on %s" % names,
                ["mdadm", "--zero-superblock", "--force"] + ["/dev/" + m for m in existing.members],
                destroys=["md superblocks on %s" % labels],
            )
        )
    else:
        lvs = ([existing.lv] if existing.lv else []) + existing.other_lvs
        plan.actions.append(
            Action(
                "command",
                "remove volume group %s%s" % (existing.vg, " and its LVs " + ", ".join(lvs) if lvs else ""),
                ["vgremove", "--yes", "--force", existing.vg],
                destroys=["volume group %s with LVs %s" % (existing.vg, ", ".join(lvs) or "none")],
            )
        )
        plan.actions.append(
            Action(
                "command",
                "remove LVM labels from %s" % names,
                ["pvremove", "--yes", "--force", "--force"] + ["/dev/" + m for m in existing.members],
                destroys=["LVM physical volumes %s" % labels],
            )
        )


def plan_stripe(spec, inventory):
    """The full plan for one stripe. Errors leave actions empty: nothing may be changed."""
    plan = Plan(spec=spec)
    plan.errors = validate_spec(spec)
    if plan.errors:
        return plan
    record = inventory.records.get(spec.name)
    existing = find_existing(spec, inventory, record)
    plan.existing = existing
    if spec.state == "absent":
        return _plan_absent(plan, spec, inventory, existing, record)
    members, errors = resolve_members(spec, inventory, record, existing)
    plan.members = members
    if errors:
        plan.errors = errors
        return plan
    member_names = sorted(n.name for n in members)
    stripe_node = _lsblk_for_stripe(inventory, spec, existing)
    mounted_at = list(stripe_node.mountpoints) if stripe_node else []

    before_members = sorted(
        (
            _member_view(inventory.namespace(m))
            for m in (existing.members if existing else [])
            if inventory.namespace(m)
        ),
        key=lambda m: m["serial"],
    )
    before_geometry = None
    if existing:
        before_geometry = {
            "level": existing.level or ("csi_vg" if spec.mode == "csi_vg" else ""),
            "stripes": existing.stripes or len(existing.members),
            "stripe_size": existing.stripe_size,
            "size": existing.size,
        }
    fstype, fsuuid, alignment = _fs_state(inventory, spec, existing)
    plan.before = _state_view(
        before_members,
        before_geometry,
        {"type": fstype, "uuid": fsuuid, "alignment": alignment} if existing else None,
        {"path": mounted_at[0]} if mounted_at else None,
    )

    # which disks carry something this stripe did not create
    recorded_serials = set(_recorded_serials(record))
    offending = []
    hard = []
    for namespace in members:
        found, hard_found = offences(namespace, spec, existing, recorded_serials)
        if found:
            offending.append(
                "%s (%s, serial %s): %s" % (namespace.path, namespace.stable_id, namespace.serial, "; ".join(found))
            )
        if hard_found:
            hard.append("%s (serial %s): %s" % (namespace.path, namespace.serial, "; ".join(hard_found)))

    recreate = False
    reason = ""
    # our tagged VG over exactly these members with no LV yet: a build interrupted after vgcreate
    resume_lv = (
        bool(existing)
        and spec.backend == "lvm"
        and spec.mode == "volume"
        and not existing.lv
        and not existing.other_lvs
        and spec.tag in existing.vg_tags
        and sorted(existing.members) == member_names
    )
    if existing and not resume_lv:
        mismatches = []
        if sorted(existing.members) != member_names:
            mismatches.append(
                "members %s, wanted %s"
                % (
                    ", ".join(sorted(_serial_of(inventory, m) for m in existing.members)),
                    ", ".join(n.serial for n in members),
                )
            )
        want = _geometry(spec, len(members))
        if spec.mode == "volume" and existing.active:
            if spec.backend == "lvm" and not existing.lv:
                mismatches.append("volume group %s has no LV %s" % (existing.vg, spec.lv_name))
            elif (
                existing.level
                and existing.level != want["level"]
                and not (spec.backend == "lvm" and existing.level == "striped" and want["level"] == "raid0")
            ):
                mismatches.append("level %s, wanted %s" % (existing.level, want["level"]))
            if want["level"] == "raid0" and existing.stripe_size and existing.stripe_size != want["stripe_size"]:
                mismatches.append(
                    "stripe size %s, wanted %s" % (human_size(existing.stripe_size), human_size(want["stripe_size"]))
                )
            if want["level"] == "raid0" and existing.stripes and existing.stripes != len(members):
                mismatches.append("%d stripes, wanted %d" % (existing.stripes, len(members)))
        if (
            spec.backend == "lvm"
            and spec.tag not in existing.vg_tags
            and not (spec.mode == "csi_vg" and CSI_VG_TAG in existing.vg_tags)
        ):
            mismatches.append(
                "volume group %s exists but was not created by acstor.edge (no tag %s)" % (existing.vg, spec.tag)
            )
        if mismatches:
            if not spec.force:
                plan.errors.append(
                    "stripe %s exists with different layout (%s): reshaping is not supported; force: true "
                    "destroys it and builds it again" % (spec.name, "; ".join(mismatches))
                )
                return plan
            recreate = True
            reason = "; ".join(mismatches)
    if offending and not spec.force:
        plan.errors.append(
            "refusing to touch devices that hold data this stripe did not create (set force: true "
            "to wipe them): " + " | ".join(offending)
        )
        return plan
    if hard:
        plan.errors.append(
            "devices are in use and force cannot clear that (unmount or stop them first): " + " | ".join(hard)
        )
        return plan

    if existing is None and record and not record.get("pending"):
        if not (spec.ephemeral or spec.force):
            plan.errors.append(
                "stripe %s was recorded on this node (%s/%s.json) but is gone and its members are blank: "
                "its data is lost; set ephemeral: true (local disks wiped by deallocation) or force: true to "
                "build it again" % (spec.name, RECORD_DIR, spec.name)
            )
            return plan
        reason = "ephemeral rebuild: every member is blank"

    modules = _modules_needed(spec, inventory)
    if existing is None or recreate or resume_lv:
        plan.creates_stripe = True
        if modules:
            plan.actions.append(
                Action("command", "load kernel modules %s" % ", ".join(modules), ["modprobe", "-a"] + modules)
            )
        if recreate:
            _destroy_existing(plan, spec, existing, inventory, unmount=bool(mounted_at))
        if not record or record.get("pending"):
            # Written before the first destructive command: if the run dies half-way, the rerun knows
            # these disks were being built by us (the boot unit leaves a pending record alone).
            plan.actions.append(
                Action(
                    "record",
                    "record the members of stripe %s before building it" % spec.name,
                    path="%s/%s.json" % (RECORD_DIR, spec.name),
                    content="pending",
                )
            )
        for namespace in members:
            found, _hard = offences(namespace, spec, None if recreate else existing, recorded_serials)
            if found and (recreate or namespace.in_use.any):
                plan.actions.append(
                    Action(
                        "command",
                        "wipe %s (serial %s)" % (namespace.path, namespace.serial),
                        ["wipefs", "--all", namespace.path],
                        destroys=["%s: %s" % (_device_label(inventory, namespace.name), "; ".join(found))],
                    )
                )
            elif _our_orphan_pv(namespace, recorded_serials):
                plan.actions.append(
                    Action(
                        "command",
                        "remove the PV an interrupted run left on %s (serial %s)" % (namespace.path, namespace.serial),
                        ["pvremove", "--yes", namespace.path],
                    )
                )
        for argv in create_argvs(spec, [n.path for n in members]):
            if resume_lv and argv[0] == "vgcreate":
                continue
            plan.actions.append(Action("command", _describe(argv, spec, reason), argv))
        if spec.backend == "mdadm":
            plan.actions.append(
                Action("md_conf", "record array %s in mdadm.conf" % spec.device_path, path=spec.device_path)
            )
        fstype, fsuuid, alignment = (spec.filesystem if spec.mode == "volume" else "", "", None)
        if spec.filesystem != "none" and spec.mode == "volume":
            alignment = expected_alignment(spec, len(members))
    else:
        if not existing.active:
            if existing.backend == "mdadm":
                argv = ["mdadm", "--assemble", spec.device_path, "--uuid", mdadm_uuid_format(existing.uuid)]
                argv += ["/dev/" + m for m in existing.members]
            else:
                argv = ["vgchange", "--activate", "y", existing.vg]
            if modules:
                plan.actions.append(
                    Action("command", "load kernel modules %s" % ", ".join(modules), ["modprobe", "-a"] + modules)
                )
            plan.actions.append(Action("command", "activate stripe %s" % spec.name, argv))
        if spec.mode == "volume" and spec.filesystem != "none":
            if not existing.active:
                # what the device holds is only visible once it is active: decide at apply time
                plan.actions.append(
                    Action(
                        "ensure_fs",
                        "create %s on %s unless it holds a filesystem already" % (spec.filesystem, spec.device_path),
                        mkfs_argv(spec, len(members), overwrite=False),
                        path=spec.device_path,
                        content=spec.filesystem,
                    )
                )
                fstype, alignment = spec.filesystem, None
            elif _half_made_fs(inventory, spec):
                plan.warnings.append(
                    "%s holds an xfs an interrupted mkfs left half-made (the kernel cannot mount "
                    "it, so it holds no data): making the filesystem again" % spec.device_path
                )
                plan.actions.append(
                    Action(
                        "command",
                        "make %s on %s again (half-made by an interrupted mkfs)" % (spec.filesystem, spec.device_path),
                        mkfs_argv(spec, len(members), overwrite=True),
                    )
                )
                fstype, fsuuid, alignment = spec.filesystem, "", expected_alignment(spec, len(members))
            elif not fstype:
                plan.actions.append(
                    Action(
                        "command",
                        "create %s on %s" % (spec.filesystem, spec.device_path),
                        mkfs_argv(spec, len(members), overwrite=False),
                    )
                )
                fstype, alignment = spec.filesystem, expected_alignment(spec, len(members))
            elif fstype != spec.filesystem:
                if not spec.force:
                    plan.errors.append(
                        "stripe device %s holds %s, not %s: force: true reformats it (its data is "
                        "lost)" % (spec.device_path, fstype, spec.filesystem)
                    )
                    plan.actions = []
                    return plan
                if mounted_at:
                    plan.actions.append(Action("command", "unmount %s" % mounted_at[0], ["umount", mounted_at[0]]))
                    mounted_at = []
                plan.actions.append(
                    Action(
                        "command",
                        "reformat %s as %s" % (spec.device_path, spec.filesystem),
                        mkfs_argv(spec, len(members), overwrite=True),
                        destroys=["%s filesystem on %s" % (fstype, spec.device_path)],
                    )
                )
                fstype, fsuuid, alignment = spec.filesystem, "", expected_alignment(spec, len(members))
            elif alignment is not None and alignment != expected_alignment(spec, len(members)):
                plan.warnings.append(
                    "filesystem on %s is aligned to %s, not to the stripe geometry %s; only a "
                    "reformat changes that" % (spec.device_path, alignment, expected_alignment(spec, len(members)))
                )
        if spec.mode == "csi_vg" and spec.tag not in existing.vg_tags:
            plan.actions.append(
                Action(
                    "command",
                    "tag volume group %s as %s" % (existing.vg, spec.tag),
                    ["vgchange", "--addtag", spec.tag, existing.vg],
                )
            )
        if spec.backend == "mdadm" and not _md_conf_has(inventory, existing.uuid):
            plan.actions.append(
                Action("md_conf", "record array %s in mdadm.conf" % spec.device_path, path=spec.device_path)
            )

    plan.filesystem = {"type": fstype if spec.mode == "volume" else "", "uuid": fsuuid, "alignment": alignment}
    mount_view = None
    if spec.mount_path and spec.mode == "volume":
        # a rebuild unmounts the stripe first: its mount is then neither in place nor someone else's
        if not _plan_mount(
            plan, spec, inventory, mounted_at if not recreate else [], released=mounted_at if recreate else []
        ):
            plan.actions = []
            return plan
        mount_view = {"path": spec.mount_path, "options": spec.mount_options}

    md_uuid = existing.uuid if existing and not recreate else ""
    plan.record = build_record(spec, members, md_uuid)
    current = record or {}
    if plan.creates_stripe or _record_key(current) != _record_key(plan.record):
        plan.actions.append(
            Action(
                "record",
                "record stripe %s in %s/%s.json" % (spec.name, RECORD_DIR, spec.name),
                path="%s/%s.json" % (RECORD_DIR, spec.name),
            )
        )
    size = existing.size if existing and not recreate else 0
    plan.after = _state_view(
        [_member_view(n) for n in members],
        _geometry(spec, len(members), size),
        {"type": plan.filesystem["type"], "uuid": fsuuid, "alignment": alignment} if spec.mode == "volume" else None,
        mount_view,
    )
    return plan


def _serial_of(inventory, name):
    namespace = inventory.namespace(name)
    return namespace.serial if namespace else name


def _describe(argv, spec, reason):
    text = {
        "mdadm": "create md RAID0 %s" % spec.device_path,
        "vgcreate": "create volume group %s" % spec.vg_name,
        "lvcreate": "create striped LV %s" % spec.device_path,
        "mkfs.xfs": "create xfs on %s" % spec.device_path,
        "mkfs.ext4": "create ext4 on %s" % spec.device_path,
    }.get(argv[0], " ".join(argv))
    return "%s (%s)" % (text, reason) if reason and argv[0] in ("mdadm", "vgcreate") else text


def _record_key(record):
    # Kernel names change between boots: compare the record without them.
    clean = json.loads(json.dumps(record or {}))
    for member in clean.get("members", []):
        member.pop("path", None)
    clean.pop("rebuild", None)
    return json.dumps(clean, sort_keys=True)


def _md_conf_has(inventory, uuid):
    wanted = mdadm_uuid_format(uuid)
    return any(wanted and wanted in text for text in inventory.files.values())


def _plan_mount(plan, spec, inventory, mounted_at, released=()):
    path = os.path.normpath(spec.mount_path)
    current = inventory.mount_at(path)
    if current is not None and path not in mounted_at and path not in released:
        plan.errors.append("mount path %s is already used by %s (%s)" % (path, current.source, current.fstype))
        return False
    ours = (spec.device_path, "/dev/mapper/%s%s" % (_dm_prefix(spec.vg_name), spec.lv_name.replace("-", "--")))
    line = fstab_line(spec)
    entry_lines = [e for e in inventory.fstab if os.path.normpath(e.mountpoint) == path]
    for entry in entry_lines:
        if entry.source not in ours:
            plan.errors.append(
                "mount path %s is already used by %s in /etc/fstab (line %d)" % (path, entry.source, entry.line_number)
            )
            return False
    state = inventory.paths.get(path)
    # the entries of a released mount are the stripe's own files, not what the mount would hide
    if path not in mounted_at and path not in released and state and state.get("entries"):
        plan.errors.append(
            "mount path %s is a non-empty directory (%s): mounting would hide those files"
            % (path, ", ".join(state["entries"][:5]))
        )
        return False
    current_lines = [ln for ln in inventory.fstab_text.splitlines() if _fstab_path(ln) == path]
    if current_lines != [line]:
        plan.actions.append(Action("fstab", "persist mount %s in /etc/fstab" % path, path=path, content=line))
    if path not in mounted_at:
        if not (state and state.get("is_dir")):
            plan.actions.append(Action("mkdir", "create directory %s" % path, path=path))
        plan.actions.append(Action("command", "mount %s at %s" % (spec.device_path, path), ["mount", path]))
    return True


def _fstab_path(line):
    fields = line.split()
    if len(fields) < 2 or line.lstrip().startswith("#"):
        return None
    return os.path.normpath(fields[1])


def _plan_absent(plan, spec, inventory, existing, record):
    mount_path = spec.mount_path or ((record or {}).get("mount") or {}).get("path", "")
    if existing is None and not record:
        return plan
    if existing is not None:
        names = ", ".join("/dev/%s (%s)" % (m, _serial_of(inventory, m)) for m in existing.members)
        if not spec.force:
            plan.errors.append(
                "state absent destroys stripe %s and the data on %s: set force: true to confirm"
                % (spec.name, names or "its members")
            )
            return plan
        stripe_node = _lsblk_for_stripe(inventory, spec, existing)
        mounted = list(stripe_node.mountpoints) if stripe_node else []
        for mountpoint in mounted:
            plan.actions.append(Action("command", "unmount %s" % mountpoint, ["umount", mountpoint]))
        _destroy_existing(plan, spec, existing, inventory, unmount=False)
        plan.actions.append(
            Action(
                "command",
                "wipe remaining signatures on %s" % names,
                ["wipefs", "--all"] + ["/dev/" + m for m in existing.members],
            )
        )
        members = sorted(
            (_member_view(inventory.namespace(m)) for m in existing.members if inventory.namespace(m)),
            key=lambda m: m["serial"],
        )
        geometry = {
            "level": existing.level or ("csi_vg" if spec.mode == "csi_vg" else ""),
            "stripes": existing.stripes or len(existing.members),
            "stripe_size": existing.stripe_size,
            "size": existing.size,
        }
        fstype, fsuuid, alignment = _fs_state(inventory, spec, existing)
        plan.before = dict(
            _state_view(
                members,
                geometry,
                {"type": fstype, "uuid": fsuuid, "alignment": alignment},
                {"path": mounted[0]} if mounted else None,
            ),
            device=existing.device,
        )
    if mount_path and any(_fstab_path(ln) == os.path.normpath(mount_path) for ln in inventory.fstab_text.splitlines()):
        plan.actions.append(
            Action(
                "fstab", "remove mount %s from /etc/fstab" % mount_path, path=os.path.normpath(mount_path), content=""
            )
        )
    if spec.backend == "mdadm" and existing is not None and existing.uuid and _md_conf_has(inventory, existing.uuid):
        plan.actions.append(
            Action(
                "md_conf", "remove array %s from mdadm.conf" % spec.device_path, path=spec.device_path, content="absent"
            )
        )
    if record:
        plan.actions.append(
            Action("remove_file", "forget stripe %s" % spec.name, path="%s/%s.json" % (RECORD_DIR, spec.name))
        )
    plan.after = {}
    return plan
