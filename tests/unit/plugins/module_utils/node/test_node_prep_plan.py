"""node_prep's planning rules: raise sysctls only, touch modules and packages only when needed."""

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.node.prep_plan import (
    converge_errors,
    describe_kernel_modules,
    input_errors,
    lvm_autoactivation_holds,
    may_apply_kernel_config,
    may_read_ahead,
    node_os,
    os_support,
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


# The role's input checks against the node (node_prep_info returns them as input_errors).
DEBIAN12 = {
    "distribution": "Debian",
    "os_family": "Debian",
    "distribution_major_version": "12",
    "distribution_version": "12",
}
GENTOO = {
    "distribution": "Gentoo",
    "os_family": "Gentoo",
    "distribution_major_version": "2",
    "distribution_version": "2.15",
}
SUPPORTED = "(supported: Ubuntu 22.04/24.04, Debian 12/13, Azure Linux 3, RHEL 9 family)"
LIVE = {"fs.inotify.max_user_instances": "128", "fs.inotify.max_user_watches": "8192", "fs.file-max": "1"}
BOTH = ["edge_volumes", "local_csi"]


def os_named(distribution, family, version):
    return {
        "distribution": distribution,
        "os_family": family,
        "distribution_major_version": version.split(".")[0],
        "distribution_version": version,
    }


@pytest.mark.parametrize(
    "os_info,manager",
    [
        (os_named("Debian", "Debian", "12"), "apt"),
        (os_named("Debian", "Debian", "13"), "apt"),
        (os_named("Ubuntu", "Debian", "22.04"), "apt"),
        (os_named("Ubuntu", "Debian", "24.04"), "apt"),
        (os_named("Rocky", "RedHat", "9.4"), "dnf"),
        (os_named("RedHat", "RedHat", "9.5"), "dnf"),
        (os_named("AlmaLinux", "RedHat", "9.4"), "dnf"),
        (os_named("Azurelinux", "Azurelinux", "3.0"), "tdnf"),
    ],
)
def test_supported_os(os_info, manager):
    assert os_support(os_info)["package_manager"] == manager
    assert input_errors(os_info, BOTH, MINIMUMS, LIVE, [], "6.1") == []


@pytest.mark.parametrize(
    "os_info",
    [
        GENTOO,
        os_named("Debian", "Debian", "11"),
        os_named("Ubuntu", "Debian", "20.04"),
        os_named("Rocky", "RedHat", "8.9"),
        os_named("Azurelinux", "Azurelinux", "2.0"),
        {"distribution": "Linux", "os_family": "Linux", "distribution_major_version": "", "distribution_version": ""},
    ],
)
def test_unsupported_os_is_named_with_the_supported_list(os_info):
    message = "unsupported OS %s %s %s" % (os_info["distribution"], os_info["distribution_version"], SUPPORTED)
    assert input_errors(os_info, BOTH, {}, {}, [], "6.1") == [message]


@pytest.mark.parametrize(
    "products,minimums,live,unknown,expected",
    [
        ([], {}, {}, [], ["node_prep_products is empty; choose from edge_volumes, local_csi"]),
        (
            ["edge_volumes", "ceph", "nfs", "ceph"],
            {},
            {},
            [],
            ["unknown product(s) ceph, nfs in node_prep_products; choose from edge_volumes, local_csi"],
        ),
        (None, {}, {}, [], []),
        (
            BOTH,
            {"fs.nope": 1, "fs.file-max": 5},
            {"fs.file-max": "1"},
            [],
            ["sysctl fs.nope does not exist on this kernel"],
        ),
        (
            BOTH,
            {"fs.inotify.max_user_instances": 512},
            LIVE,
            [],
            ["fs.inotify.max_user_instances 512 is below the 1024 Edge Volumes needs"],
        ),
        (
            BOTH,
            {"fs.inotify.max_user_instances": "1023"},
            LIVE,
            [],
            ["fs.inotify.max_user_instances 1023 is below the 1024 Edge Volumes needs"],
        ),
        (BOTH, {"fs.inotify.max_user_instances": 1024}, LIVE, [], []),
        (BOTH, {"fs.inotify.max_user_instances": "lots"}, LIVE, [], []),  # the value rules name this one
        (["local_csi"], {"fs.inotify.max_user_instances": 512}, LIVE, [], []),
        (
            BOTH,
            {},
            {},
            ["nope_mod", "nvme_tcp"],
            ["kernel module nope_mod is unknown to kernel 6.1", "kernel module nvme_tcp is unknown to kernel 6.1"],
        ),
        (
            [],
            {"fs.nope": 1},
            {},
            ["zz"],
            [
                "node_prep_products is empty; choose from edge_volumes, local_csi",
                "sysctl fs.nope does not exist on this kernel",
                "kernel module zz is unknown to kernel 6.1",
            ],
        ),
    ],
)
def test_input_errors(products, minimums, live, unknown, expected):
    assert input_errors(DEBIAN12, products, minimums, live, unknown, "6.1") == expected


def test_a_module_the_os_packages_bring_is_not_unknown():
    ubuntu = os_named("Ubuntu", "Debian", "24.04")
    assert input_errors(ubuntu, BOTH, {}, {}, ["nvme_tcp"], "6.8") == []
    assert input_errors(ubuntu, BOTH, {}, {}, ["nope"], "6.8") == ["kernel module nope is unknown to kernel 6.8"]


def test_facts_the_play_gathered_win_over_the_os_release_read():
    assert node_os(DEBIAN12, dict(GENTOO, kernel="6.1.0-fake")) == GENTOO
    assert node_os(DEBIAN12, {}) == DEBIAN12
    assert node_os(DEBIAN12, {"distribution": "Gentoo"}) == DEBIAN12  # without a major version they do not count


# acstor.edge.node_prep: when its one call applies the kernel configuration, and when it reads the stripes ahead.
UNKNOWN_NVME_TCP = "kernel module nvme_tcp is unknown to kernel 6.8.0-1015-azure"


@pytest.mark.parametrize(
    "inputs, kernel_config, missing, expected",
    [
        ([], [], [], []),
        (["unsupported OS Gentoo 2.15"], [], ["lvm2"], ["unsupported OS Gentoo 2.15"]),
        # a module a package brings (Ubuntu's nvme_tcp): not an error while the package is missing ...
        ([], [UNKNOWN_NVME_TCP], ["linux-modules-extra-6.8.0-1015-azure"], []),
        # ... but one once every package is there, as node_kernel_config would refuse it
        ([], [UNKNOWN_NVME_TCP], [], [UNKNOWN_NVME_TCP]),
        # the same problem found by both checks is named once
        (
            ["sysctl fs.nope does not exist on this kernel"],
            ["sysctl fs.nope does not exist on this kernel"],
            [],
            ["sysctl fs.nope does not exist on this kernel"],
        ),
    ],
)
def test_converge_errors(inputs, kernel_config, missing, expected):
    assert converge_errors(inputs, kernel_config, missing) == expected


@pytest.mark.parametrize(
    "state, errors, missing, expected",
    [
        ("present", [], [], True),
        ("present", ["unsupported OS Gentoo 2.15"], [], False),
        ("present", [], ["nfs-common"], False),  # the role installs it, then node_kernel_config writes
        ("absent", [], [], False),  # removal is node_kernel_config's
    ],
)
def test_the_kernel_configuration_is_applied_only_with_no_error_and_no_missing_package(
    state, errors, missing, expected
):
    assert may_apply_kernel_config(state, errors, missing) is expected


@pytest.mark.parametrize(
    "asked, found, volume_list, expected",
    [
        (False, False, None, True),
        (True, True, None, True),
        (True, False, None, False),  # no lvmconfig: lvm2 missing, the role's check would stop
        (True, True, 'auto_activation_volume_list=["vg0"]', False),
    ],
)
def test_lvm_autoactivation_holds(asked, found, volume_list, expected):
    assert lvm_autoactivation_holds(asked, found, volume_list) is expected


@pytest.mark.parametrize(
    "options, applied, changed, lvm_holds, expected",
    [
        ({"stripes": []}, True, False, True, True),
        ({}, True, False, True, True),  # given, even empty: the stripe role decides what it means
        (None, True, False, True, False),  # not given
        ({"stripes": []}, False, False, True, False),  # state absent, an error or a missing package
        ({"stripes": []}, True, True, True, False),  # this call changed (or in check mode would change) the node
        ({"stripes": []}, True, False, False, False),  # the role's LVM check would stop the play
    ],
)
def test_stripes_are_read_ahead_only_on_a_node_left_as_it_is(options, applied, changed, lvm_holds, expected):
    assert may_read_ahead(options, applied, changed, lvm_holds) is expected
