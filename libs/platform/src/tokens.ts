/** DI tokens shared by the service chassis. */
export const MONGO_CONNECTION = Symbol('MONGO_CONNECTION');
/** The service this process runs (intake, review, ...): a ServiceName. */
export const SERVICE_NAME = Symbol('SERVICE_NAME');
