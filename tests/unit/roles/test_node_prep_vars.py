"""node_prep per-OS variables and validation, rendered with Ansible's own templating.

The lab can only boot Debian 12; these tests cover the Ubuntu, RHEL 9 family and Azure Linux
branches by rendering the role's variables the way a play would, for each OS as
acstor.edge.node_prep_info reports it (``__node_prep_state``). The input checks against the node are
the planner's (prep_plan.input_errors, as node_prep_info applies them), fed with what the role passes.
"""

from pathlib import Path

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.acstor.edge.plugins.module_utils.node.prep_plan import (
    OS_SUPPORT,
    input_errors,
    node_os,
    os_support,
    select_packages,
)
from ansible_collections.acstor.edge.plugins.plugin_utils.node_role_inputs import ROLE_VARIABLES, role_input_errors

from role_templating import trusted

ROLE = Path(__file__).resolve().parents[3] / "roles" / "node_prep"
STORAGE = ["lvm2", "mdadm", "nvme-cli", "xfsprogs", "e2fsprogs"]
LIVE_SYSCTLS = {
    "fs.inotify.max_user_instances": "128",
    "fs.inotify.max_user_watches": "8192",
    "fs.file-max": "9223372036854775807",
    "vm.nr_hugepages": "0",
}
KERNEL = "6.8.0-1015-azure"

OSES = {
    # key in prep_plan.OS_SUPPORT: (os as node_prep_info reports it, package manager, NFS client package)
    "Debian": (
        {
            "distribution": "Debian",
            "os_family": "Debian",
            "distribution_major_version": "12",
            "distribution_version": "12",
        },
        "apt",
        "nfs-common",
    ),
    "Ubuntu": (
        {
            "distribution": "Ubuntu",
            "os_family": "Debian",
            "distribution_major_version": "24",
            "distribution_version": "24.04",
        },
        "apt",
        "nfs-common",
    ),
    "RedHat": (
        {
            "distribution": "Rocky",
            "os_family": "RedHat",
            "distribution_major_version": "9",
            "distribution_version": "9.4",
        },
        "dnf",
        "nfs-utils",
    ),
    "Azurelinux": (
        {
            "distribution": "Azurelinux",
            "os_family": "Azurelinux",
            "distribution_major_version": "3",
            "distribution_version": "3.0",
        },
        "tdnf",
        "nfs-utils",
    ),
}


def _load(name):
    return trusted(yaml.safe_load((ROLE / name).read_text()))


def node_state(os_info, live=None, unknown=(), invalid_modules=(), packages_invalid=(), modules=()):
    state_modules = dict((name, {"valid": name not in invalid_modules}) for name in modules)
    return {
        "os": os_info,
        "kernel_release": KERNEL,
        "sysctls": LIVE_SYSCTLS if live is None else live,
        "kernel_modules": state_modules,
        "kernel_modules_unknown": list(unknown),
        "packages_invalid": list(packages_invalid),
    }


def variables(os_info, facts=None, state=None, **overrides):
    result = dict(_load("defaults/main.yml"))
    result.update(_load("vars/main.yml"))
    result.update(ansible_facts=facts or {})
    result.update(trusted(overrides))
    try:
        modules = Templar(loader=DataLoader(), variables=result).template(
            trust_as_template("{{ __node_prep_kernel_modules }}")
        )
    except Exception:  # pylint: disable=broad-except  # a wrong-type case: the list cannot be built
        modules = []
    result["__node_prep_state"] = dict(node_state(os_info, modules=modules), **(state or {}))
    return result


def render(expression, os_info, facts=None, state=None, **overrides):
    templar = Templar(loader=DataLoader(), variables=variables(os_info, facts, state, **overrides))
    return templar.template(trust_as_template("{{ %s }}" % expression))


def packages_for(os_info, **overrides):
    """What node_prep_info would select from the role's per-OS package lists on this node."""
    by_os = render("__node_prep_packages_by_os", os_info, **overrides)
    return select_packages(by_os, os_info, KERNEL)[1]


