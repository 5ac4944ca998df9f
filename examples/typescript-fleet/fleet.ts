// The fleet: a GPU pod on each of the four clouds, the same resources as
// examples/yaml-fleet, through the SDK generated from the provider plugin's schema.
import * as pulumi from "@pulumi/pulumi";
import * as gpu from "@pulumi-gpu/pulumi-gpu";

const EXAMPLE_KEY =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 typescript-fleet";

/** Declares the fleet; returns the stack's outputs (the SSH commands). */
export async function fleet() {
    const config = new pulumi.Config();
    const sshPublicKey = config.get("sshPublicKey") ?? EXAMPLE_KEY;
    const desiredStatus = config.get<gpu.types.enums.runpod.PodDesiredStatus>("desiredStatus", {
        allowedValues: Object.values(gpu.types.enums.runpod.PodDesiredStatus),
    });

    // Celium: a template (verified by Celium before pods may use it) and a pod renting the
    // cheapest executor with one A100.
    const vllm = new gpu.celium.Template("vllm", {
        dockerImage: "vllm/vllm-openai",
        dockerImageTag: "v0.6.3",
        internalPorts: [22, 8000],
    });
    const trainer = new gpu.celium.Pod("trainer", {
        templateId: vllm.id,
        sshPublicKeys: [sshPublicKey],
        selector: { gpuModel: "A100", gpuCount: 1 },
    });

    // RunPod: desiredStatus "stopped" stops it in place (the GPU is released, the pod kept).
    const notebook = new gpu.runpod.Pod("notebook", {
        gpuType: "NVIDIA GeForce RTX 4090",
        image: "runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04",
        exposedPorts: ["8888/http", "22/tcp"],
        sshPublicKeys: [sshPublicKey],
        env: { HF_HOME: "/workspace/hf" },
        desiredStatus,
    });

    // Prime Intellect: the cheapest H100 offer in stock with that provider and data center.
    const h100 = new gpu.primeintellect.Pod("h100", {
        gpuType: "H100_80GB",
        provider: "hyperstack",
        dataCenterId: "CANADA-1",
        maxPricePerHour: 5,
        image: "cuda_12_4_pytorch_2_5",
    });

    // GPU Dev: the reservation is the machine; it ends by itself after durationHours.
    const dev = new gpu.gpudev.Job("dev", { gpuType: "a100", durationHours: 2 });

    return {
        celiumSsh: trainer.sshCommand,
        runpodSsh: notebook.sshCommand,
        primeintellectSsh: h100.sshCommand,
        gpudevSsh: dev.sshCommand,
    };
}
