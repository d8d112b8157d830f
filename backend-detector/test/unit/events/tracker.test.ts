import { EventTracker, SEVERITY_THRESHOLDS } from '../../../src/events';

function feed(tracker: EventTracker, scores: number[], start = 0) {
  return scores.map((s, i) => ({ change: tracker.update(start + i * 1000, s), open: tracker.isOpen }));
}

describe('EventTracker', () => {
  it('opens at the open threshold and closes after closeAfter points below the close threshold', () => {
    const t = new EventTracker({ openThreshold: 1, closeThreshold: 0.5, closeAfter: 2 });
    const r = feed(t, [0.2, 0.9, 1.3, 0.7, 2.5, 0.4, 0.3, 0.2]);
    expect(r.map((x) => x.open)).toEqual([false, false, true, true, true, true, false, false]);
    expect(r[2].change).toMatchObject({ kind: 'open', event: { start: 2000, end: null } });
    const close = r[6].change;
    expect(close?.kind).toBe('close');
    // The end is the last point still above the close threshold; the peak is the highest score.
    expect(close?.event).toMatchObject({ start: 2000, end: 4000, peakScore: 2.5, peakAt: 4000 });
    expect(close?.event.severity).toBe('major');
  });

  it('does not flap on a score hovering between the thresholds', () => {
    const t = new EventTracker({ openThreshold: 1, closeThreshold: 0.6, closeAfter: 1 });
    const r = feed(t, [1.1, 0.8, 0.95, 0.7, 0.9, 0.5]);
    expect(r.filter((x) => x.change?.kind === 'open')).toHaveLength(1);
    expect(r.map((x) => x.open)).toEqual([true, true, true, true, true, false]);
  });

  it('grades severity by peak score', () => {
    const grade = (peak: number) => {
      const t = new EventTracker({ closeAfter: 1 });
      t.update(0, peak);
      return t.update(1, 0)?.event.severity;
    };
    expect(grade(1.2)).toBe('minor');
    expect(grade(2.5)).toBe('major');
    expect(grade(7)).toBe('critical');
    const { major, critical } = SEVERITY_THRESHOLDS;
    expect([major - 0.01, major, critical - 0.01, critical].map(grade)).toEqual([
      'minor',
      'major',
      'major',
      'critical',
    ]);
  });

  it('closes an event that reaches maxDuration and lets it re-open', () => {
    const t = new EventTracker({ maxDuration: 3, closeAfter: 1 });
    const r = feed(t, [2, 2, 2, 2, 2]);
    expect(r.map((x) => x.change?.kind ?? null)).toEqual(['open', null, null, 'close', 'open']);
  });

  it('holds an event open on a separate hold score', () => {
    const t = new EventTracker({ closeThreshold: 0.75, closeAfter: 1 });
    t.update(0, 1.5, 1.5);
    expect(t.update(1, 0.1, 1.2)).toBeNull();
    expect(t.isOpen).toBe(true);
    expect(t.update(2, 0.1, 0.2)?.kind).toBe('close');
  });

  it('continues identically after a snapshot round-trip', () => {
    const scores = [0, 1.4, 0.9, 3, 0.1, 0.2, 0.1, 1.1, 0.3, 0.1, 0, 0];
    const a = new EventTracker({ closeAfter: 2 });
    const first = feed(a, scores.slice(0, 4));
    const b = new EventTracker({ closeAfter: 2 }, JSON.parse(JSON.stringify(a.snapshot())));
    const restOfA = feed(a, scores.slice(4), 4000);
    const restOfB = feed(b, scores.slice(4), 4000);
    expect(first[1].change?.kind).toBe('open');
    expect(restOfB).toEqual(restOfA);
  });

  it('fails fast on invalid config, naming the field', () => {
    expect(() => new EventTracker({ closeThreshold: 2, openThreshold: 1 })).toThrow(/closeThreshold/);
    expect(() => new EventTracker({ closeAfter: 0 })).toThrow(/closeAfter/);
    expect(() => new EventTracker({ maxDuration: 1.5 })).toThrow(/maxDuration/);
  });
});
