# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What differs between the two ways nvme_stripe builds a stripe, stated once per backend.

LVM: a volume group over the members (tagged ours), and for mode volume one raid0 (or, on one
disk, linear) LV over all of them. mdadm: an md RAID0 array with a 1.2 superblock, named after
the stripe and listed in mdadm.conf. The planner (stripe/planner.py) asks a backend how to find
its stripe, create, activate and destroy it, and which kernel modules it needs; everything else
(members, safety rules, filesystem, mount, record) is the same for both.

Pure: no commands, no files.
"""

from ansible_collections.acstor.edge.plugins.module_utils.local_csi import contract
from ansible_collections.acstor.edge.plugins.module_utils.nvme.parsers import mdadm_uuid_format, normalize_md_uuid
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import Action, ExistingStripe


def dm_name(vg, lv=""):
    """The device-mapper name of an LV: each '-' doubled, VG and LV joined by one '-'."""
    return vg.replace("-", "--") + "-" + lv.replace("-", "--")


def device_label(inventory, name):
    """A member as a destroys entry: kernel name, serial and by-id link (kernel names change between boots)."""
    namespace = inventory.namespace(name)
    if namespace is None:
        return "/dev/%s" % name
    return "%s (serial %s, %s)" % (namespace.path, namespace.serial, namespace.stable_id or "no by-id link")


def _device_size(inventory, name):
    node = inventory.device(name)
    return node.size if node else 0


def _member_paths(existing):
    return ["/dev/" + member for member in existing.members]


class LvmBackend:
    name = "lvm"
    # dm-raid carries raid0 LVs (lvmraid(7)); the local CSI driver loads the same (contract.KERNEL_MODULES)
    kernel_modules = ("dm_mod", "dm_raid", "raid0")

    def level(self, count):
        return "raid0" if count > 1 else "linear"

    def same_level(self, current, wanted):
        # LVs made with --type striped work like raid0 LVs and are accepted as they are
        return current == wanted or (current == "striped" and wanted == "raid0")

    def member_count_error(self, members):
        return ""

    def find_existing(self, spec, inventory, record):
        """Our VG (tagged for this stripe, else the VG of that name) and the stripe's LV in it."""
        by_vg = {}
        for row in inventory.pvs:
            tags = [t for t in (row.get("vg_tags") or "").split(",") if t]
            vg = row.get("vg_name") or ""
            if vg and (spec.tag in tags or vg == spec.vg_name):
                entry = by_vg.setdefault(vg, {"tags": tags, "pvs": []})
                entry["pvs"].append(row.get("pv_name", ""))
        if not by_vg:
            return None
        tagged = [vg for vg, entry in by_vg.items() if spec.tag in entry["tags"]]
        vg = tagged[0] if tagged else spec.vg_name
        members = sorted(path[len("/dev/") :] for path in by_vg[vg]["pvs"])
        existing = ExistingStripe(backend="lvm", device="", members=members, vg=vg, vg_tags=by_vg[vg]["tags"])
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

    def stripe_node(self, inventory, spec, existing):
        return inventory.device(dm_name(existing.vg, existing.lv))

    def owns(self, namespace, spec, existing):
        pv = namespace.in_use.lvm_pv
        return bool(pv) and pv.get("vg") == existing.vg

    def can_resume(self, spec, existing, member_names):
        """Our tagged VG over exactly these members with no LV yet: a build interrupted after vgcreate."""
        return (
            spec.mode == "volume"
            and not existing.lv
            and not existing.other_lvs
            and spec.tag in existing.vg_tags
            and sorted(existing.members) == member_names
        )

    def missing_volume(self, spec, existing):
        return "" if existing.lv else "volume group %s has no LV %s" % (existing.vg, spec.lv_name)

    def foreign(self, spec, existing):
        """Why the VG is not ours to reuse (a VG the CSI driver made itself is, for mode csi_vg)."""
        if spec.tag in existing.vg_tags or (spec.mode == "csi_vg" and contract.VOLUME_GROUP_TAG in existing.vg_tags):
            return []
        return ["volume group %s exists but was not created by acstor.edge (no tag %s)" % (existing.vg, spec.tag)]

    def create_argvs(self, spec, member_paths, resume=False):
        # vgcreate initialises the PVs itself: no window between a pvcreate and a vgcreate in which
        # an interrupted run leaves anonymous PVs behind.
        commands = []
        if not resume:
            tags = ["--addtag", spec.tag]
            if spec.mode == "csi_vg":
                tags = ["--addtag", contract.VOLUME_GROUP_TAG] + tags
            commands.append(["vgcreate", "--yes"] + tags + [spec.vg_name] + list(member_paths))
        if spec.mode == "volume":
            count = len(member_paths)
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
                lvcreate += [
                    "--type",
                    "raid0",
                    "--stripes",
                    str(count),
                    "--stripesize",
                    "%dk" % (spec.stripe_bytes // 1024),
                ]
            commands.append(lvcreate + [spec.vg_name])
        return commands

    def built_actions(self, spec):
        return []

    def activate_argv(self, spec, existing):
        return ["vgchange", "--activate", "y", existing.vg]

    def reused_actions(self, spec, existing, inventory):
        if spec.mode == "csi_vg" and spec.tag not in existing.vg_tags:
            return [
                Action(
                    "command",
                    "tag volume group %s as %s" % (existing.vg, spec.tag),
                    ["vgchange", "--addtag", spec.tag, existing.vg],
                )
            ]
        return []

    def destroy_actions(self, spec, existing, inventory):
        names = ", ".join(_member_paths(existing))
        labels = ", ".join(device_label(inventory, m) for m in existing.members)
        lvs = ([existing.lv] if existing.lv else []) + existing.other_lvs
        return [
            Action(
                "command",
                "remove volume group %s%s" % (existing.vg, " and its LVs " + ", ".join(lvs) if lvs else ""),
                ["vgremove", "--yes", "--force", existing.vg],
                destroys=["volume group %s with LVs %s" % (existing.vg, ", ".join(lvs) or "none")],
            ),
            Action(
                "command",
                "remove LVM labels from %s" % names,
                ["pvremove", "--yes", "--force", "--force"] + _member_paths(existing),
                destroys=["LVM physical volumes %s" % labels],
            ),
        ]

    def forgotten_actions(self, spec, existing, inventory):
        return []

    def record_fields(self, spec):
        return {
            "volume_group": spec.vg_name,
            "logical_volume": spec.lv_name if spec.mode == "volume" else "",
            "rebuilds": True,
        }


class MdadmBackend:
    name = "mdadm"
    kernel_modules = ("md_mod", "raid0")

    def level(self, count):
        return "raid0"

    def same_level(self, current, wanted):
        return current == wanted

    def member_count_error(self, members):
        if len(members) != 1:
            return ""
        return (
            "backend mdadm needs at least 2 devices for RAID0, got 1 (%s); use backend lvm for a single disk"
            % members[0].path
        )

    def find_existing(self, spec, inventory, record):
        """The array named for this stripe or with its recorded UUID; when not assembled, its members' superblocks."""
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

    def _arrays(self, inventory, spec, existing):
        return [
            md
            for md in inventory.md_arrays.values()
            if md.array_name == spec.name or (existing.uuid and md.uuid == existing.uuid)
        ]

    def stripe_node(self, inventory, spec, existing):
        arrays = self._arrays(inventory, spec, existing)
        return inventory.device(arrays[0].name) if arrays else None

    def owns(self, namespace, spec, existing):
        md = namespace.in_use.md
        return bool(md) and (md["uuid"] == existing.uuid or (not existing.uuid and md["name"] == spec.name))

    def can_resume(self, spec, existing, member_names):
        return False

    def missing_volume(self, spec, existing):
        return ""

    def foreign(self, spec, existing):
        return []

    def create_argvs(self, spec, member_paths, resume=False):
        return [
            [
                "mdadm",
                "--create",
                spec.device_path,
                "--run",
                "--level=0",
                "--metadata=1.2",
                "--raid-devices=%d" % len(member_paths),
                "--chunk=%d" % (spec.stripe_bytes // 1024),
                "--name=%s" % spec.name,
                "--homehost=any",
            ]
            + list(member_paths)
        ]

    def built_actions(self, spec):
        return [Action("md_conf", "record array %s in mdadm.conf" % spec.device_path, path=spec.device_path)]

    def activate_argv(self, spec, existing):
        return ["mdadm", "--assemble", spec.device_path, "--uuid", mdadm_uuid_format(existing.uuid)] + _member_paths(
            existing
        )

    def reused_actions(self, spec, existing, inventory):
        if md_conf_has(inventory, existing.uuid):
            return []
        return [Action("md_conf", "record array %s in mdadm.conf" % spec.device_path, path=spec.device_path)]

    def destroy_actions(self, spec, existing, inventory):
        names = ", ".join(_member_paths(existing))
        labels = ", ".join(device_label(inventory, m) for m in existing.members)
        actions = []
        arrays = [a for a in inventory.md_arrays.values() if a.uuid == existing.uuid or a.array_name == spec.name]
        if arrays:
            device = arrays[0].path
            actions.append(
                Action(
                    "command",
                    "stop md array %s" % device,
                    ["mdadm", "--stop", device],
                    destroys=["md array %s (%s)" % (device, labels)],
                )
            )
        actions.append(
            Action(
                "command",
                "erase md superblocks on %s" % names,
                ["mdadm", "--zero-superblock", "--force"] + _member_paths(existing),
                destroys=["md superblocks on %s" % labels],
            )
        )
        return actions

    def forgotten_actions(self, spec, existing, inventory):
        if existing is None or not existing.uuid or not md_conf_has(inventory, existing.uuid):
            return []
        return [
            Action(
                "md_conf", "remove array %s from mdadm.conf" % spec.device_path, path=spec.device_path, content="absent"
            )
        ]

    def record_fields(self, spec):
        return {"volume_group": "", "logical_volume": "", "rebuilds": spec.mode == "volume"}


def md_conf_has(inventory, uuid):
    wanted = mdadm_uuid_format(uuid)
    return any(wanted and wanted in text for text in inventory.files.values())


BACKENDS = {"lvm": LvmBackend(), "mdadm": MdadmBackend()}


def backend_for(name):
    return BACKENDS[name]
