"""Parsers and inventory on snapshots recorded from the lab VMs."""

import json

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.nvme import parsers
from ansible_collections.acstor.edge.plugins.module_utils.nvme.inventory import addon_models_needed

from nvme_fixtures import inventory, load_snapshot

# The same states recorded on Debian 12 (bookworm: util-linux 2.38, lvm2 2.03.16, mdadm 4.2, kernel 6.1; 4 GiB
# disks) and Debian 13 (trixie-*: util-linux 2.41, lvm2 2.03.31, mdadm 4.4, kernel 6.12; 2 GiB disks).
RELEASES = pytest.mark.parametrize("release,disk_size", [("", 4 << 30), ("trixie-", 2 << 30)])


def test_lsblk_tree_keeps_holders_and_partitions():
    devices = parsers.parse_lsblk(load_snapshot("in-use")["lsblk"])
    by_name = {d.name: d for d in devices}
    assert by_name["vda"].mountpoints == ["/"]
    part_disk = [d for d in devices if any(c.type == "part" for c in d.children)][0]
    assert part_disk.children[0].mountpoints == ["/mnt/p"]
    assert part_disk.children[0].parttype == "0x83"
    md_members = [d for d in devices if any(c.type == "raid0" for c in d.children)]
    assert len(md_members) == 2 and all(d.fstype == "linux_raid_member" for d in md_members)


def test_wipefs_lists_every_device_in_one_call():
    signatures = parsers.parse_wipefs_json(load_snapshot("in-use")["wipefs"])
    types = sorted(s["type"] for rows in signatures.values() for s in rows)
    assert types == ["dos", "ext4", "linux_raid_member", "linux_raid_member"]
    ext4 = [rows[0] for rows in signatures.values() if rows[0]["type"] == "ext4"][0]
    assert ext4["label"] == "precious" and ext4["offset"] == "0x438"
    assert parsers.parse_wipefs_json("") == {}


@RELEASES
def test_lvm_reports_carry_raid0_geometry_and_tags(release, disk_size):
    snapshot = load_snapshot(release + "lvm-default-ext4")
    lvs = parsers.parse_lvm_report(snapshot["lvs"], "lv")
    assert [(r["segtype"], r["stripes"], r["stripe_size"]) for r in lvs] == [("raid0", "4", "65536")]
    pvs = parsers.parse_lvm_report(snapshot["pvs"], "pv")
    assert {r["vg_tags"] for r in pvs} == {"acstor-edge-stripe-fast"} and len(pvs) == 4


@pytest.mark.parametrize(
    "fixture,device,fstype,unit,width",
    [
        ("mdadm-xfs", "/dev/md/fast", "xfs", 65536, 262144),
        ("lvm-default-ext4", "/dev/fast/fast", "ext4", 65536, 262144),
        ("trixie-mdadm-xfs", "/dev/md/fast", "xfs", 65536, 262144),
        ("trixie-lvm-default-ext4", "/dev/fast/fast", "ext4", 65536, 262144),
    ],
)
def test_superblock_alignment_read_from_recorded_heads(fixture, device, fstype, unit, width):
    head = bytes.fromhex(load_snapshot(fixture)["heads"][device])
    superblock = parsers.parse_superblock(head)
    assert (superblock.type, superblock.stripe_unit, superblock.stripe_width) == (fstype, unit, width)
    assert len(superblock.uuid) == 36
    assert parsers.parse_superblock(b"\0" * 4096) is None


def test_mountinfo_fstab_swaps():
    snapshot = load_snapshot("in-use")
    mounts = parsers.parse_mountinfo(snapshot["mountinfo"])
    assert [m.source for m in mounts if m.mountpoint == "/mnt/p"] and [
        m.fstype for m in mounts if m.mountpoint == "/"
    ] == ["ext4"]
    fstab = parsers.parse_fstab("# c\n/dev/vda / ext4 defaults 0 1\nUUID=x /srv\\040data xfs noatime 0 0\n")
    assert [(e.mountpoint, e.line_number) for e in fstab] == [("/", 2), ("/srv data", 3)]
    assert parsers.parse_swaps("Filename Type Size Used Priority\n/dev/nvme0n1p2 partition 1 0 -2\n") == [
        "/dev/nvme0n1p2"
    ]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("64k", 65536),
        ("64KiB", 65536),
        ("1M", 1 << 20),
        ("512", 512),
        ("1.5G", 3 << 29),
        ("sixty", None),
        ("64q", None),
    ],
)
def test_parse_size(text, expected):
    assert parsers.parse_size(text) == expected


