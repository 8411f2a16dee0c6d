// "Alex is typing…": each typing event keeps a person listed for 5 seconds.

import { displayName } from "../store.js";

const SHOW_MS = 5000;

export class TypingIndicator {
  constructor(el) {
    this.el = el;
    this.timers = new Map(); // username -> timeout
  }

  show(username) {
    clearTimeout(this.timers.get(username));
    this.timers.set(username, setTimeout(() => this.clear(username), SHOW_MS));
    this.#render();
  }

  clear(username) {
    if (!this.timers.has(username)) return;
    clearTimeout(this.timers.get(username));
    this.timers.delete(username);
    this.#render();
  }

  reset() {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    this.#render();
  }

  #render() {
    const names = [...this.timers.keys()].map(displayName);
    let text = "";
    if (names.length === 1) text = `${names[0]} is typing…`;
    else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
    else if (names.length > 2) text = "Several people are typing…";
    this.el.textContent = text;
  }
}
