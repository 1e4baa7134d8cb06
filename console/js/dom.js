// Building the page: elements from data, text always as text nodes (nothing the API returns is
// ever parsed as HTML), and the few accessibility chores every page shares.

/**
 * An element: h("a", {href: "#/queue", class: "x", onclick: fn}, "text", child, [more]).
 * Attributes that are null, undefined or false are left out; true sets an empty attribute.
 */
export function h(tag, attributes, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "dataset") Object.assign(element.dataset, value);
    // Through the CSSOM: the pages' Content-Security-Policy (style-src 'self') refuses style
    // attributes, not style properties set from a script.
    else if (name === "style" && typeof value === "object") Object.assign(element.style, value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

/** Appends children (nested arrays, strings, numbers, nodes; null and false skipped). */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
  return parent;
}

let ids = 0;

/** A fresh id for label/input pairs. */
export function uid(prefix) {
  ids += 1;
  return `${prefix}-${ids}`;
}

/** Says `text` to screen readers through the page's polite live region. */
export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = text;
  }, 30);
}

let navigated = false;

/** Called once the agent has moved between pages: from then on each page's heading takes focus. */
export function markNavigated() {
  navigated = true;
}

/** Focus on a new page's heading, so keyboard and screen-reader users start there; not on the
 * first page of a visit, where the browser's own start (the skip link) is the right one. */
export function focusHeading(heading) {
  if (navigated) focus(heading);
}

/** Moves focus to `element` (made focusable by script only) without scrolling past it. */
export function focus(element) {
  if (!element) return;
  if (!element.hasAttribute("tabindex")) element.setAttribute("tabindex", "-1");
  element.focus({ preventScroll: false });
}

/** A notice box; `tone` is "ok", "warn", "error" or "" (information). */
export function notice(tone, ...content) {
  const role = tone === "error" ? "alert" : "status";
  return h("div", { class: `notice ${tone}`.trim(), role, tabindex: "-1" }, ...content);
}

/** A table wrapped so that it scrolls on its own on narrow screens instead of the page. */
export function table(caption, head, rows, options = {}) {
  const headRow = h(
    "tr",
    null,
    head.map((cell) => {
      const spec = typeof cell === "string" ? { text: cell } : cell;
      return h("th", { scope: "col", class: spec.num ? "num" : null }, spec.text);
    }),
  );
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: options.class || null, "aria-describedby": options.describedBy || null },
      caption ? h("caption", null, caption) : null,
      h("thead", null, headRow),
      h("tbody", null, rows),
      options.foot ? h("tfoot", null, options.foot) : null,
    ),
  );
}
