"""The planner's safety rules as a table: recorded node state x spec -> plan or error."""

import json

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.stripe.planner import (
    StripeSpec,
    build_record,
    plan_stripe,
    resolve_members,
)

from nvme_fixtures import inventory, load_snapshot

LOCAL0 = "/dev/disk/by-id/nvme-Microsoft_NVMe_Direct_Disk_ELDD33A00000_1"
LOCAL1 = "/dev/disk/by-id/nvme-Microsoft_NVMe_Direct_Disk_ELDD33A00001_1"
LOCAL0_SERIAL = "ELDD33A00000"
ALL = {"class": "any"}


def commands(plan):
    return [a.argv for a in plan.actions if a.argv]


def record_for(fixture, spec, **inventory_overrides):
    inv = inventory(fixture, **inventory_overrides)
    members, errors = resolve_members(spec, inv)
    assert not errors
    uuid = next(iter(inv.md_arrays.values())).uuid if inv.md_arrays else ""
    return build_record(spec, members, uuid)


# (fixture, spec kwargs, expected error fragments) - every bad input is named and nothing is planned
ERROR_TABLE = [
    ("blank-4", dict(name="Bad Name", selector=ALL), ["name: 'Bad Name' is invalid", "(rule stripe-name)"]),
    (
        "blank-4",
        dict(name="fast", selector=ALL, stripe_size="96k"),
        ["stripe_size: '96k' must be a power of two", "(rule stripe-size)"],
    ),
    ("blank-4", dict(name="fast", selector=ALL, stripe_size="2k"), ["at least 4 KiB"]),
    (
        "blank-4",
        dict(name="fast", selector=ALL, filesystem="btrfs"),
        ["filesystem: 'btrfs' is not one of xfs, ext4, none"],
    ),
    ("blank-4", dict(name="fast", selector=ALL, mount_path="data"), ["mount_path: 'data' is not an absolute path"]),
    ("blank-4", dict(name="fast", devices=["/dev/nvme9n1"]), ["device /dev/nvme9n1 is unknown"]),
    ("blank-4", dict(name="fast", devices=["NOSUCHSERIAL"]), ["device NOSUCHSERIAL is unknown"]),
    ("blank-4", dict(name="fast", devices=[LOCAL0, "ELDD33A00000"]), ["device ELDD33A00000 is a duplicate"]),
    ("blank-4", dict(name="fast", devices=["/dev/vda"]), ["device /dev/vda is a disk, not an NVMe namespace"]),
    ("in-use", dict(name="fast", devices=[LOCAL1 + "-part1"]), ["-part1 is a partition: give the whole NVMe"]),
    ("blank-4", dict(name="fast", devices=[LOCAL1 + "-part1"]), ["is unknown: no such /dev/disk/by-id link"]),
    ("in-use", dict(name="fast", devices=["/dev/nvme2n1p1"]), ["device /dev/nvme2n1p1 is a partition"]),
    (
        "blank-4",
        dict(name="fast", selector={"class": "local", "count": 3}),
        ["matches 2 disk(s)", "fewer than the 3 needed"],
    ),
    ("blank-4", dict(name="fast", selector={"class": "local", "min_size": "1T"}), ["matches 0 disk(s)"]),
    ("blank-4", dict(name="fast", backend="mdadm", devices=[LOCAL0]), ["backend mdadm needs at least 2 devices"]),
    (
        "blank-4",
        dict(name="fast", selector=ALL, mode="csi_vg", mount_path="/mnt/x", filesystem="none"),
        ["mode csi_vg creates no volume to mount"],
    ),
    (
        "blank-4",
        dict(name="fast", selector=ALL, mode="csi_vg", backend="mdadm", filesystem="none"),
        ["mode csi_vg needs backend lvm"],
    ),
    ("blank-4", dict(name="fast"), ["give exactly one of devices or selector"]),
    # safe mode: every offending device and what is on it
    (
        "in-use",
        dict(name="fast", selector=ALL),
        [
            "refusing to touch devices",
            "ext4 signature (label=precious",
            "dos signature; partitions nvme2n1p1",
            "mounted at /mnt/p",
            "linux_raid_member signature (label=edgelab:foreign",
            "holder md127 (raid0)",
        ],
    ),
    # force never unmounts or stops storage it did not build
    (
        "in-use",
        dict(name="fast", selector=ALL, force=True),
        ["force cannot clear that", "mounted at /mnt/p", "holder md127 (raid0)"],
    ),
    # an existing stripe with another layout is not reshaped
    (
        "mdadm-xfs",
        dict(name="fast", backend="mdadm", selector=ALL, stripe_size="128k"),
        [
            "stripe fast exists with different layout",
            "stripe size 64 KiB, wanted 128 KiB",
            "reshaping is not supported",
        ],
    ),
    (
        "mdadm-xfs",
        dict(name="fast", backend="mdadm", devices=[LOCAL0, LOCAL1]),
        [
            "exists with different layout",
            "members ELDD33A00000, ELDD33A00001, ELDD33A00002, ELDD33A00003, wanted ELDD33A00000, ELDD33A00001",
        ],
    ),
    (
        "lvm-default-ext4",
        dict(name="fast", selector=ALL),
        ["stripe device /dev/fast/fast holds ext4, not xfs: force: true reformats it"],
    ),
    (
        "mdadm-xfs",
        dict(name="fast", backend="mdadm", state="absent"),
        ["state absent destroys stripe fast", "set force: true"],
    ),
]


