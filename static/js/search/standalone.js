// The search box on pages outside the app (admin pages): a result or Enter loads the app.

import { configureApi } from "../api.js";
import { setIconSprite } from "../dom.js";
import { initSearchBox } from "./box.js";

const form = document.getElementById("search-form");
if (form) {
  configureApi({ api: form.dataset.api, login: form.dataset.login });
  setIconSprite(form.dataset.icons);
  initSearchBox();
}
