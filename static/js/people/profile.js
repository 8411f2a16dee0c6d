// One person's profile: directory fields (marked as such), what they wrote about themselves,
// their channels and tips, a Message button, and for one's own page the edit form.

import { ApiError, enc, get, patch, post } from "../api.js";
import { openDialog } from "../dialogs.js";
import { h } from "../dom.js";
import { initials, tone } from "../format.js";
import { learnName, setChannel, state } from "../store.js";
import { toast, toastError } from "../toast.js";

const $ = (id) => document.getElementById(id);
const LOCAL_FIELDS = [
  ["display_name", "Name", 200], ["title", "Title", 200], ["department", "Department", 200],
  ["specialty", "Specialty", 200], ["facility", "Facility", 200], ["phone", "Phone", 64],
];
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

const splitTags = (text) => text.split(",").map((t) => t.trim()).filter(Boolean);
const peopleLink = (key, value) => `${state.urls.people}?${new URLSearchParams({ [key]: value })}`;

export class ProfileView {
  constructor({ navigate }) {
    this.navigate = navigate;
    this.user = null;
    this.seq = 0;
    $("profile-form").addEventListener("submit", (event) => this.save(event));
    $("pf-photo-remove").addEventListener("click", () => this.removePhoto());
  }

  async open(username) {
    const mine = ++this.seq;
    const pane = $("profile-pane");
    pane.replaceChildren(h("p", { class: "muted", text: "Loading profile…" }));
    let data;
    try {
      data = await get(`/users/${enc(username)}`);
    } catch (err) {
      if (mine === this.seq) pane.replaceChildren(h("p", { class: "muted", text: err.message }));
      return;
    }
    if (mine !== this.seq) return;
    this.user = data.user;
    learnName(data.user);
    this.render(data.user, data.channels);
    this.loadTips(data.user.username, mine);
  }

  render(user, channels) {
    const me = user.username === state.me.username;
    const fromDirectory = new Set(user.directory_fields);
    const marker = fromDirectory.size
      ? h("span", { class: "directory-mark", title: "These details come from the hospital directory and are changed there.",
        text: "from the directory" }) : null;
    const contact = [
      user.phone ? h("dd", {}, h("a", { href: `tel:${user.phone}`, text: user.phone })) : null,
      user.email ? h("dd", {}, h("a", { href: `mailto:${user.email}`, text: user.email })) : null,
    ];
    const facts = [["Specialty", user.specialty, "specialty"], ["Department", user.department, "department"],
      ["Facility", user.facility, "facility"]].filter(([, value]) => value);
    $("profile-pane").replaceChildren(
      h("header", { class: "profile-head" },
        user.photo_url ? h("img", { class: "profile-photo", src: `${user.photo_url}?v=${Date.now()}`, alt: `Photo of ${user.display_name}` })
          : h("span", { class: `profile-photo avatar avatar--t${tone(user.username)}`, "aria-hidden": "true", text: initials(user.display_name) }),
        h("div", { class: "profile-id" },
          h("h2", { class: "profile-name", id: "profile-name" }, user.display_name,
            user.credentials ? h("span", { class: "profile-credentials", text: `, ${user.credentials}` }) : null),
          user.title ? h("p", { class: "profile-title", text: user.title }) : null,
          h("p", { class: "profile-username", text: `@${user.username}${user.active ? "" : " · no longer active"}` }),
          user.availability ? h("p", { class: "profile-availability", id: "profile-availability", text: user.availability }) : null),
        h("div", { class: "profile-actions" },
          me ? h("button", { class: "btn", id: "profile-edit", type: "button", onclick: () => this.edit() }, "Edit profile")
            : h("button", { class: "btn btn--primary", id: "profile-message", type: "button", disabled: !user.active,
              onclick: () => this.message(user) }, "Message"))),
      h("section", { class: "profile-section profile-directory", "aria-labelledby": "pd-heading" },
        h("h3", { id: "pd-heading" }, "Details ", marker),
        h("dl", { class: "profile-facts" },
          ...facts.flatMap(([label, value, key]) => [h("dt", { text: label }),
            h("dd", { dataset: { field: key } }, key === "department" ? value : h("a", { href: peopleLink(key, value), text: value }))]),
          user.phone || user.email ? h("dt", { text: "Contact" }) : null, ...contact)),
      h("section", { class: "profile-section", "aria-labelledby": "pa-heading" },
        h("h3", { id: "pa-heading", text: "About" }),
        user.bio ? h("p", { class: "profile-bio", id: "profile-bio", text: user.bio })
          : h("p", { class: "muted", id: "profile-bio", text: me ? "Add a short bio so colleagues know what to ask you." : "No bio yet." }),
        user.ask_me_about ? h("p", { class: "profile-ask" }, h("strong", { text: "Ask me about: " }), user.ask_me_about) : null,
        this.tags("Expertise", user.expertise, "expertise"),
        this.tags("EHR systems", user.ehr_systems, "ehr")),
      h("section", { class: "profile-section", "aria-labelledby": "pc-heading" },
        h("h3", { id: "pc-heading", text: "Channels" }),
        channels.length ? h("ul", { class: "profile-channels" }, ...channels.map((c) => h("li", {},
          h("a", { href: state.urls.channel.replace("CHANNEL", enc(c.name)), dataset: { channel: c.name },
            text: `${c.private ? "🔒 " : "#"}${c.title || c.name}` }))))
          : h("p", { class: "muted", text: "No channels you can see." })),
      h("section", { class: "profile-section", id: "profile-tips", "aria-labelledby": "pt-heading", hidden: true },
        h("h3", { id: "pt-heading", text: "Tips" }), h("ul", { class: "profile-tip-list", id: "profile-tip-list" })),
    );
  }