def errors(os_info, facts=None, state=None, **overrides):
    """prep_plan.input_errors joined as the role reports them, on what the role passes node_prep_info."""
    values = variables(os_info, facts, state, **overrides)
    node_state = values["__node_prep_state"]
    templar = Templar(loader=DataLoader(), variables=values)
    passed = dict(
        (name, templar.template(trust_as_template("{{ %s }}" % name)))
        for name in ("node_prep_products", "__node_prep_sysctls", "__node_prep_os_facts")
    )
    # node_prep_info reads and reports only what it was asked for
    live = dict((name, value) for name, value in node_state["sysctls"].items() if name in passed["__node_prep_sysctls"])
    unknown = [name for name in node_state["kernel_modules"] if name in node_state["kernel_modules_unknown"]]
    return " | ".join(
        input_errors(
            node_os(node_state["os"], passed["__node_prep_os_facts"]),
            passed["node_prep_products"],
            passed["__node_prep_sysctls"],
            live,
            unknown,
            node_state["kernel_release"],
        )
    )


@pytest.mark.parametrize("key", sorted(OSES))
def test_os_support_entry_is_found(key):
    assert os_support(OSES[key][0])["name"] == OS_SUPPORT[key]["name"]


@pytest.mark.parametrize("key", sorted(OSES))
def test_packages_per_os(key):
    os_info, manager, nfs = OSES[key]
    assert os_support(os_info)["package_manager"] == manager
    assert packages_for(os_info, acstor_edge_products=["edge_volumes", "local_csi"]) == STORAGE + [nfs]
    assert packages_for(os_info, acstor_edge_products=["local_csi"]) == STORAGE
    assert packages_for(os_info, node_prep_packages_extra=["jq", "lvm2"])[-1] == "jq"


def test_ubuntu_fault_tolerant_adds_modules_extra_for_the_running_kernel():
    os_info = OSES["Ubuntu"][0]
    assert packages_for(os_info, node_prep_fault_tolerant=True)[-1] == "linux-modules-extra-" + KERNEL
    assert "linux-modules-extra-" + KERNEL not in packages_for(OSES["Debian"][0], node_prep_fault_tolerant=True)
    assert render("__node_prep_kernel_modules", os_info, node_prep_fault_tolerant=True)[-1] == "nvme_tcp"


@pytest.mark.parametrize("key", sorted(OSES))
def test_supported_os_has_no_input_errors(key):
    assert errors(OSES[key][0]).strip() == ""


def test_facts_the_play_gathered_win_over_node_prep_info():
    gentoo = {
        "distribution": "Gentoo",
        "os_family": "Gentoo",
        "distribution_major_version": "2",
        "distribution_version": "2.15",
    }
    assert render("__node_prep_os_facts", OSES["Debian"][0], facts=dict(gentoo, kernel="6.1.0-fake")) == gentoo
    assert render("__node_prep_os_facts", OSES["Debian"][0]) == {}
    assert "unsupported OS Gentoo 2.15" in errors(OSES["Debian"][0], facts=gentoo)


def test_products_follow_the_shared_variable():
    os_info = OSES["Debian"][0]
    assert render("node_prep_products", os_info) == ["edge_volumes", "local_csi"]
    assert render("node_prep_products", os_info, acstor_edge_products=["local_csi"]) == ["local_csi"]


def test_sysctls_only_for_edge_volumes_and_hugepages_when_fault_tolerant():
    os_info = OSES["Debian"][0]
    assert render("__node_prep_sysctls", os_info, acstor_edge_products=["local_csi"]) == {}
    assert render("__node_prep_sysctls", os_info, node_prep_fault_tolerant=True)["vm.nr_hugepages"] == 512


GENTOO = {
    "distribution": "Gentoo",
    "os_family": "Gentoo",
    "distribution_major_version": "2",
    "distribution_version": "2.15",
}


