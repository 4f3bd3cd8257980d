/** Recorded in SARIF `tool.driver.version` and in the rules backend's model name. */
export const VERSION = '0.2.0';
