"""node_prep's kernel configuration plan (module_utils/node/kernel_config.py), as tables: the sysctl drop-in, our
modules-load.d file, per-module files of the previous version, state absent, the package record."""

import json

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.node.kernel_config import (
    MODULES_HEADER,
    PACKAGES_RECORD,
    SYSCTL_HEADER,
    module_load_file_errors,
    parse_sysctl_conf,
    plan_kernel_config,
    plan_sysctl_entries,
)
from ansible_collections.acstor.edge.plugins.module_utils.node.prep_plan import describe_kernel_modules

DROP_IN = "/etc/sysctl.d/99-zz-acstor-edge.conf"
OURS = "/etc/modules-load.d/acstor-edge.conf"
MINIMUMS = {"fs.inotify.max_user_instances": 8192, "fs.inotify.max_user_watches": 524288, "fs.file-max": 100000}
FRESH_LIVE = {
    "fs.inotify.max_user_instances": "128",
    "fs.inotify.max_user_watches": "8192",
    "fs.file-max": "9223372036854775807",
}
RAISED_LIVE = dict(FRESH_LIVE, **{"fs.inotify.max_user_instances": "8192", "fs.inotify.max_user_watches": "524288"})
CONVERGED_DROP_IN = SYSCTL_HEADER + "fs.inotify.max_user_instances=8192\nfs.inotify.max_user_watches=524288\n"
# what ansible.posix.sysctl wrote for the previous version of the role
PREVIOUS_DROP_IN = "fs.inotify.max_user_instances=8192\nfs.inotify.max_user_watches=524288\n"
MODULES = ["dm_mod", "dm_raid", "raid0", "md_mod"]


# (id, minimums, live, drop-in entries now) -> (entries after, raised now, removed)
SYSCTL_TABLE = [
    (
        "fresh node: only the low ones are written and raised",
        MINIMUMS,
        FRESH_LIVE,
        {},
        {"fs.inotify.max_user_instances": "8192", "fs.inotify.max_user_watches": "524288"},
        ["fs.inotify.max_user_instances", "fs.inotify.max_user_watches"],
        [],
    ),
    (
        "converged: nothing to raise, the drop-in keeps its entries",
        MINIMUMS,
        RAISED_LIVE,
        {"fs.inotify.max_user_instances": "8192", "fs.inotify.max_user_watches": "524288"},
        {"fs.inotify.max_user_instances": "8192", "fs.inotify.max_user_watches": "524288"},
        [],
        [],
    ),
    (
        "a setting removed from the variables leaves the drop-in (live value untouched)",
        {"fs.inotify.max_user_instances": 8192, "fs.file-max": 100000},
        RAISED_LIVE,
        {"fs.inotify.max_user_instances": "8192", "fs.inotify.max_user_watches": "524288"},
        {"fs.inotify.max_user_instances": "8192"},
        [],
        ["fs.inotify.max_user_watches"],
    ),
    (
        "a live value above the minimum, not in the drop-in, is neither written nor lowered",
        {"fs.inotify.max_user_instances": 8192},
        {"fs.inotify.max_user_instances": "65536"},
        {},
        {},
        [],
        [],
    ),
    (
        "a drop-in entry edited by hand below the minimum goes back to the minimum; live above stays",
        {"fs.inotify.max_user_instances": 8192},
        {"fs.inotify.max_user_instances": "8192"},
        {"fs.inotify.max_user_instances": "100"},
        {"fs.inotify.max_user_instances": "8192"},
        [],
        [],
    ),
    (
        "a drop-in entry raised by hand above the minimum is kept, never lowered",
        {"fs.inotify.max_user_instances": 8192},
        {"fs.inotify.max_user_instances": "16384"},
        {"fs.inotify.max_user_instances": "16384"},
        {"fs.inotify.max_user_instances": "16384"},
        [],
        [],
    ),
    (
        "a raised minimum raises the entry and the live value",
        {"fs.inotify.max_user_instances": 16384},
        {"fs.inotify.max_user_instances": "8192"},
        {"fs.inotify.max_user_instances": "8192"},
        {"fs.inotify.max_user_instances": "16384"},
        ["fs.inotify.max_user_instances"],
        [],
    ),
    (
        "a line added by hand that no variable names leaves our drop-in",
        {"fs.inotify.max_user_instances": 8192},
        {"fs.inotify.max_user_instances": "8192"},
        {"fs.inotify.max_user_instances": "8192", "vm.swappiness": "10"},
        {"fs.inotify.max_user_instances": "8192"},
        [],
        ["vm.swappiness"],
    ),
    (
        "a name the kernel lacks is kept as the file has it (validation stops the role on it)",
        {"fs.nope": 1},
        {},
        {"fs.nope": "1"},
        {"fs.nope": "1"},
        [],
        [],
    ),
]


