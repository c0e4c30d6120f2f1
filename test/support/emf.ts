/** One CloudWatch embedded metric format record, as Powertools Metrics writes it on a line of stdout. */
export interface EmfRecord {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [member: string]: unknown;
}

/** One metric of a record: what CloudWatch makes of it. */
export interface EmfDatapoint {
  name: string;
  unit: string;
  /** A number, or the numbers of a metric recorded more than once in the record. */
  value: number | number[];
  namespace: string;
  dimensionSets: string[][];
  /** Every dimension's value, by name. */
  dimensions: Record<string, string>;
}

const isEmf = (value: unknown): value is EmfRecord => typeof value === 'object' && value !== null && '_aws' in value;

function parse(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/**
 * Takes the EMF records off stdout while it runs (Powertools writes them there, as CloudWatch Logs reads
 * them in Lambda); every other line goes through. `stop()` gives stdout back.
 *
 * @example
 * const emf = captureEmf();
 * await agent.signUp('demo');
 * expect(emf.datapoints('HandshakeStarted')).toHaveLength(1);
 */
export function captureEmf() {
  const records: EmfRecord[] = [];
  const write = process.stdout.write;
  process.stdout.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    const lines = String(chunk).split('\n').filter(Boolean);
    const emf = lines.map(parse).filter(isEmf);
    if (emf.length === 0 || emf.length !== lines.length) return (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    records.push(...emf);
    const done = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    done?.();
    return true;
  } as typeof process.stdout.write;
  return {
    records,
    /** Every datapoint of the metric `name`, in the order written. */
    datapoints(name: string): EmfDatapoint[] {
      return records.flatMap((record) =>
        record._aws.CloudWatchMetrics.flatMap((directive) =>
          directive.Metrics.filter((metric) => metric.Name === name).map((metric) => ({
            name,
            unit: metric.Unit,
            value: record[name] as number | number[],
            namespace: directive.Namespace,
            dimensionSets: directive.Dimensions,
            dimensions: Object.fromEntries(directive.Dimensions.flat().map((dimension) => [dimension, String(record[dimension])])),
          })),
        ),
      );
    },
    stop() {
      process.stdout.write = write;
    },
  };
}
