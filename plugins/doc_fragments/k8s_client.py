# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):
    # What every acstor.edge Kubernetes module (module_utils/k8s/module.py) needs besides kubernetes.core's
    # k8s_auth_options: its client libraries. No options of its own; the WAIT fragment documents WAIT_SPEC.
    DOCUMENTATION = r"""
options: {}
requirements:
  - kubernetes >= 24.2.0
  - PyYAML >= 3.11
"""

    WAIT = r"""
options:
  wait:
    description: Wait for the conditions the module describes.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for each condition.
    type: int
    default: 300
  wait_sleep:
    description: Seconds between polls.
    type: int
    default: 5
"""