@pytest.mark.parametrize(
    "minimums,live,now,entries,raised,removed", [row[1:] for row in SYSCTL_TABLE], ids=[row[0] for row in SYSCTL_TABLE]
)
def test_sysctl_entries(minimums, live, now, entries, raised, removed):
    got_entries, got_raised, got_removed = plan_sysctl_entries(minimums, live, now)
    assert got_entries == entries
    assert [item["key"] for item in got_raised] == raised
    assert got_removed == removed


def test_parse_sysctl_conf_reads_what_systemd_sysctl_reads():
    text = "# c\n; c\n fs.file-max = 5 \n-net/ipv4/ip_forward=1\nfs.file-max=6\nnonsense\n"
    assert parse_sysctl_conf(text) == {"fs.file-max": "6", "net.ipv4.ip_forward": "1"}
    assert parse_sysctl_conf(None) == {}


def modules_state(loaded=(), persisted=(), available=tuple(MODULES), wanted=tuple(MODULES)):
    return describe_kernel_modules(list(wanted), set(loaded), set(), set(available), {}, set(persisted))


def desired(**overrides):
    base = {
        "state": "present",
        "sysctls": MINIMUMS,
        "kernel_modules": MODULES,
        "sysctl_file": DROP_IN,
        "modules_load_file": OURS,
        "parts": ["sysctl", "modules"],
    }
    base.update(overrides)
    return base


def node(live=None, drop_in=CONVERGED_DROP_IN, load_texts=None, modules=None, **extra):
    live = RAISED_LIVE if live is None else live
    texts = {OURS: MODULES_HEADER + "".join(name + "\n" for name in MODULES)} if load_texts is None else load_texts
    current = {
        "live": live,
        "sysctl_text": drop_in,
        "modules_load_texts": texts,
        "modules": modules if modules is not None else modules_state(loaded=MODULES, persisted=MODULES),
    }
    current.update(extra)
    return current


def files_of(plan):
    return dict((change["path"], None if change["remove"] else change["after"]) for change in plan["files"])


def test_fresh_node_one_plan_for_everything():
    plan = plan_kernel_config(
        desired(), node(live=FRESH_LIVE, drop_in=None, load_texts={}, modules=modules_state(loaded=["dm_mod"]))
    )
    assert files_of(plan) == {DROP_IN: CONVERGED_DROP_IN, OURS: MODULES_HEADER + "dm_mod\ndm_raid\nraid0\nmd_mod\n"}
    assert [item["key"] for item in plan["sysctls_to_raise"]] == [
        "fs.inotify.max_user_instances",
        "fs.inotify.max_user_watches",
    ]
    assert plan["modules_to_load"] == ["dm_raid", "raid0", "md_mod"]
    assert plan["changed"]


def test_converged_node_plans_nothing():
    plan = plan_kernel_config(desired(), node())
    assert plan["changed"] is False and plan["actions"] == [] and plan["files"] == []


def test_drop_in_of_the_previous_version_with_the_same_settings_is_left_as_it_is():
    plan = plan_kernel_config(desired(), node(drop_in=PREVIOUS_DROP_IN))
    assert plan["files"] == []


def test_setting_removed_from_the_variables_is_removed_from_the_drop_in():
    plan = plan_kernel_config(desired(sysctls={"fs.inotify.max_user_instances": 8192}), node())
    assert files_of(plan) == {DROP_IN: SYSCTL_HEADER + "fs.inotify.max_user_instances=8192\n"}
    assert plan["sysctls_removed"] == ["fs.inotify.max_user_watches"] and plan["sysctls_to_raise"] == []


def test_no_setting_left_removes_the_drop_in():
    # local_csi only: node_prep asks for no sysctl at all
    plan = plan_kernel_config(desired(sysctls={}), node())
    assert files_of(plan) == {DROP_IN: None}
    assert plan_kernel_config(desired(sysctls={}), node(drop_in=None))["files"] == []


