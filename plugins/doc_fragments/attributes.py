# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

# What every acstor.edge module states alike: its author and the check and diff mode attributes (community.general's
# attributes fragment works the same way). A module extends exactly one of the fragments below and adds only what is
# its own: the `details` of an attribute, or `support` where it is not what the fragment says.
_ATTRIBUTES = r"""
author:
  - acstor.edge developers (@acstor)
options: {{}}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.{check_mode}
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.{diff_mode}
"""


class ModuleDocFragment(object):
    # The module states `support` (and `details`) of both attributes itself.
    DOCUMENTATION = _ATTRIBUTES.format(check_mode="", diff_mode="")

    # Modules that change something, and support check mode and diff mode fully.
    FULL = _ATTRIBUTES.format(check_mode="\n    support: full", diff_mode="\n    support: full")

    # Modules that only read (node facts, ARM or cluster reads): the same in check mode, nothing to diff.
    READ_ONLY = _ATTRIBUTES.format(
        check_mode="\n    support: full\n    details: The module only reads; it behaves the same in check mode.",
        diff_mode="\n    support: none\n    details: Nothing changes, so there is no diff.",
    )
