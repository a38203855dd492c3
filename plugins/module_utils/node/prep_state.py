# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Parsers for what the node_prep role branches on: OS, sysctls, kernel modules, packages, LVM.

Pure: every function takes text (file contents or command output) and returns data; none
reads a file or runs a command. Kept free of heavy imports because guest Python on small
nodes is slow to start and acstor.edge.node_prep_info imports this on every run.
"""

import json
import re

# The name rules live in node_inputs (one place, full-string matches); imported here for the parsers.
from ansible_collections.acstor.edge.plugins.module_utils.node.inputs import (  # noqa: F401 pylint: disable=unused-import
    KERNEL_MODULE_NAME,
    PACKAGE_NAME,
    SYSCTL_NAME,
)

# os-release ID -> (distribution, os_family) as ansible.builtin.setup names them, so the role's
# per-OS tables keep the keys users know from ansible_facts.
OS_NAMES = {
    "debian": ("Debian", "Debian"),
    "ubuntu": ("Ubuntu", "Debian"),
    "rhel": ("RedHat", "RedHat"),
    "rocky": ("Rocky", "RedHat"),
    "almalinux": ("AlmaLinux", "RedHat"),
    "centos": ("CentOS", "RedHat"),
    "ol": ("OracleLinux", "RedHat"),
    "fedora": ("Fedora", "RedHat"),
    "azurelinux": ("Azurelinux", "Azurelinux"),
}
# ID_LIKE words -> os_family for distributions not in OS_NAMES.
OS_FAMILY_LIKE = {"rhel": "RedHat", "fedora": "RedHat", "centos": "RedHat", "debian": "Debian", "ubuntu": "Debian"}

# The one placeholder a package name may hold, for per-kernel packages (Ubuntu linux-modules-extra-<release>).
KERNEL_RELEASE_PLACEHOLDER = "{kernel_release}"
# dpkg status letters (second column of db:Status-Abbrev) of a package whose files are on disk
# and configured: installed, triggers-awaited, triggers-pending.
DPKG_INSTALLED_STATES = ("i", "W", "t")
# The same states as the words of the Status: field of /var/lib/dpkg/status (its third word; dpkg(1)).
DPKG_INSTALLED_STATUSES = ("installed", "triggers-awaited", "triggers-pending")


def parse_os_release(text):
    """/etc/os-release -> dict of KEY: unquoted value."""
    result = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        result[key.strip()] = value.replace('\\"', '"')
    return result


def describe_os(os_release):
    """Parsed os-release -> distribution, version, major version and family, named as ansible facts name them."""
    os_id = os_release.get("ID", "").lower()
    like = os_release.get("ID_LIKE", "").lower().split()
    if os_id in OS_NAMES:
        distribution, family = OS_NAMES[os_id]
    else:
        distribution = os_id.capitalize() if os_id else "Unknown"
        family = next((OS_FAMILY_LIKE[word] for word in like if word in OS_FAMILY_LIKE), distribution)
    version = os_release.get("VERSION_ID", "")
    return {
        "id": os_id,
        "id_like": like,
        "pretty_name": os_release.get("PRETTY_NAME", ""),
        "distribution": distribution,
        "distribution_version": version,
        "distribution_major_version": version.split(".", 1)[0],
        "os_family": family,
    }


def sysctl_proc_path(name):
    """``fs.inotify.max_user_watches`` -> ``fs/inotify/max_user_watches`` under /proc/sys; None if not a name."""
    if not isinstance(name, str) or not SYSCTL_NAME.fullmatch(name):
        return None
    return name.replace(".", "/")


def normalize_module_name(name):
    """modprobe treats - and _ in module names alike; /proc/modules uses _."""
    return name.replace("-", "_")


def module_name_from_path(path):
    """``kernel/drivers/md/dm-raid.ko.xz`` -> ``dm_raid``."""
    base = path.strip().rsplit("/", 1)[-1]
    return normalize_module_name(base.split(".ko", 1)[0])


def parse_module_index(text):
    """modules.dep or modules.builtin -> set of module names."""
    names = set()
    for line in text.splitlines():
        path = line.split(":", 1)[0].strip()
        if ".ko" in path:
            names.add(module_name_from_path(path))
    return names


def parse_proc_modules(text):
    """/proc/modules -> set of loaded module names (first column)."""
    return set(line.split(None, 1)[0] for line in text.splitlines() if line.strip())


def parse_module_aliases(text, names):
    """modules.alias -> {alias: module} for the plain (non-wildcard) aliases among ``names``."""
    wanted = set(normalize_module_name(name) for name in names)
    found = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "alias":
            alias = normalize_module_name(parts[1])
            if alias in wanted and alias not in found:
                found[alias] = normalize_module_name(parts[2])
    return found


def parse_modules_load(texts):
    """Contents of /etc/modules-load.d files -> set of module names loaded at boot.

    One name per line; ``#`` and ``;`` start comments (modules-load.d(5)). Debian's /etc/modules,
    linked there as modules.conf, may add parameters after the name.
    """
    names = set()
    for text in texts:
        for line in text.splitlines():
            words = re.split(r"[#;]", line, maxsplit=1)[0].split()
            if words and KERNEL_MODULE_NAME.fullmatch(words[0]):
                names.add(normalize_module_name(words[0]))
    return names


def parse_dpkg_query(stdout):
    """``dpkg-query -W -f '${Package}\\t${db:Status-Abbrev}\\t${Version}\\n'`` -> {name: version} installed.

    Names dpkg does not know go to stderr ("no packages found matching"); removed packages whose
    configuration remains (status ``rc``) are listed but not installed.
    """
    installed = {}
    for line in stdout.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and len(parts[1]) >= 2 and parts[1][1] in DPKG_INSTALLED_STATES:
            installed[parts[0]] = parts[2]
    return installed


def parse_dpkg_status(text, names):
    """/var/lib/dpkg/status -> {name: version} of the ``names`` installed; the answer parse_dpkg_query gives for
    ``dpkg-query -W`` of the same names on the same database.

    One stanza per package and architecture, separated by blank lines, ``Package:`` first (dpkg writes the file
    itself, sorted by name then architecture, as dpkg-query lists them). A package is installed when the third
    word of ``Status:`` is an installed state (``deinstall ok config-files``, ``install reinstreq half-installed``
    or ``install ok unpacked`` are not). A Multi-Arch: same package has a stanza per architecture, all of one
    version; it is installed when one of them is, and as in parse_dpkg_query the last installed stanza wins.
    Only the stanzas of the wanted names are parsed: the file holds every package of the node.
    """
    wanted = set(name for name in names if isinstance(name, str) and PACKAGE_NAME.fullmatch(name))
    if not wanted:
        return {}
    # dpkg writes "Package: NAME" exactly; a literal line start lets re skip to each "Package: " fast (a status
    # file is 1-3 MB: a line-by-line parse would cost more than the dpkg-query it replaces).
    stanza_start = re.compile(r"\nPackage: (%s)\n" % "|".join(re.escape(name) for name in sorted(wanted)))
    text = "\n" + text
    installed = {}
    for match in stanza_start.finditer(text):
        end = text.find("\n\n", match.end() - 1)
        fields = _deb822_fields(text[match.end() : len(text) if end < 0 else end], ("status", "version"))
        status = fields.get("status", "").split()
        if len(status) == 3 and status[2] in DPKG_INSTALLED_STATUSES:
            installed[match.group(1)] = fields.get("version", "")
    return installed


def _deb822_fields(text, keys):
    """{lower-case field name: value} of the single-line fields ``keys`` in one deb822 stanza's text."""
    fields = {}
    for line in text.splitlines():
        if not line or line[0] in " \t#" or ":" not in line:
            continue  # continuation lines (Description, Conffiles) start with white space
        name, value = line.split(":", 1)
        name = name.strip().lower()
        if name in keys:
            fields[name] = value.strip()
    return fields


