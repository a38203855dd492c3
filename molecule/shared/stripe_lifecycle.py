"""Lifecycle of one NVMe stripe on an edgelab VM, after converge + idempotence (testinfra, in file order).

Used by the stripe_lvm and stripe_mdadm scenarios (STRIPE_BACKEND). Steps that change the VM (reboot,
wipe-nvme, replug, unplug) run edgelab on the controller; module calls go through testinfra's Ansible backend.
Beside the volume stripe the VM carries a csi_vg stripe (two EC2 instance-store disks, VG containerstorage)
and a stand-in kubelet.service (molecule/shared/stripe_prepare.yml) that records at each start what it
finds: every reboot below is also a check that the storage was there before kubelet.
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
ARGS = {
    "name": "stripe",
    "backend": BACKEND,
    "selector": {"class": "local", "models": ["Microsoft NVMe Direct Disk"]},
    "stripe_size": "128k",
    "filesystem": "xfs",
    "mount_path": MOUNT,
    "ephemeral": True,
}
if BACKEND == "mdadm":
    ARGS["update_initramfs"] = False  # an mdadm-only option: nvme_stripe refuses it with backend lvm
# csi_vg is an LVM VG whatever the scenario's backend, so it takes no update_initramfs.
CSI_ARGS = {
    "name": "csi",
    "mode": "csi_vg",
    "filesystem": "none",
    "ephemeral": True,
    "selector": {"class": "local", "models": ["Amazon EC2 NVMe Instance Storage"]},
}
CSI_VG = "containerstorage"
CSI_RECORD = "/etc/acstor-edge/stripes/csi.json"
STRIPE_SIZE = 128 * 1024
KUBELET_STARTS = "/var/lib/kubelet-standin/starts"
HANDOFF_FACT = "/etc/ansible/facts.d/acstor_edge.fact"
HEALTH_FACT = "/etc/ansible/facts.d/acstor_edge_stripes.fact"
PROM = "/var/lib/node_exporter/textfile_collector/acstor_edge_stripes.prom"


def edgelab(*args):
    proc = subprocess.run(
        [sys.executable, str(EDGELAB)] + list(args), capture_output=True, text=True, timeout=900, check=False
    )
    assert proc.returncode == 0, "edgelab %s failed: %s" % (" ".join(args), proc.stderr)
    return proc.stdout


def node_disks(host):
    node = json.loads((PROJECT / ".lab" / "nodes" / host.backend.get_hostname() / "node.json").read_text())
    return node["disks"]


def local_serials(host):
    return sorted(d["serial"] for d in node_disks(host) if d["model"] == "Microsoft NVMe Direct Disk")


def ec2_serials(host):
    return sorted(d["serial"] for d in node_disks(host) if d["model"] == "Amazon EC2 NVMe Instance Storage")


def kubelet_start(host):
    """The stand-in kubelet's record of its latest start, which must be of the current boot."""
    lines = host.file(KUBELET_STARTS).content_string.strip().splitlines()
    start = dict(field.split("=", 1) for field in lines[-1].split(" "))
    assert start["boot"] == host.file("/proc/sys/kernel/random/boot_id").content_string.strip(), (
        "kubelet stand-in did not start in this boot: %s" % lines
    )
    return start


def assert_storage_was_there_for_kubelet(host):
    """The stand-in kubelet found the stripe mounted and the CSI VG whole, with the driver's LVs active."""
    start = kubelet_start(host)
    assert start["mount"] == host.check_output("findmnt -n -o SOURCE %s" % MOUNT), start
    assert start["fsuuid"] == host.check_output("blkid -s UUID -o value %s" % DEVICE), start
    assert start["stripes_unit"] == "active", start
    # VG name, PV count, missing PV count
    assert start["vg"] == "%s,2,0" % CSI_VG, start
    return start


def handoff_fact(host):
    return json.loads(host.file(HANDOFF_FACT).content_string)["csi_handoff"]


