"""node_prep per-OS-family variables and validation, rendered with Ansible's own templating.

The lab can only boot Debian 12; these tests cover the Ubuntu, RHEL 9 family and Azure Linux
branches by rendering the role's variables the way a play would, for each family's facts.
"""
from pathlib import Path

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROLE = Path(__file__).resolve().parents[3] / "roles" / "node_prep"
STORAGE = ["lvm2", "mdadm", "nvme-cli", "xfsprogs", "e2fsprogs"]
LIVE_SYSCTLS = ["fs.inotify.max_user_instances = 128", "fs.inotify.max_user_watches = 8192",
                "fs.file-max = 9223372036854775807", "vm.nr_hugepages = 0"]

FAMILIES = {
    # vars file: (facts, expected package manager, NFS client package)
    "Debian": ({"distribution": "Debian", "os_family": "Debian", "distribution_major_version": "12",
                "distribution_version": "12.7"}, "apt", "nfs-common"),
    "Ubuntu": ({"distribution": "Ubuntu", "os_family": "Debian", "distribution_major_version": "24",
                "distribution_version": "24.04"}, "apt", "nfs-common"),
    "RedHat": ({"distribution": "Rocky", "os_family": "RedHat", "distribution_major_version": "9",
                "distribution_version": "9.4"}, "dnf", "nfs-utils"),
    "Azurelinux": ({"distribution": "Azurelinux", "os_family": "Azurelinux", "distribution_major_version": "3",
                    "distribution_version": "3.0"}, "tdnf", "nfs-utils"),
}


def _trust(value):
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return dict((key, _trust(item)) for key, item in value.items())
    if isinstance(value, list):
        return [_trust(item) for item in value]
    return value


def _load(name):
    return _trust(yaml.safe_load((ROLE / name).read_text()))


def vars_file_for(facts):
    """Mirror of the role's first_found: distribution first, then os_family."""
    for candidate in (facts["distribution"], facts["os_family"]):
        if (ROLE / "vars" / (candidate + ".yml")).is_file():
            return candidate
    return None


def render(expression, facts, modinfo_stderr="", sysctl_lines=None, **overrides):
    variables = dict(_load("defaults/main.yml"))
    variables.update(_load("vars/main.yml"))
    family = vars_file_for(facts)
    if family:
        variables.update(_load("vars/%s.yml" % family))
    variables.update(
        ansible_facts=dict(facts, kernel="6.8.0-1015-azure"),
        __node_prep_sysctl_read={"stdout_lines": LIVE_SYSCTLS if sysctl_lines is None else sysctl_lines},
        __node_prep_modinfo={"rc": 1 if modinfo_stderr else 0, "stderr": modinfo_stderr},
    )
    variables.update(_trust(overrides))
    templar = Templar(loader=DataLoader(), variables=variables)
    return templar.template(trust_as_template("{{ %s }}" % expression))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_vars_file_is_found(family):
    assert vars_file_for(FAMILIES[family][0]) == family


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_packages_per_family(family):
    facts, manager, nfs = FAMILIES[family]
    assert render("__node_prep_package_manager", facts) == manager
    assert render("__node_prep_packages", facts, acstor_edge_products=["edge_volumes", "local_csi"]) == STORAGE + [nfs]
    assert render("__node_prep_packages", facts, acstor_edge_products=["local_csi"]) == STORAGE


def test_ubuntu_fault_tolerant_adds_modules_extra_for_the_running_kernel():
    facts = FAMILIES["Ubuntu"][0]
    packages = render("__node_prep_packages", facts, node_prep_fault_tolerant=True)
    assert packages[-1] == "linux-modules-extra-6.8.0-1015-azure"
    assert render("__node_prep_kernel_modules", facts, node_prep_fault_tolerant=True)[-1] == "nvme_tcp"


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_supported_family_has_no_input_errors(family):
    assert render("__node_prep_input_errors", FAMILIES[family][0]).strip() == ""


