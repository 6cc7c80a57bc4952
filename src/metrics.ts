import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The figures an operator alerts on; exposed at /metrics in Prometheus text format. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'greenlight_process_' });
  return {
    registry,
    deliveries: new Counter({
      name: 'greenlight_deliveries_total',
      help: 'Delivery attempts by network and outcome (published, retry, failed, needs_reconnect, unconfirmed, held, skipped, rate_waiting)',
      labelNames: ['network', 'outcome'] as const,
      registers: [registry],
    }),
    publishLateness: new Histogram({
      name: 'greenlight_publish_lateness_seconds',
      help: "Seconds between a delivery's due time and its first network call",
      labelNames: ['network'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 60, 300],
      registers: [registry],
    }),
    interactionAck: new Histogram({
      name: 'greenlight_interaction_ack_seconds',
      help: 'Seconds from receiving a chat interaction to acknowledging it',
      labelNames: ['chat', 'kind'] as const,
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.1, 0.25, 0.5, 1, 3],
      registers: [registry],
    }),
    chatPostFailures: new Counter({
      name: 'greenlight_chat_post_failures_total',
      help: 'Cards and thread receipts the chat refused or did not answer (each is retried until it is posted)',
      labelNames: ['chat', 'kind'] as const,
      registers: [registry],
    }),
    accounts: new Gauge({
      name: 'greenlight_accounts',
      help: 'Social accounts by network and status (connected, needs_reconnect, disconnected; sampled at scrape time)',
      labelNames: ['network', 'status'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'greenlight_queue_depth',
      help: 'Jobs waiting in each queue (sampled at scrape time)',
      labelNames: ['queue'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
