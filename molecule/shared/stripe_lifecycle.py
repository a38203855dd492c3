"""Lifecycle of one NVMe stripe on an edgelab VM, after converge + idempotence (testinfra, in file order).

Used by the stripe_lvm and stripe_mdadm scenarios (STRIPE_BACKEND). Steps that change the VM (reboot,
wipe-nvme, replug) run edgelab on the controller; module calls go through testinfra's Ansible backend.
"""
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

BACKEND = os.environ.get("STRIPE_BACKEND", "lvm")
PROJECT = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", Path(__file__).resolve().parents[2]))
EDGELAB = PROJECT / "tests" / "lab" / "edgelab.py"
MOUNT = "/srv/stripe"
DEVICE = "/dev/md/stripe" if BACKEND == "mdadm" else "/dev/stripe/stripe"
RECORD = "/etc/acstor-edge/stripes/stripe.json"
ARGS = {"name": "stripe", "backend": BACKEND, "selector": {"class": "local"}, "stripe_size": "128k",
        "filesystem": "xfs", "mount_path": MOUNT, "ephemeral": True}
if BACKEND == "mdadm":
    ARGS["update_initramfs"] = False  # an mdadm-only option: nvme_stripe refuses it with backend lvm
STRIPE_SIZE = 128 * 1024


def edgelab(*args):
    proc = subprocess.run([sys.executable, str(EDGELAB)] + list(args), capture_output=True, text=True, timeout=900,
                          check=False)
    assert proc.returncode == 0, "edgelab %s failed: %s" % (" ".join(args), proc.stderr)
    return proc.stdout


def node_disks(host):
    node = json.loads((PROJECT / ".lab" / "nodes" / host.backend.get_hostname() / "node.json").read_text())
    return node["disks"]


def local_serials(host):
    return sorted(d["serial"] for d in node_disks(host) if d["model"].startswith("Microsoft NVMe Direct"))


def data_disk_by_id(host):
    disk = [d for d in node_disks(host) if d["model"] == "Microsoft Azure NVMe Data Disk"][0]
    return "/dev/disk/by-id/nvme-Microsoft_Azure_NVMe_Data_Disk_%s_1" % disk["serial"]


def stripe_module(host, **extra):
    """The module's result with failed set: testinfra's ad-hoc results of failed modules may lack the key.

    Options given as None are left out (a null still counts for mutually_exclusive).
    """
    args = {k: v for k, v in dict(ARGS, **extra).items() if v is not None}
    try:
        result = host.ansible("acstor.edge.nvme_stripe", json.dumps(args), check=False)
    except host.ansible.AnsibleException as error:
        result = error.result
    # the module returns actions on success and never on a refusal
    return dict(result, failed=bool(result.get("failed") or "actions" not in result or result.get("errors")))


