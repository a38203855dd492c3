"""Testinfra: after node_prep, a real reboot, a teardown (state absent), a second reboot and a fresh converge,
packages, sysctls, modules and LVM activation hold."""

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
MODULES_LOAD = "/etc/modules-load.d/acstor-edge.conf"


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
def test_kernel_module_listed_for_boot_exactly_once(host, module):
    # dm_raid.conf is the per-module file the previous version wrote (prepare.yml); acstor-edge.conf lists the rest
    listed = host.check_output("cat /etc/modules-load.d/*.conf | sed 's/[#;].*//'").split()
    assert listed.count(module) == 1


def test_modules_load_file_lists_what_no_other_file_does(host):
    lines = host.file(MODULES_LOAD).content_string.splitlines()
    assert [line for line in lines if line and not line.startswith("#")] == ["dm_mod", "raid0", "md_mod"]
    assert host.file("/etc/modules-load.d/dm_raid.conf").content_string == "dm_raid\n"


def test_lvm_autoactivated_the_test_volume_at_boot(host):
    attrs = host.check_output("lvs --noheadings -o lv_attr np_autoactivation/probe").strip()
    assert attrs[4] == "a", f"np_autoactivation/probe not active after reboot: {attrs}"
    assert host.file("/dev/np_autoactivation/probe").exists
