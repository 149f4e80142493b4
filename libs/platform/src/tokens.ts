/** DI tokens shared by the service chassis. */
export const MONGO_CONNECTION = Symbol('MONGO_CONNECTION');
