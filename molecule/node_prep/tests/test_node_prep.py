"""Testinfra: after node_prep and a real reboot, packages, sysctls, modules and LVM activation hold."""

import os
from pathlib import Path

import pytest

SYSCTL_MINIMUMS = {
    "fs.inotify.max_user_instances": 8192,
    "fs.inotify.max_user_watches": 524288,
    "fs.file-max": 100000,
}
MODULES = ("dm_mod", "dm_raid", "raid0", "md_mod")
DROP_IN = "/etc/sysctl.d/99-zz-acstor-edge.conf"


def boot_id_before(host):
    path = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / f"boot_id_before_{host.backend.get_hostname()}"
    return path.read_text().strip()


def test_the_node_really_rebooted(host):
    assert host.file("/proc/sys/kernel/random/boot_id").content_string.strip() != boot_id_before(host)


@pytest.mark.parametrize("package", ["lvm2", "mdadm", "nvme-cli", "xfsprogs", "e2fsprogs", "nfs-common"])
def test_package_installed(host, package):
    assert host.package(package).is_installed


@pytest.mark.parametrize("name,minimum", sorted(SYSCTL_MINIMUMS.items()))
def test_sysctl_at_least_minimum_after_reboot(host, name, minimum):
    assert int(host.sysctl(name)) >= minimum


def test_drop_in_holds_only_raised_settings(host):
    # The image boots with 128 instances and 8192 watches (raised); systemd sets fs.file-max far
    # above 100000, so the role must not have written (and so pinned) it.
    lines = [line for line in host.file(DROP_IN).content_string.splitlines() if line and not line.startswith("#")]
    assert sorted(lines) == ["fs.inotify.max_user_instances=8192", "fs.inotify.max_user_watches=524288"]


@pytest.mark.parametrize("module", MODULES)
def test_kernel_module_loaded_after_reboot(host, module):
    loaded = host.check_output("cut -d' ' -f1 /proc/modules").split()
    builtin = host.run(f"grep -q '/{module.replace('_', '[-_]')}.ko' /lib/modules/$(uname -r)/modules.builtin").rc == 0
    assert module in loaded or builtin


@pytest.mark.parametrize("module", MODULES)
def test_kernel_module_persisted(host, module):
    assert module in host.file(f"/etc/modules-load.d/{module}.conf").content_string.split()


def test_lvm_autoactivated_the_test_volume_at_boot(host):
    attrs = host.check_output("lvs --noheadings -o lv_attr np_autoactivation/probe").strip()
    assert attrs[4] == "a", f"np_autoactivation/probe not active after reboot: {attrs}"
    assert host.file("/dev/np_autoactivation/probe").exists
