# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rollout batches: a serial policy ([1, "10%", "25%", "100%"]) applied to the list of clusters.

The arithmetic follows Ansible's own `serial` keyword, so a policy means the same thing whether it
batches hosts in a play or clusters in acstor.edge.rollout: a percentage is of the total number of
clusters, rounded down but never below one, and the last step repeats until every cluster has a batch.
"""

from __future__ import annotations

import re

_PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


class RolloutPolicyError(ValueError):
    """A serial policy or cluster list that cannot be planned."""


def parse_serial_step(step):
    """Return ('count', n) or ('percent', p) for one step of a serial policy."""
    if isinstance(step, bool):
        raise RolloutPolicyError(
            "serial step %r is a boolean; use a count like 1 or a percentage like '25%%'" % (step,)
        )
    if isinstance(step, int):
        if step < 1:
            raise RolloutPolicyError("serial step %d must be at least 1" % step)
        return ("count", step)
    if isinstance(step, str):
        text = step.strip()
        if text.isdigit():
            return parse_serial_step(int(text))
        match = _PERCENT.match(text)
        if match:
            percent = float(match.group(1))
            if not 0 < percent <= 100:
                raise RolloutPolicyError("serial step %r must be a percentage above 0%% and at most 100%%" % step)
            return ("percent", percent)
    raise RolloutPolicyError("serial step %r is neither a count (1) nor a percentage ('25%%')" % (step,))


def parse_serial(policy):
    """Normalise a serial policy (one step or a list of steps) into a list of parsed steps."""
    if policy is None or policy == [] or policy == "":
        return [("percent", 100.0)]
    steps = policy if isinstance(policy, (list, tuple)) else [policy]
    return [parse_serial_step(step) for step in steps]


def batch_sizes(total, policy):
    """Sizes of consecutive batches covering `total` items under `policy` (Ansible serial semantics)."""
    steps = parse_serial(policy)
    sizes = []
    remaining = total
    index = 0
    while remaining > 0:
        kind, value = steps[min(index, len(steps) - 1)]
        size = value if kind == "count" else int(total * value / 100.0)
        size = max(1, min(size, remaining))
        sizes.append(size)
        remaining -= size
        index += 1
    return sizes


def order_clusters(clusters, canaries=()):
    """Canary clusters first (in their given order), then the rest in inventory order."""
    canary_set = set(canaries)
    return [c for c in clusters if c in canary_set] + [c for c in clusters if c not in canary_set]


def plan_batches(clusters, policy, canaries=(), max_batches=None):
    """Split clusters into batches: a list of lists of cluster names.

    Raises RolloutPolicyError when the policy yields more batches than `max_batches`.
    """
    ordered = order_clusters(list(clusters), canaries)
    batches = []
    start = 0
    for size in batch_sizes(len(ordered), policy):
        batches.append(ordered[start : start + size])
        start += size
    if max_batches is not None and len(batches) > max_batches:
        raise RolloutPolicyError(
            "serial policy %r gives %d batches for %d clusters; rollout.yml runs at most %d. "
            "End the policy with a larger step, for example '100%%'."
            % (policy, len(batches), len(ordered), max_batches)
        )
    return batches


def batch_verdict(clusters, failed_clusters, max_fail_percentage):
    """Decide whether a finished batch lets the rollout continue.

    Like Ansible's max_fail_percentage, the batch fails only when the share of failed clusters is
    strictly greater than the percentage; 0 therefore stops on the first failure.
    """
    if not clusters:
        return {"continue": True, "failed": [], "failed_percentage": 0.0}
    failed = [c for c in clusters if c in set(failed_clusters)]
    percentage = 100.0 * len(failed) / len(clusters)
    return {
        "continue": percentage <= float(max_fail_percentage),
        "failed": failed,
        "failed_percentage": round(percentage, 1),
    }