@pytest.mark.parametrize("fixture,kwargs,fragments", ERROR_TABLE)
def test_bad_input_and_safety_errors(fixture, kwargs, fragments):
    plan = plan_stripe(StripeSpec(**kwargs), inventory(fixture))
    text = " ".join(plan.errors)
    for fragment in fragments:
        assert fragment in text
    assert plan.actions == []


def test_mixed_sizes_beyond_tolerance():
    snapshot = load_snapshot("blank-4")
    data = json.loads(snapshot["lsblk"])
    data["blockdevices"][1]["size"] = 2 * 4294967296
    plan = plan_stripe(StripeSpec("fast", selector=ALL), inventory("blank-4", lsblk=json.dumps(data)))
    assert "mixed sizes" in plan.errors[0] and "size_tolerance 5.0%" in plan.errors[0]
    assert "(serial " in plan.errors[0]  # kernel names change between boots: the serial says which disk
    plan = plan_stripe(
        StripeSpec("fast", selector=ALL, size_tolerance=60), inventory("blank-4", lsblk=json.dumps(data))
    )
    assert not plan.errors


def test_os_disk_is_refused_even_when_named():
    snapshot = load_snapshot("in-use")
    inv = inventory("in-use", lsblk=snapshot["lsblk"].replace('"/mnt/p"', '"/"'))
    plan = plan_stripe(StripeSpec("fast", devices=[LOCAL1]), inv)
    assert plan.errors == ["device %s is the OS disk (/dev/nvme2n1p1 holds /): refusing to use it" % LOCAL1]


def test_mount_path_used_by_something_else():
    snapshot = load_snapshot("blank-4")
    mounted = snapshot["mountinfo"] + "99 26 0:50 / /srv/cache rw - tmpfs tmpfs rw\n"
    plan = plan_stripe(
        StripeSpec("fast", selector=ALL, mount_path="/srv/cache"), inventory("blank-4", mountinfo=mounted)
    )
    assert plan.errors == ["mount path /srv/cache is already used by tmpfs (tmpfs)"] and not plan.actions
    fstab = snapshot["fstab"] + "UUID=abc /srv/cache ext4 defaults 0 2\n"
    plan = plan_stripe(StripeSpec("fast", selector=ALL, mount_path="/srv/cache"), inventory("blank-4", fstab=fstab))
    assert plan.errors == ["mount path /srv/cache is already used by UUID=abc in /etc/fstab (line 2)"]
    paths = {"/srv/cache": {"exists": True, "is_dir": True, "entries": ["precious.txt"]}}
    plan = plan_stripe(StripeSpec("fast", selector=ALL, mount_path="/srv/cache"), inventory("blank-4", paths=paths))
    assert "non-empty directory (precious.txt)" in plan.errors[0]


