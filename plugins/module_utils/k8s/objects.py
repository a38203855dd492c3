# -*- coding: utf-8 -*-
# Copyright (c) 2026, acstor.edge developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Plain-dict access to Kubernetes objects on top of kubernetes.core's dynamic client.

kubernetes.core builds the client (auth options, kubeconfig, proxies); this wrapper only turns its
ResourceInstances into dicts, maps 404 to None and adds a small polling helper with elapsed time.
"""

import time

from ansible_collections.acstor.edge.plugins.module_utils.common.errors import AcstorError

try:
    from kubernetes.dynamic.exceptions import ConflictError, NotFoundError
except ImportError:  # kubernetes.core's module setup reports the missing library
    ConflictError = NotFoundError = Exception

MERGE_PATCH = "application/merge-patch+json"


def _as_dict(instance):
    if instance is None:
        return None
    if isinstance(instance, dict):
        return instance
    return instance.to_dict()


def holds(current, desired):
    """True when `current` (an object as the server returns it, or None) already has every field `desired` sets:
    mappings compared key by key, anything else (lists included) by equality. A merge patch of `desired` would then
    change nothing, so a converge reads the object and does not write it (issue 17: no PATCH on a no-op)."""
    if isinstance(desired, dict):
        return isinstance(current, dict) and all(holds(current.get(key), value) for key, value in desired.items())
    return current == desired


class KubernetesObjects(object):
    """Get/create/patch/delete/list objects as dicts through a kubernetes.core K8SClient."""

    def __init__(self, k8s_client, clock=time.monotonic, sleep=time.sleep):
        self.client = k8s_client
        self.clock = clock
        self.sleep = sleep
        self._kinds_by_version = {}

    def serves(self, api_version, kind):
        return kind in self._served(api_version)

    def served_kinds(self, api_version, kinds):
        return set(kinds) & self._served(api_version)

    def _served(self, api_version):
        """The kinds the server serves in api_version, read once per module run from the server's own discovery
        document of that group version (one GET, never stale). kubernetes.core's resource() answers a kind it does
        not find by refreshing its whole discovery cache (/version, /apis, the group), four times per missing kind
        (kind, name, singular name, short names): what a not-served kind cost each module call before."""
        if api_version not in self._kinds_by_version:
            path = "/api/v1" if api_version == "v1" else "/apis/" + api_version
            try:
                listing = self.client.client.request("GET", path)
                kinds = frozenset(r["kind"] for r in listing.resources or () if "/" not in r["name"])
            except NotFoundError:
                kinds = frozenset()
            self._kinds_by_version[api_version] = kinds
        return self._kinds_by_version[api_version]

    def get(self, api_version, kind, name, namespace=None):
        resource = self.client.resource(kind, api_version)
        try:
            return _as_dict(self.client.get(resource, name=name, namespace=namespace))
        except NotFoundError:
            return None

    def list(self, api_version, kind, namespace=None, label_selector=None):
        resource = self.client.resource(kind, api_version)
        params = {"namespace": namespace}
        if label_selector:
            params["label_selector"] = label_selector
        result = _as_dict(self.client.get(resource, **params))
        return result.get("items") or []

    def create(self, body):
        resource = self.client.resource(body["kind"], body["apiVersion"])
        namespace = body["metadata"].get("namespace") if resource.namespaced else None
        return _as_dict(self.client.create(resource, body, namespace=namespace))

    def merge_patch(self, api_version, kind, name, namespace, patch):
        """JSON merge patch; a metadata.resourceVersion in `patch` makes the server refuse a stale write (409)."""
        resource = self.client.resource(kind, api_version)
        return _as_dict(self.client.patch(resource, patch, name=name, namespace=namespace, content_type=MERGE_PATCH))

    def delete(self, api_version, kind, name, namespace=None):
        resource = self.client.resource(kind, api_version)
        try:
            self.client.delete(resource, name=name, namespace=namespace)
        except NotFoundError:
            return False
        return True

    def wait_for(self, describe, probe, timeout, interval):
        """Poll `probe()` until it returns a truthy value; return (value, elapsed seconds) or raise TimeoutError."""
        started = self.clock()
        while True:
            value = probe()
            elapsed = self.clock() - started
            if value:
                return value, round(elapsed, 1)
            if elapsed >= timeout:
                raise WaitTimeout("timed out after {0}s waiting for {1}".format(int(timeout), describe))
            self.sleep(interval)


class WaitTimeout(AcstorError):
    pass


def is_conflict(error):
    return isinstance(error, ConflictError) or getattr(error, "status", None) == 409
