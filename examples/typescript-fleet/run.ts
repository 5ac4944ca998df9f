// `node bin/run.js preview|up|destroy [STACK]`: runs the fleet on a stack of this project
// (default `dev`) through Pulumi's Automation API. The program runs in this process, so
// no Node.js language host is needed: only the `pulumi` CLI and the provider plugin
// `pulumi-resource-pulumi-gpu` on PATH. The stack's settings are the project's
// (`pulumi config set ...` in this directory).
import * as path from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { fleet } from "./fleet";

const COMMANDS: Record<string, (stack: Stack) => Promise<unknown>> = {
    preview: (stack) => stack.preview({ onOutput: print }),
    up: async (stack) => {
        const { outputs } = await stack.up({ onOutput: print });
        for (const [name, output] of Object.entries(outputs)) {
            console.log(`${name}: ${output.secret ? "[secret]" : output.value}`);
        }
    },
    destroy: (stack) => stack.destroy({ onOutput: print }),
};

function print(text: string): void {
    process.stdout.write(text);
}

async function main(): Promise<void> {
    const [command = "up", stackName = "dev"] = process.argv.slice(2);
    const run = COMMANDS[command];
    if (run === undefined) {
        throw new Error(`usage: node bin/run.js ${Object.keys(COMMANDS).join("|")} [STACK]`);
    }
    const stack = await LocalWorkspace.selectStack(
        { stackName, projectName: "typescript-fleet", program: fleet },
        { workDir: path.resolve(__dirname, "..") },
    );
    await run(stack);
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
});
