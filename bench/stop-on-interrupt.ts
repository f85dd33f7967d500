// A bench interrupted (Ctrl-C, SIGTERM) stops the network of the run in progress first: its
// services are child processes that would otherwise outlive it.
export function stopOnInterrupt(current: () => { stop(): Promise<void> } | undefined): void {
  const stopAndExit = async (code: number) => {
    process.stderr.write('\ninterrupted: stopping the network\n');
    try {
      await current()?.stop();
    } finally {
      process.exit(code);
    }
  };
  process.once('SIGINT', () => void stopAndExit(130));
  process.once('SIGTERM', () => void stopAndExit(143));
}
