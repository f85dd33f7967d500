// A configuration that cannot work (a bad field, an unreadable file it names): the worker and the
// CLI print its message, which names the field, and exit; nothing is retried.
export class ConfigError extends Error {
  override name = 'ConfigError';
}
