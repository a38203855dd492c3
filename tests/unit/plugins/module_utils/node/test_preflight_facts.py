"""Parsers and the one-pass gatherer of preflight_facts, on text and on a fake root tree."""

import json
import os
import re
from pathlib import Path

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.node import preflight_checks
from ansible_collections.acstor.edge.plugins.module_utils.node.preflight_facts import (
    REPORTED_KERNEL_OPTIONS,
    NodeFacts,
    gather_node_facts,
    parse_cpu_list,
    parse_kernel_config,
    parse_kernel_version,
    parse_kubelet_root_dir,
    parse_meminfo_total,
)
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_state import (
    module_name_from_path,
    parse_module_index,
    parse_os_release,
)

# Recorded from the lab VM (Debian 12 cloud kernel).
OS_RELEASE_DEBIAN = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
ID=debian
HOME_URL="https://www.debian.org/"
"""
MEMINFO = "MemTotal:         996368 kB\nMemFree:          849244 kB\n"
RELEASE = "6.1.0-50-cloud-amd64"


def test_parse_os_release():
    parsed = parse_os_release(OS_RELEASE_DEBIAN + "# comment\n\nID_LIKE='rhel fedora'\n")
    assert parsed["ID"] == "debian" and parsed["VERSION_ID"] == "12"
    assert parsed["PRETTY_NAME"] == "Debian GNU/Linux 12 (bookworm)" and parsed["ID_LIKE"] == "rhel fedora"


def test_parse_meminfo_and_cpus():
    assert parse_meminfo_total(MEMINFO) == 996368 * 1024
    assert parse_meminfo_total("MemFree: 1 kB\n") == 0
    assert parse_cpu_list("0-3,6\n") == 5
    assert parse_cpu_list("0\n") == 1


@pytest.mark.parametrize(
    "release,expected",
    [
        ("6.1.0-50-cloud-amd64", (6, 1, 0)),
        ("5.15.0-1034-azure", (5, 15, 0)),
        ("6.8", (6, 8, 0)),
        ("5.14.0-427.13.1.el9_4.x86_64", (5, 14, 0)),
        ("nonsense", None),
        ("", None),
    ],
)
def test_parse_kernel_version(release, expected):
    assert parse_kernel_version(release) == expected


def test_parse_kernel_config():
    parsed = parse_kernel_config('CONFIG_NFS_V4_2=y\n# CONFIG_NFS_V4_2_READ_PLUS is not set\nCONFIG_X="a b"\n')
    assert parsed == {"CONFIG_NFS_V4_2": "y", "CONFIG_NFS_V4_2_READ_PLUS": "n", "CONFIG_X": "a b"}


def test_module_index():
    dep = (
        "kernel/drivers/md/dm-raid.ko: kernel/drivers/md/dm-mod.ko\n"
        "kernel/drivers/md/raid0.ko.zst:\nkernel/fs/nfs/nfsv4.ko.xz: kernel/fs/nfs/nfs.ko.xz\n"
    )
    assert parse_module_index(dep) == {"dm_raid", "raid0", "nfsv4"}
    assert module_name_from_path("kernel/drivers/nvme/host/nvme-tcp.ko") == "nvme_tcp"


@pytest.mark.parametrize(
    "argv,expected",
    [
        (["--config=/var/lib/kubelet/config.yaml", "--root-dir=/data/kubelet"], "/data/kubelet"),
        (["--root-dir", "/srv/kubelet"], "/srv/kubelet"),
        (["server", "--kubelet-arg=root-dir=/k3s/kubelet"], "/k3s/kubelet"),
        (["agent", "--kubelet-arg", "root-dir=/x"], "/x"),
        (["server"], ""),
    ],
)
def test_parse_kubelet_root_dir(argv, expected):
    assert parse_kubelet_root_dir(argv) == expected


def write(root, relative, text):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.fixture
def fake_root(tmp_path):
    write(tmp_path, "proc/sys/kernel/osrelease", RELEASE + "\n")
    write(tmp_path, "proc/sys/kernel/hostname", "edge1\n")
    write(tmp_path, "proc/meminfo", MEMINFO)
    write(tmp_path, "proc/mounts", "/dev/vda1 / ext4 rw 0 0\n/dev/nvme2n1p1 /data xfs rw 0 0\n")
    write(tmp_path, "proc/swaps", "Filename Type Size Used Priority\n")
    write(tmp_path, "proc/4242/cmdline", "/usr/bin/kubelet\0--root-dir=/data/kubelet\0")
    write(tmp_path, "proc/4243/cmdline", "/usr/sbin/sshd\0-D\0")
    write(tmp_path, "sys/devices/system/cpu/online", "0-1\n")
    write(tmp_path, "etc/os-release", OS_RELEASE_DEBIAN)
    write(tmp_path, "boot/config-" + RELEASE, "CONFIG_NFS_V4_2=y\n")
    write(tmp_path, "lib/modules/%s/modules.dep" % RELEASE, "kernel/drivers/md/dm-raid.ko: x\n")
    write(tmp_path, "lib/modules/%s/modules.builtin" % RELEASE, "kernel/drivers/md/dm-mod.ko\n")
    (tmp_path / "sys/module/raid0").mkdir(parents=True)
    (tmp_path / "etc/rancher/k3s").mkdir(parents=True)
    (tmp_path / "etc/lvm/backup").mkdir(parents=True)
    write(tmp_path, "etc/lvm/backup/containerstorage", "")
    for name, model in DISKS.items():
        controller = name[:-2]
        write(tmp_path, "sys/class/nvme/%s/model" % controller, model + "  \n")
        (tmp_path / "sys/block" / name).mkdir(parents=True)
        os.symlink("../../class/nvme/" + controller, str(tmp_path / "sys/block" / name / "device"))
    return tmp_path


DISKS = {"nvme0n1": "Microsoft NVMe Direct Disk", "nvme1n1": "QEMU NVMe Ctrl", "nvme2n1": "Dell Ent NVMe"}


def fake_node_commands(calls):
    """lsblk and wipefs answering for the fake root's disks (the NVMe scan preflight shares with nvme_stripe)."""

    def disk(name):
        node = {
            "name": name,
            "path": "/dev/" + name,
            "type": "disk",
            "size": 1 << 30,
            "model": None,
            "mountpoints": [None],
            "children": [],
        }
        if name == "nvme2n1":
            node["children"] = [
                {
                    "name": "nvme2n1p1",
                    "path": "/dev/nvme2n1p1",
                    "type": "part",
                    "size": 1 << 29,
                    "mountpoints": ["/data"],
                }
            ]
        return node

    lsblk = {
        "blockdevices": [{"name": "vda", "path": "/dev/vda", "type": "disk", "size": 1 << 33, "mountpoints": ["/"]}]
        + [disk(name) for name in DISKS]
    }
    wipefs = {
        "signatures": [
            {"device": "nvme1n1", "offset": "0x218", "type": "LVM2_member", "uuid": "pv-1"},
            {"device": "nvme2n1", "offset": "0x1fe", "type": "PMBR"},
            {"device": "nvme2n1", "offset": "0x200", "type": "gpt"},
        ]
    }

    def run(argv):
        calls.append(argv)
        if argv[0] == "lsblk":
            return 0, json.dumps(lsblk), ""
        if argv[0] == "wipefs":
            return 0, json.dumps(wipefs), ""
        return 1, "", "unexpected command"

    return run


