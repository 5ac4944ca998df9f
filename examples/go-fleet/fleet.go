// The fleet: a GPU pod on each of the four clouds, the same resources as
// examples/yaml-fleet, through the SDK generated from the provider plugin's schema.
package main

import (
	"github.com/pulumi-gpu/pulumi-gpu/sdk/go/pulumigpu/celium"
	"github.com/pulumi-gpu/pulumi-gpu/sdk/go/pulumigpu/gpudev"
	"github.com/pulumi-gpu/pulumi-gpu/sdk/go/pulumigpu/primeintellect"
	"github.com/pulumi-gpu/pulumi-gpu/sdk/go/pulumigpu/runpod"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

const exampleKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB/6vi7VtlHAbDYurbV/k70dQql4m7GcdCuBtYMCu/t8 go-fleet"

// fleet declares the fleet and exports the SSH commands.
func fleet(ctx *pulumi.Context) error {
	cfg := config.New(ctx, "")
	sshPublicKey := cfg.Get("sshPublicKey")
	if sshPublicKey == "" {
		sshPublicKey = exampleKey
	}
	desiredStatus := runpod.PodDesiredStatus(cfg.Get("desiredStatus"))
	if desiredStatus == "" {
		desiredStatus = runpod.PodDesiredStatusRunning
	}
	sshPublicKeys := pulumi.StringArray{pulumi.String(sshPublicKey)}

	// Celium: a template (verified by Celium before pods may use it) and a pod renting the
	// cheapest executor with one A100.
	vllm, err := celium.NewTemplate(ctx, "vllm", &celium.TemplateArgs{
		DockerImage:    pulumi.String("vllm/vllm-openai"),
		DockerImageTag: pulumi.String("v0.6.3"),
		InternalPorts:  pulumi.IntArray{pulumi.Int(22), pulumi.Int(8000)},
	})
	if err != nil {
		return err
	}
	trainer, err := celium.NewPod(ctx, "trainer", &celium.PodArgs{
		TemplateId:    vllm.ID(),
		SshPublicKeys: sshPublicKeys,
		Selector: celium.ExecutorSelectorArgs{
			GpuModel: pulumi.String("A100"),
			GpuCount: pulumi.Int(1),
		},
	})
	if err != nil {
		return err
	}

	// RunPod: desiredStatus "stopped" stops it in place (the GPU is released, the pod kept).
	notebook, err := runpod.NewPod(ctx, "notebook", &runpod.PodArgs{
		GpuType:       pulumi.String("NVIDIA GeForce RTX 4090"),
		Image:         pulumi.String("runpod/pytorch:2.4.0-py3.11-cuda12.4.1-devel-ubuntu22.04"),
		ExposedPorts:  pulumi.StringArray{pulumi.String("8888/http"), pulumi.String("22/tcp")},
		SshPublicKeys: sshPublicKeys,
		Env:           pulumi.StringMap{"HF_HOME": pulumi.String("/workspace/hf")},
		DesiredStatus: desiredStatus,
	})
	if err != nil {
		return err
	}

	// Prime Intellect: the cheapest H100 offer in stock with that provider and data center.
	h100, err := primeintellect.NewPod(ctx, "h100", &primeintellect.PodArgs{
		GpuType:         primeintellect.PodGpuType_H100_80GB,
		Provider:        primeintellect.PodProviderHyperstack,
		DataCenterId:    pulumi.String("CANADA-1"),
		MaxPricePerHour: pulumi.Float64(5),
		Image:           primeintellect.PodImage_Cuda_12_4_pytorch_2_5,
	})
	if err != nil {
		return err
	}

	// GPU Dev: the reservation is the machine; it ends by itself after durationHours.
	dev, err := gpudev.NewJob(ctx, "dev", &gpudev.JobArgs{
		GpuType:       gpudev.JobGpuTypeA100,
		DurationHours: pulumi.Int(2),
	})
	if err != nil {
		return err
	}

	ctx.Export("celiumSsh", trainer.SshCommand)
	ctx.Export("runpodSsh", notebook.SshCommand)
	ctx.Export("primeintellectSsh", h100.SshCommand)
	ctx.Export("gpudevSsh", dev.SshCommand)
	return nil
}
