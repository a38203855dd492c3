"""Parsers of acstor.edge.node_prep_info, on output recorded from the Debian 12 lab VM.

Fixtures in tests/unit/fixtures/node_prep/: debian12-* were copied from a fresh lab VM (kernel
6.1.0-50-cloud-amd64), debian13-* from a fresh Debian 13 lab VM (`edgelab up --suite trixie`, kernel
6.12.117+deb13-cloud-amd64); modules.alias is a two-line excerpt of that VM's file.
"""

from pathlib import Path

import pytest

from ansible_collections.acstor.edge.plugins.module_utils.node.prep_state import (
    describe_os,
    dpkg_journal_pending,
    lvm_config_may_set,
    parse_dpkg_query,
    parse_dpkg_status,
    parse_lvmconfig_setting,
    parse_module_aliases,
    parse_module_index,
    parse_modules_load,
    parse_os_release,
    parse_proc_modules,
    parse_rpm_query,
    sysctl_proc_path,
)

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "node_prep"


def fixture(name):
    return (FIXTURES / name).read_text()


@pytest.mark.parametrize("release,codename", [("12", "bookworm"), ("13", "trixie")])
def test_debian_os_release_described_as_ansible_facts_name_it(release, codename):
    described = describe_os(parse_os_release(fixture("debian%s-os-release" % release)))
    assert described["distribution"] == "Debian"
    assert described["os_family"] == "Debian"
    assert described["distribution_version"] == release
    assert described["distribution_major_version"] == release
    assert described["pretty_name"] == "Debian GNU/Linux %s (%s)" % (release, codename)


@pytest.mark.parametrize(
    "text,distribution,family,major",
    [
        ('NAME="Ubuntu"\nVERSION_ID="24.04"\nID=ubuntu\nID_LIKE=debian\n', "Ubuntu", "Debian", "24"),
        ('NAME="Rocky Linux"\nVERSION_ID="9.4"\nID="rocky"\nID_LIKE="rhel centos fedora"\n', "Rocky", "RedHat", "9"),
        ('NAME="Microsoft Azure Linux"\nVERSION_ID="3.0"\nID=azurelinux\n', "Azurelinux", "Azurelinux", "3"),
        # not in the table: family from ID_LIKE, distribution from ID
        ('NAME="Fancy"\nVERSION_ID=9.2\nID=fancyel\nID_LIKE="rhel fedora"\n', "Fancyel", "RedHat", "9"),
        ("NAME=Gentoo\nID=gentoo\nVERSION_ID=2.15\n", "Gentoo", "Gentoo", "2"),
        ("", "Unknown", "Unknown", ""),
    ],
)
def test_other_os_releases(text, distribution, family, major):
    described = describe_os(parse_os_release(text))
    assert (described["distribution"], described["os_family"], described["distribution_major_version"]) == (
        distribution,
        family,
        major,
    )


@pytest.mark.parametrize(
    "name,path",
    [
        ("fs.inotify.max_user_watches", "fs/inotify/max_user_watches"),
        ("net.ipv4.conf.all.rp_filter", "net/ipv4/conf/all/rp_filter"),
        ("fs..file-max", None),
        ("../etc/passwd", None),
        ("fs/file-max", None),
        ("", None),
        (5, None),
    ],
)
def test_sysctl_names_map_to_proc_sys_paths_and_nothing_else(name, path):
    assert sysctl_proc_path(name) == path


@pytest.mark.parametrize("debian", ["debian12", "debian13"])
def test_module_indexes_from_the_lab_kernel(debian):
    available = parse_module_index(fixture(debian + "-modules.dep"))
    builtin = parse_module_index(fixture(debian + "-modules.builtin"))
    assert {"dm_mod", "dm_raid", "raid0", "md_mod", "raid456", "nvme_tcp"} <= available
    assert "dm_mod" not in builtin and "no_such_module_x" not in available
    assert len(builtin) > 100


@pytest.mark.parametrize("debian", ["debian12", "debian13"])
def test_loaded_modules_of_the_fresh_lab_vm(debian):
    loaded = parse_proc_modules(fixture(debian + "-proc-modules-fresh"))
    assert {"dm_mod", "raid0", "md_mod", "raid456"} <= loaded
    assert "dm_raid" not in loaded


@pytest.mark.parametrize("debian", ["debian12", "debian13"])
def test_aliases_resolve_only_plain_names_asked_for(debian):
    text = fixture(debian + "-modules.alias-excerpt") + "alias pci:v00008086d* e1000e\n"
    assert parse_module_aliases(text, ["raid5", "md-personality-2", "other"]) == {
        "raid5": "raid456",
        "md_personality_2": "raid0",
    }


@pytest.mark.parametrize("debian", ["debian12", "debian13"])
def test_modules_load_d_reads_names_and_skips_comments_and_parameters(debian):
    texts = [
        fixture(debian + "-modules-load.d-modules.conf"),
        "dm_raid\n",
        "dm-mod  # device mapper\n",
        "; raid0\n",
        "md_mod start_ro=1\n",
        "bad;name\n",
    ]
    assert parse_modules_load(texts) == {"dm_raid", "dm_mod", "md_mod", "bad"}
    assert parse_modules_load([fixture(debian + "-modules-load.d-modules.conf")]) == set()


@pytest.mark.parametrize("debian,nfs_common", [("debian12", "1:2.6.2-4+deb12u1"), ("debian13", "1:2.8.3-1")])
def test_dpkg_query_of_the_lab_vm(debian, nfs_common):
    installed = parse_dpkg_query(fixture(debian + "-dpkg-query.stdout"))
    assert installed["nfs-common"] == nfs_common
    assert set(installed) == {"e2fsprogs", "lvm2", "mdadm", "nfs-common", "nvme-cli", "xfsprogs"}


