# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pieces of AnsibleModule argument specs that several modules declare alike."""


def list_of_dicts(**options):
    """An option that takes a list of mappings, each with the sub-options `options` (AnsibleModule checks every
    item against them); not given, it is the empty list."""
    return dict(type="list", elements="dict", default=[], options=options)
