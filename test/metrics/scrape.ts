// Reading a Prometheus text exposition in tests: fetch it, and find one sample's value.

export async function scrape(httpUrl: string): Promise<string> {
  const res = await fetch(`${httpUrl}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics: ${res.status}`);
  return res.text();
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** The value of the sample with exactly these labels (in any order); 0 when it is absent. */
export function sampleValue(text: string, name: string, labels: Record<string, string>): number {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .sort();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && line.split(' ')[0] !== name) continue;
    const open = line.indexOf('{');
    const close = line.lastIndexOf('}');
    const head = open < 0 ? line.split(' ')[0] : line.slice(0, open);
    if (head !== name) continue;
    const have =
      open < 0
        ? []
        : line
            .slice(open + 1, close)
            .split(/,(?=[a-zA-Z_]+=")/)
            .filter(Boolean)
            .sort();
    if (have.length === want.length && have.every((h, i) => h === want[i]))
      return Number(line.slice(open < 0 ? head.length : close + 1).trim());
  }
  return 0;
}
