import type { Command } from 'commander';
import { BACKEND_CHOICES } from '../runtime';
import { collectSystemInfo, type SystemInfo } from './system-info';
import type { CliIo } from './cli-io';

function formatBytes(n: number | null): string {
  if (n === null) return '-';
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`;
}

/** Plain-text rendering of {@link SystemInfo}. */
export function formatSystemInfo(info: SystemInfo): string {
  const lines: string[] = [];
  lines.push(`fasr ${info.fasrVersion} (node ${info.node}, ${info.platform})`);
  lines.push('');
  lines.push(`backend: ${info.backend.name} (provider ${info.backend.provider})`);
  lines.push(`  why: ${info.backend.reason}`);
  if (info.backend.wasmFeatures) {
    lines.push(`  wasm: simd ${info.backend.wasmFeatures.simd ? 'on' : 'off'}, threads ${info.backend.wasmFeatures.threads ? 'on' : 'off'}`);
  }
  lines.push('');
  if ('error' in info.ffmpeg) {
    lines.push(`ffmpeg: NOT FOUND (${info.ffmpeg.error})`);
  } else {
    for (const bin of [info.ffmpeg.ffmpeg, info.ffmpeg.ffprobe]) {
      lines.push(`${bin.name}: ${bin.path} (${bin.origin})`);
      lines.push(`  version: ${bin.version}`);
    }
  }
  lines.push('');
  lines.push('packages:');
  for (const [name, version] of Object.entries(info.packages)) lines.push(`  ${name}: ${version ?? 'not installed'}`);
  lines.push('');
  lines.push('models:');
  for (const m of info.models) {
    lines.push(`  ${m.found ? 'found  ' : 'MISSING'} ${m.id.padEnd(12)} ${formatBytes(m.sizeBytes).padStart(9)}  ${m.role}  ${m.path}`);
  }
  if (!info.models.some((m) => m.role.startsWith('SR'))) lines.push('  (no bundled SR model in models/)');
  return lines.join('\n') + '\n';
}

/** `fasr info`: versions, the chosen backend and why, the ffmpeg/ffprobe used, the models found. */
export function registerInfoCommand(program: Command, io: CliIo): void {
  program
    .command('info')
    .description('print versions, the compute backend and why it was chosen, the ffmpeg/ffprobe in use, and the models found')
    .option('--backend <name>', `compute backend: ${BACKEND_CHOICES.join(' | ')}`, 'auto')
    .option('--json', 'print JSON instead of text', false)
    .action(async (opts: { backend: string; json: boolean }) => {
      const info = await collectSystemInfo({ backend: opts.backend });
      io.out(opts.json ? JSON.stringify(info, null, 2) + '\n' : formatSystemInfo(info));
    });
}
