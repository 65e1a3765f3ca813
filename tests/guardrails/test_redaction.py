"""Secret redaction: each kind of secret becomes a typed marker; ordinary ops text is untouched."""

from __future__ import annotations

import json
import textwrap

import pytest

from opsgraph.guardrails.redaction import redact, redact_data

# (kind, text, the secret that must disappear, context that must survive)
SECRETS: list[tuple[str, str, str, str]] = [
    (
        "aws_access_key",
        "aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
        "AKIAIOSFODNN7EXAMPLE",
        "aws_access_key_id = ",
    ),
    (
        "aws_secret_key",
        "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "aws_secret_access_key=",
    ),
    (
        "private_key",
        '{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkq'
        'hkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n", '
        '"client_email": "bot@proj.iam.gserviceaccount.com"}',
        "MIIEvQIBADANBgkq",
        "bot@proj.iam.gserviceaccount.com",
    ),
    (
        "gcp_private_key_id",
        '"private_key_id": "0123456789abcdef0123456789abcdef01234567"',
        "0123456789abcdef0123456789abcdef01234567",
        '"private_key_id"',
    ),
    (
        "azure_storage_key",
        "DefaultEndpointsProtocol=https;AccountName=shopdata;AccountKey=Zm9vYmFyYmF6cXV4Zm9vYmFy"
        "YmF6cXV4Zm9vYmFy==;EndpointSuffix=core.windows.net",
        "Zm9vYmFyYmF6cXV4",
        "AccountName=shopdata",
    ),
    (
        "azure_sas_token",
        "https://shopdata.blob.core.windows.net/c/f.csv?sv=2022-11-02&sp=r&sig=AbCdEfGhIjKlMnOpQrStUvWx%2B%2F%3D",
        "AbCdEfGhIjKlMnOp",
        "https://shopdata.blob.core.windows.net/c/f.csv?sv=2022-11-02",
    ),
    (
        "slack_token",
        "SLACK_BOT_TOKEN=xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
        "xoxb-1234",
        "SLACK_BOT_TOKEN=",
    ),
    (
        "github_token",
        "git clone https://x:ghp_abcdefghijklmnopqrstuvwxyzABCDEFGHIJ@github.com/org/repo",
        "ghp_abcdefghij",
        "github.com/org/repo",
    ),
    (
        "github_token",
        "token github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMN",
        "github_pat_11ABCDEFG",
        "token ",
    ),
    (
        "jwt",
        "cookie: session=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "eyJzdWIiOiIxMjM0In0",
        "cookie: session=",
    ),
    (
        "bearer_token",
        "curl -H 'Authorization: Bearer abcdef0123456789abcdef' https://api.internal/v1",
        "abcdef0123456789abcdef",
        "https://api.internal/v1",
    ),
    ("api_key", "api_key=9f8e7d6c5b4a39281706 region=eu", "9f8e7d6c5b4a39281706", "region=eu"),
    ("token", '{"auth_token": "tok_live_5f2b9c0a", "user": "alice"}', "tok_live_5f2b9c0a", '"user": "alice"'),
    ("password", "postgres://app:s3cr3tP4ss@db.internal:5432/app", "s3cr3tP4ss", "postgres://app:"),
    (
        "password",
        "Server=tcp:db.example.com;Database=app;User Id=admin;Password=Hunter2!;Encrypt=true",
        "Hunter2!",
        "User Id=admin;",
    ),
    ("password", "host=db user=app pwd=hunter2 sslmode=require", "hunter2", "sslmode=require"),
    (
        "private_key",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nq1w2e3r4\n-----END RSA PRIVATE KEY-----",
        "MIIEowIBAAKCAQEA7",
        "",
    ),
]


@pytest.mark.parametrize(("kind", "text", "secret", "context"), SECRETS, ids=[s[0] for s in SECRETS])
def test_secret_is_replaced_by_a_typed_marker(kind: str, text: str, secret: str, context: str) -> None:
    result = redact(text)
    assert secret not in result
    assert f"[REDACTED:{kind}]" in result
    assert context in result


