"""Keyboard checks for the browser tests (issue 20): walk a page with Tab as a reader
without a mouse would, and say what the walk never reached, where the focus was not
visible, and whether it got stuck."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

# The walk starts at the top of the page, whatever has the focus (a search box with
# autofocus): from an element put first in the body, focused, then left.
_START = """scope => {
  const start = document.createElement('span');
  start.id = 'kb-start';
  start.tabIndex = -1;
  document.querySelector(scope).prepend(start);
  start.focus();
}"""

# Marks each element a reader can act on (visible, enabled, not taken out of the tab
# order) with its number, and records every element the focus lands on with whether a
# focus indicator shows: an outline or a box shadow, not transparent.
_INSTALL = """scope => {
  const SELECTOR = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, '
    + 'summary, iframe, [tabindex], [contenteditable=""], [contenteditable="true"]';
  const name = el => (el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
    + ' "' + (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().slice(0, 40) + '"');
  const actionable = el => !el.disabled && el.getAttribute('tabindex') !== '-1'
    && !el.closest('[inert]') && el.getClientRects().length > 0
    && el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  const all = [...document.querySelector(scope).querySelectorAll(SELECTOR)].filter(actionable);
  // a radio group is one stop of the tab order: only its first button counts
  const groups = new Set();
  const wanted = all.filter(el => {
    if (el.type !== 'radio' || !el.name) return true;
    const key = (el.form ? 'f' : '') + el.name;
    if (groups.has(key)) return false;
    groups.add(key);
    return true;
  });
  wanted.forEach((el, i) => { el.dataset.kb = String(i); });
  const kb = window.__kb = {names: wanted.map(name), seen: [], unseen: []};
  const shows = el => {
    const cs = getComputedStyle(el);
    const clear = c => c === 'transparent' || /,\\s*0\\)$/.test(c);
    const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 1
      && !clear(cs.outlineColor);
    return outline || (cs.boxShadow !== 'none' && cs.boxShadow !== '');
  };
  document.addEventListener('focusin', e => {
    const el = e.target;
    kb.seen.push(el.dataset.kb === undefined ? name(el) : Number(el.dataset.kb));
    if (!shows(el)) kb.unseen.push(name(el));
  }, true);
  return wanted.length;
}"""


def tab_walk(page: Page, label: str, scope: str = "body") -> list[str]:
    """Tab through the loaded page from the top of the element ``scope`` names (``main``:
    past the header, which every page shares) and return what is wrong, each a line
    naming ``label``: elements of ``scope`` a reader can act on that Tab never reached,
    focused elements with no visible focus indicator, and a keyboard trap (the focus
    never getting to the last element, or never leaving it)."""
    page.evaluate(_START, scope)
    count = int(page.evaluate(_INSTALL, scope))
    # every element once, and a few more presses to see the focus leave the page
    for _ in range(count + 3):
        page.keyboard.press("Tab")
    kb: dict[str, Any] = page.evaluate(
        "() => { document.getElementById('kb-start').remove();"
        " return {...window.__kb, last: document.activeElement.dataset.kb}; }"
    )
    seen: list[Any] = kb["seen"]
    names: list[str] = kb["names"]
    problems: list[str] = []
    reached = {s for s in seen if isinstance(s, int)}
    missed = [names[i] for i in range(count) if i not in reached]
    if missed:
        problems.append(f"{label}: Tab never reached {len(missed)} of {count}: {missed[:6]}")
    unseen = sorted(set(kb["unseen"]))
    if unseen:
        problems.append(f"{label}: no visible focus on {len(unseen)}: {unseen[:6]}")
    if count and (count - 1) not in reached:
        problems.append(f"{label}: Tab never got to the last element ({names[-1]}): a trap")
    elif count and kb["last"] == str(count - 1):
        problems.append(f"{label}: Tab did not leave the last element ({names[-1]}): a trap")
    return problems


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focus is on the element ``selector`` names, as a reader
    would get to it; fails after ``limit`` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {selector}")


# The marks of a state (a finding's severity, a document's status, an overdue phase or a
# stale review) whose text does not say it too: colour would be all that carries it.
_COLOUR_ONLY = """() => {
  const SIGN = {error: '\u2716', warning: '\u25b2', info: '\u2139'};
  const out = [];
  for (const el of document.querySelectorAll('[class*="sev-"], [class*="status-"], .overdue, .stale')) {
    if (!el.checkVisibility()) continue;
    const text = el.textContent.trim().toLowerCase();
    for (const c of el.classList) {
      let ok = true;
      const sev = /^sev-(.+)$/.exec(c);
      if (sev && sev[1] !== 'count') ok = text.includes(sev[1]) || text.includes(SIGN[sev[1]] || '\0');
      else if (/^status-/.test(c)) ok = text.length > 0;
      else if (c === 'overdue' || c === 'stale') ok = text.includes(c);
      if (!ok) out.push(el.tagName.toLowerCase() + '.' + c + ': ' + JSON.stringify(text.slice(0, 60)));
    }
  }
  return out;
}"""


def colour_only(page: Page, label: str) -> list[str]:
    """The page's marks of a state told by colour alone (a severity class on an element
    whose text names no severity, an empty status badge, ...), each naming ``label``."""
    found: list[str] = page.evaluate(_COLOUR_ONLY)
    return [f"{label}: {f}" for f in found[:6]]