def test_md_uuid_formats_compare_equal():
    assert parsers.normalize_md_uuid("3d716ed3:db6ee40e:12574855:cf2636b6") == parsers.normalize_md_uuid(
        "3d716ed3-db6e-e40e-1257-4855cf2636b6"
    )
    assert parsers.mdadm_uuid_format("3d716ed3-db6e-e40e-1257-4855cf2636b6") == "3d716ed3:db6ee40e:12574855:cf2636b6"


@RELEASES
def test_inventory_classes_models_and_csi_verdicts_on_blank_disks(release, disk_size):
    inv = inventory(release + "blank-4")
    by_model = {}
    for n in inv.namespaces:
        by_model.setdefault(n.model, []).append(n)
        assert n.transport == "pcie" and n.firmware == "7.2.22" and n.controller.startswith("nvme")
        assert n.stable_id == "/dev/disk/by-id/nvme-%s_%s_1" % (n.model.replace(" ", "_"), n.serial)
        assert n.serial == n.serial.strip() and n.size == disk_size and n.logical_sector_size == 512
    assert [n.device_class for n in by_model["Microsoft NVMe Direct Disk"]] == ["local", "local"]
    assert all(n.csi_eligible for n in by_model["Microsoft NVMe Direct Disk"])
    data = by_model["Microsoft Azure NVMe Data Disk"][0]
    assert data.device_class == "other" and not data.csi_eligible
    assert data.csi_addon_model_needed == "Microsoft Azure NVMe Data Disk" and data.csi_eligible_with_addon
    assert addon_models_needed(inv) == []
    # a user extra model makes QEMU disks local and tells the chart to add that model
    inv = inventory(release + "blank-4", extra_models=["  qemu nvme ctrl "])
    assert [n.device_class for n in inv.namespaces if n.model == "QEMU NVMe Ctrl"] == ["local"]
    assert addon_models_needed(inv, ["  qemu nvme ctrl "]) == ["QEMU NVMe Ctrl"]


def test_inventory_in_use_details_and_os_class():
    inv = inventory("in-use")
    by_serial = {n.serial: n for n in inv.namespaces}
    ext4 = by_serial["ELDD33A00000"].in_use.as_dict()
    assert ext4["any"] and ext4["signatures"][0]["label"] == "precious"
    part = by_serial["ELDD33A00001"].in_use
    assert part.partitions and part.mountpoints == ["/mnt/p"] and part.signatures[0].type == "dos"
    md = by_serial["ELDD33A00002"].in_use
    assert md.md["name"] == "foreign" and md.holders[0]["type"] == "raid0"
    assert not by_serial["ELDD33A00002"].csi_eligible_with_addon
    assert inv.md_arrays["md127"].chunk_size == 131072 and inv.md_arrays["md127"].array_name == "foreign"
    # the same disk holding /boot is an OS disk, whatever its model
    snapshot = load_snapshot("in-use")
    inv = inventory("in-use", lsblk=snapshot["lsblk"].replace('"/mnt/p"', '"/boot"'))
    os_disk = [n for n in inv.namespaces if n.serial == "ELDD33A00001"][0]
    assert os_disk.device_class == "os" and "holds /boot" in os_disk.os_reasons[0]


@RELEASES
def test_inventory_lvm_pv_and_record_shapes(release, disk_size):
    inv = inventory(release + "lvm-default-ext4")
    assert sum(n.size for n in inv.namespaces) == 4 * disk_size
    assert {n.in_use.lvm_pv["vg"] for n in inv.namespaces} == {"fast"}
    # the driver takes existing PVs
    assert all(n.csi_eligible for n in inv.namespaces if n.device_class == "local")
    assert json.loads(json.dumps([n.as_dict() for n in inv.namespaces]))


@RELEASES
def test_md_array_geometry_and_members(release, disk_size):
    inv = inventory(release + "mdadm-xfs")
    (array,) = inv.md_arrays.values()
    assert array.array_name == "fast" and array.chunk_size == 65536
    assert sorted(array.members) == sorted(n.name for n in inv.namespaces)
    assert all(n.in_use.md["name"] == "fast" for n in inv.namespaces)