def test_dpkg_query_removed_package_with_config_left_is_not_installed():
    stdout = "lvm2\tii \t2.03.16-2\nnfs-common\trc \t1:2.6.2-4+deb12u1\nmdadm\tiF \t4.2-5\n"
    assert parse_dpkg_query(stdout) == {"lvm2": "2.03.16-2"}


# dpkg-states-status: the status file of a throw-away dpkg database in which real dpkg (1.21.22, Debian 12) put
# stand-in packages in the states to tell apart (make-dpkg-states.sh beside it builds it again): installed, on hold,
# triggers-pending and -awaited, unpacked, "install reinstreq half-installed" (preinst and postrm failed),
# "deinstall ok config-files" (removed, conffile kept), and Multi-Arch: same packages for amd64 and i386, one of
# them removed on i386 only; dpkg-states-dpkg-query.stdout is what dpkg-query -W said about the same names.
# debian12-dpkg-status-excerpt: stanzas of a Debian 12 machine's real status file, with its dpkg-query output.
DPKG_STATES_NAMES = [
    "lvm2",
    "xfsprogs",
    "nfs-common",
    "mdadm",
    "nvme-cli",
    "libdevmapper1.02.1",
    "libaio1",
    "e2fsprogs",
    "nvme-stas",
    "nfs-utils",
]
EXCERPT_NAMES = [
    "e2fsprogs",
    "libc6",
    "libgcc-s1",
    "xfsprogs",
    "lvm2",
    "nfs-common",
    "bash",
    "dpkg",
    "libdevmapper1.02.1",
    "openssh-server",
]


@pytest.mark.parametrize(
    "status, query, names",
    [
        ("dpkg-states-status", "dpkg-states-dpkg-query.stdout", DPKG_STATES_NAMES),
        ("debian12-dpkg-status-excerpt", "debian12-dpkg-status-excerpt.dpkg-query.stdout", EXCERPT_NAMES),
    ],
)
def test_dpkg_status_file_gives_dpkg_querys_answer(status, query, names):
    assert parse_dpkg_status(fixture(status), names) == parse_dpkg_query(fixture(query))


def test_dpkg_status_states():
    installed = parse_dpkg_status(fixture("dpkg-states-status"), DPKG_STATES_NAMES)
    assert installed == {
        "lvm2": "2.03.16-2",
        "xfsprogs": "6.1.0-1",  # hold ok installed
        "e2fsprogs": "1.47.0-2",  # triggers-pending
        "nvme-stas": "2.2.1-1",  # triggers-awaited
        "libdevmapper1.02.1": "2:1.02.185-2",  # amd64 and i386
        "libaio1": "0.3.113-4",  # installed on amd64, config-files on i386
    }
    # deinstall ok config-files, install reinstreq half-installed, install ok unpacked, unknown to dpkg
    assert not set(installed) & {"nfs-common", "mdadm", "nvme-cli", "nfs-utils"}


def test_dpkg_status_reads_only_the_wanted_names():
    text = fixture("dpkg-states-status")
    assert parse_dpkg_status(text, ["lvm2"]) == {"lvm2": "2.03.16-2"}
    assert parse_dpkg_status(text, ["lvm"]) == {}  # a prefix of a name is not the name
    assert parse_dpkg_status(text, []) == {}
    # not package names (a regex or a newline must not reach the search): never installed
    assert parse_dpkg_status(text, ["lvm.*", "lvm2\nStatus: x", None]) == {}


def test_dpkg_status_edge_stanzas():
    text = "Package: first\nStatus: install ok installed\nVersion: 1\n\nPackage: bare\n\nPackage: next\nStatus: install ok installed\nVersion: 2\n"
    # the first stanza of the file, one without fields (never attributed the next one's), the last without "\n\n"
    assert parse_dpkg_status(text, ["first", "bare", "next"]) == {"first": "1", "next": "2"}


def test_dpkg_journal_pending():
    assert dpkg_journal_pending(["0000", "0001"])
    assert not dpkg_journal_pending([])
    assert not dpkg_journal_pending(["tmp.i"])  # dpkg's temporary import file is not a journal entry


def test_rpm_query():
    # rpm's documented --qf output and its "is not installed" line (no RPM host in the lab to record from)
    stdout = "lvm2\t2.03.23-1.azl3\npackage nfs-utils is not installed\nmdadm\t4.3-1.azl3\n"
    assert parse_rpm_query(stdout) == {"lvm2": "2.03.23-1.azl3", "mdadm": "4.3-1.azl3"}


def test_lvmconfig_setting_recorded_on_the_lab_vm():
    # rc 5 and this stderr when unset; rc 0 and the line when lvm.conf sets it (recorded with --config)
    assert parse_lvmconfig_setting(5, "") is None
    assert (
        parse_lvmconfig_setting(0, 'auto_activation_volume_list=["vg0","vg1"]\n')
        == 'auto_activation_volume_list=["vg0","vg1"]'
    )


@pytest.mark.parametrize(
    "texts, expected",
    [
        # Debian 12's lvm.conf names it only in comments (lines recorded from the lab VM)
        (
            [
                '\t# Configuration option activation/auto_activation_volume_list.\n\t# auto_activation_volume_list = [ "vg1" ]\n'
            ],
            False,
        ),
        ([], False),
        (['activation {\n\tauto_activation_volume_list = [ "vg0" ]\n}\n'], True),
        (["# comment only\n", "activation { auto_activation_volume_list=[] }\n"], True),
        # a mention after other text on the line counts: only whole-line comments prove it unset
        (["activation { volume_list = [] } # auto_activation_volume_list\n"], True),
    ],
)
def test_lvm_config_may_set(texts, expected):
    assert lvm_config_may_set(texts, "auto_activation_volume_list") is expected
