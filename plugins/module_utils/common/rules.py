# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The rule machinery every input check uses, node side and cluster side alike.

A rule is a pure function: value -> None when the value is fine, else the reason it is not (a Refusal carrying
the id of the rule that refused). Each error has one format, '<option>: <reason> (rule <id>)', so a module, a
role and playbooks/validate.yml refuse the same input with the same words and a test can tell which rule refused.
The generic rules (types, one line of text, booleans, numbers) live here; the node and cluster domains register
theirs in their own registries (node/inputs.py, common/inputs.py).
"""

import math
import re

# C0 and C1 controls (newline, carriage return, tab, escape, NUL...), DEL, and the Unicode line and
# paragraph separators: each can start a new line or field in a file some tool reads line by line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Ansible's boolean spellings (module_utils.parsing.convert_bool), for inventory values read as text.
BOOLEANS = (True, False, 1, 0, "yes", "no", "on", "off", "true", "false", "1", "0", "y", "n", "t", "f", 1.0, 0.0)

# The generic rules by id; the domains copy them into their registries.
RULES = {}


class Refusal(str):
    """A rule's reason, carrying the id of the rule that refused (the innermost one, for composed rules)."""

    rule_id = ""


def registering(registry):
    """A decorator factory: @rule(id, meaning) registers a rule in `registry` and tags its refusals with the id."""

    def rule(rule_id, meaning):
        def register(func):
            def apply(value):
                reason = func(value)
                if reason is None or isinstance(reason, Refusal):
                    return reason
                refusal = Refusal(reason)
                refusal.rule_id = rule_id
                return refusal

            apply.__name__ = func.__name__
            apply.__doc__ = func.__doc__ or meaning
            apply.rule_id = rule_id
            apply.meaning = meaning
            registry[rule_id] = apply
            return apply

        return register

    return rule


rule = registering(RULES)


@rule("string", "a string")
def string(value):
    if value is None:
        return "is required (not set)"
    if not isinstance(value, str):
        return "must be a string, got %r (%s)" % (value, type(value).__name__)
    return None


def after(base):
    """For a rule body that narrows the rule `base`: base's refusal (with base's rule id) comes first, then
    `check(value)`'s."""

    def narrowing(check):
        def checked(value):
            return base(value) or check(value)

        checked.__name__ = check.__name__
        checked.__doc__ = check.__doc__
        return checked

    return narrowing


@rule("single-line", "one line of text: no newline, tab or other control character")
@after(string)
def single_line(value):
    if not value.strip():
        return "is empty or missing"
    if _CONTROL.search(value):
        return "%r contains a newline or another control character" % (value,)
    return None


# For a rule body that needs one line of text: single_line's refusal comes first.
one_line = after(single_line)


def matching_rule(register, rule_id, meaning, pattern, reason, max_length=None):
    """A rule, registered through `register` (a registry's @rule), for one line of text that must match `pattern`
    whole (and be at most `max_length` characters long); `reason % (value,)` says why a value does not."""
    compiled = re.compile(pattern)

    @register(rule_id, meaning)
    @one_line
    def check_pattern(value):
        if (max_length is not None and len(value) > max_length) or not compiled.fullmatch(value):
            return reason % (value,)
        return None

    check_pattern.__name__ = rule_id.replace("-", "_")
    return check_pattern


@rule("positive-integer", "an integer of at least 1")
def positive_integer(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return "%r must be an integer of at least 1" % (value,)
    return None


@rule("non-negative-number", "a finite number of at least 0")
def non_negative_number(value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        # %g: the module's float -1.0 and the inventory's int -1 read the same
        shown = "%g" % value if isinstance(value, (int, float)) and not isinstance(value, bool) else repr(value)
        return "%s must be a finite number of at least 0" % shown
    return None


@rule("boolean", "true or false")
def boolean(value):
    if isinstance(value, str):
        value = value.lower()
    if not any(value == accepted and type(value) is type(accepted) for accepted in BOOLEANS):
        return "%r is not a boolean" % (value,)
    return None


def message(option, reason, rule_id):
    """The one format every input error has: '<option>: <reason> (rule <id>)'."""
    return "%s: %s (rule %s)" % (option, reason, rule_id)


def check(errors, option, value, rule):
    """Apply one rule; append an error naming the option when it refuses. True when the value is fine."""
    reason = rule(value)
    if reason:
        errors.append(message(option, reason, reason.rule_id))
        return False
    return True


def check_list(errors, option, value, rule):
    """Every item of a list; a value that is not a list is one error. Returns the items that passed."""
    if value is None:
        return []
    if isinstance(value, (str, bytes, dict)) or not isinstance(value, (list, tuple)):
        errors.append(message(option, "must be a list, got %r" % (value,), "list"))
        return []
    return [item for index, item in enumerate(value) if check(errors, "%s[%d]" % (option, index), item, rule)]


def check_choice(errors, option, value, choices):
    if value not in choices:
        errors.append(message(option, "%r is not one of %s" % (value, ", ".join(choices)), "choice"))
        return False
    return True


def unused(errors, option, why):
    """An option the user set that the chosen mode does not use: refused, never silently ignored."""
    errors.append(message(option, "is set but %s: remove it" % why, "unused-option"))
