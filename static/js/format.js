// Dates, names and counts as a reader expects them, in the browser's own locale and zone.

const time = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short" });
const day = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" });
const dayYear = new Intl.DateTimeFormat(undefined, { dateStyle: "long" });

export const shortTime = (iso) => time.format(new Date(iso));
export const fullTime = (iso) => full.format(new Date(iso));

export function dayKey(iso) {
  const d = new Date(iso);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function dayLabel(iso) {
  const d = new Date(iso);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (dayKey(iso) === dayKey(today.toISOString())) return "Today";
  if (dayKey(iso) === dayKey(yesterday.toISOString())) return "Yesterday";
  return d.getFullYear() === today.getFullYear() ? day.format(d) : dayYear.format(d);
}

/** "Dr. Miriam Okafor" -> "MO": titles are skipped so avatars stay distinct. */
export function initials(name) {
  const words = String(name || "?")
    .replace(/^(dr|prof|mr|mrs|ms)\.?\s+/i, "")
    .split(/[\s-]+/)
    .filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words.at(-1)[0] : (words[0] || "?").slice(0, 2);
  return letters.toUpperCase();
}

/** A stable colour slot (0-7) per person, so a face is recognisable across the app. */
export function tone(username) {
  let hash = 0;
  for (const ch of String(username)) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return hash % 8;
}

export const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
