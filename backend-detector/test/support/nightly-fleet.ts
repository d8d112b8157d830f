/**
 * A generated fleet with a nightly batch job on every host: 5-minute CPU points with a
 * daily cycle and noise, a jump of +35 from 03:00 to 03:20 UTC every night, and injected
 * anomalies (spikes and dips) at other times. Used to measure what a maintenance schedule
 * does to nightly alarms and to recall (test/unit/replay/nightly-fleet.test.ts, docs/policy.md).
 */
export const FLEET_START = Date.UTC(2026, 10, 2);
export const FLEET_STEP = 5 * 60_000;

export interface FleetHost {
  host: string;
  rows: { ts: number; value: number }[];
  /** Rows where an injected anomaly starts (each lasts 3 rows). */
  anomalies: number[];
}

/**
 * Whether an alarm at `ts` is the job's: while it runs (03:00–03:20 UTC) or within 15
 * minutes after it (the drop back is an edge too).
 */
export function inJobHour(ts: number): boolean {
  const d = new Date(ts);
  return d.getUTCHours() === 3 && d.getUTCMinutes() < 35;
}

export function nightlyFleet(
  hosts = 10,
  days = 14,
  anomaliesPerHost = 3,
  seed = 3,
  start = FLEET_START
): FleetHost[] {
  let x = seed;
  const rand = () => (x = (x * 16807) % 2147483647) / 2147483647;
  const n = (days * 86_400_000) / FLEET_STEP;
  const fleet: FleetHost[] = [];
  for (let h = 0; h < hosts; h++) {
    const anomalies: number[] = [];
    while (anomalies.length < anomaliesPerHost) {
      // After the first two days (warm-up), away from the job's hour and from each other.
      const at = 576 + Math.floor(rand() * (n - 600));
      const hour = new Date(start + at * FLEET_STEP).getUTCHours();
      if (hour >= 2 && hour <= 4) continue;
      if (anomalies.some((a) => Math.abs(a - at) < 300)) continue;
      anomalies.push(at);
    }
    anomalies.sort((a, b) => a - b);
    const signs = anomalies.map(() => (rand() < 0.5 ? -1 : 1));
    const sizes = anomalies.map(() => 8 + rand() * 22);
    const rows = [];
    for (let i = 0; i < n; i++) {
      const ts = start + i * FLEET_STEP;
      const d = new Date(ts);
      const minuteOfDay = d.getUTCHours() * 60 + d.getUTCMinutes();
      let v = 40 + 10 * Math.sin((2 * Math.PI * minuteOfDay) / 1440) + (rand() - 0.5) * 4;
      if (minuteOfDay >= 180 && minuteOfDay < 200) v += 35; // the nightly batch job
      anomalies.forEach((a, k) => {
        if (i >= a && i < a + 3) v += signs[k]! * sizes[k]!;
      });
      rows.push({ ts, value: v });
    }
    fleet.push({ host: `host-${h + 1}`, rows, anomalies });
  }
  return fleet;
}

export interface FleetAlarms {
  /** Alarms (event openings) while the job runs or just after it. */
  nightly: number;
  /** Alarms neither in the job's window nor at an injected anomaly. */
  other: number;
  found: number;
  injected: number;
  recall: number;
}

/** Count alarms and found anomalies from each host's is_anomaly flags (one per row). */
export function fleetAlarms(fleet: FleetHost[], flags: (host: FleetHost) => boolean[]): FleetAlarms {
  let nightly = 0;
  let other = 0;
  let found = 0;
  let injected = 0;
  for (const h of fleet) {
    const flag = flags(h);
    const near = (i: number) => h.anomalies.some((a) => i >= a && i < a + 6);
    flag.forEach((f, i) => {
      if (!f || flag[i - 1]) return;
      if (inJobHour(h.rows[i]!.ts)) nightly++;
      else if (!near(i)) other++;
    });
    for (const a of h.anomalies) {
      injected++;
      if (flag.slice(a, a + 6).some(Boolean)) found++;
    }
  }
  return { nightly, other, found, injected, recall: found / injected };
}

/** The schedule of the worked example in docs/policy.md. */
export const NIGHTLY_POLICY = `maintenance:
  - match: '{metric="cpu_utilization"}'
    name: nightly batch job
    schedule: '0 3 * * *'
    duration: 30m
`;
