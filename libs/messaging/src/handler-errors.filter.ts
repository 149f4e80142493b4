import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';

/**
 * Lets a Kafka handler's own error reach `KafkaTransport`. Nest's default RPC filter replaces
 * every error that is not an RpcException with `{ status: 'error', message: 'Internal server
 * error' }`, so without this the DLQ `dlq_error` header only says "Internal server error" (the
 * retry and DLQ behaviour is the same either way, and `NonRetryableError` is recognised either way).
 *
 * Use on consumer controllers: `@UseFilters(new KafkaHandlerErrorsFilter())`, or globally in a
 * pure microservice. A global filter in a hybrid HTTP app must leave HTTP errors to the HTTP
 * filter: rethrowing in the `rpc` context, as this one does, is what matters.
 */
@Catch()
export class KafkaHandlerErrorsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): never {
    void host;
    throw exception;
  }
}
