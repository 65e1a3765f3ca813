"""The network side of the AWS templates: VPC, subnets, internet gateway, security groups."""

from __future__ import annotations

import ipaddress

from opsgraph.tools.terraform.hcl import Block, Ref, resource
from opsgraph.tools.terraform.spec import Firewall, InfraSpec, Network


def label(name: str) -> str:
    return name.replace("-", "_").replace(".", "_")


def subnet_cidrs(network: Network, count: int, offset: int = 0) -> list[str]:
    net = ipaddress.ip_network(network.cidr)
    new_prefix = min(net.prefixlen + 8, 28)
    subnets = list(net.subnets(new_prefix=new_prefix))
    return [str(s) for s in subnets[offset : offset + count]]


def azs(spec: InfraSpec, count: int) -> list[str]:
    letters = "abcdef"
    return [f"{spec.region}{letters[i % len(letters)]}" for i in range(count)]


def network(spec: InfraSpec, net: Network) -> str:
    n = label(net.name)
    vpc = Ref(f"aws_vpc.{n}.id")
    private_count = max(net.subnets, 2)
    parts = [
        resource(
            "aws_vpc",
            n,
            {
                "cidr_block": net.cidr,
                "enable_dns_support": True,
                "enable_dns_hostnames": True,
                "tags": {"Name": f"{spec.project}-{spec.environment}"},
            },
        ),
        # The default security group keeps no rules: nothing uses it by accident.
        resource("aws_default_security_group", n, {"vpc_id": vpc}),
        resource(
            "aws_subnet",
            f"{n}_private",
            {
                "count": private_count,
                "vpc_id": vpc,
                "cidr_block": Ref(f"element({_list(subnet_cidrs(net, private_count))}, count.index)"),
                "availability_zone": Ref(f"element({_list(azs(spec, private_count))}, count.index)"),
                "map_public_ip_on_launch": False,
                "tags": {"Name": Ref('"private-${count.index}"'), "Tier": "private"},
            },
        ),
    ]
    if net.public:
        public_count = max(net.subnets, 1)
        parts += [
            resource("aws_internet_gateway", n, {"vpc_id": vpc}),
            resource(
                "aws_subnet",
                f"{n}_public",
                {
                    "count": public_count,
                    "vpc_id": vpc,
                    "cidr_block": Ref(f"element({_list(subnet_cidrs(net, public_count, private_count))}, count.index)"),
                    "availability_zone": Ref(f"element({_list(azs(spec, public_count))}, count.index)"),
                    "map_public_ip_on_launch": False,
                    "tags": {"Name": Ref('"public-${count.index}"'), "Tier": "public"},
                },
            ),
            # The default route inline, in the table the public subnets share.
            resource(
                "aws_route_table",
                f"{n}_public",
                {
                    "vpc_id": vpc,
                    "route": Block({"cidr_block": "0.0.0.0/0", "gateway_id": Ref(f"aws_internet_gateway.{n}.id")}),
                },
            ),
            resource(
                "aws_route_table_association",
                f"{n}_public",
                {
                    "count": public_count,
                    "subnet_id": Ref(f"aws_subnet.{n}_public[count.index].id"),
                    "route_table_id": Ref(f"aws_route_table.{n}_public.id"),
                },
            ),
        ]
    return "\n".join(parts)


def _list(values: list[str]) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def ingress_rules(name: str, sg: str, ports: tuple[int, ...], cidrs: tuple[str, ...], what: str) -> list[str]:
    out = []
    for i, cidr in enumerate(cidrs):
        for port in ports:
            suffix = f"{i}" if len(ports) == 1 else f"{i}_{port}"
            out.append(
                resource(
                    "aws_vpc_security_group_ingress_rule",
                    f"{name}_{suffix}",
                    {
                        "security_group_id": Ref(f"aws_security_group.{sg}.id"),
                        "description": f"{what} from {cidr}",
                        "cidr_ipv4": cidr,
                        "from_port": port,
                        "to_port": port,
                        "ip_protocol": "tcp",
                    },
                )
            )
    return out


def security_group(name: str, net: Network, description: str) -> str:
    return resource(
        "aws_security_group",
        name,
        {"name": name.replace("_", "-"), "description": description, "vpc_id": Ref(f"aws_vpc.{label(net.name)}.id")},
    )


def firewall(spec: InfraSpec, fw: Firewall, net: Network) -> str:
    n = label(fw.name)
    return "\n".join(
        [
            security_group(n, net, f"{fw.name}: allowed ports only"),
            *ingress_rules(n, n, fw.ports, fw.access.cidrs, fw.name),
        ]
    )
