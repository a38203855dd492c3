"""acstor.edge.nvme_info on a VM with every class of disk (runs after test_lab_node.py, which reads only).

Slots (molecule.yml): 0 Direct Disk, 1 Direct Disk v2, 2 Azure NVMe Data Disk, 3 EC2 instance store,
4 a model only the user names, 5 a Direct Disk holding an ext4 filesystem, 6 a Direct Disk v2 with swap
and /boot on partitions. The last two are set up here, on the VM, before the module runs.
"""

import json
import os
from pathlib import Path

import pytest

LAB_NODES = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", ".")) / ".lab" / "nodes"
EXTRA = "Contoso Edge NVMe 1000"
ADDON = "model '%s' is not built into the driver: add it to diskSelection.addonModels"
# An MBR with two primary partitions (sectors 2048.. of 64 MiB each: swap 0x82, Linux 0x83); the lab image
# has no partitioning tool, and the table is all the kernel needs.
MBR = (
    "import os,sys; d=os.open(sys.argv[1],os.O_WRONLY); m=bytearray(512); "
    "e=lambda t,s,n: bytes([0,0,0,0,t,0,0,0])+s.to_bytes(4,'little')+n.to_bytes(4,'little'); "
    "m[446:462]=e(0x82,2048,131072); m[462:478]=e(0x83,133120,131072); m[510:512]=b'\\x55\\xaa'; "
    "os.pwrite(d,bytes(m),0); os.fsync(d)"
)


def serials(host):
    node = json.loads((LAB_NODES / host.backend.get_hostname() / "node.json").read_text())
    return [d["serial"] for d in sorted(node["disks"], key=lambda d: d["slot"])]


def by_id(host, slot, model):
    return "/dev/disk/by-id/nvme-%s_%s_1" % (model.replace(" ", "_"), serials(host)[slot])


@pytest.fixture(scope="module")
def disks(host):
    data = by_id(host, 5, "Microsoft NVMe Direct Disk")
    os_like = by_id(host, 6, "Microsoft NVMe Direct Disk v2")
    host.check_output(
        "mkfs.ext4 -q -L keep %s && mkdir -p /mnt/keep && mount %s /mnt/keep && "
        "echo data > /mnt/keep/file && umount /mnt/keep" % (data, data)
    )
    host.check_output('python3 -c "%s" %s && blockdev --rereadpt %s && udevadm settle' % (MBR, os_like, os_like))
    host.check_output(
        "mkswap -q %s-part1 && swapon %s-part1 && mkfs.ext4 -q %s-part2 && mount %s-part2 /boot"
        % (os_like, os_like, os_like, os_like)
    )
    return {serial: slot for slot, serial in enumerate(serials(host))}


def nvme_info(host, extra_models):
    result = host.ansible("acstor.edge.nvme_info", json.dumps({"extra_models": extra_models}), check=False)
    return result, {n["serial"]: n for n in result["namespaces"]}


def test_every_class_in_use_and_driver_verdict(host, disks):
    result, by_serial = nvme_info(host, [EXTRA])
    assert result["changed"] is False and set(by_serial) == set(disks)
    slot = {s: by_serial[serial] for serial, s in disks.items()}
    for n in (slot[0], slot[1], slot[3]):  # built-in local models, blank: the driver takes them as they are
        assert n["class"] == "local" and not n["in_use"]["any"], n
        assert n["csi"] == {
            "eligible": True,
            "reasons": [],
            "addon_model_needed": None,
            "eligible_with_addon_models": True,
        }, n
    data_disk = slot[2]
    assert data_disk["class"] == "other" and not data_disk["in_use"]["any"]
    assert data_disk["csi"]["reasons"] == [ADDON % "Microsoft Azure NVMe Data Disk"]
    assert not data_disk["csi"]["eligible"]
    extra = slot[4]
    assert extra["model"] == EXTRA and extra["class"] == "local" and not extra["in_use"]["any"]
    assert extra["csi"] == {
        "eligible": False,
        "reasons": [ADDON % EXTRA],
        "addon_model_needed": EXTRA,
        "eligible_with_addon_models": True,
    }
    holding = slot[5]
    assert holding["class"] == "local" and holding["in_use"]["any"]
    assert [(s["type"], s["label"]) for s in holding["in_use"]["signatures"]] == [("ext4", "keep")]
    assert not holding["csi"]["eligible"] and not holding["csi"]["eligible_with_addon_models"]
    assert holding["csi"]["reasons"][0].startswith("not blank: ext4 signature (label=keep"), holding["csi"]
    os_like = slot[6]
    assert os_like["class"] == "os" and os_like["in_use"]["any"], os_like
    assert any(r.endswith("p1 holds swap") for r in os_like["os_reasons"]), os_like["os_reasons"]
    assert any(r.endswith("p2 holds /boot") for r in os_like["os_reasons"]), os_like["os_reasons"]
    assert len(os_like["in_use"]["partitions"]) == 2 and "/boot" in os_like["in_use"]["mountpoints"]
    assert not os_like["csi"]["eligible"] and os_like["csi"]["reasons"][0].startswith("not blank: dos")
    # the chart must list the user's model, and only that: Azure's data disk is not a local disk
    assert result["addon_models_needed"] == [EXTRA]
    assert sorted(result["summary"]["csi_eligible"]) == sorted(n["path"] for n in (slot[0], slot[1], slot[3]))
    assert result["summary"]["os"] == [os_like["path"]]


def test_without_extra_models_the_users_model_is_other(host, disks):
    result, by_serial = nvme_info(host, [])
    extra = by_serial[[s for s, slot in disks.items() if slot == 4][0]]
    assert extra["class"] == "other" and result["addon_models_needed"] == []
    assert extra["csi"]["addon_model_needed"] == EXTRA