LEGACY = dict(("/etc/modules-load.d/%s.conf" % name, name + "\n") for name in MODULES)
DEBIAN_MODULES_CONF = "/etc/modules-load.d/modules.conf"


# (id, wanted modules, modules-load.d texts) -> (our file after or None when absent/removed, legacy, unlisted legacy)
MODULES_TABLE = [
    (
        "previous version's per-module files count as listed: our file is not written",
        MODULES,
        dict(LEGACY),
        None,
        sorted(LEGACY),
        [],
    ),
    (
        "a module dropped from the list: its legacy file is reported, not removed",
        ["dm_mod", "dm_raid", "md_mod"],
        dict(LEGACY),
        None,
        sorted(LEGACY),
        ["/etc/modules-load.d/raid0.conf"],
    ),
    (
        "a module dropped from the list leaves our file",
        ["dm_mod", "dm_raid", "md_mod"],
        {OURS: MODULES_HEADER + "dm_mod\ndm_raid\nraid0\nmd_mod\n"},
        MODULES_HEADER + "dm_mod\ndm_raid\nmd_mod\n",
        [],
        [],
    ),
    (
        "a module the OS or the user lists elsewhere is not duplicated",
        MODULES,
        {DEBIAN_MODULES_CONF: "# /etc/modules\nraid0\ndm-raid\n"},
        MODULES_HEADER + "dm_mod\nmd_mod\n",
        [],
        [],
    ),
    (
        "a module listed in our file and in a legacy file leaves ours (never twice)",
        MODULES,
        {OURS: MODULES_HEADER + "dm_mod\ndm_raid\nraid0\nmd_mod\n", "/etc/modules-load.d/raid0.conf": "raid0\n"},
        MODULES_HEADER + "dm_mod\ndm_raid\nmd_mod\n",
        ["/etc/modules-load.d/raid0.conf"],
        [],
    ),
    (
        "a file named for a module but holding more than it is not a legacy file",
        ["raid0"],
        {"/etc/modules-load.d/raid0.conf": "raid0\nloop\n"},
        None,
        [],
        [],
    ),
    (
        "no module wanted: our file goes",
        [],
        {OURS: MODULES_HEADER + "raid0\n"},
        None,
        [],
        [],
    ),
]


@pytest.mark.parametrize(
    "wanted,texts,ours,legacy,unlisted", [row[1:] for row in MODULES_TABLE], ids=[row[0] for row in MODULES_TABLE]
)
def test_modules_load_file(wanted, texts, ours, legacy, unlisted):
    state = modules_state(loaded=MODULES, wanted=wanted)
    plan = plan_kernel_config(desired(kernel_modules=wanted, parts=["modules"]), node(load_texts=texts, modules=state))
    written = files_of(plan).get(OURS, texts.get(OURS))
    assert (written or None) == ours
    assert plan["legacy_module_files"] == legacy
    assert plan["unlisted_legacy_module_files"] == unlisted
    assert plan["modules_to_load"] == []  # all loaded: nothing unloaded, nothing loaded


def test_only_modules_not_loaded_are_loaded_and_unknown_ones_never():
    state = modules_state(loaded=["dm_mod", "md_mod"], available=["dm_mod", "dm_raid", "md_mod"])
    plan = plan_kernel_config(desired(parts=["modules"]), node(load_texts={}, modules=state))
    assert plan["modules_to_load"] == ["dm_raid"]


def test_parts_limit_what_is_planned():
    fresh = node(live=FRESH_LIVE, drop_in=None, load_texts={}, modules=modules_state())
    assert set(files_of(plan_kernel_config(desired(parts=["sysctl"]), fresh))) == {DROP_IN}
    assert plan_kernel_config(desired(parts=["sysctl"]), fresh)["modules_to_load"] == []
    assert set(files_of(plan_kernel_config(desired(parts=["modules"]), fresh))) == {OURS}
    assert plan_kernel_config(desired(parts=["modules"]), fresh)["sysctls_to_raise"] == []


