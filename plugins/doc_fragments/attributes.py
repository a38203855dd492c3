# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):
    # What every acstor.edge module states alike: its author and the check and diff mode attributes (community.general's
    # attributes fragments work the same way). A module extends exactly one of these and adds only what is its own:
    # the `details` of an attribute. (ansible-test's yamllint reads each as a string literal.)

    # The module states `support` (and `details`) of both attributes itself.
    DOCUMENTATION = r"""
author:
  - acstor.edge developers (@acstor)
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
"""

    # Modules that change something, and support check mode and diff mode fully.
    FULL = r"""
author:
  - acstor.edge developers (@acstor)
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
"""

    # Modules that only read (node facts, ARM or cluster reads): the same in check mode, nothing to diff.
    READ_ONLY = r"""
author:
  - acstor.edge developers (@acstor)
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The module only reads; it behaves the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
    details: Nothing changes, so there is no diff.
"""
