"""A small Azure Resource Manager + Microsoft Entra token endpoint for functional tests (HTTPS on 127.0.0.1).

What it serves (enough for acstor.edge's ARM client, modules, inventory plugin and role):
  * cloud metadata discovery  GET /metadata/endpoints            (cloud_environment = https://127.0.0.1:PORT)
  * OAuth2 client credentials  GET /{tenant}/v2.0/.well-known/openid-configuration, POST /{tenant}/oauth2/v2.0/token
  * Microsoft.KubernetesConfiguration/extensions  PUT/PATCH/GET/DELETE/list on any cluster type, shaped as the
    2025-03-01 spec examples: 201 + Azure-AsyncOperation for a new extension, 200 with the body in Updating (no
    Azure-AsyncOperation) for a PUT on an existing one, 202 with the body and a status monitor for PATCH, 202 for DELETE;
    409 Conflict for a write while Creating/Updating/Deleting; 400 for version with autoUpgradeMinorVersion true;
    spec defaults for fields a PUT leaves out; an auto-upgrading extension reports the installed version in `version`;
    identity.principalId (properties.aksAssignedIdentity on managedClusters, which get no identity) a few reads late
  * Microsoft.Kubernetes/connectedClusters  list by subscription/resource group with nextLink paging, get, at
    2024-01-01 and 2026-05-01; each version returns only the fields its schema declares
  * Microsoft.Authorization roleDefinitions (filter by roleName) and roleAssignments (PrincipalNotFound until the
    principal "replicated")
  * Microsoft.ManagedIdentity userAssignedIdentities and their federatedIdentityCredentials

Every ARM request is checked for the api-version, a bearer token this server issued, and a body valid against the
published OpenAPI spec in ../shared/reference (when present) or our own schemas below. Violations are answered with
HTTP 400 and recorded in `ArmState.violations`, so tests can assert there were none. Extension and connected-cluster
responses are checked against the spec's response schemas the same way (a mismatch is a violation of this server).
Faults are injected through `ArmState.add_fault` (the pytest fixture exposes the state object); method "TOKEN" makes
the token endpoint fail.

Run standalone for manual poking: `python tests/servers/arm_server.py` prints the URL, CA file and credentials.
"""

import base64
import json
import re
import ssl
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema

from openapi_schema import SwaggerResolver, prune
from tls_certs import make_ca_and_server_cert

# Subscriptions the functional tests use.
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
OTHER_SUBSCRIPTION = "00000000-0000-0000-0000-000000000002"

# api-versions each resource answers; connectedClusters answers each version with the fields its schema declares.
API_VERSIONS = {
    "extensions": ("2025-03-01",),
    "connectedClusters": ("2024-01-01", "2026-05-01"),
    "authorization": ("2022-04-01",),
    "managedIdentity": ("2023-01-31",),
}
EXTENSIONS_SPEC = (
    "azure-rest-api-specs/specification/kubernetesconfiguration/resource-manager/"
    "Microsoft.KubernetesConfiguration/extensions/stable/2025-03-01/extensions.json"
)
CONNECTED_CLUSTERS_SPEC = (
    "azure-rest-api-specs/specification/hybridkubernetes/resource-manager/Microsoft.Kubernetes/"
    "HybridKubernetes/stable/{0}/connectedClusters.json"
)
# Specs ../shared/reference does not hold (the 2026-05-01 connectedClusters spec): tests/fixtures, see its SOURCE.txt.
FIXTURE_REFERENCE = Path(__file__).resolve().parents[1] / "fixtures"
# provisioningState values of an operation in progress (ProvisioningStateDefinition, common/2023-05-01-preview).
IN_PROGRESS_STATES = ("creating", "updating", "deleting")

_SETTINGS = {"type": ["object", "null"], "additionalProperties": {"type": "string"}}


def _properties_only(required, properties):
    """An ARM request body whose only member is `properties`, itself closed to other members than those given."""
    inner = {"type": "object", "additionalProperties": False, "required": required, "properties": properties}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["properties"],
        "properties": {"properties": inner},
    }


