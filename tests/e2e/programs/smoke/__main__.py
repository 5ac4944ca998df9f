import pulumi

from tests.support.smoke_provider import Box

config = pulumi.Config()
box = Box(
    "box",
    store=config.require("store"),
    kind=config.get("kind") or "small",
    size=config.get_int("size") or 1,
)
pulumi.export("label", box.label)
