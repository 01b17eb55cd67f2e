// BENCH_PROFILE=file.cpuprofile in a bench child server: CPU-profile it (100 µs sampling) from
// the call (after start-up) until SIGTERM, then write the profile (open it in Chrome
// DevTools). With BENCH_PROFILE_HEAP=1 too: a sampling heap profile instead. Without
// BENCH_PROFILE, SIGTERM just exits.
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
  if (process.env.BENCH_PROFILE_HEAP) {
    // Allocation sampling instead of CPU: where the garbage comes from.
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 4096 });
    process.once('SIGTERM', async () => {
      const { profile } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(file, JSON.stringify(profile));
      process.exit(0);
    });
    return;
  }
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  process.once('SIGTERM', async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    process.exit(0);
  });
}
