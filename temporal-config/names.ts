/** The namespace the bot uses unless configured otherwise. */
export const DEFAULT_NAMESPACE = 'default';
/** The one task queue every nexus-bot worker polls (workflows and activities). */
export const TASK_QUEUE = 'nexus-bot';
