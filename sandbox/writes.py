"""Writes: create, replace, patch, delete, deletecollection and the scale subresource, with
optimistic concurrency (resourceVersion), validation, defaulting and dryRun=All."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from . import errors
from .defaults import default_configmap, default_deployment
from .eviction import evict, validate_node, validate_pdb
from .jobs import default_job, validate_job
from .meta import Obj, clone, iso, safe_suffix, stable_uid
from .patch import JSON_PATCH, MERGE, STRATEGIC, apply_patch
from .resources import DEPLOYMENTS, ResourceType
from .routing import Route
from .selectors import parse_field_selector, parse_label_selector
from .validation import check_shape, validate_configmap, validate_deployment, validate_scale

if TYPE_CHECKING:
    from .cluster import Cluster

_SERVER_FIELDS = (
    "uid",
    "resourceVersion",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
)
_PATCH_TYPES = (STRATEGIC, MERGE, JSON_PATCH)


def scale_of(dep: Obj) -> Obj:
    md = dep["metadata"]
    labels = ((dep.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {k: md[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in md},
        "spec": {"replicas": int(dep["spec"].get("replicas", 1))},
        "status": {
            "replicas": int((dep.get("status") or {}).get("replicas", 0)),
            "selector": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
        },
    }


def _json(body: bytes) -> Any:
    if not body.strip():
        raise errors.bad_request("the request body is empty")
    try:
        return json.loads(body)
    except ValueError as exc:
        raise errors.bad_request(f"couldn't get version/kind; json parse error: {exc}") from exc


def _dry_run(query: dict[str, str]) -> bool:
    value = query.get("dryRun")
    if value is None:
        return False
    if value != "All":
        raise errors.bad_request(f'dryRun: Unsupported value: "{value}": supported values: "All"')
    return True


class Writer:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.store = cluster.store

    def handle(self, verb: str, route: Route, query: dict[str, str], content_type: str, body: bytes) -> tuple[int, Obj]:
        dry = _dry_run(query)
        with self.store.lock:
            if route.subresource == "scale":
                result = self._scale(verb, route, content_type, body, dry)
            elif route.subresource == "eviction" and verb == "create":
                assert route.name is not None
                result = evict(self, route.namespace or "", route.name, body, dry)
            elif route.subresource is not None:
                raise errors.method_not_allowed()
            elif verb == "create":
                result = self._create(route, body, dry)
            elif verb in ("update", "patch"):
                result = self._update(verb, route, content_type, body, dry)
            elif verb == "delete":
                result = self._delete(route, query, body, dry)
            else:
                result = self._delete_collection(route, query, dry)
        if not dry:
            self.cluster.kick()
        return result

    # -- create / update -----------------------------------------------------------------------
    def _create(self, route: Route, body: bytes, dry: bool) -> tuple[int, Obj]:
        rtype, ns = route.rtype, route.namespace or ""
        obj = clone(check_shape(_json(body), rtype.kind, rtype.api_version))
        obj["kind"], obj["apiVersion"] = rtype.kind, rtype.api_version
        md = obj.setdefault("metadata", {})
        if rtype.namespaced:
            if md.get("namespace") not in (None, "", ns):
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            md["namespace"] = ns
            if self.store.get("namespaces", "", ns) is None:
                raise errors.not_found("namespaces", "", ns)
        if not md.get("name") and md.get("generateName"):
            md["name"] = f"{md['generateName']}{safe_suffix(md['generateName'], self.store.resource_version)}"
        for key in _SERVER_FIELDS:
            md.pop(key, None)
        self._default_and_validate(rtype, obj, None)
        if self.store.get(rtype.plural, ns, md["name"]) is not None:
            raise errors.already_exists(rtype.plural, rtype.group, md["name"])
        if rtype is DEPLOYMENTS or rtype.kind == "Job":
            md["generation"] = 1
            obj["status"] = {}
        if dry:
            md["uid"] = stable_uid("dry-run", rtype.plural, ns, md["name"], time.time())
            md["creationTimestamp"] = iso()
            return 201, obj
        return 201, self.store.create(rtype.plural, obj)

    def _update(self, verb: str, route: Route, content_type: str, body: bytes, dry: bool) -> tuple[int, Obj]:
        rtype, ns = route.rtype, route.namespace or ""
        assert route.name is not None
        existing = self.store.get(rtype.plural, ns, route.name)
        if existing is None:
            raise errors.not_found(rtype.plural, rtype.group, route.name)
        if verb == "patch":
            kind = content_type.split(";")[0].strip().lower()
            if kind not in _PATCH_TYPES:
                raise errors.unsupported_media_type(content_type)
            obj = apply_patch(kind, existing, _json(body))
        else:
            obj = clone(_json(body))
        obj = check_shape(obj, rtype.kind, rtype.api_version)
        obj["kind"], obj["apiVersion"] = rtype.kind, rtype.api_version
        md = obj.setdefault("metadata", {})
        if md.get("name") not in (None, route.name):
            raise errors.bad_request(
                f"the name of the object ({md.get('name')}) does not match the name on the URL ({route.name})"
            )
        if rtype.namespaced and md.get("namespace") not in (None, "", ns):
            raise errors.bad_request(
                "the namespace of the provided object does not match the namespace sent on the request"
            )
        old_md = existing["metadata"]
        if md.get("resourceVersion") not in (None, "", old_md["resourceVersion"]):
            raise errors.conflict(rtype.plural, rtype.group, route.name)
        md["name"] = route.name
        if rtype.namespaced:
            md["namespace"] = ns
        for key in (
            "uid",
            "creationTimestamp",
            "generation",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
        ):
            if key in old_md:
                md[key] = old_md[key]
            else:
                md.pop(key, None)
        md["resourceVersion"] = old_md["resourceVersion"]
        if "status" in existing:
            obj["status"] = existing["status"]
        self._default_and_validate(rtype, obj, existing)
        if rtype is DEPLOYMENTS and obj.get("spec") != existing.get("spec"):
            md["generation"] = int(old_md.get("generation", 1)) + 1
        if obj == existing or dry:
            return 200, obj
        return 200, self.store.update(rtype.plural, obj)

    def _default_and_validate(self, rtype: ResourceType, obj: Obj, old: Obj | None) -> None:
        if rtype.kind == "Deployment":
            default_deployment(obj)
            validate_deployment(obj, old)
        elif rtype.kind == "ConfigMap":
            default_configmap(obj)
            validate_configmap(obj)
        elif rtype.kind == "Node":
            validate_node(obj)
        elif rtype.kind == "PodDisruptionBudget":
            validate_pdb(obj)
        elif rtype.kind == "Job":
            default_job(obj)
            validate_job(obj, old)
        else:
            raise errors.method_not_allowed()

    # -- delete --------------------------------------------------------------------------------
    def _delete(self, route: Route, query: dict[str, str], body: bytes, dry: bool) -> tuple[int, Obj]:
        rtype, ns = route.rtype, route.namespace or ""
        assert route.name is not None
        existing = self.store.get(rtype.plural, ns, route.name)
        if existing is None:
            raise errors.not_found(rtype.plural, rtype.group, route.name)
        options = _json(body) if body.strip() else {}
        if not isinstance(options, dict):
            raise errors.bad_request("the body of a delete must be a DeleteOptions object")
        preconditions = options.get("preconditions") or {}
        for field in ("uid", "resourceVersion"):
            wanted = preconditions.get(field)
            actual = existing["metadata"].get(field)
            if wanted and wanted != actual:
                label = "UID" if field == "uid" else "ResourceVersion"
                raise errors.ApiError(
                    409,
                    "Conflict",
                    f"Operation cannot be fulfilled on "
                    f'{errors.qualified(rtype.plural, rtype.group)} "{route.name}": Precondition '
                    f"failed: {label} in precondition: {wanted}, {label} in object meta: {actual}",
                    {"name": route.name, "group": rtype.group, "kind": rtype.plural},
                )
        grace_raw = query.get("gracePeriodSeconds", options.get("gracePeriodSeconds"))
        grace = int(grace_raw) if grace_raw not in (None, "") else None
        policy = query.get("propagationPolicy") or options.get("propagationPolicy") or "Background"
        return 200, self.delete_object(rtype, existing, grace, policy, dry)

    def delete_object(self, rtype: ResourceType, obj: Obj, grace: int | None, policy: str, dry: bool) -> Obj:
        md = obj["metadata"]
        now = time.time()
        if rtype.plural == "pods":
            if dry:
                preview = clone(obj)
                preview["metadata"].setdefault("deletionTimestamp", iso(now + (grace if grace is not None else 30)))
                return preview
            result = self.cluster.controller.kubelet.delete(obj, now, grace)
            return result if result is not None else obj
        if not dry:
            if policy == "Orphan":
                self._orphan(obj)
            self.store.remove(rtype.plural, md.get("namespace", ""), md["name"])
        details = {"name": md["name"], "group": rtype.group, "kind": rtype.plural, "uid": md.get("uid")}
        if not rtype.group:
            details.pop("group")
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}

    def _orphan(self, owner: Obj) -> None:
        uid = owner["metadata"]["uid"]
        for resource in ("replicasets", "pods"):
            for obj in self.store.items(resource, owner["metadata"].get("namespace")):
                refs = obj["metadata"].get("ownerReferences") or []
                if any(ref.get("uid") == uid for ref in refs):
                    new = clone(obj)
                    new["metadata"]["ownerReferences"] = [ref for ref in refs if ref.get("uid") != uid]
                    self.store.update(resource, new)

    def _delete_collection(self, route: Route, query: dict[str, str], dry: bool) -> tuple[int, Obj]:
        rtype = route.rtype
        labels = parse_label_selector(query.get("labelSelector"))
        fields = parse_field_selector(query.get("fieldSelector"), rtype.field_labels)
        victims = [
            o
            for o in self.store.sorted_items(rtype.plural, route.namespace)
            if labels.matches(o["metadata"].get("labels") or {}) and fields.matches(o)
        ]
        for obj in victims:
            self.delete_object(rtype, obj, None, "Background", dry)
        return 200, {
            "kind": rtype.list_kind,
            "apiVersion": rtype.api_version,
            "metadata": {"resourceVersion": str(self.store.resource_version)},
            "items": victims,
        }

    # -- scale ---------------------------------------------------------------------------------
    def _scale(self, verb: str, route: Route, content_type: str, body: bytes, dry: bool) -> tuple[int, Obj]:
        ns = route.namespace or ""
        assert route.name is not None
        dep = self.store.get("deployments", ns, route.name)
        if dep is None:
            raise errors.not_found("deployments", "apps", route.name)
        current = scale_of(dep)
        if verb == "update":
            obj = check_shape(_json(body), "Scale", "autoscaling/v1")
        elif verb == "patch":
            kind = content_type.split(";")[0].strip().lower()
            if kind not in _PATCH_TYPES:
                raise errors.unsupported_media_type(content_type)
            obj = check_shape(apply_patch(kind, current, _json(body)), "Scale", "autoscaling/v1")
        else:
            raise errors.method_not_allowed()
        md = obj.get("metadata") or {}
        if md.get("name") not in (None, route.name):
            raise errors.bad_request(
                f"the name of the object ({md.get('name')}) does not match the name on the URL ({route.name})"
            )
        if md.get("resourceVersion") not in (None, "", dep["metadata"]["resourceVersion"]):
            raise errors.conflict("deployments", "apps", route.name)
        validate_scale(obj, route.name)
        replicas = int((obj.get("spec") or {}).get("replicas", 0))
        if replicas == int(dep["spec"].get("replicas", 1)):
            return 200, current
        new = clone(dep)
        new["spec"]["replicas"] = replicas
        new["metadata"]["generation"] = int(new["metadata"].get("generation", 1)) + 1
        if dry:
            return 200, scale_of(new)
        return 200, scale_of(self.store.update("deployments", new))
