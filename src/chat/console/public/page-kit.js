// What the console's pages share: building elements without parsing HTML, and
// the one way Baton shows a moment (as its messages do: "2026-11-03 14:05 UTC").

/** Creates an element; `props` sets className, dataset, attributes and event handlers. Text is always text. */
export function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'className') node.className = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of [].concat(children)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}

/** "2026-11-03 14:05 UTC": the format of Baton's messages, whatever the browser's time zone. */
export function formatTime(iso) {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return String(iso);
  return `${new Date(Math.floor(ms / 60000) * 60000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Seconds as a tile shows them, in Baton's units: "45s", "30m", "2h30m",
 * "3d4h". A median over weeks does not need its seconds, so each size of
 * duration keeps its two largest units at most.
 */
export function formatDuration(seconds) {
  if (seconds < 59.5) return `${Math.round(seconds)}s`;
  if (seconds < 3570) return `${Math.round(seconds / 60)}m`;
  if (seconds < 86_370) {
    const minutes = Math.round(seconds / 60);
    return `${Math.floor(minutes / 60)}h${minutes % 60 === 0 ? '' : `${minutes % 60}m`}`;
  }
  const hours = Math.round(seconds / 3600);
  return `${Math.floor(hours / 24)}d${hours % 24 === 0 ? '' : `${hours % 24}h`}`;
}
