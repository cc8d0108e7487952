import { APP_CSS, ICON_SVG } from "./assets/app-css";
import { APP_JS } from "./assets/app-js";

/** FNV-1a over the assets: a new version whenever one changes, so browsers never mix old and new. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16);
}

export const ASSET_VERSION = fnv1a(APP_JS + APP_CSS + ICON_SVG);

/** The viewer's static files by name, with their content types. */
export const ASSETS: Record<string, { body: string; type: string }> = {
  "app.js": { body: APP_JS, type: "text/javascript; charset=utf-8" },
  "app.css": { body: APP_CSS, type: "text/css; charset=utf-8" },
  "icon.svg": { body: ICON_SVG, type: "image/svg+xml" },
};