@pytest.mark.parametrize(
    "os_info,state,overrides,expected",
    [
        (GENTOO, {}, {}, "unsupported OS Gentoo 2.15"),
        (
            dict(OSES["Ubuntu"][0], distribution_major_version="20", distribution_version="20.04"),
            {},
            {},
            "unsupported OS Ubuntu 20.04",
        ),
        (
            dict(OSES["RedHat"][0], distribution_major_version="8", distribution_version="8.9"),
            {},
            {},
            "unsupported OS Rocky 8.9",
        ),
        (OSES["Debian"][0], {}, {"node_prep_sysctls": {"fs.nope": 1}}, "sysctl fs.nope does not exist"),
        (
            OSES["Debian"][0],
            {},
            {"node_prep_sysctls": {"fs.inotify.max_user_instances": 512}},
            "fs.inotify.max_user_instances 512 is below the 1024",
        ),
        (
            OSES["Debian"][0],
            {"kernel_modules_unknown": ["nope_mod"]},
            {"node_prep_kernel_modules_extra": ["nope_mod"]},
            "kernel module nope_mod is unknown to kernel " + KERNEL,
        ),
        (OSES["Debian"][0], {}, {"node_prep_products": ["ceph"]}, "unknown product(s) ceph"),
        (OSES["Debian"][0], {}, {"node_prep_products": []}, "node_prep_products is empty"),
    ],
)
def test_bad_input_is_named(os_info, state, overrides, expected):
    assert expected in errors(os_info, state=state, **overrides)


def test_all_bad_inputs_are_reported_together():
    reported = errors(
        OSES["Debian"][0],
        state={"kernel_modules_unknown": ["zz"]},
        node_prep_sysctls={"fs.nope": 1},
        node_prep_kernel_modules_extra=["zz"],
    )
    assert "sysctl fs.nope does not exist" in reported and "kernel module zz is unknown" in reported
    assert " | " in reported


def test_module_from_a_package_not_yet_installed_is_not_unknown():
    reported = errors(OSES["Ubuntu"][0], state={"kernel_modules_unknown": ["nvme_tcp"]}, node_prep_fault_tolerant=True)
    assert reported.strip() == ""
    reported = errors(OSES["Debian"][0], state={"kernel_modules_unknown": ["nvme_tcp"]}, node_prep_fault_tolerant=True)
    assert "kernel module nvme_tcp is unknown" in reported


# Names, values and types are checked before node_prep_info reads the node, by the rules the module and
# validate.yml use (acstor.edge.node_role_input_errors over the role's variables, see tasks/validate.yml).
@pytest.mark.parametrize(
    "overrides,expected",
    [
        ({"node_prep_sysctls": "vm.swappiness=10"}, "node_prep_sysctls: must be a dict of sysctl name: minimum"),
        ({"node_prep_kernel_modules_extra": "a,b"}, "node_prep_kernel_modules_extra: must be a list, got 'a,b'"),
        ({"node_prep_packages_extra": {"jq": 1}}, "node_prep_packages_extra: must be a list"),
        ({"node_prep_products": 5}, "node_prep_products: must be a list"),
        (
            {"node_prep_sysctls": {"fs.file-max": "lots"}},
            "node_prep_sysctls['fs.file-max']: 'lots' is not a non-negative",
        ),
        ({"node_prep_sysctls": {"fs.file-max": -5}}, "node_prep_sysctls['fs.file-max']: -5 is not a non-negative"),
        ({"node_prep_packages_extra": ["-y"]}, "node_prep_packages_extra[0]: '-y' is not a package name"),
        (
            {"node_prep_kernel_modules_extra": ["bad;name"]},
            "node_prep_kernel_modules_extra[0]: 'bad;name' is not a kernel",
        ),
        (
            {"node_prep_sysctl_file": "/etc/sysctl.d/99-x.txt"},
            "node_prep_sysctl_file: '/etc/sysctl.d/99-x.txt' is not a",
        ),
    ],
)
def test_wrong_values_are_named_before_the_node_is_read(overrides, expected):
    found = role_input_errors("node_prep", role_variables(OSES["Debian"][0], **overrides))
    assert any(expected in error for error in found), found


def test_defaults_pass_the_input_rules():
    assert role_input_errors("node_prep", role_variables(OSES["Debian"][0])) == []


def role_variables(os_info, **overrides):
    return dict((name, render(name, os_info, **overrides)) for name in ROLE_VARIABLES["node_prep"])