# Our own schema of the fields acstor.edge sends, used when ../shared/reference is absent.
OWN_SCHEMAS = {
    "extension_put": {
        "type": "object",
        "additionalProperties": False,
        "required": ["properties"],
        "properties": {
            "identity": {
                "type": ["object", "null"],
                "additionalProperties": False,
                "properties": {"type": {"enum": ["SystemAssigned"]}},
            },
            "properties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["extensionType"],
                "properties": {
                    "extensionType": {"type": "string"},
                    "autoUpgradeMinorVersion": {"type": "boolean"},
                    "releaseTrain": {"type": "string"},
                    "version": {"type": ["string", "null"]},
                    "scope": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "cluster": {
                                "type": ["object", "null"],
                                "additionalProperties": False,
                                "properties": {"releaseNamespace": {"type": "string"}},
                            },
                            "namespace": {
                                "type": ["object", "null"],
                                "additionalProperties": False,
                                "properties": {"targetNamespace": {"type": "string"}},
                            },
                        },
                    },
                    "configurationSettings": _SETTINGS,
                    "configurationProtectedSettings": _SETTINGS,
                },
            },
        },
    },
    "extension_patch": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "properties": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "autoUpgradeMinorVersion": {"type": "boolean"},
                    "releaseTrain": {"type": "string"},
                    "version": {"type": ["string", "null"]},
                    "configurationSettings": _SETTINGS,
                    "configurationProtectedSettings": _SETTINGS,
                },
            }
        },
    },
    # Role assignments 2022-04-01 (RoleAssignmentCreateParameters) and managed identities 2023-01-31: not in the
    # copied reference, so always our schema of what the ARM docs list as required. The role assignment's writable
    # properties are those of RoleAssignmentProperties in azure-rest-api-specs specification/authorization/
    # resource-manager/Microsoft.Authorization/stable/2022-04-01/authorization-RoleAssignmentsCalls.json (scope and the
    # created/updated fields are readOnly there); `description` is a free string ARM stores and returns.
    "role_assignment": _properties_only(
        ["roleDefinitionId", "principalId"],
        {
            "roleDefinitionId": {"type": "string", "pattern": "/providers/Microsoft.Authorization/roleDefinitions/"},
            "principalId": {"type": "string", "minLength": 1},
            "principalType": {"enum": ["User", "Group", "ServicePrincipal", "ForeignGroup", "Device"]},
            "description": {"type": "string"},
            "condition": {"type": "string"},
            "conditionVersion": {"type": "string"},
            "delegatedManagedIdentityResourceId": {"type": "string"},
        },
    ),
    "identity": {
        "type": "object",
        "additionalProperties": False,
        "required": ["location"],
        "properties": {"location": {"type": "string", "minLength": 1}, "tags": {"type": "object"}},
    },
    "federated_credential": _properties_only(
        ["issuer", "subject", "audiences"],
        {
            "issuer": {"type": "string", "pattern": "^https://"},
            "subject": {"type": "string", "minLength": 1},
            "audiences": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        },
    ),
}


@dataclass
class Fault:
    """Answer `status` (with an ARM error body) to matching requests, `count` times."""

    method: str
    path_contains: str
    status: int
    count: int = 1
    retry_after: str = None
    code: str = "InjectedFault"


@dataclass
class ExtensionBehaviour:
    lro_polls: int = 1  # operation-status polls before the operation finishes (slow LRO: make it large)
    lro_result: str = "Succeeded"  # or Failed
    principal_lag_reads: int = 1  # resource GETs after success before identity.principalId appears
    train_version: str = "2.12.3"  # what an auto-upgrading extension gets installed (GET then reports it in version)

    def after_read(self, resource):
        """Called on every GET of an extension resource (the stored dict, before it is sent): Arc's agent reports
        the extension's state after the operation ended, so a test can make a provisioned extension turn Failed."""


