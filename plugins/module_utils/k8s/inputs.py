# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes input rules: object names, label keys and values, quantities, cron schedules, image registries.

Each rule is written once from the published Kubernetes rule (cited per rule) and registered under a rule id
(node_inputs' registry), so modules, roles and playbooks/validate.yml refuse with the same words.
"""

import re
from decimal import Decimal, InvalidOperation

from ansible_collections.acstor.edge.plugins.module_utils.common.inputs import (
    check,
    host_name_problem,
    message,
    nested,
    one_line,
    pattern_rule,
    rule,
    single_line,
)

# k8s.io/apimachinery/pkg/util/validation: IsDNS1123Label (namespaces, most names), at most 63 characters.
dns_label = pattern_rule(
    "dns-label",
    "a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters",
    r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?",
    63,
    "a DNS-1123 label is lower-case letters, digits and '-', starts and ends with a letter or digit, at most 63 "
    "characters",
)
# IsDNS1123Subdomain (PVC, StorageClass and custom resource names): dot-separated labels, at most 253 characters.
dns_subdomain = pattern_rule(
    "dns-subdomain",
    "a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', at most 253 characters",
    r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*",
    253,
    "a DNS-1123 subdomain is lower-case letters, digits, '-' and '.', starts and ends with a letter or digit, at "
    "most 253 characters",
)
# Helm release names: DNS-1123 subdomain of at most 53 characters (helm/pkg/chartutil ValidateReleaseName).
helm_release_name = pattern_rule(
    "helm-release-name",
    "a Helm release name: lower-case letters, digits, '-' and '.', at most 53 characters",
    r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*",
    53,
    "a Helm release name is lower-case letters, digits, '-' and '.', starts and ends with a letter or digit, at "
    "most 53 characters",
)

# IsQualifiedName / IsValidLabelValue: name part of a label key, and a label value (which may be empty).
_LABEL_NAME = re.compile(r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*")

# resource.Quantity (k8s.io/apimachinery/pkg/api/resource/quantity.go): <signedNumber><suffix>, suffix binarySI
# (Ki..Ei), decimalSI (m, k, M..E) or a decimal exponent (e3, E-2).
_QUANTITY = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|"
    r"[eE][+-]?[0-9]+)?"
)
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"m": Decimal("0.001"), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}

# Kubernetes PersistentVolumeClaim spec.accessModes (core/v1 PersistentVolumeAccessMode).
ACCESS_MODES = ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")

# Cron fields (crontab(5); Kubernetes CronJob and the ACSA MirrorSubvolume schedule take the same 5-field form):
# (name, lowest, highest, names); day of week 7 is Sunday again in crontab(5).
_CRON_FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")),
    ("day of week", 0, 7, ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")),
)
_CRON_RANGE = re.compile(r"(?P<start>[0-9]+|[A-Za-z]{3})(?:-(?P<end>[0-9]+|[A-Za-z]{3}))?")
# Distribution reference grammar (distribution/reference/regexp.go): a registry domain with optional port,
# then optional lower-case path components.
_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")


@rule("label-key", "a Kubernetes label key: [prefix/]name, name at most 63 characters")
@one_line
def label_key(value):
    """IsQualifiedName: an optional DNS-1123 subdomain prefix and '/', then a name of at most 63 characters."""
    prefix, slash, name = value.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix)):
        return "%r has a prefix that is not a DNS-1123 subdomain" % (value,)
    if len(name) > 63 or not _LABEL_NAME.fullmatch(name):
        return (
            "%r is not a label key: the name is letters, digits, '-', '_' and '.', starts and ends with a letter "
            "or digit, at most 63 characters" % (value,)
        )
    return None


@rule("label-value", "a Kubernetes label value: empty, or at most 63 letters, digits, '-', '_', '.'")
def label_value(value):
    """IsValidLabelValue; label values are strings in the API (a YAML true or 3 is not a label value)."""
    if not isinstance(value, str):
        return "must be a string (quote it in YAML), got %r" % (value,)
    if value and (len(value) > 63 or not _LABEL_NAME.fullmatch(value)):
        return (
            "%r is not a label value: letters, digits, '-', '_' and '.', starting and ending with a letter or "
            "digit, at most 63 characters" % (value,)
        )
    return None


def check_labels(errors, option, value):
    """A {key: value} label map (PVC labels, node selectors), every key and value checked."""
    labels = nested(errors, option, value, "dict")
    for key, item in sorted((labels or {}).items(), key=lambda pair: str(pair[0])):
        entry = "%s[%r]" % (option, key)
        if check(errors, entry, key, label_key):
            check(errors, entry, item, label_value)


def quantity_value(value):
    """The Decimal a Kubernetes quantity stands for; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, str):
        return None
    match = _QUANTITY.fullmatch(value)
    if not match:
        return None
    try:
        number = Decimal(match.group("number"))
    except InvalidOperation:  # pragma: no cover - the pattern only admits decimal numbers
        return None
    suffix = match.group("suffix") or ""
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix in _DECIMAL:
        return number * _DECIMAL[suffix]
    if suffix:
        return number.scaleb(int(suffix[1:]))
    return number


