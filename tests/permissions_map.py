"""Map recorded API requests to the permission each needs, and check them against the shipped role definitions.

ARM: method + path -> an Azure RBAC action, `<Namespace>/<type>[/<child type>...]/<read|write|delete|action>`, taken
from the last `/providers/<Namespace>/` of the path (the resource the request acts on, as ARM authorizes it:
https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions-format).

Kubernetes: method + path + query -> a request as the API server's authorizer sees it (verb, API group, resource,
subresource, namespace, name, or a non-resource URL), following
https://kubernetes.io/docs/reference/access-authn-authz/authorization/#determine-the-request-verb, and RBAC rule
matching (verbs, apiGroups, resources as `resource/subresource`, resourceNames, nonResourceURLs with a trailing `*`).
A ClusterRole bound by a ClusterRoleBinding applies everywhere; a Role (or ClusterRole) bound by a RoleBinding only
in the binding's namespace, and never to cluster-scoped objects or non-resource URLs.

Used by tests/functional/permissions (recorded requests vs. docs/permissions/*) and tests/unit/test_permissions_map.py.
"""

import fnmatch
from dataclasses import dataclass
from urllib.parse import urlsplit

import yaml

ARM_OPERATIONS = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}


def arm_action(method, path):
    """The Azure RBAC action an ARM request needs, or None when the path names no resource provider."""
    segments = [s for s in urlsplit(path).path.split("/") if s]
    lowered = [s.lower() for s in segments]
    starts = [i for i, s in enumerate(lowered) if s == "providers" and i + 1 < len(segments)]
    if not starts:
        return None
    namespace_index = starts[-1] + 1
    rest = segments[namespace_index + 1 :]
    if not rest:
        return None
    method = method.upper()
    if method == "POST":
        # POST .../<type>/<name>/<verb>: the action is <type>/<verb>/action
        if len(rest) % 2 == 0:
            return None
        types, verb = rest[:-1:2], rest[-1]
        return "/".join([segments[namespace_index]] + types + [verb, "action"])
    operation = ARM_OPERATIONS.get(method)
    if operation is None:
        return None
    types = rest[0::2]
    return "/".join([segments[namespace_index]] + types + [operation])


def azure_role_allows(role, action):
    """True when `action` matches one of the role's Actions and none of its NotActions (case-insensitive, `*` wildcards)."""

    def matches(patterns):
        return any(fnmatch.fnmatchcase(action.lower(), pattern.lower()) for pattern in patterns)

    return matches(role.get("Actions", [])) and not matches(role.get("NotActions", []))


def uncovered_arm_requests(requests, roles):
    """The recorded ARM requests (dicts with method, path) no role allows: [(method, path, action)]."""
    missing = []
    for request in requests:
        action = arm_action(request["method"], request["path"])
        if action is None or not any(azure_role_allows(role, action) for role in roles):
            missing.append((request["method"], request["path"], action))
    return missing


@dataclass(frozen=True)
class KubeRequest:
    verb: str
    path: str
    group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    resource_request: bool = True

    def describe(self):
        if not self.resource_request:
            return "{0} {1}".format(self.verb, self.path)
        what = self.resource + ("/" + self.subresource if self.subresource else "")
        where = " in namespace " + self.namespace if self.namespace else ""
        group = "." + self.group if self.group else ""
        return "{0} {1}{2}{3}{4}".format(self.verb, what, group, " " + self.name if self.name else "", where)


