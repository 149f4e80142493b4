import { Eta } from 'eta';

/**
 * The one module that imports Eta: server-rendered HTML templates (`<name>.eta` in a folder).
 * Every `<%= %>` is HTML-escaped (autoEscape), so values from the APIs can never become markup;
 * `<%~ %>` (raw) is used only for the output of other templates (layout bodies, includes).
 * Templates are compiled once and cached.
 */
export interface Views {
  render(template: string, data: Record<string, unknown>): string;
}

export function createViews(folder: string): Views {
  const eta = new Eta({ views: folder, autoEscape: true, cache: true, autoTrim: [false, 'nl'] });
  return { render: (template, data) => eta.render(template, data) };
}