@rule("storage-quantity", "a Kubernetes quantity greater than zero, such as 2Gi or 500M")
def storage_quantity(value):
    """resource.Quantity syntax; a PVC storage request must be greater than zero (ValidatePersistentVolumeClaimSpec)."""
    if value is None:
        return "is required (not set), such as 2Gi"
    if isinstance(value, str):
        reason = single_line(value)
        if reason:
            return reason
    amount = quantity_value(value)
    if amount is None:
        return "%r is not a Kubernetes quantity (examples: 2Gi, 500Mi, 1T)" % (value,)
    if amount <= 0:
        return "%r must be greater than zero (Kubernetes refuses a storage request of zero or less)" % (value,)
    return None


def _cron_number(text, names, field):
    if text.isdigit():
        return int(text)
    upper = text.upper()
    if upper in names:
        return names.index(upper) + (1 if field == "month" else 0)
    return None


def _cron_field_problem(text, field, lowest, highest, names):
    for part in text.split(","):
        base, slash, step = part.partition("/")
        if slash and (not step.isdigit() or int(step) < 1):
            return "step %r is not a whole number of at least 1" % (step,)
        if base in ("*", "?"):
            if base == "?" and field not in ("day of month", "day of week"):
                return "'?' is allowed in the day fields only"
            continue
        match = _CRON_RANGE.fullmatch(base)
        if not match:
            return "%r is not a number, a range a-b, '*' or a list of those" % (part,)
        bounds = [_cron_number(item, names, field) for item in (match.group("start"), match.group("end")) if item]
        if any(number is None for number in bounds):
            return "%r names no %s" % (base, field)
        if any(not lowest <= number <= highest for number in bounds):
            return "%r is outside %d-%d" % (base, lowest, highest)
        if len(bounds) == 2 and bounds[0] > bounds[1]:
            return "range %r runs backwards" % (base,)
    return None


@rule("cron", "a five-field cron expression (minute hour day-of-month month day-of-week) with fields in range")
@one_line
def cron(value):
    """crontab(5): 5 fields, each '*', a number or name, a range a-b, a step /n, or a comma list of those."""
    fields = value.split()
    if len(fields) != 5:
        return "%r has %d field(s); a cron expression has 5 (minute hour day-of-month month day-of-week)" % (
            value,
            len(fields),
        )
    for text, (field, lowest, highest, names) in zip(fields, _CRON_FIELDS):
        problem = _cron_field_problem(text, field, lowest, highest, names)
        if problem:
            return "%r: %s field %s" % (value, field, problem)
    return None


@rule("image-registry", "a container registry host with optional port and path, such as myregistry.example.com/mirror")
@one_line
def image_registry(value):
    """distribution/reference: domain[:port][/path], path components lower-case; no scheme, tag or digest."""
    text = value.rstrip("/")
    if "://" in text:
        return "%r has a scheme: give the registry host only, such as myregistry.example.com" % (value,)
    host_port, _sep, path = text.partition("/")
    host, colon, port = host_port.partition(":")
    problem = host_name_problem(host)
    if problem:
        return "%r %s" % (value, problem)
    if colon and (not port.isdigit() or not 0 < int(port) < 65536):
        return "%r has a port that is not a number from 1 to 65535" % (value,)
    if path and not all(_PATH_COMPONENT.fullmatch(part) for part in path.split("/")):
        return "%r has a path that is not lower-case letters, digits and separators . _ __ -" % (value,)
    return None


@rule("image-tag", "a container image tag: letters, digits, '_', '.', '-', at most 128 characters")
@one_line
def image_tag(value):
    """distribution/reference tag: [\\w][\\w.-]{0,127}."""
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", value):
        return "%r is not an image tag (letters, digits, '_', '.', '-', at most 128 characters)" % (value,)
    return None


def check_access_modes(errors, option, value):
    modes = nested(errors, option, value, "list")
    if modes is not None and not modes:
        errors.append(message(option, "is empty: list at least one access mode", "choice"))
    for index, mode in enumerate(modes or []):
        if mode not in ACCESS_MODES:
            errors.append(
                message("%s[%d]" % (option, index), "%r is not one of %s" % (mode, ", ".join(ACCESS_MODES)), "choice")
            )
