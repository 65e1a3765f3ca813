"""Argument models of the Kubernetes tools. Field descriptions are the parameter docs the LLM sees."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

# RFC 1123 label/subdomain names, as the API validates them.
DNS_NAME = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkloadArgs(_Args):
    name: str = Field(description="Deployment name, e.g. checkout", pattern=DNS_NAME, max_length=253)
    namespace: str = Field(description="Namespace of the deployment, e.g. prod", pattern=DNS_NAME, max_length=63)


class StatusArgs(_Args):
    namespace: str | None = Field(
        None, description="Namespace to report on; omit for every allowed namespace", pattern=DNS_NAME
    )
    name: str | None = Field(
        None, description="One deployment to report on in detail; omit for an overview", pattern=DNS_NAME
    )


class DeployArgs(WorkloadArgs):
    version: str | None = Field(
        None,
        description="A tag to deploy, as the user wrote it, e.g. 1.9.0 (keeps the current repository)",
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9_][A-Za-z0-9._+-]*$",
    )
    image: str | None = Field(
        None,
        description="A full image reference (registry/repo:tag or @sha256 digest), e.g. ghcr.io/acme/checkout:2.5.0",
        min_length=1,
        max_length=512,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$",
    )
    container: str | None = Field(
        None, description="Container to update; required only when the pod has several", pattern=DNS_NAME
    )

    @model_validator(mode="after")
    def _one_of(self) -> DeployArgs:
        if (self.version is None) == (self.image is None):
            raise ValueError("give either version (a tag such as 1.9.0) or image (a full reference), not both")
        return self

    @property
    def requested(self) -> str:
        return self.image if self.image is not None else str(self.version)


class ScaleArgs(WorkloadArgs):
    replicas: int = Field(description="Desired number of replicas", ge=0, le=1000)


class RollbackArgs(WorkloadArgs):
    revision: int | None = Field(
        None, description="Revision to return to (see k8s_status); omit for the previous one", ge=1
    )


class RestartArgs(WorkloadArgs):
    pass


class LogsArgs(WorkloadArgs):
    tail: int = Field(50, description="Lines to show from the end of each pod's log", ge=1, le=2000)
    container: str | None = Field(None, description="Container name when the pod has several", pattern=DNS_NAME)
    pod: str | None = Field(None, description="One pod of the deployment; omit for all of them", pattern=DNS_NAME)
    previous: bool = Field(False, description="Logs of the previous (crashed) container instance")