@pytest.mark.parametrize(
    "text",
    [
        "image: registry.example.com/shop/checkout:v1.24.3@sha256:"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "rolled back to commit 3f786850e387550fdab836ed7e6dc881de23001b",
        "pod checkout-7d9f8b6c5-x2kq9 uid 123e4567-e89b-12d3-a456-426614174000 restarted 3 times",
        "see https://github.com/org/repo/commit/3f786850e387550fdab836ed7e6dc881de23001b#diff-2a9c",
        "max_tokens=512 tokenizer: bpe secretName: db-creds secretKeyRef: {name: db, key: password}",
        "password: ${DB_PASSWORD}  token: <your-token>  api_key: ***",
        "kubectl get secret db-creds -n shop -o yaml",
        "the bearer of bad news was the load balancer",
        "https://grafana.example.com:3000/d/abc123/checkout?orgId=1&from=now-6h",
        "node ip-10-0-3-17.ec2.internal is NotReady; AKIA is the prefix of AWS access key ids",
    ],
)
def test_ops_text_is_untouched(text: str) -> None:
    assert redact(text) == text


SECRET_YAML = textwrap.dedent(
    """\
    apiVersion: v1
    kind: Secret
    metadata:
      name: db-creds
      namespace: shop
    type: Opaque
    data:
      password: aHVudGVyMg==
      username: YXBw
    stringData:
      config.yaml: |
        user: app
        password: hunter2
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: settings
    data:
      LOG_LEVEL: debug
    """
)


def test_secret_manifest_in_yaml_loses_its_values_only() -> None:
    result = redact(SECRET_YAML)
    assert "aHVudGVyMg==" not in result and "hunter2" not in result and "YXBw" not in result
    assert "  password: [REDACTED:k8s_secret]" in result
    assert "  config.yaml: [REDACTED:k8s_secret]" in result
    assert "name: db-creds" in result and "namespace: shop" in result
    assert "LOG_LEVEL: debug" in result  # a ConfigMap is not a Secret


def test_secret_in_a_kubectl_list() -> None:
    text = textwrap.dedent(
        """\
        apiVersion: v1
        items:
        - apiVersion: v1
          data:
            token: c2VjcmV0
          kind: Secret
          metadata:
            name: api
        - apiVersion: v1
          data:
            mode: fast
          kind: ConfigMap
        kind: List
        """
    )
    result = redact(text)
    assert "c2VjcmV0" not in result and "mode: fast" in result


def test_secret_manifest_in_json_text() -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "api"},
        "data": {"token": "c2VjcmV0"},
    }
    result = json.loads(redact(json.dumps(manifest, indent=2)))
    assert result["data"] == {"token": "[REDACTED:k8s_secret]"}
    assert result["metadata"] == {"name": "api"}
    inline = redact(f"got {json.dumps(manifest)} from the API")
    assert "c2VjcmV0" not in inline and inline.startswith("got {")


def test_redact_data_on_a_secret_object() -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db-creds", "annotations": {"note": "rotated; old pwd=hunter1"}},
        "data": {"password": "aHVudGVyMg==", "username": "YXBw"},
        "stringData": {"url": "postgres://app:hunter2@db/app"},
    }
    result = redact_data(secret)
    assert result["data"] == {"password": "[REDACTED:k8s_secret]", "username": "[REDACTED:k8s_secret]"}
    assert result["stringData"] == {"url": "[REDACTED:k8s_secret]"}
    assert result["metadata"]["name"] == "db-creds"
    assert result["metadata"]["annotations"]["note"] == "rotated; old pwd=[REDACTED:password]"
    assert secret["data"]["password"] == "aHVudGVyMg==", "the input must not be modified"


def test_redact_data_recurses_and_keeps_shapes() -> None:
    pod = {
        "kind": "Pod",
        "spec": {
            "containers": [
                {
                    "image": "shop/cart:v2.1.0",
                    "env": [
                        {"name": "DB_PASSWORD", "value": "hunter2"},
                        {"name": "LOG_LEVEL", "value": "info"},
                    ],
                    "args": ("--api-key=9f8e7d6c5b4a39281706", "--port=8080"),
                }
            ]
        },
        "password": "hunter3",
        "replicas": 3,
    }
    result = redact_data(pod)
    container = result["spec"]["containers"][0]
    assert container["env"][0]["value"] == "[REDACTED:password]"
    assert container["env"][1]["value"] == "info"
    assert container["args"] == ("--api-key=[REDACTED:api_key]", "--port=8080")
    assert result["password"] == "[REDACTED:password]"
    assert result["replicas"] == 3 and container["image"] == "shop/cart:v2.1.0"


def test_redaction_is_idempotent() -> None:
    once = redact(SECRET_YAML + "\nAuthorization: Bearer abcdef0123456789abcdef\n")
    assert redact(once) == once
