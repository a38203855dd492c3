"""Parsers and the one-pass gatherer of preflight_facts, on text and on a fake root tree."""

import os

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.node.preflight_facts import (
    gather_node_facts,
    parse_blkid_type,
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
    "stdout,expected",
    [
        ("DEVNAME=/dev/nvme0n1\nUUID=abc\nTYPE=LVM2_member\n", "LVM2_member"),
        ("DEVNAME=/dev/nvme0n1\nPTUUID=1\nPTTYPE=gpt\n", "gpt"),
        ("DEVNAME=/dev/nvme0n1\n", "unknown"),
        ("", None),
    ],
)
def test_parse_blkid_type(stdout, expected):
    assert parse_blkid_type(stdout) == expected


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
    disks = {"nvme0n1": "Microsoft NVMe Direct Disk", "nvme1n1": "QEMU NVMe Ctrl", "nvme2n1": "Dell Ent NVMe"}
    for name, model in disks.items():
        write(tmp_path, "sys/block/%s/size" % name, "2097152\n")
        write(tmp_path, "sys/block/%s/device/model" % name, model + "  \n")
        (tmp_path / "sys/block" / name / "holders").mkdir()
    (tmp_path / "sys/block/nvme2n1/nvme2n1p1").mkdir()
    (tmp_path / "sys/block/nvme0c0n1").mkdir()  # hidden multipath node: not a disk lsblk shows
    (tmp_path / "sys/block/vda").mkdir()
    return tmp_path


def test_gather_node_facts_on_fake_root(fake_root):
    calls = []

    def run_command(argv):
        calls.append(argv)
        return (0, "DEVNAME=%s\nTYPE=LVM2_member\n" % argv[-1], "") if argv[-1].endswith("1n1") else (2, "", "")

    facts = gather_node_facts(
        root=str(fake_root),
        run_command=run_command,
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
    by_name = dict((n.name, n) for n in facts.nvme)
    assert by_name["nvme0n1"].model == "Microsoft NVMe Direct Disk" and by_name["nvme0n1"].size_bytes == 1 << 30
    assert by_name["nvme0n1"].signature is None and by_name["nvme1n1"].signature == "LVM2_member"
    assert by_name["nvme2n1"].partitions == ["nvme2n1p1"] and by_name["nvme2n1"].mounted
    assert calls[0] == ["blkid", "-p", "-o", "export", "/dev/nvme0n1"]
    space = facts.paths[0]
    assert space.existing_ancestor == "/"
    assert space.free_bytes > 0 and space.same_filesystem_as_root


def test_gather_without_blkid_marks_signatures_unknown(fake_root):
    facts = gather_node_facts(root=str(fake_root), run_command=None)
    assert all(not namespace.signature_known for namespace in facts.nvme)


def test_gather_skips_nvme_when_not_asked(fake_root):
    assert gather_node_facts(root=str(fake_root), nvme=False).nvme == []


def test_gather_on_this_machine_is_read_only_and_complete():
    facts = gather_node_facts(nvme=False, modules=["loop"])
    assert facts.kernel_release == os.uname().release
    assert facts.cpu_count >= 1 and facts.mem_total_bytes > 0