@dataclass
class ArmState:
    base_url: str = ""
    tenant: str = "00000000-0000-0000-0000-0000000000aa"
    client_id: str = "11111111-1111-1111-1111-111111111111"
    client_secret: str = "s3cr3t-SP-value-never-logged"
    page_size: int = 2
    schemas: dict = field(default_factory=dict)
    responses: dict = field(default_factory=dict)
    schema_source: str = "own"
    extensions: dict = field(default_factory=dict)
    operations: dict = field(default_factory=dict)
    clusters: list = field(default_factory=list)
    role_definitions: dict = field(default_factory=dict)
    role_assignments: dict = field(default_factory=dict)
    known_principals: set = field(default_factory=set)
    principal_replication_failures: int = 0
    identities: dict = field(default_factory=dict)
    federated: dict = field(default_factory=dict)
    faults: list = field(default_factory=list)
    behaviour: ExtensionBehaviour = field(default_factory=ExtensionBehaviour)
    requests: list = field(default_factory=list)
    violations: list = field(default_factory=list)
    issued_tokens: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_fault(self, method, path_contains, status, count=1, retry_after=None, code="InjectedFault"):
        self.faults.append(Fault(method.upper(), path_contains, status, count, retry_after, code))

    def writes(self):
        return [r for r in self.requests if r["method"] in ("PUT", "PATCH", "DELETE", "POST") and r["arm"]]

    def bodies(self, method, path_contains=""):
        return [
            json.loads(r["body"])
            for r in self.requests
            if r["method"] == method and path_contains.lower() in r["path"].lower() and r["body"]
        ]

    def add_cluster(
        self,
        subscription,
        resource_group,
        name,
        location="westeurope",
        tags=None,
        distribution="k3s",
        connectivity="Connected",
        kubernetes_version="1.30.4",
        agent_version="1.21.10",
        oidc_issuer=None,
        workload_identity=None,
    ):
        """A connected cluster with every field of the newest schema; older api-versions get the subset theirs has."""
        properties = {
            "kubernetesVersion": kubernetes_version,
            "agentVersion": agent_version,
            "distribution": distribution,
            "distributionVersion": "v1.30.4+k3s1",
            "infrastructure": "generic",
            "connectivityStatus": connectivity,
            "provisioningState": "Succeeded",
            "totalNodeCount": 1,
            "totalCoreCount": 4,
            "agentPublicKeyCertificate": "MIIB",
        }
        if oidc_issuer:
            properties["oidcIssuerProfile"] = {"enabled": True, "issuerUrl": oidc_issuer}
        else:
            properties["oidcIssuerProfile"] = {"enabled": False}
        properties["securityProfile"] = {
            "workloadIdentity": {"enabled": bool(oidc_issuer) if workload_identity is None else workload_identity}
        }
        self.clusters.append(
            {
                "id": "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.Kubernetes/connectedClusters/{2}".format(
                    subscription, resource_group, name
                ),
                "name": name,
                "type": "Microsoft.Kubernetes/connectedClusters",
                "location": location,
                "tags": tags or {},
                "identity": {"type": "SystemAssigned"},
                "properties": properties,
            }
        )

    def add_identity(self, subscription, resource_group, name, location="westeurope", tags=None, federated=None):
        """A user-assigned identity created by someone else, with federated credentials {name: properties}."""
        identity_id = (
            "/subscriptions/{0}/resourceGroups/{1}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{2}"
        ).format(subscription, resource_group, name)
        key = identity_id.lower()
        principal = str(uuid.uuid5(uuid.NAMESPACE_URL, key))
        self.known_principals.add(principal)
        self.identities[key] = {
            "id": identity_id,
            "name": name,
            "location": location,
            "tags": dict(tags or {}),
            "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
            "properties": {
                "principalId": principal,
                "tenantId": self.tenant,
                "clientId": str(uuid.uuid5(uuid.NAMESPACE_DNS, key)),
            },
        }
        self.federated[key] = {
            fc: {"id": identity_id + "/federatedIdentityCredentials/" + fc, "name": fc, "properties": dict(properties)}
            for fc, properties in (federated or {}).items()
        }
        return key

    def add_extension(self, cluster_id, name, properties, identity=None, in_progress=None):
        """Put an extension in place as if created earlier; with in_progress ("Updating", ...) an operation is running
        on it that ends after `behaviour.lro_polls` reads."""
        path = "{0}/providers/Microsoft.KubernetesConfiguration/extensions/{1}".format(cluster_id, name)
        resource = {
            "id": path,
            "name": name,
            "type": "Microsoft.KubernetesConfiguration/extensions",
            "properties": dict(properties),
        }
        if identity:
            resource["identity"] = dict(identity)
        if "/microsoft.containerservice/managedclusters/" in path.lower():
            resource["_aks"] = True
        resource["properties"].setdefault("provisioningState", "Succeeded")
        if in_progress:
            resource["properties"]["provisioningState"] = in_progress
            op_id = str(uuid.uuid4())
            self.operations[op_id] = {
                "id": op_id,
                "resource": path.lower(),
                "kind": "put",
                "polls": 0,
                "result": self.behaviour.lro_result,
            }
            resource["_op"] = op_id
        self.extensions[path.lower()] = resource
        return resource

    def add_role_assignment(self, scope, role_name, principal_id, description=None):
        """A role assignment someone else created (a random name, as the portal and the CLI pick one)."""
        role_id = self.role_definitions.get(role_name) or self.add_role_definition(role_name)
        name = str(uuid.uuid4())
        properties = {
            "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/" + role_id,
            "principalId": principal_id,
            "principalType": "ServicePrincipal",
            "scope": scope,
        }
        if description is not None:
            properties["description"] = description
        self.role_assignments["{0}/{1}".format(scope.lower(), name)] = {
            "id": "{0}/providers/Microsoft.Authorization/roleAssignments/{1}".format(scope, name),
            "name": name,
            "type": "Microsoft.Authorization/roleAssignments",
            "properties": properties,
        }
        return name

    def add_role_definition(self, name):
        role_id = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
        self.role_definitions[name] = role_id
        return role_id

    def __post_init__(self):
        # A built-in role exists in every subscription: the one the roles assign is there from the start.
        self.add_role_definition("Storage Blob Data Owner")


def load_schemas(reference_dir):
    """Request schemas, response schemas and defaults: the published specs when reference_dir exists, ours otherwise.

    Responses are keyed (kind, method, status) for extensions and ("connected_cluster"/"connected_cluster_list",
    api-version) for connected clusters; without the specs responses are not checked.
    """
    schemas = dict(OWN_SCHEMAS)
    schemas["extension_defaults"] = {"autoUpgradeMinorVersion": True, "releaseTrain": "Stable"}
    responses = {}
    if not (reference_dir and (Path(reference_dir) / EXTENSIONS_SPEC).is_file()):
        return schemas, responses, "own schema (tests/servers/arm_server.py OWN_SCHEMAS)"
    resolver = SwaggerResolver()
    spec = Path(reference_dir) / EXTENSIONS_SPEC
    schemas["extension_put"] = resolver.schema("#/definitions/Extension", spec)
    schemas["extension_patch"] = resolver.schema("#/definitions/patchExtension", spec)
    # Defaults the service applies to a PUT that leaves a field out ("default" of writable Extension properties).
    declared = resolver.load(spec)["definitions"]["Extension"]["properties"]["properties"]["properties"]
    schemas["extension_defaults"] = {
        name: value["default"] for name, value in declared.items() if "default" in value and not value.get("readOnly")
    }
    one = "/extensions/{extensionName}"
    for method, statuses in (("get", (200,)), ("put", (200, 201)), ("patch", (200, 202))):
        for status in statuses:
            responses[("extension", method, status)] = resolver.response_schema(spec, one, method, status)
    responses[("extension_list", "get", 200)] = resolver.response_schema(spec, "/extensions", "get", 200)
    responses[("operation", "get", 200)] = resolver.response_schema(spec, one + "/operations/{operationId}", "get", 200)
    for version in API_VERSIONS["connectedClusters"]:
        for root in (Path(reference_dir), FIXTURE_REFERENCE):
            cluster_spec = root / CONNECTED_CLUSTERS_SPEC.format(version)
            if cluster_spec.is_file():
                responses[("connected_cluster", version)] = resolver.response_schema(
                    cluster_spec, "/connectedClusters/{clusterName}", "get", 200
                )
                responses[("connected_cluster_list", version)] = resolver.response_schema(
                    cluster_spec, "/connectedClusters", "get", 200
                )
                break
        else:
            raise FileNotFoundError(
                "no connectedClusters spec for {0} in {1} or {2}".format(version, reference_dir, FIXTURE_REFERENCE)
            )
    return schemas, responses, "published spec " + EXTENSIONS_SPEC


