# -*- coding: utf-8 -*-
# Copyright: (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Module plumbing shared by the acstor.edge Kubernetes modules: kubernetes.core auth options and client."""

import copy

from ansible_collections.acstor.edge.plugins.module_utils.common import inputs as common_inputs
from ansible_collections.acstor.edge.plugins.module_utils.k8s.objects import KubernetesObjects
from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule

WAIT_SPEC = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=300),
    wait_sleep=dict(type="int", default=5),
)


def argument_spec(own_spec, with_wait=True):
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    if with_wait:
        spec.update(copy.deepcopy(WAIT_SPEC))
    spec.update(own_spec)
    return spec


def new_module(own_spec, with_wait=True, **kwargs):
    return AnsibleK8SModule(argument_spec=argument_spec(own_spec, with_wait), supports_check_mode=True, **kwargs)


def refuse_invalid(module, own_spec, errors, with_wait=True):
    """Fail before the first request with every input error (rule errors and coerced types) at once."""
    if with_wait:
        for option in ("wait_timeout", "wait_sleep"):
            if module.params.get(option) is not None and module.params[option] < 0:
                errors.append(common_inputs.message(option, "must be 0 or more seconds", "non-negative-number"))
    common_inputs.refuse_invalid(module, argument_spec(own_spec, with_wait), errors)


# Tests replace this to hand the module a fake dynamic client.
def objects_for(module):
    return KubernetesObjects(get_api_client(module=module))


def describe_error(error):
    """One line for fail_json: our own messages as they are, API errors with status and server message."""
    status = getattr(error, "status", None)
    if status is None:
        return str(error)
    message = getattr(error, "summary", None)
    message = message() if callable(message) else None
    if not message:
        body = getattr(error, "body", None)
        message = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or error)
    return "Kubernetes API error {0}: {1}".format(status, message)
