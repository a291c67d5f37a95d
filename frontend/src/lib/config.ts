// Runtime settings served by the gateway as /config.js (so tiles change without a rebuild).
export interface UiConfig {
  tileUrl: string;
  tileAttribution: string;
}

declare global {
  interface Window {
    LASTMILE_CONFIG?: Partial<UiConfig>;
  }
}

const DEFAULTS: UiConfig = {
  tileUrl: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
  tileAttribution: "&copy; OpenStreetMap contributors",
};

export function uiConfig(): UiConfig {
  return { ...DEFAULTS, ...(window.LASTMILE_CONFIG ?? {}) };
}
