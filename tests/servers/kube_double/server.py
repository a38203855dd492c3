"""The HTTP face of the test double: routing, discovery, a minimal OpenAPI v3, the /_test hooks, and
KubeTestServer, which tests start and stop."""

import copy
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import yaml

from .controllers import KubeState
from .errors import ApiError
from .protobuf import decode_protobuf


class KubeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "acstor-edge-kube-test-double/1"

    def log_message(self, *args):  # quiet
        pass

    @property
    def state(self):
        return self.server.state

    def _send(self, code, body):
        data = json.dumps(body).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    def _handle(self, method):
        url = urlsplit(self.path)
        path = url.path
        if path.startswith(self.server.prefix):
            path = path[len(self.server.prefix) :] or "/"
        query = dict((key, values[-1]) for key, values in parse_qs(url.query).items())
        raw = self._body()
        if not path.startswith("/_test/"):
            self.state.access_log.append({"method": method, "path": path, "query": query})
        try:
            if method == "DELETE":
                raw = b""  # DeleteOptions (propagation, grace period) mean nothing to this test double
            if raw and "protobuf" in (self.headers.get("Content-Type") or ""):
                # Typed client-go clients (helm's release storage) write protobuf; answers are JSON, which they accept.
                raw = json.dumps(decode_protobuf(raw)).encode("utf-8")
            with self.state.lock:
                fault = self.state.take_fault(method, path)
                if fault:
                    raise ApiError(fault["status"], fault["reason"], "injected HTTP {0}".format(fault["status"]))
                self.state.run_pending()
                code, body = self._route(method, path.rstrip("/") or "/", query, raw)
        except ApiError as error:
            code, body = error.code, error.status()
        except (ValueError, yaml.YAMLError) as error:
            code, body = 400, ApiError(400, "BadRequest", "cannot decode the request body: {0}".format(error)).status()
        self._send(code, body)

    def _route(self, method, path, query, raw):
        state = self.state
        if path.startswith("/_test/"):
            return self._test_hook(method, path, raw)
        if method == "GET" and path == "/version":
            return 200, {
                "major": "1",
                "minor": "31",
                "gitVersion": "v1.31.0-acstor-test-double",
                "platform": "linux/amd64",
            }
        if method == "GET" and path == "/api":
            return 200, {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}],
            }
        if method == "GET" and path == "/apis":
            return 200, {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [
                    {
                        "name": group,
                        "versions": [{"groupVersion": group + "/" + v, "version": v} for v in sorted(versions)],
                        "preferredVersion": {
                            "groupVersion": group + "/" + sorted(versions)[0],
                            "version": sorted(versions)[0],
                        },
                    }
                    for group, versions in sorted(state.groups().items())
                ],
            }
        if method == "GET" and path.startswith("/openapi/v3"):
            return self._openapi_v3(path)
        parts = path.strip("/").split("/")
        if parts[0] == "api" and len(parts) >= 2:
            group, version, rest = "", parts[1], parts[2:]
        elif parts[0] == "apis" and len(parts) >= 3:
            group, version, rest = parts[1], parts[2], parts[3:]
        else:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if not rest:
            if method != "GET":
                raise ApiError(405, "MethodNotAllowed", "method not allowed")
            served = [r for r in state.resources if r.group == group and r.version == version]
            if not served:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            return 200, {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": served[0].api_version,
                "resources": [entry for r in served for entry in r.discovery()],
            }
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3 and state.resource(group, rest[2]):
            namespace, rest = rest[1], rest[2:]
        resource = state.resource(group, rest[0])
        if resource is None or resource.version != version:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        name = rest[1] if len(rest) > 1 else None
        subresource = rest[2] if len(rest) > 2 else None
        if subresource not in (None, "status") or (subresource == "status" and not resource.has_status):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        dry_run = query.get("dryRun") == "All"
        if method in ("POST", "PUT", "PATCH", "DELETE") and not dry_run:
            state.requests.append(
                {
                    "method": method,
                    "kind": resource.kind,
                    "namespace": namespace,
                    "name": name,
                    "subresource": subresource,
                    "content_type": self.headers.get("Content-Type"),
                }
            )
        if method == "GET" and name is None:
            if query.get("watch") in ("true", "1"):
                raise ApiError(405, "MethodNotAllowed", "watch is not supported by this test double")
            items = state.list(resource, namespace, query.get("labelSelector"), query.get("fieldSelector"))
            return 200, {
                "kind": resource.kind + "List",
                "apiVersion": resource.api_version,
                "metadata": {"resourceVersion": str(state.counter)},
                "items": items,
            }
        if method == "GET":
            return 200, copy.deepcopy(state.get(resource, namespace, name))
        if method == "POST" and name is None:
            return 201, state.create(resource, namespace, json.loads(raw or b"{}"), dry_run)
        if method == "PUT" and name:
            return 200, state.replace(resource, namespace, name, json.loads(raw or b"{}"), subresource, dry_run)
        if method == "PATCH" and name:
            existed = state._key(resource, namespace, name) in state.objects
            result = state.patch(resource, namespace, name, self.headers.get("Content-Type"), raw, subresource, dry_run)
            return (200 if existed else 201), result
        if method == "DELETE" and name:
            return 200, state.delete(resource, namespace, name, dry_run)
        raise ApiError(405, "MethodNotAllowed", "method not allowed")

    def _openapi_v3(self, path):
        """Just enough OpenAPI v3 for client-go (helm) to see that PATCH takes fieldValidation, so it leaves
        validation to the server instead of downloading the OpenAPI v2 protobuf document, which is not served."""
        state = self.state
        group_versions = sorted(set((r.group, r.version) for r in state.resources))
        if path == "/openapi/v3":
            return 200, {
                "paths": dict(
                    (
                        ("apis/{0}/{1}".format(g, v) if g else "api/" + v),
                        {"serverRelativeURL": "/openapi/v3/" + ("apis/{0}/{1}".format(g, v) if g else "api/" + v)},
                    )
                    for g, v in group_versions
                )
            }
        wanted = path[len("/openapi/v3/") :]
        paths = {}
        for r in state.resources:
            prefix = "apis/{0}/{1}".format(r.group, r.version) if r.group else "api/" + r.version
            if prefix != wanted:
                continue
            item = "/{0}/{1}{2}/{{name}}".format(prefix, "namespaces/{namespace}/" if r.namespaced else "", r.plural)
            paths[item] = {
                "patch": {
                    "x-kubernetes-group-version-kind": {"group": r.group, "version": r.version, "kind": r.kind},
                    "parameters": [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "OK"}},
                }
            }
        if not paths:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        return 200, {
            "openapi": "3.0.0",
            "info": {"title": "Kubernetes test double", "version": "v1.31.0"},
            "paths": paths,
        }

    def _test_hook(self, method, path, raw):
        state = self.state
        if path == "/_test/requests" and method == "GET":
            return 200, {"requests": state.requests}
        if path == "/_test/requests" and method == "DELETE":
            state.requests = []
            return 200, {}
        if path == "/_test/status" and method == "POST":
            body = json.loads(raw)
            obj = state.set_status(
                body["apiVersion"], body["kind"], body["name"], body["status"], body.get("namespace")
            )
            return (200, obj) if obj else (404, {"message": "no such object"})
        raise ApiError(404, "NotFound", "unknown test hook " + path)


