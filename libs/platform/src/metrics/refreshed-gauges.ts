import { Counter, Gauge, register, type LabelValues } from 'prom-client';

/** One value of one gauge. */
export interface GaugeReading {
  gauge: string;
  labels: LabelValues<string>;
  value: number;
}

export interface RefreshOptions {
  /** At most one computation starts per this long (a scrape in between gets the values cached). */
  intervalMs: number;
  /** How long a scrape waits for a computation it started; after that it answers with the previous values. */
  waitMs: number;
  /** Monotonic milliseconds (tests give their own). */
  now?: () => number;
}

/**
 * A computation whose result is cached: `read()` starts it again only once `intervalMs` has passed
 * since it last started, and only when something reads (a scrape), so an idle process queries
 * nothing. A scrape waits for a computation it started at most `waitMs`, then answers with the
 * values it has (a slow store must not make the scrape time out); the computation finishes in the
 * background. A failed computation keeps the previous values and is reported to `onError`.
 */
export class CachedReading<T> {
  private value: T | undefined;
  private startedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly compute: () => Promise<T>,
    private readonly options: RefreshOptions,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {
    this.now = options.now ?? (() => performance.now());
  }

  async read(): Promise<T | undefined> {
    if (!this.inFlight && this.now() - this.startedAt >= this.options.intervalMs) {
      this.startedAt = this.now();
      this.inFlight = (async () => {
        try {
          this.value = await this.compute();
        } catch (error) {
          this.onError(error);
        } finally {
          this.inFlight = undefined;
        }
      })();
    }
    if (this.inFlight) await waitAtMost(this.inFlight, this.options.waitMs);
    return this.value;
  }

  /** Settles when no computation is in flight (the service waits for it before closing its connections). */
  async idle(): Promise<void> {
    await this.inFlight;
  }
}

/** Waits for `work` at most `ms` milliseconds (it is not cancelled). */
export async function waitAtMost(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms).unref()))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Something that gives values of some gauges when asked (one per service and kind of reading). */
export interface GaugeSource {
  readonly gauges: ReadonlySet<string>;
  read(): Promise<readonly GaugeReading[] | undefined>;
}

/** The sources of this process (one process may run several services: the tests' systems do). */
const sources = new Set<GaugeSource>();

/** Adds a source; returns its removal (call it when the service stops). */
export function addGaugeSource(source: GaugeSource): () => void {
  sources.add(source);
  return () => void sources.delete(source);
}

/**
 * A gauge on prom-client's default registry whose values come from the sources that name it, read
 * when the registry is scraped: every value is replaced by what the sources give now (values of
 * a source that was removed disappear).
 */
export function refreshedGauge(name: string, help: string, labelNames: string[]): Gauge {
  const existing = register.getSingleMetric(name) as Gauge | undefined;
  if (existing) return existing;
  return new Gauge({
    name,
    help,
    labelNames,
    async collect() {
      const readings = await Promise.all([...sources].filter((source) => source.gauges.has(name)).map((source) => source.read()));
      // Nothing awaited between the reset and the last set: a concurrent scrape never sees half of them.
      this.reset();
      for (const reading of readings.flatMap((values) => values ?? [])) {
        if (reading.gauge === name) this.set(reading.labels, reading.value);
      }
    },
  });
}

/** Computations of a source that failed (its gauges then keep their previous values). */
export const refreshFailures: Counter<'service' | 'source'> =
  (register.getSingleMetric('cpor_metrics_refresh_failures_total') as Counter<'service' | 'source'> | undefined) ??
  new Counter({
    name: 'cpor_metrics_refresh_failures_total',
    help: 'Refreshes of store or broker gauges that failed; the gauges keep their previous values until one succeeds',
    labelNames: ['service', 'source'],
  });
