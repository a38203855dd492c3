"""node_prep's planning rules: raise sysctls only, touch modules and packages only when needed."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.node.prep_plan import (
    describe_kernel_modules,
    plan_kernel_modules,
    plan_packages,
    plan_sysctls,
    select_packages,
    sysctl_minimum,
)

MINIMUMS = {"fs.inotify.max_user_instances": 8192, "fs.inotify.max_user_watches": 524288, "fs.file-max": 100000}


def test_sysctls_below_the_minimum_are_raised_in_order():
    live = {
        "fs.inotify.max_user_instances": "128",
        "fs.inotify.max_user_watches": "8192",
        "fs.file-max": "9223372036854775807",
    }
    assert plan_sysctls(MINIMUMS, live) == [
        {"key": "fs.inotify.max_user_instances", "value": 8192, "live": "128"},
        {"key": "fs.inotify.max_user_watches", "value": 524288, "live": "8192"},
    ]


def test_a_higher_or_equal_live_value_is_never_lowered():
    live = {"fs.inotify.max_user_instances": "65536", "fs.inotify.max_user_watches": "524288", "fs.file-max": "50000"}
    assert plan_sysctls(MINIMUMS, live) == [{"key": "fs.file-max", "value": 100000, "live": "50000"}]


def test_missing_or_bad_sysctls_are_left_to_validation():
    assert (
        plan_sysctls(
            {"fs.nope": 1, "fs.file-max": "lots", "vm.x": -1, "vm.y": True},
            {"fs.file-max": "1", "vm.x": "0", "vm.y": "0"},
        )
        == []
    )


def test_string_minimums_and_uncomparable_live_values():
    assert plan_sysctls({"vm.nr_hugepages": "512"}, {"vm.nr_hugepages": "0"}) == [
        {"key": "vm.nr_hugepages", "value": 512, "live": "0"}
    ]
    assert plan_sysctls({"net.x": 5}, {"net.x": "1\t2"}) == [{"key": "net.x", "value": 5, "live": "1\t2"}]


@pytest.mark.parametrize(
    "value,expected",
    [(0, 0), (5, 5), ("12", 12), (-1, None), ("1.5", None), ("٣", None), (True, None), (None, None), ([1], None)],
)
def test_sysctl_minimum(value, expected):
    assert sysctl_minimum(value) == expected


def modules(wanted, loaded=(), builtin=(), available=(), aliases=None, persisted=()):
    return describe_kernel_modules(wanted, set(loaded), set(builtin), set(available), aliases or {}, set(persisted))


def test_modules_loaded_and_persisted_need_nothing():
    state = modules(
        ["dm_mod", "dm-raid"],
        loaded=["dm_mod", "dm_raid"],
        available=["dm_mod", "dm_raid"],
        persisted=["dm_mod", "dm_raid"],
    )
    assert plan_kernel_modules(state) == []
    assert state["dm-raid"]["module"] == "dm_raid"


def test_modules_not_loaded_or_not_persisted_are_planned():
    state = modules(
        ["dm_mod", "dm_raid", "raid0"],
        loaded=["dm_mod", "raid0"],
        available=["dm_mod", "dm_raid", "raid0"],
        persisted=["dm_raid"],
    )
    assert plan_kernel_modules(state) == ["dm_mod", "dm_raid", "raid0"]


def test_builtin_counts_as_loaded():
    state = modules(["dm_mod"], builtin=["dm_mod"], persisted=["dm_mod"])
    assert state["dm_mod"]["known"] and state["dm_mod"]["loaded"] and state["dm_mod"]["builtin"]
    assert plan_kernel_modules(state) == []


def test_alias_resolves_to_the_loaded_module():
    state = modules(
        ["raid5"], loaded=["raid456"], available=["raid456"], aliases={"raid5": "raid456"}, persisted=["raid5"]
    )
    assert state["raid5"]["known"] and state["raid5"]["loaded"]
    assert plan_kernel_modules(state) == []


def test_unknown_and_invalid_module_names():
    state = modules(["nope", "bad;name"], available=["dm_mod"])
    assert state["nope"]["valid"] and not state["nope"]["known"]
    assert not state["bad;name"]["valid"]
    assert plan_kernel_modules(state) == ["nope"]


BY_OS = {
    "Debian": ["lvm2", "nfs-common"],
    "Ubuntu": ["lvm2", "linux-modules-extra-{kernel_release}"],
    "RedHat": ["lvm2", "nfs-utils"],
}


@pytest.mark.parametrize(
    "os_info,key,names",
    [
        ({"distribution": "Debian", "os_family": "Debian"}, "Debian", ["lvm2", "nfs-common"]),
        ({"distribution": "Ubuntu", "os_family": "Debian"}, "Ubuntu", ["lvm2", "linux-modules-extra-6.8.0-1015-azure"]),
        ({"distribution": "Rocky", "os_family": "RedHat"}, "RedHat", ["lvm2", "nfs-utils"]),
        ({"distribution": "Gentoo", "os_family": "Gentoo"}, None, []),
    ],
)
def test_package_list_for_the_distribution_else_its_family(os_info, key, names):
    assert select_packages(BY_OS, os_info, "6.8.0-1015-azure") == (key, names, [])


def test_package_names_are_checked_and_deduplicated():
    by_os = {"Debian": ["lvm2", "-y", "lvm2", "a b", "libstdc++6"]}
    assert select_packages(by_os, {"distribution": "Debian", "os_family": "Debian"}, "6.1") == (
        "Debian",
        ["lvm2", "libstdc++6"],
        ["-y", "a b"],
    )


def test_missing_packages_in_order():
    assert plan_packages(["lvm2", "mdadm", "nfs-common"], {"mdadm": "4.2-5"}) == ["lvm2", "nfs-common"]
