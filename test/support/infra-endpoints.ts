/** One of the local broker's SASL listeners, as scripts/infra.mjs `up()` describes it. */
export interface KafkaSaslEndpoint {
  brokers: string[];
  mechanisms: string[];
  /** The fixed local development user and password (docs/operations.md, Kafka security). */
  username: string;
  password: string;
}

export interface InfraEndpoints {
  kafka: { brokers: string[]; sasl: KafkaSaslEndpoint; saslSsl: KafkaSaslEndpoint & { caFile: string } };
  mongodb: { url: string };
  smtp: { host: string; port: number };
  mail: { url: string };
}

/** The servers' endpoints that the global setup (global-setup.js) got from `up()`. */
export function infraEndpoints(): InfraEndpoints {
  const text = process.env.INFRA_ENDPOINTS;
  if (!text) throw new Error('INFRA_ENDPOINTS is not set: run this test in the integration or e2e project (its global setup starts the servers)');
  return JSON.parse(text) as InfraEndpoints;
}
