"""The cluster answers, and its RBAC lets the enabled tools do what they declare.

RBAC is asked of the API itself (SelfSubjectAccessReview, one per group/resource/verb the tools
declare with `kube_access`), in each allowed namespace (`OPSGRAPH_NAMESPACES`) or cluster-wide.
An API that does not serve the review (the sandbox) is reported as "cannot check", not as ok.
"""

from __future__ import annotations

from typing import Any

from opsgraph.channels.doctor.model import Doctor, Result, fail, ok, warn

CLUSTER_FIX = {
    "sandbox": "start it with `opsgraph sandbox` (any agent command also starts it)",
    "kubeconfig": "check OPSGRAPH_KUBECONFIG / OPSGRAPH_KUBE_CONTEXT and that the API server is reachable",
    "in-cluster": "run inside a pod with a ServiceAccount token, or set OPSGRAPH_CLUSTER=kubeconfig",
}


def _api_client(doctor: Doctor) -> tuple[Any, str] | Result:
    """The kubernetes ApiClient for the configured cluster, or the Result that says why not."""
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    settings = doctor.settings
    mode = settings.cluster
    try:
        if mode == "in-cluster":
            configuration = client.Configuration()
            config.load_incluster_config(client_configuration=configuration)
            api = client.ApiClient(configuration)
            where = "in-cluster"
        else:
            path = settings.kubeconfig
            if mode == "sandbox":
                from opsgraph.sandbox.runtime import running_kubeconfig

                path = running_kubeconfig(settings)
                if path is None:
                    return warn(
                        "cluster",
                        "sandbox mode: no sandbox is running for this state directory (it starts on first use)",
                        CLUSTER_FIX["sandbox"],
                    )
            api = config.new_client_from_config(
                config_file=str(path) if path else None, context=settings.kube_context, persist_config=False
            )
            where = f"kubeconfig {path or '~/.kube/config'}"
    except (ConfigException, OSError, ValueError) as exc:
        where = f"kubeconfig {settings.kubeconfig}" if mode == "kubeconfig" and settings.kubeconfig else mode
        return fail("cluster", f"{where}: cannot load the configuration: {exc}"[:300], CLUSTER_FIX[mode])
    api.configuration.retries = 0
    return api, where


def check_cluster(doctor: Doctor) -> list[Result]:
    built = _api_client(doctor)
    if isinstance(built, Result):
        why = "no sandbox is running" if built.status == "warn" else "the cluster configuration does not load"
        return [built, _rbac_skipped(why)]
    api, where = built
    from kubernetes import client

    timeout = doctor.timeout_s
    try:
        version = client.VersionApi(api).get_code(_request_timeout=timeout)
        namespaces = client.CoreV1Api(api).list_namespace(_request_timeout=timeout).items
    except Exception as exc:
        detail = f"{where}: {api.configuration.host} does not answer: {_reason(exc)}"
        return [fail("cluster", detail, CLUSTER_FIX[doctor.settings.cluster]), _rbac_skipped("the cluster is down")]
    names = {n.metadata.name for n in namespaces if n.metadata is not None}
    missing = [n for n in doctor.settings.namespaces if n not in names]
    head = f"{where}: {api.configuration.host} answers (Kubernetes {version.git_version}, {len(names)} namespaces)"
    cluster = (
        warn("cluster", f"{head}; allowed namespaces missing: {', '.join(missing)}", "fix OPSGRAPH_NAMESPACES")
        if missing
        else ok("cluster", head)
    )
    return [cluster, check_rbac(api, doctor)]


def _rbac_skipped(why: str) -> Result:
    return warn("rbac", f"cannot check: {why}", "fix the cluster check first")


def declared_access() -> dict[tuple[str, str, str], list[str]]:
    """(group, resource, verb) -> the tools that declare it."""
    from opsgraph.tools.registry import load_builtin_tools

    needed: dict[tuple[str, str, str], list[str]] = {}
    for tool in load_builtin_tools():
        for access in getattr(tool, "kube_access", ()):
            for verb in access.verbs:
                needed.setdefault((access.group, access.resource, verb), []).append(tool.name)
    return needed


def check_rbac(api: Any, doctor: Doctor) -> Result:
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    needed = declared_access()
    if not needed:
        return warn("rbac", "cannot check: no tool declares the Kubernetes access it needs (kube_access)")
    namespaces = list(doctor.settings.namespaces) or [None]
    authz = client.AuthorizationV1Api(api)
    denied: list[str] = []
    for (group, resource, verb), tools in sorted(needed.items()):
        name, _, sub = resource.partition("/")
        for namespace in namespaces:
            review = client.V1SelfSubjectAccessReview(
                spec=client.V1SelfSubjectAccessReviewSpec(
                    resource_attributes=client.V1ResourceAttributes(
                        group=group, resource=name, subresource=sub or None, verb=verb, namespace=namespace
                    )
                )
            )
            try:
                answer = authz.create_self_subject_access_review(review, _request_timeout=doctor.timeout_s)
            except ApiException as exc:
                if exc.status in (404, 405):
                    return warn(
                        "rbac",
                        "cannot check: the API does not serve SelfSubjectAccessReview (the sandbox grants everything)",
                    )
                return fail(
                    "rbac", f"the access review failed: {_reason(exc)}", "grant create on selfsubjectaccessreviews"
                )
            if answer.status is None or not answer.status.allowed:
                where = f" in {namespace}" if namespace else " cluster-wide"
                denied.append(f"{verb} {group or 'core'}/{resource}{where} (for {', '.join(sorted(set(tools)))})")
    if denied:
        shown = "; ".join(denied[:5]) + (f"; and {len(denied) - 5} more" if len(denied) > 5 else "")
        return fail("rbac", f"not allowed: {shown}", "apply the generated Role (deploy/) to opsgraph's ServiceAccount")
    scope = ", ".join(n for n in namespaces if n) or "cluster-wide"
    return ok("rbac", f"{len(needed)} declared permissions allowed ({scope})")


def _reason(exc: Exception) -> str:
    status = getattr(exc, "status", None)
    reason = getattr(exc, "reason", None)
    if status is not None or reason is not None:
        return f"{status or ''} {reason or ''}".strip()
    return f"{type(exc).__name__}: {exc}"[:200]
