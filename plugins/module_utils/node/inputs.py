# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules for values that end up in a file or a command on a node.

Every rule is a pure function: value -> None when the value is fine, else the reason it is not. Rules
are registered under a short id that each error message carries ("... (rule fstab-field)"), so the
modules, the roles and playbooks/validate.yml refuse the same input with the same words, and a test
can tell which rule refused it. Patterns are matched against the whole string (re.fullmatch): "$"
would accept a trailing newline, which is exactly what must not reach fstab, sysctl.d or a unit file.
"""

import re

from ansible_collections.acstor.edge.plugins.module_utils.common import rules
from ansible_collections.acstor.edge.plugins.module_utils.common.rules import (  # noqa: F401 pylint: disable=unused-import
    BOOLEANS,
    Refusal,
    boolean,
    check,
    check_choice,
    check_list,
    message,
    non_negative_number,
    one_line,
    positive_integer,
    single_line,
    string,
    unused,
)

_WHITESPACE = re.compile(r"\s")
# Path characters accepted on a node: no white space (an fstab or ExecStart= field separator), no '#'
# (a comment), no '%' (a systemd specifier), no quotes, '\\', ';', ',', '=' or '$' (quoting, escapes,
# option and variable syntax of fstab, unit files and shells).
_PATH = re.compile(r"(/[A-Za-z0-9._+@:~-]+)+/?|/")
_STRIPE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,30}")
# lvm(8) VALID NAMES: a-z A-Z 0-9 + _ . -, not starting with '-', not '.' or '..'; NAME_LEN 128 with the NUL.
_LVM_NAME = re.compile(r"[A-Za-z0-9_+.][A-Za-z0-9_+.-]{0,126}")
_LVM_RESERVED = (
    "snapshot",
    "pvmove",
    "_cdata",
    "_cmeta",
    "_corig",
    "_mimage",
    "_mlog",
    "_rimage",
    "_rmeta",
    "_tdata",
    "_tmeta",
    "_vorigin",
    "_vdata",
)
# systemd.unit(5): unit names are [A-Za-z0-9:_.@-] and '\\' escapes, plus a type suffix; '\\' is refused
# here because fstab reads it as an escape too (x-systemd.before= carries the name).
_UNIT_NAME = re.compile(
    r"[A-Za-z0-9:_.@-]{1,240}\.(service|socket|device|mount|automount|swap|target|path|timer|"
    r"slice|scope)"
)
SYSCTL_NAME = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
KERNEL_MODULE_NAME = re.compile(r"[A-Za-z0-9_-]{1,55}")
# Debian and RPM package name characters; a leading '-' would be read as an option.
PACKAGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9+._~-]*")
# systemd.time(5) time spans: "30s", "1min", "1h 30min"
_TIMESPAN = re.compile(
    r"[0-9]+ ?(usec|us|msec|ms|seconds|second|sec|s|minutes|minute|min|m|hours|hour|hr|h|days|"
    r"day|d|weeks|week|w|months|month|M|years|year|y)?( [0-9]+ ?(usec|us|msec|ms|seconds|second|"
    r"sec|s|minutes|minute|min|m|hours|hour|hr|h|days|day|d|weeks|week|w|months|month|M|years|"
    r"year|y))*"
)
_SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?) ?([kmgtp]?)(?:i?b)?", re.IGNORECASE)
_SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40, "p": 1 << 50}
# sysctl.d(5): the directories systemd-sysctl reads drop-ins from, and the one classic file.
SYSCTL_DIRS = ("/etc/sysctl.d", "/run/sysctl.d", "/usr/local/lib/sysctl.d", "/usr/lib/sysctl.d")
SYSTEM_PATHS = (
    "/",
    "/boot",
    "/boot/efi",
    "/efi",
    "/etc",
    "/usr",
    "/var",
    "/bin",
    "/sbin",
    "/lib",
    "/lib64",
    "/proc",
    "/sys",
    "/dev",
    "/run",
    "/tmp",
    "/root",
    "/home",
    "/opt",
    "/srv",
    "/mnt",
    "/media",
)

RULES = dict(rules.RULES)  # the generic rules (string, single-line, boolean, ...) and the node rules below
_rule = rules.registering(RULES)


def parse_size(value):
    """'64k', '64KiB', '1G', 65536 -> bytes (binary units); None when the value is not a size."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if not isinstance(value, str):
        return None
    match = _SIZE.fullmatch(value)
    if not match:
        return None
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])