def data_disk_by_id(host):
    disk = [d for d in node_disks(host) if d["model"] == "Microsoft Azure NVMe Data Disk"][0]
    return "/dev/disk/by-id/nvme-Microsoft_Azure_NVMe_Data_Disk_%s_1" % disk["serial"]


def stripe_module(host, base=None, check=False, diff=False, **extra):
    """The module's result with failed set: testinfra's ad-hoc results of failed modules may lack the key.

    Options given as None are left out (a null still counts for mutually_exclusive).
    """
    args = {k: v for k, v in dict(base or ARGS, **extra).items() if v is not None}
    try:
        # callbacks drop a result's diff below verbosity 3 (CallbackBase._dump_results), the tree one too
        options = dict(diff=True, verbose=3) if diff else {}
        result = host.ansible("acstor.edge.nvme_stripe", json.dumps(args), check=check, **options)
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
        report = json.loads(
            host.check_output(
                "lvs --reportformat json --units b --nosuffix -o segtype,stripes,stripe_size,lv_tags stripe/stripe"
            )
        )
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


def test_csi_vg_stripe_and_its_handoff(host):
    record = json.loads(host.file(CSI_RECORD).content_string)
    assert sorted(m["serial"] for m in record["members"]) == ec2_serials(host)
    report = json.loads(host.check_output("vgs --reportformat json -o vg_name,pv_count,vg_tags %s" % CSI_VG))
    assert report["report"][0]["vg"][0]["pv_count"] == "2" and "local-csi" in report["report"][0]["vg"][0]["vg_tags"]
    assert handoff_fact(host) == {
        "volume_group": CSI_VG,
        "cleanup_enabled": False,
        "models": ["Amazon EC2 NVMe Instance Storage"],
    }
    health = json.loads(host.check_output(HEALTH_FACT))
    assert health["healthy"] and set(health["stripes"]) == {"stripe", "csi"}
    assert stripe_module(host, CSI_ARGS)["changed"] is False


def test_wiped_disks_rebuild_ephemeral_stripe_at_boot(host):
    old_uuid = host.check_output("blkid -s UUID -o value %s" % DEVICE)
    edgelab("wipe-nvme", host.backend.get_hostname())
    assert wait_mounted(host), host.run("journalctl -b -u acstor-edge-stripes.service --no-pager").stdout
    assert not host.file(MOUNT + "/marker").exists
    assert host.check_output("blkid -s UUID -o value %s" % DEVICE) != old_uuid
    journal = host.check_output("journalctl -b -u acstor-edge-stripes.service --no-pager")
    assert "stripe: every member is blank" in journal and "csi: every member is blank" in journal, journal
    # the stand-in kubelet found the rebuilt stripe mounted (a new filesystem) and the CSI VG rebuilt, empty
    start = assert_storage_was_there_for_kubelet(host)
    assert start["fsuuid"] != old_uuid and start["lvs"] == "", start
    assert stripe_module(host, CSI_ARGS)["changed"] is False
    assert handoff_fact(host)["volume_group"] == CSI_VG
    result = stripe_module(host)
    if BACKEND == "mdadm":
        # the rebuilt array has a new UUID: the first run records it (mdadm.conf, record), nothing else
        assert set(result["actions"]) <= {
            "record array %s in mdadm.conf" % DEVICE,
            "record stripe stripe in %s" % RECORD,
        }, result["actions"]
        result = stripe_module(host)
    assert result["changed"] is False, result["actions"]


def test_disk_with_ext4_is_refused_and_its_data_intact(host):
    disk = data_disk_by_id(host)
    host.check_output(
        "mkfs.ext4 -q -L precious %s && mkdir -p /mnt/precious && mount %s /mnt/precious && "
        "echo data > /mnt/precious/file && umount /mnt/precious" % (disk, disk)
    )
    # one device is a valid stripe only for lvm (mdadm RAID0 needs two); the refusal is the same for both backends
    result = stripe_module(
        host, name="other", backend="lvm", selector=None, devices=[disk], mount_path=None, update_initramfs=None
    )
    # nothing changed is proven below by the label and the file; the unit tests pin changed=false
    assert result.get("failed"), result
    assert disk in result["msg"] and "ext4 signature (label=precious" in result["msg"]
    assert host.check_output("blkid -s LABEL -o value %s" % disk) == "precious"
    assert (
        host.check_output("mount -o ro %s /mnt/precious && cat /mnt/precious/file && umount /mnt/precious" % disk)
        == "data"
    )