def test_lvm_create_on_blank_disks_full_plan():
    plan = plan_stripe(StripeSpec("fast", selector=ALL, mount_path="/mnt/fast"), inventory("blank-4"))
    assert not plan.errors and plan.creates_stripe
    serial_order = ["/dev/nvme3n1", "/dev/nvme2n1", "/dev/nvme1n1", "/dev/nvme0n1"]  # ELDD33A00000..3
    assert commands(plan) == [
        ["modprobe", "-a", "dm_raid"],
        ["vgcreate", "--yes", "--addtag", "acstor-edge-stripe-fast", "fast"] + serial_order,
        [
            "lvcreate",
            "--yes",
            "--wipesignatures",
            "y",
            "--addtag",
            "acstor-edge-stripe-fast",
            "--name",
            "fast",
            "--extents",
            "100%FREE",
            "--type",
            "raid0",
            "--stripes",
            "4",
            "--stripesize",
            "64k",
            "fast",
        ],
        ["mkfs.xfs", "-q", "-d", "su=64k,sw=4", "-f", "/dev/fast/fast"],
        ["mount", "/mnt/fast"],
    ]
    fstab = [a for a in plan.actions if a.kind == "fstab"][0]
    assert fstab.content.startswith(
        "/dev/fast/fast /mnt/fast xfs defaults,noatime,nofail,"
        "x-systemd.wanted-by=local-fs.target,x-systemd.before=kubelet"
    )
    assert "x-systemd.required-by=kubelet.service" in fstab.content
    assert plan.after["geometry"]["stripe_size"] == 65536 and plan.destroys == []
    # the record rebuilds from by-id paths, never from nvmeXnY names
    assert all("/dev/nvme" not in " ".join(argv) for argv in plan.record["rebuild"])


def test_mdadm_ext4_alignment_and_md_conf():
    plan = plan_stripe(
        StripeSpec("scratch", backend="mdadm", devices=["ELDD33A00001", LOCAL0], stripe_size="512k", filesystem="ext4"),
        inventory("blank-4"),
    )
    assert commands(plan)[0] == [
        "mdadm",
        "--create",
        "/dev/md/scratch",
        "--run",
        "--level=0",
        "--metadata=1.2",
        "--raid-devices=2",
        "--chunk=512",
        "--name=scratch",
        "--homehost=any",
        "/dev/nvme3n1",
        "/dev/nvme2n1",
    ]
    assert commands(plan)[1] == [
        "mkfs.ext4",
        "-q",
        "-b",
        "4096",
        "-m",
        "0",
        "-E",
        "stride=128,stripe_width=256",
        "-F",
        "/dev/md/scratch",
    ]
    assert [a.kind for a in plan.actions][-2:] == ["md_conf", "record"]


def test_single_disk_lvm_is_linear():
    plan = plan_stripe(StripeSpec("one", devices=[LOCAL0]), inventory("blank-4"))
    lvcreate = [c for c in commands(plan) if c[0] == "lvcreate"][0]
    assert "--type" not in lvcreate and plan.after["geometry"]["level"] == "linear"
    assert ["mkfs.xfs", "-q", "-f", "/dev/one/one"] in commands(plan)