@_rule("fstab-field", "one /etc/fstab field: no white space, '#' or '\\'")
@one_line
def fstab_field(value):
    if _WHITESPACE.search(value) or "#" in value or "\\" in value:
        return "%r contains white space, '#' or '\\', which separate or escape /etc/fstab fields" % (value,)
    return None


@_rule("mount-options", "comma-separated fstab options, each one non-empty word")
@rules.after(fstab_field)
def mount_options(value):
    if any(not option for option in value.split(",")) or '"' in value or "'" in value:
        return "%r is not a list of comma-separated options (empty option or quote)" % (value,)
    return None


@_rule("absolute-path", "an absolute path of letters, digits and . _ + @ : ~ -")
@one_line
def absolute_path(value):
    if not value.startswith("/"):
        return "%r is not an absolute path" % (value,)
    if not _PATH.fullmatch(value):
        return (
            "%r holds characters that node files give meaning to (white space, '#', '%%', quotes, '\\\\', "
            "';', ',', '=', '$'): use letters, digits and . _ + @ : ~ -" % (value,)
        )
    if any(part in (".", "..") for part in value.split("/")):
        return "%r has a '.' or '..' component" % (value,)
    return None


@_rule("mount-path", "an absolute path that is not a system directory")
@rules.after(absolute_path)
def mount_path(value):
    if value.rstrip("/") in SYSTEM_PATHS or value == "/":
        return "%r is a system directory" % (value,)
    return None


@_rule("fact-file", "an absolute path ending in .fact (ansible_local reads only those)")
@rules.after(absolute_path)
def fact_file(value):
    if not value.endswith(".fact") or value.endswith("/.fact"):
        return "%r does not end in .fact, so ansible_local would never read it" % (value,)
    return None


@_rule("sysctl-file", "a *.conf file in a sysctl.d directory")
@rules.after(absolute_path)
def sysctl_file(value):
    directory, _sep, base = value.rpartition("/")
    # not /etc/sysctl.conf: node_prep writes its drop-in whole, so the file must be one of its own
    if not (directory in SYSCTL_DIRS and base.endswith(".conf") and base != ".conf"):
        return "%r is not a *.conf file in %s, so systemd-sysctl would not read it at boot" % (
            value,
            ", ".join(SYSCTL_DIRS),
        )
    return None


stripe_name = rules.matching_rule(
    _rule,
    "stripe-name",
    "lower-case letters, digits, '_' and '-', starting with a letter, at most 31 characters",
    _STRIPE_NAME,
    "%r is invalid: lower-case letters, digits, '_' and '-', starting with a letter, at most 31 characters",
)


@_rule("lvm-name", "an LVM volume group name (lvm(8) VALID NAMES)")
@one_line
def lvm_name(value):
    if not _LVM_NAME.fullmatch(value) or value in (".", "..") or any(word in value for word in _LVM_RESERVED):
        return (
            "%r is not a valid LVM name: letters, digits, + _ . -, not starting with '-', at most 127 "
            "characters, not '.'/'..', without %s" % (value, "/".join(_LVM_RESERVED[:2]))
        )
    return None


unit_name = rules.matching_rule(
    _rule,
    "unit-name",
    "a systemd unit name with its type suffix, such as kubelet.service",
    _UNIT_NAME,
    "%r is not a systemd unit name (letters, digits, : _ . @ - and a suffix such as .service)",
)
sysctl_name = rules.matching_rule(
    _rule,
    "sysctl-name",
    "a sysctl key such as fs.file-max",
    SYSCTL_NAME,
    "%r is not a sysctl key (dot-separated words, no '=', '/' or white space)",
)


@_rule("sysctl-value", "a non-negative integer")
def sysctl_value(value):
    if isinstance(value, bool) or not (
        (isinstance(value, int) and value >= 0) or (isinstance(value, str) and re.fullmatch(r"[0-9]+", value))
    ):
        return "%r is not a non-negative integer" % (value,)
    return None


