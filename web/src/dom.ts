/** Building DOM without innerHTML: text from the API is only ever set as text. */
type Child = Node | string | number | null | undefined | false;
type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** A table with a caption, column headers and rows of cells (numbers right-aligned). */
export function dataTable(caption: string, headers: string[], rows: Child[][], testId?: string): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      testId ? { 'data-testid': testId } : {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, ...headers.map((text) => h('th', { scope: 'col' }, text)))),
      h(
        'tbody',
        {},
        ...rows.map((cells) =>
          h(
            'tr',
            {},
            ...cells.map((cell) => h('td', typeof cell === 'number' ? { class: 'num' } : {}, cell)),
          ),
        ),
      ),
    ),
  );
}

/** A chart in a figure: the SVG labelled by its caption, with a text summary beside it. */
export function chartFigure(caption: string, chart: Element, summary: string, testId: string): HTMLElement {
  const id = `fig-${testId}`;
  chart.setAttribute('role', 'img');
  chart.setAttribute('aria-labelledby', `${id}-caption`);
  chart.setAttribute('aria-describedby', `${id}-summary`);
  return h(
    'figure',
    { class: 'chart', 'data-testid': testId },
    chart,
    h('figcaption', { id: `${id}-caption` }, caption),
    h('p', { id: `${id}-summary`, class: 'summary' }, summary),
  );
}

export function errorBox(error: unknown): HTMLElement {
  const message = error instanceof Error ? error.message : String(error);
  return h('p', { class: 'error', role: 'alert' }, message);
}
