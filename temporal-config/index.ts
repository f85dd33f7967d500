// Temporal settings shared by the worker, the client and the local network.
export { DEFAULT_NAMESPACE, TASK_QUEUE } from './names';
export { BOT_SEARCH_ATTRIBUTES } from './search-attributes';
export { searchAttributeFlags, registerSearchAttributes } from './register-search-attributes';