def test_reboot_with_disks_replugged_in_another_order_keeps_data_and_stays_idempotent(host):
    """One reboot for three claims (each boot costs over a minute under TCG): data and mounts survive a
    reboot, renumbered disks change nothing, and kubelet starts after the storage is there."""
    before = {m["serial"]: m["path"] for m in json.loads(host.file(RECORD).content_string)["members"]}
    name = host.backend.get_hostname()
    host.check_output("echo keep > %s/marker && sync" % MOUNT)
    # what the local CSI driver does with the VG: a raid0 LV across its PVs, which must be active at boot
    host.check_output("lvcreate -qq -y --type raid0 --stripes 2 -L 64m -n pvc-standin %s" % CSI_VG)
    # pulling the disks from under a mounted stripe would only test the kernel: release it first
    release = "mdadm --stop %s" % DEVICE if BACKEND == "mdadm" else "vgchange --activate n stripe"
    host.check_output("umount %s && %s && vgchange --activate n %s" % (MOUNT, release, CSI_VG))
    moved = json.loads(edgelab("replug", name, "--order", "5,4,3,2,1,0"))
    assert moved["before"] != moved["after"]  # the same serials under other kernel names
    # the boot script finds the renumbered members by by-id; the reboot then shuts down a live stripe
    host.check_output("systemctl restart acstor-edge-stripes.service && mount %s" % MOUNT)
    edgelab("reboot", name)
    assert wait_mounted(host)
    assert host.file(MOUNT + "/marker").content_string == "keep\n"
    result = stripe_module(host)
    assert result["changed"] is False, result.get("actions")
    assert sorted(m["serial"] for m in result["members"]) == sorted(before)
    # csi_vg: no PV missing, the VG and the driver's LV active before kubelet, the hand-off unchanged,
    # a rerun changes nothing
    start = assert_storage_was_there_for_kubelet(host)
    assert start["lvs"] == "pvc-standin,active", start
    csi = stripe_module(host, CSI_ARGS)
    assert csi["changed"] is False and csi["csi_handoff"] == handoff_fact(host), csi
    assert sorted(m["serial"] for m in csi["members"]) == ec2_serials(host)


def by_id(serial, model="Microsoft NVMe Direct Disk"):
    return "/dev/disk/by-id/nvme-%s_%s_1" % (model.replace(" ", "_"), serial)


def assert_destroys_name_every_member(host, destroys, serials):
    kernel = {serial: name for name, serial in nvme_kernel_names(host).items()}
    for serial in serials:
        named = "/dev/%s (serial %s, %s)" % (kernel[serial], serial, by_id(serial))
        assert any(named in entry for entry in destroys), (named, destroys)


def nvme_kernel_names(host):
    out = host.check_output(
        "for c in /sys/class/nvme/nvme*; do for n in $c/nvme*n*; do "
        "[ -e $n ] && echo ${n##*/} $(tr -d ' ' < $c/serial); done; done"
    )
    return dict(line.split() for line in out.splitlines())


def test_diff_of_a_forced_rebuild_names_what_it_destroys(host):
    result = stripe_module(host, check=True, diff=True, stripe_size="64k", force=True)
    assert result["changed"] is True and not result["failed"], result
    before, after = result["diff"]["before"], result["diff"]["after"]
    serials = local_serials(host)
    assert before["members"] == sorted(after["members"]) == ["%s %s" % (s, by_id(s)) for s in serials]
    assert (before["geometry"]["stripe_size"], after["geometry"]["stripe_size"]) == (STRIPE_SIZE, 64 * 1024)
    assert before["geometry"]["stripes"] == after["geometry"]["stripes"] == 2
    assert before["filesystem"]["type"] == after["filesystem"]["type"] == "xfs"
    assert before["filesystem"]["alignment"]["stripe_unit"] == STRIPE_SIZE
    assert before["mount"]["path"] == after["mount"]["path"] == MOUNT
    assert after["destroys"] == result["destroys"]
    assert_destroys_name_every_member(host, result["destroys"], serials)
    # check mode: the stripe is untouched
    assert host.mount_point(MOUNT).exists and stripe_module(host)["changed"] is False