  tags(label, values, key) {
    if (!values.length) return null;
    return h("div", { class: "profile-tags" }, h("span", { class: "profile-tags-label", text: `${label}:` }),
      ...values.map((v) => h("a", { class: "tag", href: peopleLink(key, v), text: v })));
  }

  /** Their tips, when the tips API answers; nothing at all otherwise. */
  async loadTips(username, mine) {
    let data;
    try {
      data = await get("/tips", { owner: username });
    } catch {
      return; // no tips endpoint yet, or nothing to show: the section stays hidden
    }
    const tips = Array.isArray(data?.tips) ? data.tips : [];
    if (mine !== this.seq || !tips.length) return;
    $("profile-tip-list").replaceChildren(...tips.map((tip) => h("li", { class: "profile-tip" },
      h("span", { class: "profile-tip-title", text: tip.title }),
      tip.channel ? h("span", { class: "muted", text: ` · #${tip.channel}` }) : null)));
    $("profile-tips").hidden = false;
  }

  async message(user) {
    try {
      const { channel } = await post("/direct", { username: user.username });
      state.partners.set(channel.name, { username: user.username, display_name: user.display_name });
      setChannel({ ...channel, unread: 0, mentions: 0 });
      this.navigate(channel.name);
    } catch (err) {
      toastError(err);
    }
  }

  edit() {
    const user = this.user;
    const local = user.editable_fields.includes("display_name");
    $("pf-local-fields").replaceChildren(...(local ? LOCAL_FIELDS : []).map(([key, label, max]) => h("div", { class: "field" },
      h("label", { for: `pf-${key}`, text: label }),
      h("input", { id: `pf-${key}`, name: key, maxlength: max, autocomplete: "off", value: user[key] ?? "" }))));
    $("pf-credentials").value = user.credentials ?? "";
    $("pf-bio").value = user.bio;
    $("pf-expertise").value = user.expertise.join(", ");
    $("pf-ehr").value = user.ehr_systems.join(", ");
    $("pf-ask").value = user.ask_me_about;
    $("pf-photo").value = "";
    // A directory photo is changed in the directory; everyone else may upload one.
    $("pf-photo-field").hidden = user.directory_fields.includes("photo") && Boolean(user.photo_url) && !user.uploaded_photo;
    $("pf-photo-remove").hidden = !user.uploaded_photo;
    $("pf-error").hidden = true;
    openDialog("profile-dialog");
  }

  async save(event) {
    event.preventDefault();
    const form = $("profile-form");
    const submit = form.querySelector('[type="submit"]');
    const body = {
      credentials: $("pf-credentials").value, bio: $("pf-bio").value, ask_me_about: $("pf-ask").value,
      expertise: splitTags($("pf-expertise").value), ehr_systems: splitTags($("pf-ehr").value),
    };
    for (const input of $("pf-local-fields").querySelectorAll("input")) body[input.name] = input.value;
    submit.disabled = true;
    $("pf-error").hidden = true;
    try {
      await patch("/me", body);
      const file = $("pf-photo").files[0];
      if (file) await uploadPhoto(file);
      $("profile-dialog").close();
      toast("Profile saved.");
      await this.open(this.user.username);
    } catch (err) {
      $("pf-error").textContent = err.message;
      $("pf-error").hidden = false;
    } finally {
      submit.disabled = false;
    }
  }

  async removePhoto() {
    try {
      await fetchJson("DELETE", "/me/photo");
      $("profile-dialog").close();
      await this.open(this.user.username);
    } catch (err) {
      toastError(err);
    }
  }
}

async function uploadPhoto(file) {
  const form = new FormData();
  form.append("photo", file);
  return fetchJson("POST", "/me/photo", form);
}

/** A multipart or body-less call, which api.js (JSON only) does not send. */
async function fetchJson(method, path, body) {
  const response = await fetch(state.urls.api + path, {
    method, body, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = data?.error ?? {};
    throw new ApiError(response.status, error.code ?? "http_error", error.message ?? `The server answered ${response.status}.`);
  }
  return data;
}