kernel_module = rules.matching_rule(
    _rule,
    "kernel-module",
    "a kernel module name",
    KERNEL_MODULE_NAME,
    "%r is not a kernel module name (letters, digits, '_' and '-')",
)
package_name = rules.matching_rule(
    _rule, "package-name", "a Debian or RPM package name", PACKAGE_NAME, "%r is not a package name"
)


@_rule("size", "a size such as 64k, 512KiB or 1T")
def size(value):
    if isinstance(value, str):
        reason = single_line(value)
        if reason:
            return reason
    if parse_size(value) is None:
        return "%r is not a size (examples: 64k, 512KiB, 1T)" % (value,)
    return None


@_rule("stripe-size", "a power of two of at least 4 KiB")
@rules.after(size)
def stripe_size(value):
    number = parse_size(value)
    if number < 4096 or number & (number - 1):
        return "%r must be a power of two and at least 4 KiB" % (value,)
    return None


timespan = rules.matching_rule(
    _rule,
    "timespan",
    "a systemd time span such as 30s, 1min or 1h 30min",
    _TIMESPAN,
    "%r is not a systemd time span (examples: 30s, 1min, 1h 30min)",
)


PREFLIGHT_PRODUCTS = ("edge_volumes", "local_csi")


def preflight_errors(options, name=None):
    """acstor.edge.preflight_info's options that reach a node command, and those its products do not use.

    options: products, local_path_dir, free_space, csi_volume_group, addon_models (absent: not set);
    name(option) -> the name to report (the preflight role's variable names for the role).
    """
    name = name or (lambda option: option)
    errors = []
    products = options.get("products")
    products = list(PREFLIGHT_PRODUCTS) if products is None else products
    if not isinstance(products, list):
        errors.append(message(name("products"), "must be a list, got %r" % (products,), "list"))
        products = list(PREFLIGHT_PRODUCTS)
    local_path_dir = options.get("local_path_dir") or ""
    if local_path_dir:
        check(errors, name("local_path_dir"), local_path_dir, absolute_path)
        if "edge_volumes" not in products:
            unused(errors, name("local_path_dir"), "only product edge_volumes uses local-path storage")
    free_space = options.get("free_space") or []
    if not isinstance(free_space, list):
        errors.append(
            message(name("free_space"), "must be a list of {path, min_free_gib}, got %r" % (free_space,), "list")
        )
        free_space = []
    for index, item in enumerate(free_space):
        option = "%s[%d]" % (name("free_space"), index)
        if not isinstance(item, dict):
            errors.append(message(option, "must be a dict {path, min_free_gib}, got %r" % (item,), "dict"))
            continue
        check(errors, option + ".path", item.get("path"), absolute_path)
        check(errors, option + ".min_free_gib", item.get("min_free_gib"), non_negative_number)
    if options.get("csi_volume_group") is not None:
        check(errors, name("csi_volume_group"), options["csi_volume_group"], lvm_name)
    addon_models = options.get("addon_models") or []
    check_list(errors, name("addon_models"), addon_models, single_line)
    if addon_models and "local_csi" not in products:
        unused(errors, name("addon_models"), "only product local_csi uses add-on disk models")
    return errors


def local_csi_driver_errors(options):
    """acstor.edge.local_csi_driver_preflight's values that the driver takes to the nodes (LVM names, mounts)."""
    errors = []
    if options.get("volume_group") is not None:
        check(errors, "volume_group", options["volume_group"], lvm_name)
    check_list(errors, "addon_models", options.get("addon_models"), single_line)
    storage_class = options.get("storage_class") or {}
    check_list(errors, "storage_class.mount_options", storage_class.get("mount_options"), mount_options)
    for index, handoff in enumerate(options.get("node_handoffs") or []):
        if isinstance(handoff, dict) and handoff.get("volume_group") is not None:
            check(errors, "node_handoffs[%d].volume_group" % index, handoff["volume_group"], lvm_name)
    return errors


def nvme_info_errors(options):
    """acstor.edge.nvme_info's options."""
    errors = []
    check_list(errors, "extra_models", options.get("extra_models"), single_line)
    return errors
