// Tiny DOM helpers. Everything user-provided goes in as text; only the server's sanitized
// message HTML is ever assigned to innerHTML (in messages/render.js).

const BLOCKS = "p, li, br, pre, blockquote, h1, h2, h3, h4, h5, h6, tr, td, th";

/** The words of a message's (sanitized) HTML, for a one-line preview: no Markdown marks.
 * DOMParser's document is inert: nothing in it runs or loads. */
export function plainText(html) {
  const doc = new DOMParser().parseFromString(html ?? "", "text/html");
  for (const block of doc.body.querySelectorAll(BLOCKS)) block.append(" ");
  return doc.body.textContent.replace(/\s+/g, " ").trim();
}

let sprite = "/static/img/icons.svg";

export function setIconSprite(url) {
  sprite = url;
}

/** h("button", {class: "x", type: "button", "aria-label": "Close"}, child, "text") */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An icon from the sprite; decorative (the button around it carries the name). */
export function icon(name, extraClass = "") {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", `icon ${extraClass}`.trim());
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const use = document.createElementNS(ns, "use");
  use.setAttribute("href", `${sprite}#${name}`);
  svg.append(use);
  return svg;
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function replaceChildren(node, ...children) {
  node.replaceChildren();
  append(node, children);
}
