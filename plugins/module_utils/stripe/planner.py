# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan one NVMe stripe: (inventory, StripeSpec) -> Plan of actions, or errors.

Pure: no commands, no files. Every data-safety rule of acstor.edge.nvme_stripe lives here so
that it is unit tested as a table of current state x spec -> plan/error. What differs between
LVM and mdadm is stated in stripe/backends.py; the spec and the plan types are in stripe/spec.py.
"""

import json
import os

from ansible_collections.acstor.edge.plugins.module_utils.local_csi import contract
from ansible_collections.acstor.edge.plugins.module_utils.node.inputs import parse_size
from ansible_collections.acstor.edge.plugins.module_utils.nvme.inventory import model_key
from ansible_collections.acstor.edge.plugins.module_utils.nvme.parsers import (
    human_size,
    mdadm_uuid_format,
    parse_superblock,
)
from ansible_collections.acstor.edge.plugins.module_utils.stripe.backends import (
    BACKENDS,
    backend_for,
    device_label,
    dm_name,
)
from ansible_collections.acstor.edge.plugins.module_utils.stripe.mount_units import fstab_entry_path
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import (
    RECORD_VERSION,
    Action,
    Plan,
    validate_spec,
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


def _lost_members_error(spec, inventory, record):
    """A recorded member that is gone: the RAID0 cannot run, so nothing may be built over the rest."""
    if not record or record.get("pending") or spec.force:
        return ""
    present = {n.serial for n in inventory.namespaces}
    lost = [m for m in record.get("members", []) if m.get("serial") and m["serial"] not in present]
    if not lost:
        return ""
    return (
        "stripe %s is missing member(s) %s (recorded in %s): RAID0 cannot run with a member missing, so the "
        "stripe and its data are unavailable until the disk is back; nothing was changed (force: true builds a "
        "new, empty stripe on the disks present)"
        % (
            spec.name,
            ", ".join("%s (%s)" % (m["serial"], m.get("by_id") or "no by-id link") for m in lost),
            contract.record_path(spec.name),
        )
    )


def _members_from_devices(spec, inventory, errors):
    members = []
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
    return members


def _members_from_selector(spec, inventory, record, existing, errors):
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
    return candidates[:needed]


def _size_spread_error(spec, members):
    sizes = [n.size for n in members]
    spread = (max(sizes) - min(sizes)) * 100.0 / max(sizes) if max(sizes) else 0.0
    if spread <= spec.size_tolerance:
        return ""
    return (
        "devices have mixed sizes (%s): they differ by %.1f%%, more than size_tolerance %s%% "
        "(RAID0 uses the smallest size on every member)"
        % (
            ", ".join("%s (serial %s)=%s" % (n.path, n.serial, human_size(n.size)) for n in members),
            spread,
            spec.size_tolerance,
        )
    )


def resolve_members(spec, inventory, record=None, existing=None):
    """Desired members as nvme/inventory namespaces, plus errors naming each bad input."""
    lost = _lost_members_error(spec, inventory, record)
    if lost:
        return [], [lost]
    errors = []
    if spec.devices:
        members = _members_from_devices(spec, inventory, errors)
    else:
        members = _members_from_selector(spec, inventory, record, existing, errors)
    if members and not errors:
        count_error = backend_for(spec.backend).member_count_error(members)
        spread_error = "" if count_error else _size_spread_error(spec, members)
        errors.extend(error for error in (count_error, spread_error) if error)
    members.sort(key=lambda n: n.serial)
    return members, errors


def find_existing(spec, inventory, record=None):
    """The stripe on the node, recognised by md UUID/name or LVM tags, never by nvmeXnY numbering."""
    return backend_for(spec.backend).find_existing(spec, inventory, record)


def _stripe_node(inventory, spec, existing):
    """The stripe's block device as lsblk shows it, or None."""
    return BACKENDS[existing.backend].stripe_node(inventory, spec, existing) if existing else None