def test_gather_node_facts_on_fake_root(fake_root):
    calls = []
    facts = gather_node_facts(
        root=str(fake_root),
        run=fake_node_commands(calls),
        bin_path=lambda name: None,
        machine="x86_64",
        modules=["dm_mod", "dm_raid", "raid0", "md_mod"],
        paths=["/var/lib/none/deeper"],
    )
    assert facts.kernel_release == RELEASE and facts.cpu_count == 2 and facts.hostname == "edge1"
    assert facts.mem_total_bytes == 996368 * 1024
    assert facts.os_release["ID"] == "debian"
    assert facts.kernel_config == {"CONFIG_NFS_V4_2": "y"}
    assert facts.available_modules == {"dm_mod": True, "dm_raid": True, "raid0": True, "md_mod": False}
    assert facts.kubernetes_markers == {"k3s": ["/etc/rancher/k3s"]}
    assert facts.kubelet_root_dir_from_process == "/data/kubelet"
    assert facts.lvm_volume_groups == ["containerstorage"]
    assert [n.name for n in facts.nvme] == ["nvme0n1", "nvme1n1", "nvme2n1"]
    by_name = dict((n["name"], n) for n in facts.as_dict()["nvme"])
    assert by_name["nvme0n1"]["model"] == "Microsoft NVMe Direct Disk" and by_name["nvme0n1"]["size_bytes"] == 1 << 30
    assert by_name["nvme0n1"]["signature"] is None and by_name["nvme1n1"]["signature"] == "LVM2_member"
    assert by_name["nvme2n1"]["partitions"] == ["nvme2n1p1"] and by_name["nvme2n1"]["mounted"]
    # the one read-only signature listing the stripe module runs too, over every NVMe disk at once
    assert calls[1] == ["wipefs", "--no-act", "--json", "/dev/nvme0n1", "/dev/nvme1n1", "/dev/nvme2n1"]
    space = facts.paths[0]
    assert space.existing_ancestor == "/"
    assert space.free_bytes > 0 and space.same_filesystem_as_root


def test_gather_without_wipefs_marks_signatures_unknown(fake_root):
    def run(argv):
        return (127, "", "wipefs not found on the node") if argv[0] == "wipefs" else fake_node_commands([])(argv)

    facts = gather_node_facts(root=str(fake_root), run=run, bin_path=lambda name: None)
    assert facts.nvme and all(not namespace["signature_known"] for namespace in facts.as_dict()["nvme"])


def test_gather_skips_nvme_when_not_asked(fake_root):
    assert gather_node_facts(root=str(fake_root), nvme=False).nvme == []


def test_gather_on_this_machine_is_read_only_and_complete():
    facts = gather_node_facts(nvme=False, modules=["loop"])
    assert facts.kernel_release == os.uname().release
    assert facts.cpu_count >= 1 and facts.mem_total_bytes > 0


def test_node_facts_report_only_the_kernel_options_the_checks_read():
    # a whole .config is some 10,000 options (about 95 KB per host in every preflight_report fact); the checks read one
    config = {"CONFIG_NFS_V4_2": "m", "CONFIG_64BIT": "y", "CONFIG_DM_RAID": "m", "CONFIG_ACERHDF": "n"}
    facts = NodeFacts(kernel_config=config, kernel_config_source="/proc/config.gz")
    reported = facts.as_dict()
    assert reported["kernel_config"] == {"CONFIG_NFS_V4_2": "m"}
    assert reported["kernel_config_source"] == "/proc/config.gz"
    assert facts.kernel_config == config, "the checks still see the whole configuration"


def test_every_kernel_option_the_checks_read_is_reported():
    read = set(re.findall(r"CONFIG_[A-Z0-9_]+", Path(preflight_checks.__file__).read_text()))
    assert read and read <= set(REPORTED_KERNEL_OPTIONS)
