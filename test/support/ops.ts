import { runOps } from '../../tools/ops/cli.js';
import { serverContext } from '../../tools/ops/servers.js';

export interface OpsResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one ops command in-process on the servers `env` configures; its exit code, stdout and stderr. */
export async function runOpsCommand(env: NodeJS.ProcessEnv, ...argv: string[]): Promise<OpsResult> {
  let stdout = '';
  let stderr = '';
  const { context, close } = serverContext(env, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text), stderrIsTTY: false });
  try {
    return { code: await runOps(argv, context), stdout, stderr };
  } finally {
    await close();
  }
}