def _b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


EXT_RE = re.compile(
    r"^(?P<cluster>/subscriptions/[^/]+/resourcegroups/[^/]+/providers/[^/]+/[^/]+/[^/]+)"
    r"/providers/microsoft\.kubernetesconfiguration/extensions(?:/(?P<name>[^/]+))?"
    r"(?:/operations/(?P<op>[^/]+))?$",
    re.I,
)
CLUSTERS_RE = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)(?:/resourcegroups/(?P<rg>[^/]+))?"
    r"/providers/microsoft\.kubernetes/connectedclusters(?:/(?P<name>[^/]+))?$",
    re.I,
)
ROLE_DEF_RE = re.compile(
    r"^(?P<scope>/.*)/providers/microsoft\.authorization/roledefinitions(?:/(?P<id>[^/]+))?$", re.I
)
ROLE_ASSIGN_RE = re.compile(
    r"^(?P<scope>/.*)/providers/microsoft\.authorization/roleassignments(?:/(?P<id>[^/]+))?$", re.I
)
IDENTITY_RE = re.compile(
    r"^(?P<id>/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\.managedidentity/"
    r"userassignedidentities/[^/]+)(?:/federatedidentitycredentials(?:/(?P<fc>[^/]+))?)?$",
    re.I,
)


class ArmHandler(BaseHTTPRequestHandler):
    server_version = "acstor-arm-test/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep pytest output clean
        pass

    @property
    def state(self):
        return self.server.state

    # ---- plumbing
    def _send(self, status, body=None, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-ms-correlation-request-id", str(uuid.uuid4()))
        self.send_header("x-ms-request-id", str(uuid.uuid4()))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if data:
            self.wfile.write(data)

    def _error(self, status, code, message, headers=None):
        self._send(status, {"error": {"code": code, "message": message}}, headers)

    def _violation(self, message):
        self.state.violations.append("{0} {1}: {2}".format(self.command, self.path, message))
        self._error(400, "TestServerViolation", message)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return raw

    def do_GET(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_PATCH(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def _dispatch(self):
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        raw = self._body()
        is_arm = path.lower().startswith("/subscriptions/")
        with self.state.lock:
            self.state.requests.append(
                {
                    "method": self.command,
                    "path": path,
                    "query": query,
                    "arm": is_arm,
                    "body": raw.decode(errors="replace") if is_arm else "",
                }
            )
            if path == "/metadata/endpoints":
                return self._metadata()
            if path.endswith("/.well-known/openid-configuration"):
                return self._openid(path)
            if path.endswith("/oauth2/v2.0/token"):
                for fault in self.state.faults:
                    if fault.count > 0 and fault.method == "TOKEN":
                        fault.count -= 1
                        return self._send(
                            fault.status,
                            {
                                "error": "temporarily_unavailable",
                                "error_description": "injected token endpoint HTTP {0}".format(fault.status),
                            },
                        )
                return self._token(path, raw)
            if not is_arm:
                return self._error(404, "NotFound", "no such path " + path)
            token = self.headers.get("Authorization") or ""
            if not token.startswith("Bearer ") or token[len("Bearer ") :] not in self.state.issued_tokens:
                self.state.violations.append("{0} {1}: missing or unknown bearer token".format(self.command, path))
                return self._error(401, "InvalidAuthenticationToken", "The access token is invalid.")
            for fault in self.state.faults:
                if fault.count > 0 and fault.method == self.command and fault.path_contains.lower() in path.lower():
                    fault.count -= 1
                    headers = {"Retry-After": fault.retry_after} if fault.retry_after else None
                    return self._error(fault.status, fault.code, "injected HTTP {0}".format(fault.status), headers)
            body = None
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    return self._violation("body is not JSON")
            for pattern, handler in (
                (EXT_RE, self._extensions),
                (CLUSTERS_RE, self._clusters),
                (ROLE_DEF_RE, self._role_definitions),
                (ROLE_ASSIGN_RE, self._role_assignments),
                (IDENTITY_RE, self._identities),
            ):
                match = pattern.match(path)
                if match:
                    return handler(match, query, body)
            return self._error(404, "InvalidResourceType", "unknown resource path " + path)

    def _check_api(self, query, kind):
        if query.get("api-version") not in API_VERSIONS[kind]:
            self._violation(
                "api-version {0!r}, expected {1}".format(query.get("api-version"), " or ".join(API_VERSIONS[kind]))
            )
            return False
        return True

    def _check_response(self, body, key):
        """A response this server is about to send must match the spec's response schema (a server bug otherwise)."""
        schema = self.state.responses.get(key)
        if schema is None:
            return
        errors = sorted(e.message for e in jsonschema.Draft4Validator(schema).iter_errors(body))
        if errors:
            self.state.violations.append(
                "{0} {1}: response invalid against {2}: {3}".format(self.command, self.path, key, "; ".join(errors))
            )

    def _check_body(self, body, schema_name):
        if body is None:
            self._violation("missing body")
            return False
        errors = sorted(
            e.message for e in jsonschema.Draft4Validator(self.state.schemas[schema_name]).iter_errors(body)
        )
        if errors:
            self._violation(
                "body invalid against {0} ({1}): {2}".format(schema_name, self.state.schema_source, "; ".join(errors))
            )
            return False
        return True

    # ---- identity provider
    def _metadata(self):
        base = self.state.base_url
        self._send(
            200,
            {
                "resourceManager": base + "/",
                "name": "AcstorTestCloud",
                "authentication": {"loginEndpoint": base + "/", "audiences": [base + "/"]},
            },
        )

    def _openid(self, path):
        tenant = path.strip("/").split("/")[0]
        base = self.state.base_url + "/" + tenant
        self._send(
            200,
            {
                "token_endpoint": base + "/oauth2/v2.0/token",
                "authorization_endpoint": base + "/oauth2/v2.0/authorize",
                "issuer": base + "/v2.0",
                "device_authorization_endpoint": base + "/oauth2/v2.0/devicecode",
                "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
            },
        )

    def _token(self, path, raw):
        form = {k: v[-1] for k, v in parse_qs(raw.decode()).items()}
        tenant = path.strip("/").split("/")[0]
        if form.get("grant_type") != "client_credentials":
            return self._send(400, {"error": "unsupported_grant_type", "error_description": "client credentials only"})
        if (
            tenant != self.state.tenant
            or form.get("client_id") != self.state.client_id
            or form.get("client_secret") != self.state.client_secret
        ):
            return self._send(
                401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}
            )
        if form.get("scope") != self.state.base_url + "/.default":
            self.state.violations.append("token scope {0!r}".format(form.get("scope")))
        now = int(time.time())
        token = ".".join(
            [
                _b64({"alg": "none", "typ": "JWT"}),
                _b64(
                    {
                        "aud": self.state.base_url + "/",
                        "iss": self.state.base_url,
                        "iat": now,
                        "exp": now + 3600,
                        "appid": self.state.client_id,
                        "jti": str(uuid.uuid4()),
                    }
                ),
                "sig",
            ]
        )
        self.state.issued_tokens.append(token)
        self._send(200, {"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600, "access_token": token})

    # ---- extensions
    # Shapes follow the 2025-03-01 spec and its examples (CreateExtension.json, PatchExtension.json,
    # DeleteExtension.json, GetExtensionAsyncOperationStatus.json): a new extension is 201 + Azure-AsyncOperation,
    # a PUT on an existing one is 200 with the body (no Azure-AsyncOperation), PATCH is 202 with the body and a status
    # monitor (200 when nothing changes), DELETE is 202 + Azure-AsyncOperation. Retry-After: 1 keeps the tests fast.
    def _operation_url(self, resource_path, op_id):
        return "{0}{1}/operations/{2}?api-version={3}".format(
            self.state.base_url, resource_path, op_id, API_VERSIONS["extensions"][0]
        )

    def _start_operation(self, resource, resource_path, kind, state):
        """Register the operation on the resource, which reports provisioningState `state` (Creating, Updating,
        Deleting) until it finishes, after `lro_polls` reads (status monitor or resource)."""
        resource["properties"]["provisioningState"] = state
        op_id = str(uuid.uuid4())
        op = {
            "id": op_id,
            "resource": resource_path.lower(),
            "kind": kind,
            "polls": 0,
            "result": self.state.behaviour.lro_result,
        }
        self.state.operations[op_id] = op
        resource["_op"] = op_id
        return {
            "Azure-AsyncOperation": self._operation_url(resource_path, op_id),
            "Retry-After": "1",
            "Operation-Location": "{0}/operations/{1}".format(resource_path, op_id),
        }

    def _advance(self, op):
        if op["polls"] >= 0:
            op["polls"] += 1
            if op["polls"] > self.state.behaviour.lro_polls:
                self._finish_operation(op)
                op["polls"] = -1

    def _finish_operation(self, op):
        resource = self.state.extensions.get(op["resource"])
        if resource is not None and resource.get("_op") == op["id"]:
            resource.pop("_op")
        if op["kind"] == "delete":
            self.state.extensions.pop(op["resource"], None)
            return
        if resource is None:
            return
        properties = resource["properties"]
        properties["provisioningState"] = op["result"]
        if op["result"] == "Failed":
            properties["errorInfo"] = {
                "code": "HelmInstallFailed",
                "message": "release azure-arc-containerstorage failed: context deadline exceeded",
            }
            properties["statuses"] = [
                {"code": "InstallationFailed", "level": "Error", "message": "cert-manager not found"}
            ]
            return
        properties.pop("errorInfo", None)
        properties["statuses"] = []
        if properties.get("autoUpgradeMinorVersion") is False and properties.get("version"):
            installed = properties["version"]
        else:
            # Auto-upgrading: the service picks the release train's newest version and GET reports it in `version`
            # (the CreateExtension example answers autoUpgradeMinorVersion true with version 0.1.4).
            installed = self.state.behaviour.train_version
            properties["version"] = installed
        properties["currentVersion"] = installed
        if resource.get("_aks"):
            identity = properties.setdefault("aksAssignedIdentity", {"type": "SystemAssigned"})
            if "principalId" not in identity:
                resource["_principal_countdown"] = self.state.behaviour.principal_lag_reads
        elif (resource.get("identity") or {}).get("type") == "SystemAssigned" and "principalId" not in resource[
            "identity"
        ]:
            resource["_principal_countdown"] = self.state.behaviour.principal_lag_reads

    def _public(self, resource):
        out = json.loads(json.dumps({k: v for k, v in resource.items() if not k.startswith("_")}))
        out["properties"].pop("configurationProtectedSettings", None)
        return out

    def _send_extension(self, status, resource, headers=None, method="get"):
        body = self._public(resource)
        self._check_response(body, ("extension", method, status))
        return self._send(status, body, headers)

    def _extensions(self, match, query, body):
        if not self._check_api(query, "extensions"):
            return None
        cluster, name, op_id = match.group("cluster"), match.group("name"), match.group("op")
        cluster_lower = cluster.lower()
        if op_id:
            op = self.state.operations.get(op_id)
            if op is None:
                return self._error(404, "OperationNotFound", "no operation " + op_id)
            self._advance(op)
            done = op["polls"] == -1
            status = {
                "id": "{0}/operations/{1}".format(op["resource"], op_id),
                "name": op_id,
                "status": op["result"] if done else "InProgress",
                "properties": {},
            }
            if done and op["result"] == "Failed":
                status["error"] = {"code": "ExtensionOperationFailed", "message": "Helm installation failed"}
            self._check_response(status, ("operation", "get", 200))
            return self._send(200, status, {"Retry-After": "1"})
        if name is None:
            if self.command != "GET":
                return self._error(405, "MethodNotAllowed", "list is GET only")
            items = [
                self._public(r) for p, r in sorted(self.state.extensions.items()) if p.startswith(cluster_lower + "/")
            ]
            return self._page(items, query, match.string, ("extension_list", "get", 200))
        resource_path = "{0}/providers/Microsoft.KubernetesConfiguration/extensions/{1}".format(cluster, name)
        key = resource_path.lower()
        existing = self.state.extensions.get(key)
        if self.command == "GET":
            if existing is None:
                return self._error(404, "ResourceNotFound", "extension {0} not found".format(name))
            if existing.get("_op") in self.state.operations:
                self._advance(self.state.operations[existing["_op"]])
            self._reveal_principal(existing, key)
            self.state.behaviour.after_read(existing)
            return self._send_extension(200, existing)
        state = ((existing or {}).get("properties") or {}).get("provisioningState") or ""
        if existing is not None and state.lower() in IN_PROGRESS_STATES:
            # An operation in progress (an auto-upgrade, another client) blocks writes until it settles.
            return self._error(
                409,
                "Conflict",
                "extension {0} is {1}: another operation is in progress; retry when it has finished".format(
                    name, state
                ),
            )
        if self.command in ("PUT", "PATCH") and body is not None:
            properties = body.get("properties") or {}
            if properties.get("version") is not None and properties.get("autoUpgradeMinorVersion") is True:
                # Extension.version: "To use 'version', autoUpgradeMinorVersion must be 'false'." (2025-03-01 spec)
                return self._error(
                    400,
                    "InvalidRequestContent",
                    "version {0} can only be set with autoUpgradeMinorVersion false".format(properties["version"]),
                )
        aks = "/microsoft.containerservice/managedclusters/" in cluster_lower
        if self.command == "PUT":
            if not self._check_body(body, "extension_put"):
                return None
            resource = {
                "id": resource_path,
                "name": name,
                "type": "Microsoft.KubernetesConfiguration/extensions",
                "properties": dict(body.get("properties") or {}),
            }
            if aks:
                # AKS extensions report the identity the cluster gives them in properties.aksAssignedIdentity; the
                # CLI sends no identity for managedClusters, and none is returned at the top level.
                resource["_aks"] = True
                if existing and (existing["properties"].get("aksAssignedIdentity") or {}).get("principalId"):
                    resource["properties"]["aksAssignedIdentity"] = existing["properties"]["aksAssignedIdentity"]
            elif body.get("identity"):
                resource["identity"] = dict(body["identity"])
                if existing and (existing.get("identity") or {}).get("principalId"):
                    resource["identity"].update({k: existing["identity"][k] for k in ("principalId", "tenantId")})
            defaults = self.state.schemas["extension_defaults"]
            for field_name, value in defaults.items():
                resource["properties"].setdefault(field_name, value)
            self.state.extensions[key] = resource
            if existing:
                headers = self._start_operation(resource, resource_path, "put", "Updating")
                headers.pop("Azure-AsyncOperation")
                return self._send_extension(200, resource, headers, "put")
            headers = self._start_operation(resource, resource_path, "put", "Creating")
            return self._send_extension(201, resource, headers, "put")
        if self.command == "PATCH":
            if existing is None:
                return self._error(404, "ResourceNotFound", "extension {0} not found".format(name))
            if not self._check_body(body, "extension_patch"):
                return None
            before = json.dumps(existing["properties"], sort_keys=True)
            for field_name, value in (body.get("properties") or {}).items():
                if field_name in ("configurationSettings", "configurationProtectedSettings"):
                    merged = dict(existing["properties"].get(field_name) or {})
                    merged.update(value or {})
                    existing["properties"][field_name] = {k: v for k, v in merged.items() if v is not None}
                else:
                    existing["properties"][field_name] = value
            if body.get("identity") and not aks:
                existing["identity"] = dict(
                    body["identity"],
                    **{k: v for k, v in (existing.get("identity") or {}).items() if k in ("principalId", "tenantId")},
                )
            if json.dumps(existing["properties"], sort_keys=True) == before and not body.get("identity"):
                return self._send_extension(200, existing, None, "patch")
            headers = self._start_operation(existing, resource_path, "patch", "Updating")
            return self._send_extension(202, existing, headers, "patch")
        if self.command == "DELETE":
            if existing is None:
                return self._send(204)
            if query.get("forceDelete") == "true":
                self.state.extensions.pop(key)
                return self._send(200)
            headers = self._start_operation(existing, resource_path, "delete", "Deleting")
            headers.pop("Operation-Location")
            return self._send(202, None, headers)
        return self._error(405, "MethodNotAllowed", self.command)

    def _reveal_principal(self, resource, key):
        """identity.principalId (aksAssignedIdentity.principalId on AKS) appears a few reads after success."""
        countdown = resource.get("_principal_countdown")
        if countdown is None:
            return
        if countdown > 0:
            resource["_principal_countdown"] = countdown - 1
            return
        target = resource["properties"]["aksAssignedIdentity"] if resource.get("_aks") else resource["identity"]
        target["principalId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, key))
        target["tenantId"] = self.state.tenant
        self.state.known_principals.add(target["principalId"])
        resource.pop("_principal_countdown")

    def _page(self, items, query, path, response=None):
        skip = int(query.get("$skiptoken") or 0)
        page = items[skip : skip + self.state.page_size]
        body = {"value": page}
        if skip + self.state.page_size < len(items):
            api = query.get("api-version")
            body["nextLink"] = "{0}{1}?api-version={2}&$skiptoken={3}".format(
                self.state.base_url, path, api, skip + self.state.page_size
            )
        if response:
            self._check_response(body, response)
        return self._send(200, body)

    # ---- connected clusters
    def _clusters(self, match, query, body):
        if not self._check_api(query, "connectedClusters"):
            return None
        if self.command != "GET":
            return self._error(405, "MethodNotAllowed", "read-only in the test server")
        sub, rg, name = match.group("sub"), match.group("rg"), match.group("name")
        selected = []
        for cluster in self.state.clusters:
            parts = cluster["id"].split("/")
            if parts[2].lower() != sub.lower() or (rg and parts[4].lower() != rg.lower()):
                continue
            selected.append(cluster)
        version = query["api-version"]
        one, many = self.state.responses.get(("connected_cluster", version)), ("connected_cluster_list", version)
        if one is not None:
            selected = [prune(cluster, one) for cluster in selected]  # only the fields this api-version declares
        if name:
            for cluster in selected:
                if cluster["name"].lower() == name.lower():
                    self._check_response(cluster, ("connected_cluster", version))
                    return self._send(200, cluster)
            return self._error(404, "ResourceNotFound", "cluster {0} not found".format(name))
        if (
            rg is None
            and not selected
            and sub.lower() not in {c["id"].split("/")[2].lower() for c in self.state.clusters}
        ):
            return self._error(404, "SubscriptionNotFound", "The subscription '{0}' could not be found.".format(sub))
        return self._page(selected, query, match.string, many)

    # ---- authorization
    def _role_definitions(self, match, query, body):
        if not self._check_api(query, "authorization"):
            return None
        wanted = re.match(r"roleName eq '(.+)'$", query.get("$filter", ""))
        items = []
        for role_name, role_id in sorted(self.state.role_definitions.items()):
            if wanted and wanted.group(1) != role_name:
                continue
            items.append(
                {
                    "id": "{0}/providers/Microsoft.Authorization/roleDefinitions/{1}".format(
                        match.group("scope"), role_id
                    ),
                    "name": role_id,
                    "type": "Microsoft.Authorization/roleDefinitions",
                    "properties": {"roleName": role_name, "type": "BuiltInRole"},
                }
            )
        return self._send(200, {"value": items})

    def _role_assignments(self, match, query, body):
        if not self._check_api(query, "authorization"):
            return None
        scope, assignment_id = match.group("scope"), match.group("id")
        if assignment_id is None:
            wanted = re.match(r"principalId eq '(.+)'$", query.get("$filter", ""))
            items = [
                a
                for a in self.state.role_assignments.values()
                if a["properties"]["scope"].lower() == scope.lower()
                and (not wanted or a["properties"]["principalId"] == wanted.group(1))
            ]
            return self._send(200, {"value": items})
        key = "{0}/{1}".format(scope.lower(), assignment_id.lower())
        if self.command == "GET":
            found = self.state.role_assignments.get(key)
            return self._send(200, found) if found else self._error(404, "RoleAssignmentNotFound", "not found")
        if self.command == "DELETE":
            found = self.state.role_assignments.pop(key, None)
            return self._send(200, found) if found else self._send(204)
        if self.command == "PUT":
            if not self._check_body(body, "role_assignment"):
                return None
            properties = body["properties"]
            if properties["roleDefinitionId"].rsplit("/", 1)[-1] not in self.state.role_definitions.values():
                return self._error(400, "RoleDefinitionDoesNotExist", "The specified role definition does not exist.")
            if (
                self.state.principal_replication_failures > 0
                or properties["principalId"] not in self.state.known_principals
            ):
                self.state.principal_replication_failures = max(0, self.state.principal_replication_failures - 1)
                return self._error(
                    400,
                    "PrincipalNotFound",
                    "Principal {0} does not exist in the directory {1}.".format(
                        properties["principalId"], self.state.tenant
                    ),
                )
            for existing in self.state.role_assignments.values():
                same = existing["properties"]
                if (same["scope"].lower(), same["principalId"], same["roleDefinitionId"].lower()) == (
                    scope.lower(),
                    properties["principalId"],
                    properties["roleDefinitionId"].lower(),
                ):
                    return self._error(409, "RoleAssignmentExists", "The role assignment already exists.")
            assignment = {
                "id": "{0}/providers/Microsoft.Authorization/roleAssignments/{1}".format(scope, assignment_id),
                "name": assignment_id,
                "type": "Microsoft.Authorization/roleAssignments",
                "properties": dict(properties, scope=scope),
            }
            self.state.role_assignments[key] = assignment
            return self._send(201, assignment)
        return self._error(405, "MethodNotAllowed", self.command)

    # ---- managed identities
    def _identities(self, match, query, body):
        if not self._check_api(query, "managedIdentity"):
            return None
        identity_id, fc_name = match.group("id"), match.group("fc")
        key = identity_id.lower()
        if "/federatedidentitycredentials" in match.string.lower():
            if key not in self.state.identities:
                return self._error(404, "ParentResourceNotFound", "identity not found")
            credentials = self.state.federated.setdefault(key, {})
            if fc_name is None:
                return self._send(200, {"value": list(credentials.values())})
            if self.command == "GET":
                found = credentials.get(fc_name)
                return self._send(200, found) if found else self._error(404, "NotFound", "no credential " + fc_name)
            if self.command == "DELETE":
                return self._send(200 if credentials.pop(fc_name, None) else 204)
            if self.command == "PUT":
                if not self._check_body(body, "federated_credential"):
                    return None
                credential = {
                    "id": "{0}/federatedIdentityCredentials/{1}".format(identity_id, fc_name),
                    "name": fc_name,
                    "properties": body["properties"],
                }
                existed = fc_name in credentials
                credentials[fc_name] = credential
                return self._send(200 if existed else 201, credential)
        if self.command == "GET":
            found = self.state.identities.get(key)
            return self._send(200, found) if found else self._error(404, "ResourceNotFound", "identity not found")
        if self.command == "DELETE":
            self.state.federated.pop(key, None)
            return self._send(200 if self.state.identities.pop(key, None) else 204)
        if self.command == "PUT":
            if not self._check_body(body, "identity"):
                return None
            # Tag names may not contain < > % & \ ? / (Azure Resource Manager tag limitations).
            reserved = [name for name in body.get("tags") or {} if re.search(r"[<>%&\\?/]", name)]
            if reserved:
                return self._error(
                    400,
                    "InvalidTagNameCharacters",
                    "The tag names '{0}' have reserved characters '<,>,%,&,\\,?,/'".format(",".join(reserved)),
                )
            existing = self.state.identities.get(key)
            principal = existing["properties"]["principalId"] if existing else str(uuid.uuid5(uuid.NAMESPACE_URL, key))
            self.state.known_principals.add(principal)
            identity = {
                "id": identity_id,
                "name": identity_id.rsplit("/", 1)[-1],
                "location": body["location"],
                "tags": body.get("tags") or {},
                "type": "Microsoft.ManagedIdentity/userAssignedIdentities",
                "properties": {
                    "principalId": principal,
                    "tenantId": self.state.tenant,
                    "clientId": str(uuid.uuid5(uuid.NAMESPACE_DNS, key)),
                },
            }
            self.state.identities[key] = identity
            return self._send(200 if existing else 201, identity)
        return self._error(405, "MethodNotAllowed", self.command)


class ArmTestServer:
    """Start/stop the HTTPS server in a thread; `state` is shared with the handler."""

    def __init__(self, reference_dir=None, workdir=None):
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="arm-server-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.ca_path, self.cert_path, self.key_path = make_ca_and_server_cert(
            self.workdir, "acstor-edge-arm-test-server"
        )
        self.state = ArmState()
        self.state.schemas, self.state.responses, self.state.schema_source = load_schemas(reference_dir)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), ArmHandler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._server.state = self.state
        self._server.daemon_threads = True
        self.url = "https://127.0.0.1:{0}".format(self._server.server_address[1])
        self.state.base_url = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def client_env(self, subscription_id):
        """Environment as AWX's Azure credential injects it, pointed at this server."""
        return {
            "AZURE_CLIENT_ID": self.state.client_id,
            "AZURE_SECRET": self.state.client_secret,
            "AZURE_TENANT": self.state.tenant,
            "AZURE_SUBSCRIPTION_ID": subscription_id,
            "AZURE_CLOUD_ENVIRONMENT": self.url,
            "REQUESTS_CA_BUNDLE": str(self.ca_path),
            "SSL_CERT_FILE": str(self.ca_path),
        }


if __name__ == "__main__":
    import sys

    reference = sys.argv[1] if len(sys.argv) > 1 else None
    server = ArmTestServer(reference).start()
    print(json.dumps(server.client_env("00000000-0000-0000-0000-000000000001"), indent=2))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