def wait_mounted(host, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if MOUNT in host.check_output("findmnt -n -o TARGET %s || true" % MOUNT):
                return True
        except (AssertionError, RuntimeError):
            pass  # sshd may still be coming up
        time.sleep(2)
    return False


def test_geometry_alignment_mount_and_persistence(host):
    record = json.loads(host.file(RECORD).content_string)
    assert sorted(m["serial"] for m in record["members"]) == local_serials(host)
    assert all(m["by_id"].startswith("/dev/disk/by-id/nvme-Microsoft_NVMe_Direct_Disk_") for m in record["members"])
    if BACKEND == "mdadm":
        md = os.path.basename(host.check_output("readlink -f %s" % DEVICE))
        assert host.file("/sys/block/%s/md/level" % md).content_string.strip() == "raid0"
        assert int(host.file("/sys/block/%s/md/chunk_size" % md).content_string) == STRIPE_SIZE
        assert host.file("/sys/block/%s/md/raid_disks" % md).content_string.strip() == "2"
        uuid = json.loads(host.file(RECORD).content_string)["md_uuid"]
        assert "UUID=%s" % uuid in host.file("/etc/mdadm/mdadm.conf").content_string
    else:
        report = json.loads(host.check_output(
            "lvs --reportformat json --units b --nosuffix -o segtype,stripes,stripe_size,lv_tags stripe/stripe"))
        lv = report["report"][0]["lv"][0]
        assert (lv["segtype"], lv["stripes"], int(lv["stripe_size"])) == ("raid0", "2", STRIPE_SIZE)
        assert "acstor-edge-stripe-stripe" in lv["lv_tags"]
    info = host.check_output("xfs_info %s" % MOUNT)
    bsize = int(re.search(r"data\s+=\s+bsize=(\d+)", info).group(1))
    sunit, swidth = (int(v) for v in re.search(r"sunit=(\d+)\s+swidth=(\d+) blks", info).groups())
    assert (sunit * bsize, swidth * bsize) == (STRIPE_SIZE, 2 * STRIPE_SIZE)
    assert host.mount_point(MOUNT).exists and host.mount_point(MOUNT).filesystem == "xfs"
    fstab = [line for line in host.file("/etc/fstab").content_string.splitlines() if " %s " % MOUNT in line]
    assert len(fstab) == 1 and fstab[0].startswith(DEVICE + " ")
    assert "nofail" in fstab[0] and "x-systemd.required-by=kubelet.service" in fstab[0]
    assert "x-systemd.wanted-by=local-fs.target" in fstab[0]
    assert host.service("acstor-edge-stripes.service").is_enabled
    host.check_output("echo keep > %s/marker && sync" % MOUNT)


def test_metrics_report_the_stripe(host):
    prom = "/var/lib/node_exporter/textfile_collector/acstor_edge_stripes.prom"
    host.check_output("systemctl start acstor-edge-stripe-metrics.service")
    text = host.file(prom).content_string
    assert 'acstor_edge_stripe_up{name="stripe",backend="%s",mode="volume"} 1' % BACKEND in text
    assert 'acstor_edge_stripe_members_present{name="stripe",backend="%s",mode="volume"} 2' % BACKEND in text
    assert 'acstor_edge_stripe_degraded{name="stripe",backend="%s",mode="volume"} 0' % BACKEND in text


def test_reboot_keeps_stripe_mount_and_data(host):
    edgelab("reboot", host.backend.get_hostname())
    assert wait_mounted(host)
    assert host.file(MOUNT + "/marker").content_string == "keep\n"
    assert stripe_module(host)["changed"] is False


def test_wiped_disks_rebuild_ephemeral_stripe_at_boot(host):
    old_uuid = host.check_output("blkid -s UUID -o value %s" % DEVICE)
    edgelab("wipe-nvme", host.backend.get_hostname())
    assert wait_mounted(host), host.run("journalctl -b -u acstor-edge-stripes.service --no-pager").stdout
    assert not host.file(MOUNT + "/marker").exists
    assert host.check_output("blkid -s UUID -o value %s" % DEVICE) != old_uuid
    assert "rebuilding" in host.check_output("journalctl -b -u acstor-edge-stripes.service --no-pager")
    result = stripe_module(host)
    if BACKEND == "mdadm":
        # the rebuilt array has a new UUID: the first run records it (mdadm.conf, record), nothing else
        assert set(result["actions"]) <= {"record array %s in mdadm.conf" % DEVICE,
                                          "record stripe stripe in %s" % RECORD}, result["actions"]
        result = stripe_module(host)
    assert result["changed"] is False, result["actions"]


def test_disk_with_ext4_is_refused_and_its_data_intact(host):
    disk = data_disk_by_id(host)
    host.check_output("mkfs.ext4 -q -L precious %s && mkdir -p /mnt/precious && mount %s /mnt/precious && "
                      "echo data > /mnt/precious/file && umount /mnt/precious" % (disk, disk))
    # one device is a valid stripe only for lvm (mdadm RAID0 needs two); the refusal is the same for both backends
    result = stripe_module(host, name="other", backend="lvm", selector=None, devices=[disk], mount_path=None)
    # nothing changed is proven below by the label and the file; the unit tests pin changed=false
    assert result.get("failed"), result
    assert disk in result["msg"] and "ext4 signature (label=precious" in result["msg"]
    assert host.check_output("blkid -s LABEL -o value %s" % disk) == "precious"
    assert host.check_output("mount -o ro %s /mnt/precious && cat /mnt/precious/file && umount /mnt/precious"
                             % disk) == "data"


def test_disks_replugged_in_another_order_stay_idempotent(host):
    before = {m["serial"]: m["path"] for m in json.loads(host.file(RECORD).content_string)["members"]}
    name = host.backend.get_hostname()
    # pulling the disks from under a mounted stripe would only test the kernel: release it first
    release = "mdadm --stop %s" % DEVICE if BACKEND == "mdadm" else "vgchange --activate n stripe"
    host.check_output("umount %s && %s" % (MOUNT, release))
    edgelab("replug", name, "--order", "3,2,1,0")
    edgelab("reboot", name)
    assert wait_mounted(host)
    result = stripe_module(host)
    assert result["changed"] is False, result.get("actions")
    assert sorted(m["serial"] for m in result["members"]) == sorted(before)


@pytest.mark.parametrize("force", [False, True])
def test_absent_needs_force_then_destroys(host, force):
    result = stripe_module(host, state="absent", force=force)
    if not force:
        assert result.get("failed") and "set force: true" in result.get("msg", ""), result
        assert host.mount_point(MOUNT).exists
        return
    assert result["changed"] is True
    assert not host.mount_point(MOUNT).exists and not host.file(DEVICE).exists
    assert not host.file(RECORD).exists
    assert " %s " % MOUNT not in host.file("/etc/fstab").content_string
    serials = local_serials(host)
    blank = json.loads(host.check_output("wipefs --no-act --json " + " ".join(
        "/dev/disk/by-id/nvme-Microsoft_NVMe_Direct_Disk_%s_1" % s for s in serials)) or '{"signatures": []}')
    assert blank["signatures"] == []
    assert host.check_output("blkid -s LABEL -o value %s" % data_disk_by_id(host)) == "precious"
