import { StderrTail } from '../../../src/ingest/stderr-tail';

describe('StderrTail', () => {
  it('keeps only the last lines and joins lines split across chunks', () => {
    const t = new StderrTail(3);
    expect(t.push('one\ntw')).toEqual(['one']);
    expect(t.push('o\r\nthree\rfour\nfi')).toEqual(['two', 'three', 'four']);
    expect(t.text()).toBe('two\nthree\nfour');
    expect(t.flush()).toEqual(['fi']);
    expect(t.text()).toBe('three\nfour\nfi');
    expect(t.last()).toBe('fi');
    expect(new StderrTail().last()).toBe('');
  });
});
