"""Testinfra checks that the lab node looks like an Azure VM with local NVMe to every tool we use."""

import json
import os
from pathlib import Path

LAB_NODES = Path(os.environ.get("MOLECULE_PROJECT_DIRECTORY", ".")) / ".lab" / "nodes"


def expected_disks(host):
    """What edgelab asked QEMU for, read on the controller: serial -> model."""
    node = json.loads((LAB_NODES / host.backend.get_hostname() / "node.json").read_text())
    return {d["serial"]: d["model"] for d in node["disks"] if d.get("attached", True)}


def test_ssh_and_python(host):
    assert host.run("python3 -c 'print(42)'").stdout.strip() == "42"


def test_sysfs_serial_and_model(host):
    want = expected_disks(host)
    seen = {}
    for ctrl in host.file("/sys/class/nvme").listdir():
        serial = host.file(f"/sys/class/nvme/{ctrl}/serial").content_string.strip()
        model = host.file(f"/sys/class/nvme/{ctrl}/model").content_string.strip()
        seen[serial] = model
    assert seen == want


def test_nvme_cli_reports_cloud_models(host):
    want = expected_disks(host)
    listing = json.loads(host.check_output("nvme list -o json"))
    seen = {d["SerialNumber"].strip(): d["ModelNumber"].strip() for d in listing["Devices"]}
    assert seen == want


def test_udev_by_id_links_carry_model_and_serial(host):
    for serial, model in expected_disks(host).items():
        link = host.file(f"/dev/disk/by-id/nvme-{model.replace(' ', '_')}_{serial}")
        assert link.is_symlink, f"missing by-id link for {serial} ({model})"
        assert link.linked_to.startswith("/dev/nvme")


def test_ansible_facts_show_models(host):
    facts = host.ansible("setup", "gather_subset=!all,!min,devices")["ansible_facts"]["ansible_devices"]
    models = sorted(dev["model"] for name, dev in facts.items() if name.startswith("nvme"))
    assert models == sorted(expected_disks(host).values())


def test_md_and_device_mapper_modules_loaded(host):
    modules = host.check_output("cut -d' ' -f1 /proc/modules").split()
    assert "raid0" in modules and "dm_mod" in modules
