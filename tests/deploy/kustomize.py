"""The subset of kustomize that deploy/ uses, in Python, so the overlays render in every test run
(kubectl, where installed, renders them too and the two are compared).

Supported: resources (files and directories), components, configMapGenerator (literals, files,
behavior create/merge), patches (strategic merge by path), namespace, images, labels (metadata
only). Generated ConfigMaps keep their plain names (kustomize appends a content hash; the
comparison with kubectl removes it).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

Obj = dict[str, Any]

# Strategic-merge keys of the lists deploy/ patches (Kubernetes' patchMergeKey); other lists are replaced.
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "volumes": "name",
    "env": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
}
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass"}
KNOWN = {
    "apiVersion",
    "kind",
    "resources",
    "components",
    "configMapGenerator",
    "patches",
    "namespace",
    "images",
    "labels",
}


class KustomizeError(Exception):
    pass


def build(directory: Path) -> list[Obj]:
    return _load(directory)


def _load(directory: Path) -> list[Obj]:
    spec = _spec(directory, "Kustomization")
    objects: list[Obj] = []
    for entry in spec.get("resources") or []:
        path = (directory / entry).resolve()
        if path.is_dir():  # another kustomization may live anywhere; files only inside this one
            objects += _load(path)
            continue
        _inside(directory, path)
        objects += [d for d in yaml.safe_load_all(path.read_text()) if d]
    objects = _generate(directory, spec, objects)
    for component in spec.get("components") or []:
        objects = _apply_component((directory / component).resolve(), objects)
    return _transform(directory, spec, objects)


def _spec(directory: Path, kind: str) -> Obj:
    spec: Obj = yaml.safe_load((directory / "kustomization.yaml").read_text())
    if spec.get("kind", "Kustomization") != kind:
        raise KustomizeError(f"{directory}: expected a {kind}")
    unknown = set(spec) - KNOWN
    if unknown:
        raise KustomizeError(f"{directory}: fields this renderer does not implement: {sorted(unknown)}")
    return spec


def _generate(directory: Path, spec: Obj, objects: list[Obj]) -> list[Obj]:
    for gen in spec.get("configMapGenerator") or []:
        data = _generated_data(directory, gen)
        behavior = gen.get("behavior", "create")
        existing = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == gen["name"]]
        if behavior == "create":
            if existing:
                raise KustomizeError(f"ConfigMap {gen['name']} generated twice (use behavior: merge)")
            objects.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": gen["name"]}, "data": data})
        elif behavior == "merge":
            if not existing:
                raise KustomizeError(f"merge into ConfigMap {gen['name']}, which nothing generated")
            existing[0]["data"].update(data)
        else:
            raise KustomizeError(f"configMapGenerator behavior {behavior!r} is not implemented here")
    return objects


def _apply_component(directory: Path, objects: list[Obj]) -> list[Obj]:
    """A component adds to, and patches, what the including kustomization has so far."""
    spec = _spec(directory, "Component")
    objects = copy.deepcopy(objects)
    for entry in spec.get("resources") or []:
        path = (directory / entry).resolve()
        _inside(directory, path)
        objects += [d for d in yaml.safe_load_all(path.read_text()) if d]
    objects = _generate(directory, spec, objects)
    for patch in spec.get("patches") or []:
        objects = _patch(directory, patch, objects)
    return objects


def _transform(directory: Path, spec: Obj, objects: list[Obj]) -> list[Obj]:
    for patch in spec.get("patches") or []:
        objects = _patch(directory, patch, objects)
    for label in spec.get("labels") or []:
        if label.get("includeSelectors") or label.get("includeTemplates"):
            raise KustomizeError("labels with includeSelectors/includeTemplates are not implemented here")
        for obj in objects:
            obj.setdefault("metadata", {}).setdefault("labels", {}).update(label["pairs"])
    namespace = spec.get("namespace")
    if namespace:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj.setdefault("metadata", {})["namespace"] = namespace
            for subject in obj.get("subjects") or []:
                if subject.get("kind") == "ServiceAccount":
                    subject["namespace"] = namespace
    for image in spec.get("images") or []:
        for container in _containers(objects):
            name, _, tag = container["image"].partition(":")
            if name == image["name"]:
                new_name = image.get("newName", name)
                new_tag = image.get("newTag", tag)
                container["image"] = f"{new_name}:{new_tag}" if new_tag else new_name
    return objects


def _containers(objects: list[Obj]) -> list[Obj]:
    out = []
    for obj in objects:
        pod = ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}
        out += pod.get("containers") or []
    return out


def _patch(directory: Path, patch: Obj, objects: list[Obj]) -> list[Obj]:
    if set(patch) - {"path"}:
        raise KustomizeError(f"patch fields this renderer does not implement: {sorted(set(patch) - {'path'})}")
    body = yaml.safe_load((directory / patch["path"]).read_text())
    targets = [o for o in objects if o["kind"] == body["kind"] and o["metadata"]["name"] == body["metadata"]["name"]]
    if len(targets) != 1:
        raise KustomizeError(f"patch {patch['path']} matches {len(targets)} objects")
    index = objects.index(targets[0])
    objects[index] = strategic_merge(targets[0], body)
    return objects


def strategic_merge(base: Any, patch: Any, key: str | None = None) -> Any:
    """Kubernetes' strategic merge for the shapes deploy/ uses: maps merge (null deletes), lists
    with a merge key merge item by item, other lists are replaced."""
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for k, v in patch.items():
            if v is None:
                out.pop(k, None)
            elif k in out:
                out[k] = strategic_merge(out[k], v, k)
            else:
                out[k] = copy.deepcopy(v)
        return out
    if isinstance(base, list) and isinstance(patch, list) and key in MERGE_KEYS:
        merge_key = MERGE_KEYS[key]
        out_list = list(base)
        for item in patch:
            match = next((i for i, b in enumerate(out_list) if b.get(merge_key) == item.get(merge_key)), None)
            if match is None:
                out_list.append(copy.deepcopy(item))
            else:
                out_list[match] = strategic_merge(out_list[match], item)
        return out_list
    return copy.deepcopy(patch)


def _generated_data(directory: Path, gen: Obj) -> dict[str, str]:
    data: dict[str, str] = {}
    for literal in gen.get("literals") or []:
        name, _, value = literal.partition("=")
        data[name] = value
    for entry in gen.get("files") or []:
        key, _, rel = entry.partition("=") if "=" in entry else (Path(entry).name, "", entry)
        path = (directory / rel).resolve()
        _inside(directory, path)
        data[key] = path.read_text()
    return data


def _inside(directory: Path, path: Path) -> None:
    """kustomize's default load restriction: nothing from outside the kustomization's folder."""
    if not path.is_relative_to(directory.resolve()):
        raise KustomizeError(f"{path} is outside {directory} (kustomize refuses to load it)")