def test_force_wipes_only_what_it_lists():
    plan = plan_stripe(StripeSpec("fast", devices=[LOCAL0], force=True), inventory("in-use"))
    assert not plan.errors
    wipe = [a for a in plan.actions if a.argv[:1] == ["wipefs"]]
    assert [a.argv for a in wipe] == [["wipefs", "--all", "/dev/nvme3n1"]]
    # kernel names change between boots: every destroyed device is named by serial and by-id link too
    assert plan.destroys == [
        "/dev/nvme3n1 (serial %s, %s): ext4 signature (label=precious, "
        "uuid=bec72917-9e34-44dd-a4c0-f9540542b7b1)" % (LOCAL0_SERIAL, LOCAL0)
    ]


def test_existing_mdadm_stripe_is_a_no_op_when_recorded():
    spec = StripeSpec("fast", backend="mdadm", selector=ALL)
    record = record_for("mdadm-xfs", spec)
    conf = {"/etc/mdadm/mdadm.conf": "ARRAY /dev/md/fast metadata=1.2 UUID=3d716ed3:db6ee40e:12574855:cf2636b6\n"}
    plan = plan_stripe(spec, inventory("mdadm-xfs", records={"fast": record}, files=conf))
    assert not plan.errors and plan.actions == []
    assert plan.filesystem["alignment"] == {"stripe_unit": 65536, "stripe_width": 262144}
    assert plan.before == plan.after or plan.before["members"] == plan.after["members"]


def test_renumbered_members_keep_the_record_unchanged():
    spec = StripeSpec("fast", backend="mdadm", selector=ALL)
    record = record_for("mdadm-xfs", spec)
    for member in record["members"]:
        member["path"] = "/dev/nvme9n9"  # as if the disks came back in another order
    conf = {"/etc/mdadm/mdadm.conf": "ARRAY /dev/md/fast UUID=3d716ed3:db6ee40e:12574855:cf2636b6\n"}
    assert plan_stripe(spec, inventory("mdadm-xfs", records={"fast": record}, files=conf)).actions == []


def test_existing_stripe_other_stripe_size_with_force_is_rebuilt():
    plan = plan_stripe(
        StripeSpec("fast", backend="mdadm", selector=ALL, stripe_size="128k", force=True), inventory("mdadm-xfs")
    )
    assert not plan.errors
    argv0 = [c[:2] for c in commands(plan)]
    assert argv0[:2] == [["mdadm", "--stop"], ["mdadm", "--zero-superblock"]]
    assert ["mdadm", "--create"] in argv0
    assert any("md array /dev/md127" in d for d in plan.destroys)
    members = plan_stripe(StripeSpec("fast", backend="mdadm", selector=ALL), inventory("mdadm-xfs")).members
    labels = ["%s (serial %s, %s)" % (n.path, n.serial, n.stable_id) for n in members]
    for destroyed in plan.destroys:
        # the array entries name every member; a member's wipe names that member
        assert (
            all(label in destroyed for label in labels)
            if destroyed.startswith("md ")
            else any(destroyed.startswith(label + ":") for label in labels)
        ), destroyed
    assert plan.before["geometry"]["stripe_size"] == 65536 and plan.after["geometry"]["stripe_size"] == 131072


def test_stopped_array_is_assembled_by_uuid_and_fs_decided_at_apply():
    plan = plan_stripe(StripeSpec("fast", backend="mdadm", selector=ALL), inventory("mdadm-stopped"))
    assert not plan.errors
    assert commands(plan)[0][:5] == [
        "mdadm",
        "--assemble",
        "/dev/md/fast",
        "--uuid",
        "3d716ed3:db6ee40e:12574855:cf2636b6",
    ]
    assert [a.kind for a in plan.actions][1] == "ensure_fs"
    assert all(a.argv[:1] != ["mdadm", "--create"] for a in plan.actions)


def test_existing_lvm_stripe_adopted_then_idempotent():
    spec = StripeSpec("fast", selector=ALL, filesystem="ext4")
    plan = plan_stripe(spec, inventory("lvm-default-ext4"))
    assert [a.kind for a in plan.actions] == ["record"]
    plan = plan_stripe(spec, inventory("lvm-default-ext4", records={"fast": plan.record}))
    assert plan.actions == [] and plan.filesystem["type"] == "ext4"