# state absent: (id, options, node) -> (files removed, reload, unload, kept loaded)
ABSENT_TABLE = [
    ("both files removed, live values and modules left", {}, {}, [DROP_IN, OURS], False, [], []),
    ("nothing of ours on the node: nothing to do", {}, {"drop_in": None, "load_texts": {}}, [], False, [], []),
    ("reload asked: sysctl --system after the removal", {"reload_sysctl": True}, {}, [DROP_IN, OURS], True, [], []),
    ("reload asked but no drop-in: no reload", {"reload_sysctl": True}, {"drop_in": None}, [OURS], False, [], []),
    (
        "unload asked: only modules without users, listed by us alone, not built in",
        {"unload_modules": True},
        {
            "load_texts": {
                OURS: MODULES_HEADER + "dm_mod\ndm_raid\nraid0\nmd_mod\n",
                DEBIAN_MODULES_CONF: "md_mod\n",
            },
            "use_counts": {"dm_mod": 3, "dm_raid": 0, "raid0": 0, "md_mod": 0},
            "builtin": {"raid0"},
        },
        [DROP_IN, OURS],
        False,
        ["dm_raid"],
        [
            {"name": "dm_mod", "reason": "in use (3 users)"},
            {"name": "md_mod", "reason": "listed in another /etc/modules-load.d file"},
            {"name": "raid0", "reason": "built in"},
        ],
    ),
    (
        "legacy per-module files are reported, never removed",
        {},
        {"load_texts": dict(LEGACY)},
        [DROP_IN],
        False,
        [],
        [],
    ),
]


@pytest.mark.parametrize(
    "options,node_overrides,removed,reload,unload,kept",
    [row[1:] for row in ABSENT_TABLE],
    ids=[row[0] for row in ABSENT_TABLE],
)
def test_absent(options, node_overrides, removed, reload, unload, kept):
    plan = plan_kernel_config(desired(state="absent", **options), node(**node_overrides))
    assert [change["path"] for change in plan["files"] if change["remove"]] == removed
    assert [change for change in plan["files"] if not change["remove"]] == []
    assert plan["reload_sysctl"] is reload
    assert plan["modules_to_unload"] == unload
    assert plan["modules_kept_loaded"] == kept
    assert plan["sysctls_to_raise"] == [] and plan["modules_to_load"] == []


def test_absent_reports_legacy_files_for_the_operator():
    plan = plan_kernel_config(desired(state="absent"), node(load_texts=dict(LEGACY)))
    assert plan["unlisted_legacy_module_files"] == sorted(LEGACY)
    assert plan["changed"]  # the drop-in goes


def test_absent_diff_has_the_removed_text():
    plan = plan_kernel_config(desired(state="absent", parts=["sysctl"]), node())
    assert plan["files"] == [{"path": DROP_IN, "before": CONVERGED_DROP_IN, "after": "", "remove": True}]
    assert plan["actions"] == ["remove " + DROP_IN]


RECORD = json.dumps({"packages_installed": ["nfs-common"]}, indent=2) + "\n"


# (id, state options, record now) -> record after (None: no file), changed
RECORD_TABLE = [
    ("packages installed by this run are recorded", {"record_packages": ["nfs-common"]}, None, RECORD),
    ("recording again changes nothing", {"record_packages": ["nfs-common"]}, RECORD, RECORD),
    (
        "new names are added after the old",
        {"record_packages": ["mdadm", "nfs-common"]},
        RECORD,
        json.dumps({"packages_installed": ["nfs-common", "mdadm"]}, indent=2) + "\n",
    ),
    ("nothing installed: no record written", {}, None, None),
    ("absent keeps the record unless told to forget", {"state": "absent"}, RECORD, RECORD),
    ("absent with forget_packages drops it", {"state": "absent", "forget_packages": True}, RECORD, None),
    ("a record we cannot read is left alone", {"state": "absent", "forget_packages": True}, "{oops", "{oops"),
]


@pytest.mark.parametrize(
    "options,before,after", [row[1:] for row in RECORD_TABLE], ids=[row[0] for row in RECORD_TABLE]
)
def test_packages_record(options, before, after):
    plan = plan_kernel_config(desired(parts=[], **options), node(record_text=before))
    result = files_of(plan).get(PACKAGES_RECORD, before)
    assert result == after
    assert plan["changed"] is (before != after)


@pytest.mark.parametrize(
    "path,ok",
    [
        (OURS, True),
        ("/etc/modules-load.d/x.txt", False),
        ("/etc/modules-load.d/sub/x.conf", False),
        ("/etc/modules", False),
        ("/etc/modules-load.d/a b.conf", False),
    ],
)
def test_module_load_file_errors(path, ok):
    assert (module_load_file_errors(path) == []) is ok