def kube_request(method, path, query=None):
    """The authorizer's view of one Kubernetes API request."""
    query = query or {}
    method = method.upper()
    parts = [p for p in urlsplit(path).path.split("/") if p]
    if parts[:1] == ["api"] and len(parts) >= 3:
        group, rest = "", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 4:
        group, rest = parts[1], parts[3:]
    else:
        return KubeRequest(verb=method.lower(), path="/" + "/".join(parts), resource_request=False)
    namespace = ""
    if rest[0] == "namespaces" and len(rest) >= 3:
        namespace, rest = rest[1], rest[2:]
    resource, name = rest[0], rest[1] if len(rest) > 1 else ""
    subresource = "/".join(rest[2:])
    if rest[0] == "namespaces" and len(rest) == 2:
        namespace = name  # GET /api/v1/namespaces/x acts on namespace x
    collection = not name
    if method in ("GET", "HEAD"):
        verb = "watch" if str(query.get("watch", "")).lower() in ("true", "1") else ("list" if collection else "get")
    elif method == "DELETE":
        verb = "deletecollection" if collection else "delete"
    else:
        verb = {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(method, method.lower())
    return KubeRequest(
        verb=verb, path=path, group=group, resource=resource, subresource=subresource, namespace=namespace, name=name
    )


def rbac_objects(text):
    """The objects of a Kubernetes manifest: every document, with `kind: List` documents unpacked."""
    objects = []
    for document in yaml.safe_load_all(text):
        if document:
            objects.extend(document.get("items") or [] if document.get("kind") == "List" else [document])
    return objects


def _rule_allows(rule, request):
    if not ({"*", request.verb} & set(rule.get("verbs", []))):
        return False
    if not request.resource_request:
        return any(
            url == request.path or (url.endswith("*") and request.path.startswith(url[:-1]))
            for url in rule.get("nonResourceURLs", [])
        )
    if "resources" not in rule:
        return False
    if not ({"*", request.group} & set(rule.get("apiGroups", []))):
        return False
    wanted = request.resource + ("/" + request.subresource if request.subresource else "")
    resources = set(rule["resources"])
    if not ({"*", wanted} & resources) and not (request.subresource and request.resource + "/*" in resources):
        return False
    names = rule.get("resourceNames")
    return not names or request.name in names


class KubeGrants:
    """What a set of RBAC documents grants one subject, through its ClusterRoleBindings and RoleBindings."""

    def __init__(self, documents, subject):
        documents = [d for d in documents if d]
        self.cluster_roles = dict((d["metadata"]["name"], d) for d in documents if d["kind"] == "ClusterRole")
        roles = dict(((d["metadata"]["namespace"], d["metadata"]["name"]), d) for d in documents if d["kind"] == "Role")
        self.cluster_wide = []  # rules
        self.namespaced = []  # (namespace, rules)
        for binding in documents:
            if binding["kind"] not in ("ClusterRoleBinding", "RoleBinding"):
                continue
            if not any(self._same_subject(s, subject, binding) for s in binding.get("subjects", [])):
                continue
            ref = binding["roleRef"]
            if ref["kind"] == "ClusterRole":
                rules = self.cluster_roles[ref["name"]].get("rules", [])
            else:
                rules = roles[(binding["metadata"]["namespace"], ref["name"])].get("rules", [])
            if binding["kind"] == "ClusterRoleBinding":
                self.cluster_wide.extend(rules)
            else:
                self.namespaced.append((binding["metadata"]["namespace"], rules))

    @staticmethod
    def _same_subject(candidate, subject, binding):
        namespace = candidate.get("namespace")
        if candidate["kind"] == "ServiceAccount" and not namespace:
            namespace = binding["metadata"].get("namespace")
        return (
            candidate["kind"] == subject["kind"]
            and candidate["name"] == subject["name"]
            and (subject["kind"] != "ServiceAccount" or namespace == subject["namespace"])
        )

    def allows(self, request):
        if any(_rule_allows(rule, request) for rule in self.cluster_wide):
            return True
        if not request.resource_request or not request.namespace:
            return False
        return any(
            namespace == request.namespace and any(_rule_allows(rule, request) for rule in rules)
            for namespace, rules in self.namespaced
        )


def uncovered_kube_requests(access_log, grants):
    """The recorded requests (dicts with method, path, query) the grants do not allow, described once each."""
    missing = []
    for entry in access_log:
        request = kube_request(entry["method"], entry["path"], entry.get("query"))
        if not grants.allows(request) and request.describe() not in missing:
            missing.append(request.describe())
    return missing