def test_reformat_with_force_lists_destruction():
    plan = plan_stripe(StripeSpec("fast", selector=ALL, force=True), inventory("lvm-default-ext4"))
    assert plan.destroys == ["ext4 filesystem on /dev/fast/fast"]
    assert ["mkfs.xfs", "-q", "-d", "su=64k,sw=4", "-f", "/dev/fast/fast"] in commands(plan)


@pytest.mark.parametrize(
    "ephemeral,force,expect_error", [(False, False, True), (True, False, False), (False, True, False)]
)
def test_ephemeral_rebuild_only_when_allowed(ephemeral, force, expect_error):
    spec = StripeSpec("fast", selector=ALL, ephemeral=ephemeral, force=force, mount_path="/mnt/fast")
    record = record_for("blank-4", spec)
    plan = plan_stripe(spec, inventory("blank-4", records={"fast": record}))
    if expect_error:
        assert "was recorded on this node" in plan.errors[0] and "ephemeral: true" in plan.errors[0]
        assert not plan.actions
    else:
        assert not plan.errors and plan.creates_stripe and plan.destroys == []
        assert "ephemeral rebuild" in plan.actions[1].description


def test_ephemeral_never_rebuilds_over_data():
    spec = StripeSpec("fast", devices=[LOCAL0], ephemeral=True)
    record = record_for("blank-4", spec)
    plan = plan_stripe(spec, inventory("in-use", records={"fast": record}))
    assert "refusing to touch devices" in plan.errors[0] and "precious" in plan.errors[0]


def test_csi_vg_handoff():
    spec = StripeSpec("csi", mode="csi_vg", filesystem="none", selector={"class": "local"})
    plan = plan_stripe(spec, inventory("blank-4"))
    assert [
        "vgcreate",
        "--yes",
        "--addtag",
        "local-csi",
        "--addtag",
        "acstor-edge-stripe-csi",
        "containerstorage",
        "/dev/nvme3n1",
        "/dev/nvme2n1",
    ] in commands(plan)
    assert not [c for c in commands(plan) if c[0] in ("lvcreate", "mkfs.xfs", "mount")]
    assert plan.record["csi_handoff"] == {
        "volume_group": "containerstorage",
        "cleanup_enabled": False,
        "models": ["Microsoft NVMe Direct Disk"],
    }


def test_absent_with_force_destroys_and_forgets():
    spec = StripeSpec("fast", backend="mdadm", state="absent", force=True)
    record = record_for("mdadm-xfs", StripeSpec("fast", backend="mdadm", selector=ALL, mount_path="/mnt/fast"))
    fstab = "/dev/vda / ext4 defaults 0 1\n/dev/md/fast /mnt/fast xfs defaults,nofail 0 0\n"
    conf = {"/etc/mdadm/mdadm.conf": "ARRAY /dev/md/fast UUID=3d716ed3:db6ee40e:12574855:cf2636b6\n"}
    plan = plan_stripe(spec, inventory("mdadm-xfs", records={"fast": record}, fstab=fstab, files=conf))
    kinds = [(a.kind, a.argv[:2]) for a in plan.actions]
    assert kinds[:3] == [
        ("command", ["mdadm", "--stop"]),
        ("command", ["mdadm", "--zero-superblock"]),
        ("command", ["wipefs", "--all"]),
    ]
    assert [kind for kind, _argv in kinds[3:]] == ["fstab", "md_conf", "remove_file"]
    assert plan_stripe(spec, inventory("blank-4")).actions == []
    # --diff shows what goes: members by serial and by-id, geometry and filesystem before, nothing after
    assert plan.after == {}
    assert plan.before["geometry"]["level"] == "raid0" and plan.before["filesystem"]["type"] == "xfs"
    assert plan.before["device"] and all(m.split()[1].startswith("/dev/disk/by-id/") for m in plan.before["members"])
    for destroyed in plan.destroys:
        assert all("serial %s, /dev/disk/by-id/" % m.split()[0] in destroyed for m in plan.before["members"])


