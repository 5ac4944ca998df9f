"""One YAML file for a whole GPU fleet across clouds (see ``model`` for the format)."""

from pulumi_gpu.fleet.model import Entry, Fleet, FleetError, SecretRef, load_fleet
from pulumi_gpu.fleet.source import Problem

__all__ = ["Entry", "Fleet", "FleetError", "Problem", "SecretRef", "load_fleet"]
