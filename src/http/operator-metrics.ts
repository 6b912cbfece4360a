import { Counter, Histogram, type Registry } from 'prom-client';

/** Outcome label of a control request, from its status code. */
function outcomeOf(status: number): string {
  if (status < 300) return 'ok';
  if (status === 401) return 'unauthorized';
  if (status === 429) return 'rate_limited';
  if (status < 500) return 'refused';
  return 'error';
}

const KNOWN_COMMANDS = new Set(['status', 'get', 'set', 'orders', 'cancel', 'stop', 'help', 'start']);

/** Seconds buckets for order latencies: exchange round trips, up to fills that take minutes. */
const LATENCY_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

/**
 * What the operator surface adds to `/metrics`: control API requests by route and outcome,
 * interactor commands by outcome, and the order latency histograms (queued → sent, sent →
 * acknowledged, acknowledged → first fill). Registered into the status metrics' registry.
 */
export class OperatorMetrics {
  readonly #control: Counter;
  readonly #commands: Counter;
  readonly #latency: Histogram;

  constructor(registry: Registry, prefix = 'misso_') {
    const registers = [registry];
    this.#control = new Counter({
      name: `${prefix}control_requests_total`,
      help: 'Control API requests, by route and outcome.',
      labelNames: ['route', 'outcome'],
      registers,
    });
    this.#commands = new Counter({
      name: `${prefix}interactor_commands_total`,
      help: 'Chat commands received by the interactor, by command and outcome.',
      labelNames: ['command', 'outcome'],
      registers,
    });
    this.#latency = new Histogram({
      name: `${prefix}order_latency_seconds`,
      help: 'Order latency by stage: queued_to_sent, sent_to_acked, acked_to_first_fill.',
      labelNames: ['stage'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
  }

  /** Counts one control request. */
  controlRequest(route: string, status: number): void {
    this.#control.inc({ route, outcome: outcomeOf(status) });
  }

  /**
   * Counts `count` interactor commands. Refused strangers' commands come folded, as a count
   * under their last command: they are counted as command 'any'.
   */
  command(command: string, outcome: string, count = 1): void {
    // Anyone can type anything at a bot: only known commands become label values.
    const label = outcome === 'unauthorized' ? 'any' : KNOWN_COMMANDS.has(command) ? command : 'other';
    this.#commands.inc({ command: label, outcome }, count);
  }

  /** Observes one order latency. */
  latency(stage: 'queued_to_sent' | 'sent_to_acked' | 'acked_to_first_fill', ms: number): void {
    if (Number.isFinite(ms) && ms >= 0) this.#latency.observe({ stage }, ms / 1000);
  }
}
