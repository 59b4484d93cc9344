/** Waits until a `peakform serve` child answers /health (benches start servers of any checkout). */
export async function waitForHealth(baseUrl: string, attempts = 300): Promise<void> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const ok = await fetch(`${baseUrl}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`the server at ${baseUrl} did not start`);
}
