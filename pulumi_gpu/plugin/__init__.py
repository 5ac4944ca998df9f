"""pulumi-gpu as a Pulumi package: the provider plugin beside the dynamic providers.

Every Pulumi language but Python reaches pulumi-gpu through this plugin,
``pulumi-resource-pulumi-gpu`` (a console script of the wheel, so ``pip install
pulumi-gpu`` puts it on ``PATH``, where the engine looks for plugins). It serves the
same provider classes as the dynamic providers: one lifecycle, two front doors.

- :mod:`.kinds`: the package's resources, one per kind of ``fleet.kinds.KINDS``, with
  their type tokens (``pulumi-gpu:<cloud>:<Kind>``, ``pulumi-gpu:index:Pod``);
- :mod:`.names`: Python property names to camelCase and back, along each value's shape;
- :mod:`.schema`: the package schema, from the same input models as the fleet's;
- :mod:`.values`: the engine's property structs (secrets, unknowns) to Python values;
- :mod:`.settings`: the provider's own configuration (the ``pulumi-gpu:`` settings) and
  the stack identity it keeps;
- :mod:`.resources`: the engine's resource calls, served by the kinds' providers;
- :mod:`.functions`: the lookups as the package's functions (invokes), by token;
- :mod:`.engine_log`: progress lines and warnings, in the engine's log;
- :mod:`.server`: the gRPC server (on the SDK's generated stubs: see there why not
  ``pulumi.provider.experimental``) and the executable's ``main``.

Beyond the dynamic providers: a failed create keeps partial state (a job's failed run),
a preview knows what a create will make (a placed pod's offer), and the budget
(``pulumi-gpu:maxCostPerHour``) holds. Not yet: ``pulumi import``.
"""
