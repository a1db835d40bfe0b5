// Interface text from the message catalogues (/messages/<lang>.json).
//
// A catalogue maps flat keys ("open.files", "condition.MI") to text with
// {placeholders}; "dir" is the writing direction. Keys missing from a
// catalogue fall back to English. Elements carry data-i18n (text) or
// data-i18n-title (tooltip) attributes naming their key.

export const LANGUAGES = ['en', 'fr', 'ar'];

let messages = {};
let english = {};

async function load(lang) {
  const response = await fetch(`/messages/${lang}.json`);
  if (!response.ok) throw new Error(`/messages/${lang}.json: ${response.status}`);
  return response.json();
}

/** Loads `lang`, sets <html lang dir>, and translates the page. */
export async function setLanguage(lang) {
  if (!LANGUAGES.includes(lang)) lang = 'en';
  if (!english.dir) english = await load('en');
  messages = lang === 'en' ? english : await load(lang);
  document.documentElement.lang = lang;
  document.documentElement.dir = messages.dir || 'ltr';
  translate(document);
  return lang;
}

/** The text of `key` with {name} placeholders filled from `params`. */
export function t(key, params = {}) {
  const text = messages[key] ?? english[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    name in params ? String(params[name]) : whole);
}

/** Whether the catalogue (or English) has `key`. */
export function has(key) {
  return key in messages || key in english;
}

/** Translates every data-i18n element under `root`. */
export function translate(root) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll('[data-i18n-title]')) {
    el.title = t(el.dataset.i18nTitle);
    el.setAttribute('aria-label', el.title);
  }
}

/** A plain-language paragraph about class `name`, or the generic one. */
export function condition(name) {
  const key = `condition.${name}`;
  return has(key) ? t(key) : t('condition.generic', {name});
}

/** A number with `digits` decimals (Western digits in every language). */
export function number(value, digits = 1) {
  return Number(value).toFixed(digits);
}
