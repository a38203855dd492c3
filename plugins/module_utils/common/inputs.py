# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules shared by the cluster-side domains (Azure, Kubernetes, the local CSI driver): GUIDs, https URLs,
semantic versions, and the strict module-option types.

The rule machinery is common/rules.py's (one message format '<option>: <reason> (rule <id>)'), so a
node error and a cluster error read the same and a test can tell which rule refused. Every pattern is matched
against the whole string (re.fullmatch): '$' would accept a trailing newline.
"""

import re

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, kept for the sanity import test
    urlsplit = None

from ansible_collections.acstor.edge.plugins.module_utils.common import rules
from ansible_collections.acstor.edge.plugins.module_utils.common.rules import (  # noqa: F401 pylint: disable=unused-import
    Refusal,
    check,
    check_choice,
    check_list,
    message,
    one_line,
    single_line,
    string,
)

# The cluster-side rules by id (the node rules are node/inputs.RULES); the table test exercises each one.
RULES = {}


rule = rules.registering(RULES)


# RFC 4122 string form: 8-4-4-4-12 hexadecimal digits.
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# Semantic Versioning 2.0.0 (https://semver.org, the BNF of section "Backus-Naur Form Grammar"); Helm chart
# versions must be SemVer 2 (helm.sh/docs/topics/charts "The Chart.yaml File"), and Arc extension versions are
# published the same way (2.12.0, 0.1.0-preview).
_NUMBER = r"(?:0|[1-9][0-9]*)"
_IDENTIFIER = r"(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)"
_SEMVER = re.compile(
    r"{0}\.{0}\.{0}(?:-{1}(?:\.{1})*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?".format(_NUMBER, _IDENTIFIER)
)
# RFC 1123 host names: labels of letters, digits and '-', not starting or ending with '-', at most 63 each.
_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_WHITESPACE = re.compile(r"\s")


guid = rules.matching_rule(
    rule,
    "guid",
    "a GUID such as 00000000-0000-0000-0000-000000000000",
    _GUID,
    "%r is not a GUID (8-4-4-4-12 hexadecimal digits)",
)


def host_name_problem(host):
    """Why `host` is not an RFC 1123 host name (None when it is)."""
    if not host or len(host) > 253:
        return "has no host name, or one longer than 253 characters"
    if not all(_HOST_LABEL.fullmatch(label) for label in host.split(".")):
        return "host %r is not a DNS name (labels of letters, digits and '-')" % (host,)
    return None


@rule("https-url", "an https URL with a DNS host name (RFC 3986), no user, query or fragment")
@one_line
def https_url(value):
    if _WHITESPACE.search(value):
        return "%r contains white space" % (value,)
    parts = urlsplit(value)
    try:
        # reading .port is the check: it raises ValueError for a port that is not a number from 0 to 65535
        parts.port  # noqa: B018  pylint: disable=pointless-statement
    except ValueError:
        return "%r has a port that is not a number from 0 to 65535" % (value,)
    if parts.scheme != "https":
        return "%r is not an https URL" % (value,)
    if "@" in parts.netloc:
        return "%r carries a user name or password" % (value,)
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        return "%r has a query or fragment" % (value,)
    problem = host_name_problem(parts.hostname)
    if problem:
        return "%r %s" % (value, problem)
    return None


semantic_version = rules.matching_rule(
    rule,
    "semantic-version",
    "a semantic version such as 2.12.0 or 0.3.0-preview (semver.org 2.0.0)",
    _SEMVER,
    "%r is not a semantic version (MAJOR.MINOR.PATCH, such as 2.12.0 or 1.0.0-preview)",
)


def pattern_rule(rule_id, meaning, pattern, max_length, shape):
    """A registered cluster rule for a single-line string that must fully match `pattern` and be at most
    `max_length` long; its refusal says the value is invalid and what `shape` a valid one has."""
    return rules.matching_rule(
        rule, rule_id, meaning, pattern, "%r is invalid: " + shape.replace("%", "%%"), max_length
    )


def nested(errors, option, value, kind):
    """A dict or list a rule walks into: one error when it is the wrong shape, else the value (None: skip)."""
    expected = {"dict": dict, "list": list}[kind]
    if value is None:
        return None
    if not isinstance(value, expected):
        errors.append(
            message(
                option,
                "must be a %s, got %s %r" % ("mapping" if kind == "dict" else "list", _type_name(value), value),
                kind,
            )
        )
        return None
    return value


def _type_name(value):
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def type_errors(argument_spec, params, prefix=""):
    """Options whose raw value does not have the type the spec declares, so AnsibleModule would coerce it.

    AnsibleModule turns a list given for a str option into the text "['a']" and splits a string given for a list
    option at its commas; both are refused here with the expected type named. Integers given for a str option
    (YAML reads 2024 as a number) are accepted: their text is what the user wrote.
    """
    errors = []
    for name, spec in argument_spec.items():
        value = (params or {}).get(name)
        option = prefix + name
        wanted = spec.get("type") or "str"
        if value is None:
            continue
        if spec.get("no_log"):
            shown = _type_name(value)  # never echo a secret
        else:
            shown = "%s %r" % (_type_name(value), value)
        if wanted == "str" and not _is_text(value):
            errors.append(message(option, "must be a string, got %s" % shown, "string"))
        elif wanted == "list":
            if not isinstance(value, list):
                errors.append(message(option, "must be a list, got %s" % shown, "list"))
                continue
            for index, item in enumerate(value):
                item_option = "%s[%d]" % (option, index)
                if spec.get("elements") == "str" and not _is_text(item):
                    errors.append(
                        message(item_option, "must be a string, got %s %r" % (_type_name(item), item), "string")
                    )
                elif spec.get("elements") == "dict":
                    if not isinstance(item, dict):
                        errors.append(
                            message(item_option, "must be a mapping, got %s %r" % (_type_name(item), item), "dict")
                        )
                    elif spec.get("options"):
                        errors.extend(type_errors(spec["options"], item, item_option + "."))
        elif wanted == "dict":
            if not isinstance(value, dict):
                errors.append(message(option, "must be a mapping, got %s" % shown, "dict"))
            elif spec.get("options"):
                errors.extend(type_errors(spec["options"], value, option + "."))
    return errors


def _is_text(value):
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def raw_module_params():
    """The module's options as the controller sent them, before AnsibleModule coerced their types."""
    from ansible.module_utils import basic  # pylint: disable=import-outside-toplevel

    # basic._load_params is documented for "very dynamic custom modules which want to process the parameters";
    # it returns the same cached arguments AnsibleModule reads.
    return basic._load_params()  # pylint: disable=protected-access


def refuse_invalid(module, argument_spec, errors):
    """Fail the module, before its first request, with every input error at once; return when there is none.

    errors: the rule errors of the module's options (coerced values included); type errors found in the raw options
    replace the rule errors of the same option, which would only describe the coerced text.
    """
    try:
        typed = type_errors(argument_spec, raw_module_params())
    except Exception:  # pylint: disable=broad-except
        typed = []  # arguments not readable a second time (never the case under ansible-core 2.19)
    wrong = [error.split(": ", 1)[0] for error in typed]
    rest = [
        error
        for error in errors
        if not any(error.startswith(option + suffix) for option in wrong for suffix in (":", ".", "["))
    ]
    everything = typed + rest
    if everything:
        module.fail_json(msg="invalid input, nothing was changed: " + "; ".join(everything), errors=everything)
