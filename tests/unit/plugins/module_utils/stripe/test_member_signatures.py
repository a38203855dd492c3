"""The signatures of a recorded stripe's members known without wipefs (stripe/member_signatures), on the recorded
lab snapshots: they must be the rows wipefs listed, and the inventory and plan made from them the same."""

import copy
import json

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.nvme.inventory import build_inventory
from ansible_collections.acstor.edge.plugins.module_utils.nvme.parsers import parse_wipefs_json
from ansible_collections.acstor.edge.plugins.module_utils.stripe.member_signatures import (
    MEMBER_SIGNATURE,
    recorded_member_signatures,
)
from ansible_collections.acstor.edge.plugins.module_utils.stripe.planner import (
    build_record,
    plan_stripe,
    resolve_members,
)
from ansible_collections.acstor.edge.plugins.module_utils.stripe.spec import spec_from_options

from nvme_fixtures import load_snapshot

MDADM = {"name": "fast", "backend": "mdadm", "selector": {"class": "any"}, "filesystem": "xfs"}
LVM = {"name": "fast", "backend": "lvm", "selector": {"class": "any"}, "filesystem": "ext4"}
STRIPES = [
    ("mdadm-xfs", MDADM),
    ("trixie-mdadm-xfs", MDADM),
    ("lvm-default-ext4", LVM),
    ("trixie-lvm-default-ext4", LVM),
]


def _spec(options, **more):
    return spec_from_options(dict(options, extra_models=None, update_initramfs=False, **more))


def _with_record(name, options):
    snapshot = load_snapshot(name)
    inventory = build_inventory(copy.deepcopy(snapshot))
    spec = _spec(options)
    members, errors = resolve_members(spec, inventory)
    assert not errors
    uuid = next(iter(inventory.md_arrays.values())).uuid if inventory.md_arrays else ""
    snapshot["records"] = {"fast": build_record(spec, members, uuid)}
    return snapshot


def _heads(snapshot, backend):
    """The members' first bytes as the lab disks carry them: the magic where wipefs found the signature."""
    _kind, offset, magic = MEMBER_SIGNATURE[backend]
    heads = {}
    for row in json.loads(snapshot["wipefs"])["signatures"]:
        head = bytearray(0x1200)
        head[offset : offset + len(magic)] = magic
        head[0x200:0x208] = b"LABELONE"
        heads["/dev/" + row["device"]] = bytes(head)
    return heads


def _blockdevices(snapshot):
    return json.loads(snapshot["lsblk"])["blockdevices"]


def _without_wipefs(snapshot, known):
    """The snapshot nvme/scan collects when known is given: wipefs (not run) leaves those disks out."""
    lean = copy.deepcopy(snapshot)
    lean["wipefs"] = ""
    lean["signatures_from_lsblk"] = {"signatures": [row for rows in known.values() for row in rows]}
    return lean


@pytest.mark.parametrize("name,options", STRIPES)
def test_lsblk_gives_the_members_the_rows_wipefs_listed(name, options):
    snapshot = _with_record(name, options)
    known = recorded_member_signatures(
        _blockdevices(snapshot), snapshot["records"], _heads(snapshot, options["backend"]).get
    )
    listed = parse_wipefs_json(snapshot["wipefs"])
    assert sorted(known) == ["/dev/nvme0n1", "/dev/nvme1n1", "/dev/nvme2n1", "/dev/nvme3n1"]
    assert parse_wipefs_json(json.dumps({"signatures": [r for rows in known.values() for r in rows]})) == {
        path: listed[path] for path in known
    }


@pytest.mark.parametrize("name,options", STRIPES)
@pytest.mark.parametrize("more", [{}, {"mount_path": "/mnt/fast"}, {"state": "absent", "force": True}])
def test_the_inventory_and_the_plan_are_the_same(name, options, more):
    snapshot = _with_record(name, options)
    known = recorded_member_signatures(
        _blockdevices(snapshot), snapshot["records"], _heads(snapshot, options["backend"]).get
    )
    full = build_inventory(copy.deepcopy(snapshot))
    lean = build_inventory(_without_wipefs(snapshot, known))
    assert lean.namespaces == full.namespaces
    spec = _spec(options, **more)
    one, other = plan_stripe(spec, full), plan_stripe(spec, lean)
    assert (one.actions, one.errors, one.warnings, one.before, one.after) == (
        other.actions,
        other.errors,
        other.warnings,
        other.before,
        other.after,
    )


def _known(snapshot, backend="mdadm", heads=None, **record):
    snapshot["records"]["fast"].update(record)
    heads = _heads(snapshot, backend) if heads is None else heads
    return recorded_member_signatures(_blockdevices(snapshot), snapshot["records"], heads.get)


def test_nothing_is_known_without_the_magic_on_the_disk():
    snapshot = _with_record("mdadm-xfs", MDADM)
    assert _known(snapshot, heads={}) == {}
    # LVM's label in another sector than pvcreate's: wipefs reports another offset
    snapshot = _with_record("lvm-default-ext4", LVM)
    heads = {
        path: b"\0" * 0x200 + head[0x200:0x208] + head[0x208:0x218] + b"LVM2 002" + head[0x220:]
        for path, head in _heads(snapshot, "lvm").items()
    }
    assert _known(snapshot, "lvm", heads=heads) == {}


def test_a_pending_record_or_another_array_is_read_by_wipefs():
    assert _known(_with_record("mdadm-xfs", MDADM), pending=True) == {}
    assert _known(_with_record("mdadm-xfs", MDADM), md_uuid="00000000:00000000:00000000:00000001") == {}
    assert _known(_with_record("lvm-default-ext4", LVM), "lvm", logical_volume="other") == {}


def test_a_stopped_array_or_a_disk_with_a_partition_table_is_read_by_wipefs():
    # mdadm-stopped: the same members, no array assembled on them
    stopped = load_snapshot("mdadm-stopped")
    stopped["records"] = _with_record("mdadm-xfs", MDADM)["records"]
    assert _known(stopped) == {}
    snapshot = _with_record("mdadm-xfs", MDADM)
    devices = json.loads(snapshot["lsblk"])
    for disk in devices["blockdevices"]:
        disk["pttype"] = "gpt"
    snapshot["lsblk"] = json.dumps(devices)
    assert _known(snapshot) == {}


def test_disks_no_record_names_are_read_by_wipefs():
    snapshot = _with_record("mdadm-xfs", MDADM)
    for member in snapshot["records"]["fast"]["members"][:2]:
        member["serial"] = "OTHER" + member["serial"]
    assert len(_known(snapshot)) == 2
