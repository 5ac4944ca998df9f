import pulumi

import pulumi_gpu.celium as celium

volumes = [celium.Volume(f"v{i}") for i in range(pulumi.Config().require_int("count"))]
