// CPU time and resident memory of a process, read from /proc (Linux), over a window.
import { readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ on Linux

interface Sample {
  cpuSeconds: number;
  rssMb: number;
  at: number;
}

function sample(pid: number): Sample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rssKb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return { cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS, rssMb: rssKb / 1024, at: Date.now() };
}

export interface Usage {
  cpuPercent: number;
  rssMeanMb: number;
  rssMaxMb: number;
}

/** Samples every pid once a second for `seconds`: CPU % of one core over the window, RSS mean and max. */
export async function measureProcesses(pids: number[], seconds: number): Promise<Usage[]> {
  const samples = pids.map((pid) => [sample(pid)]);
  for (let i = 0; i < seconds; i++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    pids.forEach((pid, j) => samples[j].push(sample(pid)));
  }
  return samples.map((s) => {
    const first = s[0];
    const last = s[s.length - 1];
    const rss = s.map((x) => x.rssMb);
    return {
      cpuPercent: (100 * (last.cpuSeconds - first.cpuSeconds)) / ((last.at - first.at) / 1000),
      rssMeanMb: rss.reduce((a, b) => a + b, 0) / rss.length,
      rssMaxMb: Math.max(...rss),
    };
  });
}