def test_products_follow_the_shared_variable():
    facts = FAMILIES["Debian"][0]
    assert render("node_prep_products", facts) == ["edge_volumes", "local_csi"]
    assert render("node_prep_products", facts, acstor_edge_products=["local_csi"]) == ["local_csi"]


def test_sysctls_only_raise_never_lower():
    facts = FAMILIES["Debian"][0]
    to_raise = render("__node_prep_sysctls_to_raise", facts)
    assert to_raise == [{"key": "fs.inotify.max_user_instances", "value": 8192},
                        {"key": "fs.inotify.max_user_watches", "value": 524288}]
    higher = ["fs.inotify.max_user_instances = 65536", "fs.inotify.max_user_watches = 524288",
              "fs.file-max = 50000"]
    assert render("__node_prep_sysctls_to_raise", facts, sysctl_lines=higher) == [
        {"key": "fs.file-max", "value": 100000}]


def test_sysctls_only_for_edge_volumes_and_hugepages_when_fault_tolerant():
    facts = FAMILIES["Debian"][0]
    assert render("__node_prep_sysctls", facts, acstor_edge_products=["local_csi"]) == {}
    assert render("__node_prep_sysctls", facts, node_prep_fault_tolerant=True)["vm.nr_hugepages"] == 512


@pytest.mark.parametrize("facts,overrides,modinfo,expected", [
    ({"distribution": "Gentoo", "os_family": "Gentoo", "distribution_major_version": "2",
      "distribution_version": "2.15"}, {}, "", "unsupported OS Gentoo 2.15"),
    (dict(FAMILIES["Ubuntu"][0], distribution_major_version="20", distribution_version="20.04"), {}, "",
     "unsupported OS Ubuntu 20.04"),
    (dict(FAMILIES["RedHat"][0], distribution_major_version="8", distribution_version="8.9"), {}, "",
     "unsupported OS Rocky 8.9"),
    (FAMILIES["Debian"][0], {"node_prep_sysctls": {"fs.file-max": "lots"}}, "",
     "sysctl fs.file-max value lots is not a non-negative integer"),
    (FAMILIES["Debian"][0], {"node_prep_sysctls": {"fs.file-max": -5}}, "",
     "sysctl fs.file-max value -5 is not a non-negative integer"),
    (FAMILIES["Debian"][0], {"node_prep_sysctls": {"fs.nope": 1}}, "", "sysctl fs.nope does not exist"),
    (FAMILIES["Debian"][0], {"node_prep_sysctls": {"fs.inotify.max_user_instances": 512}}, "",
     "fs.inotify.max_user_instances 512 is below the 1024"),
    (FAMILIES["Debian"][0], {"node_prep_kernel_modules_extra": ["nope_mod"]},
     "modinfo: ERROR: Module nope_mod not found.", "kernel module nope_mod is unknown"),
    (FAMILIES["Debian"][0], {"node_prep_kernel_modules_extra": ["bad;name"]}, "",
     "kernel module name bad;name is not a module name"),
    (FAMILIES["Debian"][0], {"node_prep_products": ["ceph"]}, "", "unknown product(s) ceph"),
    (FAMILIES["Debian"][0], {"node_prep_products": []}, "", "node_prep_products is empty"),
])
def test_bad_input_is_named(facts, overrides, modinfo, expected):
    errors = render("__node_prep_input_errors", facts, modinfo_stderr=modinfo, **overrides)
    assert expected in errors


def test_all_bad_inputs_are_reported_together():
    errors = render("__node_prep_input_errors", FAMILIES["Debian"][0],
                    modinfo_stderr="modinfo: ERROR: Module zz not found.",
                    node_prep_sysctls={"fs.file-max": "x"}, node_prep_kernel_modules_extra=["zz"])
    assert "fs.file-max value x" in errors and "kernel module zz is unknown" in errors and " | " in errors


def test_module_from_a_package_not_yet_installed_is_not_unknown():
    facts = FAMILIES["Ubuntu"][0]
    errors = render("__node_prep_input_errors", facts, modinfo_stderr="modinfo: ERROR: Module nvme_tcp not found.",
                    node_prep_fault_tolerant=True)
    assert errors.strip() == ""
