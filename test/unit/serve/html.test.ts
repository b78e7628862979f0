import { escapeHtml, html, rawHtml } from '../../../src/serve/html';

describe('html template', () => {
  it('escapes every interpolated text, in text and in attributes', () => {
    const hostile = `"><script>alert('x')</script>\`&`;
    const out = html`<a title="${hostile}">${hostile}</a>`.text;
    expect(out).toBe('<a title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#96;&amp;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#96;&amp;</a>');
    expect(escapeHtml('a<b')).toBe('a&lt;b');
  });

  it('nests safe fragments unescaped, joins arrays, drops null/undefined/false and non-finite numbers', () => {
    const items = ['<1>', '2'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${undefined}${false}${NaN}${3}`.text).toBe('<ul><li>&lt;1&gt;</li><li>2</li></ul>3');
    expect(html`${rawHtml('<b>')}`.text).toBe('<b>');
  });
});