ORPHAN0 = "/dev/disk/by-id/nvme-Microsoft_NVMe_Direct_Disk_EL89E4DD0000_1"
ORPHAN1 = "/dev/disk/by-id/nvme-Microsoft_NVMe_Direct_Disk_EL89E4DD0001_1"


def test_a_new_stripe_is_recorded_as_pending_before_anything_is_built():
    plan = plan_stripe(StripeSpec("fast", selector=ALL, mount_path="/mnt/fast"), inventory("blank-4"))
    kinds = [(a.kind, a.content) for a in plan.actions]
    first_build = next(i for i, a in enumerate(plan.actions) if a.argv and a.argv[0] == "vgcreate")
    assert kinds.index(("record", "pending")) < first_build
    assert kinds[-1] == ("record", "")


def test_anonymous_pvs_nobody_recorded_are_refused():
    plan = plan_stripe(StripeSpec("fast", devices=[ORPHAN0, ORPHAN1]), inventory("orphan-pvs"))
    assert "refusing to touch devices" in plan.errors[0] and "LVM2_member" in plan.errors[0]
    assert "EL89E4DD0000" in plan.errors[0] and "EL89E4DD0001" in plan.errors[0] and not plan.actions


def test_pvs_left_by_an_interrupted_build_of_ours_are_taken_back():
    spec = StripeSpec("fast", devices=[ORPHAN0, ORPHAN1], mount_path="/mnt/fast")
    pending = dict(record_for("blank-4", StripeSpec("fast", devices=[LOCAL0, LOCAL1])), pending=True)
    # the pending record names the disks that now carry the anonymous PVs
    pending["members"] = [{"serial": "EL89E4DD0000"}, {"serial": "EL89E4DD0001"}]
    plan = plan_stripe(spec, inventory("orphan-pvs", records={"fast": pending}))
    assert not plan.errors and plan.creates_stripe and plan.destroys == []
    assert [c[0] for c in commands(plan)][:4] == ["modprobe", "pvremove", "pvremove", "vgcreate"]


def test_a_pending_record_over_blank_disks_is_not_a_lost_stripe():
    spec = StripeSpec("fast", selector=ALL)
    pending = dict(record_for("blank-4", spec), pending=True)
    plan = plan_stripe(spec, inventory("blank-4", records={"fast": pending}))
    assert not plan.errors and plan.creates_stripe


def test_our_volume_group_without_its_lv_is_finished_not_refused():
    # a run killed after vgcreate: the tagged VG over the wanted members, no LV yet
    no_lvs = json.dumps({"report": [{"lv": []}]})
    spec = StripeSpec("fast", selector=ALL, filesystem="ext4")
    plan = plan_stripe(spec, inventory("lvm-default-ext4", lvs=no_lvs))
    assert not plan.errors and plan.destroys == []
    assert [c[0] for c in commands(plan)] == ["lvcreate", "mkfs.ext4"]


def test_a_foreign_lv_in_our_volume_group_is_not_finished_over():
    lvs = json.loads(load_snapshot("lvm-default-ext4")["lvs"])
    lvs["report"][0]["lv"][0]["lv_name"] = "theirs"
    plan = plan_stripe(
        StripeSpec("fast", selector=ALL, filesystem="ext4"), inventory("lvm-default-ext4", lvs=json.dumps(lvs))
    )
    assert "volume group fast has no LV fast" in plan.errors[0] and not plan.actions