def dpkg_journal_pending(update_entries):
    """Whether /var/lib/dpkg/updates holds journal entries (names of digits) that dpkg has not folded into the
    status file yet: dpkg is running or was interrupted, and only dpkg-query applies them on top of the file."""
    return any(entry.isdigit() for entry in update_entries)


def parse_rpm_query(stdout):
    """``rpm -q --qf '%{NAME}\\t%{VERSION}-%{RELEASE}\\n'`` -> {name: version} installed.

    rpm prints ``package NAME is not installed`` on stdout for the others.
    """
    installed = {}
    for line in stdout.splitlines():
        parts = line.split("\t")
        if len(parts) == 2 and not line.startswith("package "):
            installed[parts[0]] = parts[1]
    return installed


def lvm_config_may_set(texts, name):
    """Whether LVM configuration texts may set ``name``: a line that mentions it and is not a whole-line comment.

    Conservative on purpose: any such mention counts (lvmconfig then reads the real value); only files that never
    name the setting outside comments prove it unset, as Debian's lvm.conf, which shows it commented out.
    """
    return any(name in line and not line.lstrip().startswith("#") for text in texts for line in text.splitlines())


def parse_lvmconfig_setting(rc, stdout):
    """``lvmconfig --typeconfig current SECTION/KEY`` -> the ``key=value`` line, or None when unset (rc 5)."""
    if rc != 0:
        return None
    lines = [line.strip() for line in stdout.splitlines() if line.strip()]
    return lines[0] if lines else None


def parse_proc_module_users(text):
    """/proc/modules -> {module: use count} (third column; proc(5))."""
    users = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2].isdigit():
            users[parts[0]] = int(parts[2])
    return users


def parse_packages_record(text):
    """node_prep's record of the packages it installed (JSON ``{"packages_installed": [...]}``) -> names.

    A record that is not ours to read (not JSON, another shape) counts as empty: removing packages on
    the strength of a file we cannot read would remove what the OS or the user installed.
    """
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return []
    names = data.get("packages_installed") if isinstance(data, dict) else None
    if not isinstance(names, list):
        return []
    return [name for name in names if isinstance(name, str) and PACKAGE_NAME.fullmatch(name)]
