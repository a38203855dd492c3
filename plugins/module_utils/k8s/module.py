# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The wrapper of the acstor.edge Kubernetes modules: kubernetes.core auth options, input refusal, the client, and
failure reporting.

`run_module(spec, validate, apply)` is each module's whole `main()`: bad input is refused before the first request,
then `apply(module, objects, result)` fills `result`; our own errors (AcstorError) and the Kubernetes client's
(API errors, an unusable kubeconfig, an unreachable server) fail the module with what was done so far. Anything
else is a bug and keeps its traceback.
"""

import copy

try:
    from kubernetes.client.exceptions import ApiException
    from kubernetes.dynamic.exceptions import ResourceNotFoundError
    from urllib3.exceptions import HTTPError as TransportError

    KUBERNETES_ERRORS = (ApiException, ResourceNotFoundError, TransportError)
except ImportError:  # kubernetes.core's module setup reports the missing library
    KUBERNETES_ERRORS = ()

from ansible_collections.acstor.edge.plugins.module_utils.common import inputs as common_inputs
from ansible_collections.acstor.edge.plugins.module_utils.common.errors import AcstorError
from ansible_collections.acstor.edge.plugins.module_utils.k8s.objects import KubernetesObjects
from ansible_collections.kubernetes.core.plugins.module_utils.args_common import AUTH_ARG_SPEC
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.client import get_api_client
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.core import AnsibleK8SModule
from ansible_collections.kubernetes.core.plugins.module_utils.k8s.exceptions import CoreException

# Documented by the acstor.edge.k8s_client.wait doc fragment.
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


def failure(error):
    """What the module fails with for one of our errors or a Kubernetes client error."""
    if isinstance(error, AcstorError):
        return error.as_result()
    return dict(msg=describe_error(error))


def run_module(own_spec, validate, apply, with_wait=True, **module_kwargs):
    """A Kubernetes module's main(): parse, refuse bad input, then `apply(module, objects, result)` and report.

    validate(params) -> list of input errors (each naming the option). `result` starts as {"changed": False};
    `apply` fills it in place, so a failure still reports what was done. A "warnings" list becomes module warnings and
    "diff" is returned only with --diff.
    """
    module = new_module(own_spec, with_wait, **module_kwargs)
    refuse_invalid(module, own_spec, validate(module.params), with_wait)
    result = dict(changed=False)
    try:
        apply(module, objects_for(module), result)
    except (AcstorError, CoreException) + KUBERNETES_ERRORS as error:
        module.fail_json(**dict(result, **failure(error)))
    for warning in result.pop("warnings", []):
        module.warn(warning)
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)
