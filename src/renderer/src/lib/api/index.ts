export { api, bridgeClient, httpClient, takeToken, type ApiClient } from './client.js';
export type { ArgsOf, ResultOf, MethodName, EventName, EventMap } from './client.js';
