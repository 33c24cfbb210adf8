/**
 * The workflow bundle built once by the script that starts workers (`npm start`, `npm test`) and
 * handed to them as REDIAL_WORKFLOW_BUNDLE, so a worker — and every restart of a crashed one —
 * starts polling without bundling workflows/ itself (seconds of webpack on a busy machine).
 */
import fs from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../../worker/create';

const quiet = { log() {}, info() {}, warn: console.warn, error: console.error, debug() {}, trace() {} };

/** Bundles workflows/ into `file` and returns its path. */
export async function writeWorkflowBundle(file: string): Promise<string> {
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: quiet as never });
  fs.writeFileSync(file, bundle.code);
  return file;
}
