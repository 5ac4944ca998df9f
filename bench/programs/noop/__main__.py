import pulumi

from bench.noop_provider import Noop

items = [Noop(f"n{i}") for i in range(pulumi.Config().require_int("count"))]
