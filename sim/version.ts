/** The package version, in a module of its own so the sweep engine can stamp it without loading the CLI. */
export const VERSION = '0.1.0';
