/**
 * HTML pages (and HTAs): iframes nobody can see, the classic drive-by
 * redirect. Markup inside scripts is code, not page (jQuery builds a
 * zero-sized iframe in a string for feature tests), so script blocks are
 * cut out first.
 */
import type { Finding } from '../lib/report.ts';

const IFRAME = /<iframe\b[^>]*>/gi;

function hidden(tag: string): boolean {
  const size = (name: string) => new RegExp(`\\b${name}\\s*=\\s*["']?\\s*([0-9]+)(px)?\\s*["'\\s>/]`, 'i').exec(tag)?.[1];
  const tiny = (v: string | undefined) => v !== undefined && Number(v) <= 1;
  return tiny(size('width')) || tiny(size('height')) || /display\s*:\s*none|visibility\s*:\s*hidden|\bhidden\b(?!\s*=\s*["']?false)/i.test(tag) || /(width|height)\s*:\s*[01](px)?\s*[;"']/i.test(tag);
}

/** A page starts with markup (after comments); a .js file that mentions tags in strings does not. */
export function isMarkup(text: string): boolean {
  return /^\s*(?:<!--[\s\S]*?-->\s*)*<[!?a-z%]/i.test(text.slice(0, 64 << 10));
}

export function htmlFindings(text: string): Finding[] {
  if (!isMarkup(text)) return [];
  const markup = text.replace(/<script\b[\s\S]*?(?:<\/script\s*>|$)/gi, '');
  const iframes = (markup.match(IFRAME) ?? []).filter(hidden);
  if (iframes.length === 0) return [];
  return [{ rule: 'script.html.hidden-iframe', description: `${iframes.length} invisible iframe(s): ${iframes[0]!.slice(0, 200)}`, severity: 'medium' }];
}
