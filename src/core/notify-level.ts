/** Severity of an operator notification. */
export type NotifyLevel = 'info' | 'warn' | 'error';
