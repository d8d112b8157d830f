import { Deck, Rng } from '../../../src/simulate/random';

describe('Deck', () => {
  it('deals every item once per round, in a seeded random order', () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    const dealt = new Deck(new Rng(7), items).deal(15);
    for (let round = 0; round < 3; round++) {
      expect([...dealt.slice(round * 5, round * 5 + 5)].sort()).toEqual(items);
    }
    expect(new Deck(new Rng(7), items).deal(15)).toEqual(dealt);
    expect(new Deck(new Rng(8), items).deal(15)).not.toEqual(dealt);
  });

  it('carries a partly dealt round over to the next deal', () => {
    const deck = new Deck(new Rng(1), [1, 2, 3, 4]);
    const first = deck.deal(3);
    const second = deck.deal(1);
    expect([...first, ...second].sort()).toEqual([1, 2, 3, 4]);
  });
});
