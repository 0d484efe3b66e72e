import { compareOutput, formatReport } from '@synthfarm/sources';

/** `synthfarm compare SOURCE OUTDIR [--json]`: the fidelity report, as a table or as JSON. */
export async function compareCommand(source: string, outDir: string, opts: { tables?: string[]; json?: boolean }): Promise<void> {
  const report = await compareOutput(source, outDir, opts.tables ? { tables: opts.tables } : {});
  process.stdout.write(opts.json ? JSON.stringify(report) + '\n' : formatReport(report));
}
