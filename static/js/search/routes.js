// Search in the app: the header box, the results page at /search?q=…, and message links
// (/c/<channel>/m/<id>) followed in place, with the address bar and Back kept in step.

import { initSearchBox } from "./box.js";
import { isSearchUrl, parseMessageUrl } from "./links.js";
import { SearchPage } from "./results.js";

/** hooks: {channelView, beforeRoute()} -> {start(boot), popstate(), leave()} */
export function initSearchRoutes({ channelView, beforeRoute = () => {} }) {
  const page = new SearchPage({ go });
  initSearchBox({ openUrl: go });

  function showSearch() {
    beforeRoute();
    channelView.suspend();
    return page.show();
  }

  function showMessage({ channel, id }) {
    beforeRoute();
    page.hide();
    return channelView.openAt(channel, id);
  }

  /** Follow an address inside the app when it is ours; otherwise load it. */
  function go(url) {
    const target = new URL(url, location.href);
    const message = parseMessageUrl(target.href);
    if (!isSearchUrl(target.href) && !message) {
      window.location.assign(target.href);
      return;
    }
    if (target.href !== location.href) window.history.pushState({}, "", target.href);
    if (message) showMessage(message);
    else showSearch();
  }

  // Result links, pins and pasted message links: ordinary left clicks stay in the app.
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[href]") : null;
    if (!link || event.defaultPrevented || event.button !== 0 || link.target || link.hasAttribute("download")) return;
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    const target = new URL(link.href, location.href);
    if (target.origin !== location.origin) return;
    if (!isSearchUrl(target.href) && !parseMessageUrl(target.href)) return;
    event.preventDefault();
    go(target.href);
  });

  return {
    /** The first screen, when the address is a search or a message; false otherwise. */
    async start(boot) {
      if (boot.view === "search") {
        await showSearch();
        return true;
      }
      if (boot.message && boot.channel) {
        await showMessage({ channel: boot.channel, id: boot.message });
        return true;
      }
      return false;
    },
    /** Back/Forward: true when the address was ours and is shown. */
    popstate() {
      const message = parseMessageUrl(location.href);
      if (isSearchUrl(location.href)) showSearch();
      else if (message) showMessage(message);
      else {
        page.hide();
        return false;
      }
      return true;
    },
    /** Another view (a channel) takes the main pane. */
    leave() {
      page.hide();
    },
  };
}