class KubeTestServer:
    """Start with `with KubeTestServer(edge_api="legacy") as server:`; server.url is http://127.0.0.1:<port>/test-double-<id>."""

    def __init__(self, port=0, **state_options):
        self.state = KubeState(**state_options)
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), KubeHandler)
        self.httpd.daemon_threads = True
        self.httpd.state = self.state
        # A path of its own in the URL: Kubernetes clients cache API discovery per server URL (k8srcp-*.json in
        # the temp dir), and a later test double on a reused port would otherwise inherit another one's resources.
        self.httpd.prefix = "/test-double-" + uuid.uuid4().hex[:12]
        self.thread = None

    @property
    def url(self):
        return "http://127.0.0.1:{0}{1}".format(self.httpd.server_address[1], self.httpd.prefix)

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # conveniences for tests
    @property
    def requests(self):
        return self.state.requests

    @property
    def access_log(self):
        return self.state.access_log

    def writes(self, methods=("POST", "PUT", "PATCH", "DELETE")):
        return [r for r in self.state.requests if r["method"] in methods]

    def add(self, body):
        with self.state.lock:
            resource = self.state.resource_for_kind(body["apiVersion"], body["kind"])
            status = body.get("status")
            obj = self.state.create(resource, body["metadata"].get("namespace"), body)
            if status is not None:
                obj = self.state.set_status(
                    body["apiVersion"], body["kind"], obj["metadata"]["name"], status, obj["metadata"].get("namespace")
                )
            return obj

    def find(self, api_version, kind, name, namespace=None):
        return self.state.find(api_version, kind, name, namespace)

    def set_status(self, api_version, kind, name, status, namespace=None):
        return self.state.set_status(api_version, kind, name, status, namespace)

    def kubeconfig(self, path):
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "test-double",
            "clusters": [{"name": "test-double", "cluster": {"server": self.url}}],
            "users": [{"name": "tester", "user": {"token": "test-double-token"}}],
            "contexts": [{"name": "test-double", "context": {"cluster": "test-double", "user": "tester"}}],
        }
        with open(str(path), "w") as handle:
            yaml.safe_dump(config, handle)
        return str(path)
