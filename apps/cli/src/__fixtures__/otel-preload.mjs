// Preloaded into `sdk` (NODE_OPTIONS=--import) by the deploy test: what a user's OpenTelemetry SDK
// does, registered before the CLI runs. A batching processor whose timer would fire only after a
// minute: the spans reach SDK_TEST_SPANS_FILE only if the CLI flushes them before it exits.
import { appendFileSync } from 'node:fs';
import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

const file = process.env.SDK_TEST_SPANS_FILE;
const exporter = {
  export(spans, done) {
    for (const s of spans) {
      appendFileSync(file, `${JSON.stringify({ name: s.name, id: s.spanContext().spanId, parent: s.parentSpanContext?.spanId ?? null, status: s.status.code, attributes: s.attributes })}\n`);
    }
    done({ code: 0 });
  },
  shutdown: async () => {},
};
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 60_000 })] }));