def test_diff_of_absent_names_what_it_destroys(host):
    result = stripe_module(host, check=True, diff=True, state="absent", force=True)
    assert result["changed"] is True and not result["failed"], result
    before, after = result["diff"]["before"], result["diff"]["after"]
    serials = local_serials(host)
    assert before["members"] == ["%s %s" % (s, by_id(s)) for s in serials]
    assert before["geometry"]["stripe_size"] == STRIPE_SIZE and before["geometry"]["stripes"] == 2
    assert before["filesystem"]["type"] == "xfs" and before["mount"] == {"path": MOUNT}
    assert after == {"destroys": result["destroys"]}
    assert_destroys_name_every_member(host, result["destroys"], serials)
    assert host.mount_point(MOUNT).exists


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
    blank = json.loads(
        host.check_output(
            "wipefs --no-act --json "
            + " ".join("/dev/disk/by-id/nvme-Microsoft_NVMe_Direct_Disk_%s_1" % s for s in serials)
        )
        or '{"signatures": []}'
    )
    assert blank["signatures"] == []
    assert host.check_output("blkid -s LABEL -o value %s" % data_disk_by_id(host)) == "precious"


def test_lost_member_is_seen_by_module_metrics_fact_and_rollout_gate(host):
    """A member of the running csi_vg stripe disappears (hot-unplug): every health surface names it."""
    name = host.backend.get_hostname()
    lost = ec2_serials(host)[0]
    lost_by_id = by_id(lost, "Amazon EC2 NVMe Instance Storage")
    edgelab("unplug", name, "--serial", lost)
    result = stripe_module(host, CSI_ARGS)
    assert result["failed"] and "missing member(s) %s (%s)" % (lost, lost_by_id) in result["msg"], result
    host.check_output("systemctl start acstor-edge-stripe-metrics.service")
    prom = host.file(PROM).content_string
    labels = 'name="csi",backend="lvm",mode="csi_vg"'
    assert 'acstor_edge_stripe_member_present{%s,serial="%s"} 0' % (labels, lost) in prom
    assert "acstor_edge_stripe_members_present{%s} 1" % labels in prom
    assert "acstor_edge_stripe_degraded{%s} 1" % labels in prom
    facts = host.ansible("setup", "gather_subset=!all,!min,local filter=ansible_local")["ansible_facts"]
    csi = facts["ansible_local"]["acstor_edge_stripes"]["stripes"]["csi"]
    assert csi["lost"] == [lost] and csi["lost_by_id"] == [lost_by_id] and csi["degraded"], csi
    # the hand-off fact is still there beside the health (the driver's VG is known, and known broken)
    assert facts["ansible_local"]["acstor_edge"]["csi_handoff"]["volume_group"] == CSI_VG
    gate = run_node_gate(name)
    output = gate.stdout + gate.stderr  # ansible-core 2.19 prints task failures on stderr
    assert gate.returncode != 0, output
    assert "health gate: stripe csi: lost member(s) %s (%s)" % (lost, lost_by_id) in output, output


def run_node_gate(name):
    """roles/rollout/tasks/node_gate.yml on this VM, with the inventory edgelab writes for what is up."""
    playbook = PROJECT / "molecule" / "shared" / "node_gate.yml"
    return subprocess.run(
        [
            "ansible-playbook",
            "-i",
            str(PROJECT / "inventories" / "lab" / "edgelab_hosts.sh"),
            "--limit",
            name,
            str(playbook),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"),
    )