def test_a_lost_member_is_named_as_lost_not_as_an_unknown_device():
    spec = StripeSpec("fast", devices=[LOCAL0, LOCAL1], mount_path="/mnt/fast")
    record = record_for("blank-4", spec)
    record["members"][1] = dict(
        record["members"][1],
        serial="ELGONE000001",
        by_id="/dev/disk/by-id/nvme-Microsoft_NVMe_Direct_Disk_ELGONE000001_1",
    )
    plan = plan_stripe(
        StripeSpec("fast", devices=[LOCAL0, "ELGONE000001"], mount_path="/mnt/fast"),
        inventory("blank-4", records={"fast": record}),
    )
    assert len(plan.errors) == 1 and not plan.actions
    assert (
        "stripe fast is missing member(s) ELGONE000001 (/dev/disk/by-id/nvme-Microsoft_NVMe_Direct_Disk_ELGONE000001_1)"
        in plan.errors[0]
        and "RAID0 cannot run" in plan.errors[0]
    )


def test_xfs_left_half_made_by_an_interrupted_mkfs_is_made_again():
    # the recorded head with sb_inprogress set, as mkfs.xfs leaves it when killed (the kernel refuses to mount it)
    spec = StripeSpec("fast", backend="mdadm", selector=ALL, mount_path="/mnt/fast")
    record = dict(record_for("mdadm-xfs", spec), pending=True)
    head = bytearray.fromhex(load_snapshot("mdadm-xfs")["heads"]["/dev/md/fast"])
    head[126] = 1
    conf = {"/etc/mdadm/mdadm.conf": "ARRAY /dev/md/fast metadata=1.2 UUID=3d716ed3:db6ee40e:12574855:cf2636b6\n"}
    plan = plan_stripe(
        spec, inventory("mdadm-xfs", records={"fast": record}, files=conf, heads={"/dev/md/fast": head.hex()})
    )
    assert not plan.errors and "half-made" in plan.warnings[0]
    assert ["mkfs.xfs", "-q", "-d", "su=64k,sw=4", "-f", "/dev/md/fast"] in commands(plan)
    assert ["mount", "/mnt/fast"] in commands(plan)
    # the same stripe with a finished xfs is left alone
    plan = plan_stripe(spec, inventory("mdadm-xfs", records={"fast": record}, files=conf))
    assert not [c for c in commands(plan) if c[0].startswith("mkfs")]


def test_forced_rebuild_of_a_mounted_stripe_unmounts_rebuilds_and_mounts_again():
    # found on the lab VM: the stripe's own mount was taken for someone else's and the rebuild refused
    snapshot = load_snapshot("mdadm-xfs")
    lsblk = json.loads(snapshot["lsblk"])
    for disk in lsblk["blockdevices"]:
        for child in disk.get("children") or []:
            if child["name"] == "md127":
                child.update(mountpoint="/mnt/fast", mountpoints=["/mnt/fast"])
    mountinfo = snapshot["mountinfo"] + "300 1 9:127 / /mnt/fast rw,relatime shared:9 - xfs /dev/md127 rw\n"
    fstab = "/dev/vda / ext4 defaults 0 1\n/dev/md/fast /mnt/fast xfs defaults,nofail 0 0\n"
    overrides = dict(
        lsblk=json.dumps(lsblk),
        mountinfo=mountinfo,
        fstab=fstab,
        paths={"/mnt/fast": {"is_dir": True, "entries": ["marker"]}},
    )
    spec = StripeSpec("fast", backend="mdadm", selector=ALL, stripe_size="128k", force=True, mount_path="/mnt/fast")
    plan = plan_stripe(spec, inventory("mdadm-xfs", **overrides))
    assert not plan.errors, plan.errors
    argv = [c[:2] for c in commands(plan)]
    assert argv[0] == ["umount", "/mnt/fast"] and ["mdadm", "--create"] in argv
    assert argv[-1] == ["mount", "/mnt/fast"]
    assert plan.before["mount"] == {"path": "/mnt/fast"}