def _our_orphan_pv(namespace, recorded_serials):
    """A PV in no VG on a disk this stripe's record names: left by an interrupted build of ours."""
    pv = namespace.in_use.lvm_pv
    return namespace.serial in recorded_serials and bool(pv) and not pv.get("vg")


def offences(namespace, spec, existing, recorded_serials=()):
    """What on this disk this stripe did not create: (description list, hard) - hard ones force cannot clear."""
    found = []
    hard = []
    ours = bool(existing) and BACKENDS[existing.backend].owns(namespace, spec, existing)
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
    level = backend_for(spec.backend).level(count)
    stripe_size = spec.stripe_bytes if level == "raid0" else 0
    return {
        "level": level,
        "stripes": count,
        "stripe_size": stripe_size,
        "stripe_size_human": human_size(stripe_size) if stripe_size else "",
        "size": size,
    }


def _existing_geometry(spec, existing):
    if not existing:
        return None
    return {
        "level": existing.level or ("csi_vg" if spec.mode == "csi_vg" else ""),
        "stripes": existing.stripes or len(existing.members),
        "stripe_size": existing.stripe_size,
        "size": existing.size,
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


def create_argvs(spec, member_paths, resume=False):
    """Commands that build the stripe (and filesystem) on blank members; also recorded for boot rebuilds."""
    commands = backend_for(spec.backend).create_argvs(spec, member_paths, resume)
    if spec.mode == "volume" and spec.filesystem != "none":
        commands.append(mkfs_argv(spec, len(member_paths), overwrite=True))
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


def build_record(spec, members, md_uuid=""):
    fields = backend_for(spec.backend).record_fields(spec)
    record = {
        "version": RECORD_VERSION,
        "name": spec.name,
        "backend": spec.backend,
        "mode": spec.mode,
        "stripe_size": spec.stripe_bytes,
        "filesystem": spec.filesystem if spec.mode == "volume" else "none",
        "device": spec.device_path,
        "volume_group": fields["volume_group"],
        "logical_volume": fields["logical_volume"],
        "md_uuid": mdadm_uuid_format(md_uuid) if md_uuid else "",
        "mount": {"path": spec.mount_path, "options": spec.mount_options} if spec.mount_path else None,
        "ephemeral": bool(spec.ephemeral),
        "members": [_member_view(n) for n in members],
        "rebuild": create_argvs(spec, [n.stable_id for n in members]) if fields["rebuilds"] else [],
    }
    if spec.mode == "csi_vg":
        record["csi_handoff"] = csi_handoff(spec, members)
    return record


def csi_handoff(spec, members):
    models = sorted({n.model for n in members})
    return {"volume_group": spec.vg_name, "cleanup_enabled": False, "models": models}


def _fs_state(inventory, spec, existing):
    """(type, uuid, alignment dict or None) of what is on the stripe device today."""
    node = _stripe_node(inventory, spec, existing)
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


def _existing_members_view(inventory, existing):
    names = existing.members if existing else []
    return sorted(
        (_member_view(inventory.namespace(m)) for m in names if inventory.namespace(m)), key=lambda m: m["serial"]
    )


def _destroy_existing(plan, spec, existing, inventory, unmount):
    if unmount:
        plan.actions.append(Action("command", "unmount %s" % spec.mount_path, ["umount", spec.mount_path]))
    plan.actions.extend(BACKENDS[existing.backend].destroy_actions(spec, existing, inventory))


def _modules_action(spec, inventory):
    """modprobe for the backend's kernel modules that are not loaded, or None."""
    modules = [m for m in backend_for(spec.backend).kernel_modules if m not in inventory.loaded_modules]
    if not modules:
        return None
    return Action("command", "load kernel modules %s" % ", ".join(modules), ["modprobe", "-a"] + modules)


def _layout_mismatches(spec, existing, members, inventory):
    """How the stripe on the node differs from the one wanted (empty: it is the one wanted)."""
    backend = backend_for(spec.backend)
    mismatches = []
    if sorted(existing.members) != sorted(n.name for n in members):
        mismatches.append(
            "members %s, wanted %s"
            % (
                ", ".join(sorted(_serial_of(inventory, m) for m in existing.members)),
                ", ".join(n.serial for n in members),
            )
        )
    want = _geometry(spec, len(members))
    if spec.mode == "volume" and existing.active:
        missing = backend.missing_volume(spec, existing)
        if missing:
            mismatches.append(missing)
        elif existing.level and not backend.same_level(existing.level, want["level"]):
            mismatches.append("level %s, wanted %s" % (existing.level, want["level"]))
        if want["level"] == "raid0" and existing.stripe_size and existing.stripe_size != want["stripe_size"]:
            mismatches.append(
                "stripe size %s, wanted %s" % (human_size(existing.stripe_size), human_size(want["stripe_size"]))
            )
        if want["level"] == "raid0" and existing.stripes and existing.stripes != len(members):
            mismatches.append("%d stripes, wanted %d" % (existing.stripes, len(members)))
    return mismatches + backend.foreign(spec, existing)


def plan_stripe(spec, inventory):
    """The full plan for one stripe. Errors leave actions empty: nothing may be changed."""
    plan = Plan(spec=spec)
    plan.errors = validate_spec(spec)
    if plan.errors:
        return plan
    record = inventory.records.get(spec.name)
    plan.existing = find_existing(spec, inventory, record)
    if spec.state == "absent":
        return _plan_absent(plan, spec, inventory, plan.existing, record)
    _PresentPlan(plan, inventory, record).run()
    return plan


class _PresentPlan:
    """plan_stripe for state present, step by step: members, build or reuse, filesystem, mount, record.

    Each step returns False when it found an error; the plan then keeps its errors and no action.
    """

    def __init__(self, plan, inventory, record):
        self.plan = plan
        self.spec = plan.spec
        self.inventory = inventory
        self.record = record
        self.backend = backend_for(plan.spec.backend)
        self.existing = plan.existing
        self.members = []
        self.recorded_serials = set(_recorded_serials(record))
        self.mounted_at = []
        self.recreate = False
        self.resume = False
        self.reason = ""
        self.fs = ("", "", None)  # type, uuid, alignment

    def run(self):
        steps = (
            self.choose_members,
            self.describe_before,
            self.check_layout,
            self.check_disks,
            self.check_record,
            self.build_or_reuse,
            self.mount,
            self.record_stripe,
        )
        for step in steps:
            if not step():
                self.plan.actions = []
                return

    def choose_members(self):
        self.members, errors = resolve_members(self.spec, self.inventory, self.record, self.existing)
        self.plan.members = self.members
        self.plan.errors.extend(errors)
        return not errors

    def describe_before(self):
        existing = self.existing
        stripe_node = _stripe_node(self.inventory, self.spec, existing)
        self.mounted_at = list(stripe_node.mountpoints) if stripe_node else []
        self.fs = _fs_state(self.inventory, self.spec, existing)
        fstype, fsuuid, alignment = self.fs
        self.plan.before = _state_view(
            _existing_members_view(self.inventory, existing),
            _existing_geometry(self.spec, existing),
            {"type": fstype, "uuid": fsuuid, "alignment": alignment} if existing else None,
            {"path": self.mounted_at[0]} if self.mounted_at else None,
        )
        return True

    def check_layout(self):
        """Reuse the stripe that is there, finish an interrupted build, or (force) rebuild a different one."""
        spec, existing = self.spec, self.existing
        self.resume = bool(existing) and self.backend.can_resume(spec, existing, sorted(n.name for n in self.members))
        if not existing or self.resume:
            return True
        mismatches = _layout_mismatches(spec, existing, self.members, self.inventory)
        if mismatches and not spec.force:
            self.plan.errors.append(
                "stripe %s exists with different layout (%s): reshaping is not supported; "
                "force: true destroys it and builds it again" % (spec.name, "; ".join(mismatches))
            )
            return False
        self.recreate = bool(mismatches)
        self.reason = "; ".join(mismatches)
        return True

    def check_disks(self):
        """Refuse disks that carry something this stripe did not create (force wipes it, unless it is in use)."""
        offending, hard = [], []
        for namespace in self.members:
            found, hard_found = offences(namespace, self.spec, self.existing, self.recorded_serials)
            if found:
                offending.append(
                    "%s (%s, serial %s): %s" % (namespace.path, namespace.stable_id, namespace.serial, "; ".join(found))
                )
            if hard_found:
                hard.append("%s (serial %s): %s" % (namespace.path, namespace.serial, "; ".join(hard_found)))
        if offending and not self.spec.force:
            self.plan.errors.append(
                "refusing to touch devices that hold data this stripe did not create (set force: "
                "true to wipe them): " + " | ".join(offending)
            )
            return False
        if hard:
            self.plan.errors.append(
                "devices are in use and force cannot clear that (unmount or stop them first): " + " | ".join(hard)
            )
            return False
        return True

    def check_record(self):
        """A recorded stripe that is gone lost its data: rebuilt only when ephemeral or forced."""
        spec, record = self.spec, self.record
        if self.existing is not None or not record or record.get("pending"):
            return True
        if not (spec.ephemeral or spec.force):
            self.plan.errors.append(
                "stripe %s was recorded on this node (%s) but is gone and its members are blank: its data is lost; "
                "set ephemeral: true (local disks wiped by deallocation) or force: true to build it again"
                % (spec.name, contract.record_path(spec.name))
            )
            return False
        self.reason = "ephemeral rebuild: every member is blank"
        return True

    def build_or_reuse(self):
        if self.existing is None or self.recreate or self.resume:
            self.build()
            return True
        return self.reuse()

    def _load_modules(self):
        action = _modules_action(self.spec, self.inventory)
        if action:
            self.plan.actions.append(action)

    def build(self):
        plan, spec, members = self.plan, self.spec, self.members
        plan.creates_stripe = True
        self._load_modules()
        if self.recreate:
            _destroy_existing(plan, spec, self.existing, self.inventory, unmount=bool(self.mounted_at))
        if not self.record or self.record.get("pending"):
            # Written before the first destructive command: if the run dies half-way, the rerun knows
            # these disks were being built by us (the boot unit leaves a pending record alone).
            plan.actions.append(
                Action(
                    "record",
                    "record the members of stripe %s before building it" % spec.name,
                    path=contract.record_path(spec.name),
                    content="pending",
                )
            )
        for namespace in members:
            self._clear_member(namespace)
        for argv in create_argvs(spec, [n.path for n in members], resume=self.resume):
            plan.actions.append(Action("command", _describe(argv, spec, self.reason), argv))
        plan.actions.extend(self.backend.built_actions(spec))
        made = spec.mode == "volume" and spec.filesystem != "none"
        self.fs = (
            spec.filesystem if spec.mode == "volume" else "",
            "",
            expected_alignment(spec, len(members)) if made else None,
        )

    def _clear_member(self, namespace):
        found, _hard = offences(namespace, self.spec, None if self.recreate else self.existing, self.recorded_serials)
        if found and (self.recreate or namespace.in_use.any):
            self.plan.actions.append(
                Action(
                    "command",
                    "wipe %s (serial %s)" % (namespace.path, namespace.serial),
                    ["wipefs", "--all", namespace.path],
                    destroys=["%s: %s" % (device_label(self.inventory, namespace.name), "; ".join(found))],
                )
            )
        elif _our_orphan_pv(namespace, self.recorded_serials):
            self.plan.actions.append(
                Action(
                    "command",
                    "remove the PV an interrupted run left on %s (serial %s)" % (namespace.path, namespace.serial),
                    ["pvremove", "--yes", namespace.path],
                )
            )

    def reuse(self):
        spec, existing = self.spec, self.existing
        if not existing.active:
            self._load_modules()
            self.plan.actions.append(
                Action("command", "activate stripe %s" % spec.name, self.backend.activate_argv(spec, existing))
            )
        if spec.mode == "volume" and spec.filesystem != "none" and not self.ensure_filesystem():
            return False
        self.plan.actions.extend(self.backend.reused_actions(spec, existing, self.inventory))
        return True

    def ensure_filesystem(self):
        """The filesystem of a stripe that stays: made when missing, reformatted only with force."""
        plan, spec, count = self.plan, self.spec, len(self.members)
        fstype, fsuuid, alignment = self.fs
        expected = expected_alignment(spec, count)
        if not self.existing.active:
            # what the device holds is only visible once it is active: decide at apply time
            plan.actions.append(
                Action(
                    "ensure_fs",
                    "create %s on %s unless it holds a filesystem already" % (spec.filesystem, spec.device_path),
                    mkfs_argv(spec, count, overwrite=False),
                    path=spec.device_path,
                    content=spec.filesystem,
                )
            )
            self.fs = (spec.filesystem, fsuuid, None)
        elif _half_made_fs(self.inventory, spec):
            plan.warnings.append(
                "%s holds an xfs an interrupted mkfs left half-made (the kernel cannot mount it, so "
                "it holds no data): making the filesystem again" % spec.device_path
            )
            plan.actions.append(
                Action(
                    "command",
                    "make %s on %s again (half-made by an interrupted mkfs)" % (spec.filesystem, spec.device_path),
                    mkfs_argv(spec, count, overwrite=True),
                )
            )
            self.fs = (spec.filesystem, "", expected)
        elif not fstype:
            plan.actions.append(
                Action(
                    "command",
                    "create %s on %s" % (spec.filesystem, spec.device_path),
                    mkfs_argv(spec, count, overwrite=False),
                )
            )
            self.fs = (spec.filesystem, fsuuid, expected)
        elif fstype != spec.filesystem:
            return self._reformat(fstype)
        elif alignment is not None and alignment != expected:
            plan.warnings.append(
                "filesystem on %s is aligned to %s, not to the stripe geometry %s; only a "
                "reformat changes that" % (spec.device_path, alignment, expected)
            )
        return True

    def _reformat(self, fstype):
        plan, spec = self.plan, self.spec
        if not spec.force:
            plan.errors.append(
                "stripe device %s holds %s, not %s: force: true reformats it (its data is lost)"
                % (spec.device_path, fstype, spec.filesystem)
            )
            return False
        if self.mounted_at:
            plan.actions.append(Action("command", "unmount %s" % self.mounted_at[0], ["umount", self.mounted_at[0]]))
            self.mounted_at = []
        plan.actions.append(
            Action(
                "command",
                "reformat %s as %s" % (spec.device_path, spec.filesystem),
                mkfs_argv(spec, len(self.members), overwrite=True),
                destroys=["%s filesystem on %s" % (fstype, spec.device_path)],
            )
        )
        self.fs = (spec.filesystem, "", expected_alignment(spec, len(self.members)))
        return True

    def mount(self):
        spec = self.spec
        fstype, fsuuid, alignment = self.fs
        self.plan.filesystem = {"type": fstype if spec.mode == "volume" else "", "uuid": fsuuid, "alignment": alignment}
        if not (spec.mount_path and spec.mode == "volume"):
            return True
        # a rebuild unmounts the stripe first: its mount is then neither in place nor someone else's
        return _plan_mount(
            self.plan,
            spec,
            self.inventory,
            [] if self.recreate else self.mounted_at,
            released=self.mounted_at if self.recreate else [],
        )

    def record_stripe(self):
        plan, spec, members = self.plan, self.spec, self.members
        kept = self.existing if self.existing is not None and not self.recreate else None
        plan.record = build_record(spec, members, kept.uuid if kept else "")
        if plan.creates_stripe or _record_key(self.record or {}) != _record_key(plan.record):
            plan.actions.append(
                Action(
                    "record",
                    "record stripe %s in %s" % (spec.name, contract.record_path(spec.name)),
                    path=contract.record_path(spec.name),
                )
            )
        _fstype, fsuuid, alignment = self.fs
        volume = spec.mode == "volume"
        filesystem = {"type": plan.filesystem["type"], "uuid": fsuuid, "alignment": alignment} if volume else None
        mount = {"path": spec.mount_path, "options": spec.mount_options} if spec.mount_path and volume else None
        geometry = _geometry(spec, len(members), kept.size if kept else 0)
        plan.after = _state_view([_member_view(n) for n in members], geometry, filesystem, mount)
        return True


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


def _plan_mount(plan, spec, inventory, mounted_at, released=()):
    path = os.path.normpath(spec.mount_path)
    current = inventory.mount_at(path)
    if current is not None and path not in mounted_at and path not in released:
        plan.errors.append("mount path %s is already used by %s (%s)" % (path, current.source, current.fstype))
        return False
    ours = (spec.device_path, "/dev/mapper/" + dm_name(spec.vg_name, spec.lv_name))
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
    current_lines = [ln for ln in inventory.fstab_text.splitlines() if fstab_entry_path(ln) == path]
    if current_lines != [line]:
        plan.actions.append(Action("fstab", "persist mount %s in /etc/fstab" % path, path=path, content=line))
    if path not in mounted_at:
        if not (state and state.get("is_dir")):
            plan.actions.append(Action("mkdir", "create directory %s" % path, path=path))
        plan.actions.append(Action("command", "mount %s at %s" % (spec.device_path, path), ["mount", path]))
    return True


def _plan_absent(plan, spec, inventory, existing, record):
    mount_path = spec.mount_path or ((record or {}).get("mount") or {}).get("path", "")
    if existing is None and not record:
        return plan
    if existing is not None:
        if not spec.force:
            names = ", ".join("/dev/%s (%s)" % (m, _serial_of(inventory, m)) for m in existing.members)
            plan.errors.append(
                "state absent destroys stripe %s and the data on %s: set force: true to confirm"
                % (spec.name, names or "its members")
            )
            return plan
        _plan_destroy(plan, spec, inventory, existing)
    if mount_path and any(
        fstab_entry_path(ln) == os.path.normpath(mount_path) for ln in inventory.fstab_text.splitlines()
    ):
        plan.actions.append(
            Action(
                "fstab", "remove mount %s from /etc/fstab" % mount_path, path=os.path.normpath(mount_path), content=""
            )
        )
    plan.actions.extend(backend_for(spec.backend).forgotten_actions(spec, existing, inventory))
    if record:
        plan.actions.append(Action("remove_file", "forget stripe %s" % spec.name, path=contract.record_path(spec.name)))
    plan.after = {}
    return plan


def _plan_destroy(plan, spec, inventory, existing):
    """Unmount, take the stripe apart and wipe its members (state absent, force)."""
    names = ", ".join("/dev/%s (%s)" % (m, _serial_of(inventory, m)) for m in existing.members)
    stripe_node = _stripe_node(inventory, spec, existing)
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
    fstype, fsuuid, alignment = _fs_state(inventory, spec, existing)
    plan.before = dict(
        _state_view(
            _existing_members_view(inventory, existing),
            _existing_geometry(spec, existing),
            {"type": fstype, "uuid": fsuuid, "alignment": alignment},
            {"path": mounted[0]} if mounted else None,
        ),
        device=existing.device,
    )
