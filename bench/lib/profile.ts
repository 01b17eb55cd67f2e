// BENCH_PROFILE=file.cpuprofile in a bench child server: CPU-profile it from the call (after
// start-up) until SIGTERM, then write the profile (open it in Chrome DevTools). Without the
// variable, SIGTERM just exits.
export async function profileUntilSigterm(): Promise<void> {
  const file = process.env.BENCH_PROFILE;
  if (!file) {
    process.once('SIGTERM', () => process.exit(0));
    return;
  }
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  process.once('SIGTERM', async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    writeFileSync(file + '.windows.json', JSON.stringify((globalThis as any).__W ?? []));
    process.exit(0);
  });
}
