"""`pulumi up` here declares the resources of the fleet file (see README: "The fleet")."""

from pulumi_gpu.fleet.program import run

run()
