import fc from 'fast-check';
import {
  ELECTION_PREFIX,
  MEMBER_PREFIX,
  basename,
  electLeader,
  formatSequential,
  joinPath,
  parentPath,
  parseMemberData,
  parseSequence,
  predecessorOf,
  sortBySequence,
  sortMembers,
} from '../src/znodes';

/** Non-empty sets of distinct sequence numbers, as election child names in random order. */
const distinctSeqs = fc.uniqueArray(fc.integer({ min: 0, max: 2_147_483_647 }), { minLength: 1, maxLength: 40 });
const electionNames = distinctSeqs.chain((seqs) =>
  fc.shuffledSubarray(seqs.map((s) => formatSequential(ELECTION_PREFIX, s)), {
    minLength: seqs.length,
    maxLength: seqs.length,
  }),
);

describe('parseSequence', () => {
  it('reads the 10-digit suffix ZooKeeper appends', () => {
    expect(parseSequence('n_0000000042')).toBe(42);
    expect(parseSequence('member-0000000000', MEMBER_PREFIX)).toBe(0);
    expect(parseSequence('n_2147483647', 'n_')).toBe(2147483647);
  });

  it('rejects names without a full sequence or with another prefix', () => {
    expect(parseSequence('n_42')).toBeNull();
    expect(parseSequence('lock')).toBeNull();
    expect(parseSequence('member-0000000001', ELECTION_PREFIX)).toBeNull();
    expect(parseSequence('xn_0000000001', ELECTION_PREFIX)).toBeNull();
  });

  it('round-trips formatSequential for any prefix and sequence', () => {
    fc.assert(
      fc.property(fc.constantFrom('n_', 'member-', 'lock-', ''), fc.integer({ min: 0, max: 9_999_999_999 }), (prefix, seq) => {
        expect(parseSequence(formatSequential(prefix, seq), prefix)).toBe(seq);
      }),
    );
  });

  it('formatSequential refuses values ZooKeeper cannot produce', () => {
    expect(() => formatSequential('n_', -1)).toThrow(RangeError);
    expect(() => formatSequential('n_', 1.5)).toThrow(RangeError);
  });
});

describe('electLeader', () => {
  it('picks the lowest sequence, not the lexically or positionally first name', () => {
    expect(electLeader(['n_0000000010', 'n_0000000002', 'n_0000000007'])).toBe('n_0000000002');
  });

  it('ignores children that are not election nodes', () => {
    expect(electLeader(['zzz', 'member-0000000000', 'n_0000000005'])).toBe('n_0000000005');
    expect(electLeader(['zzz', 'member-0000000000'])).toBeNull();
    expect(electLeader([])).toBeNull();
  });

  it('property: exactly one leader for any non-empty set of distinct sequential names, and it is the minimum', () => {
    fc.assert(
      fc.property(electionNames, (names) => {
        const leader = electLeader(names);
        expect(leader).not.toBeNull();
        const leaders = names.filter((n) => predecessorOf(names, n) === null);
        expect(leaders).toEqual([leader]);
        const min = Math.min(...names.map((n) => parseSequence(n, ELECTION_PREFIX)!));
        expect(parseSequence(leader!, ELECTION_PREFIX)).toBe(min);
      }),
    );
  });

  it('property: the result does not depend on the order children are listed in', () => {
    fc.assert(
      fc.property(electionNames, fc.integer(), (names, seed) => {
        const rotated = names.map((_, i) => names[(i + Math.abs(seed)) % names.length]);
        expect(electLeader(rotated)).toBe(electLeader(names));
      }),
    );
  });
});

describe('predecessorOf', () => {
  const kids = ['n_0000000005', 'n_0000000001', 'n_0000000009', 'n_0000000003'];

  it('returns the next-lower sequence, skipping gaps', () => {
    expect(predecessorOf(kids, 'n_0000000009')).toBe('n_0000000005');
    expect(predecessorOf(kids, 'n_0000000005')).toBe('n_0000000003');
    expect(predecessorOf(kids, 'n_0000000003')).toBe('n_0000000001');
    expect(predecessorOf(kids, 'n_0000000001')).toBeNull();
  });

  it('throws when our own node is missing (it must be re-created)', () => {
    expect(() => predecessorOf(kids, 'n_0000000004')).toThrow(/not among the children/);
  });

  it('property: following predecessors from the highest node visits every node once and ends at the leader', () => {
    fc.assert(
      fc.property(electionNames, (names) => {
        const sorted = sortBySequence(names, ELECTION_PREFIX);
        const seen: string[] = [];
        let cur: string | null = sorted[sorted.length - 1];
        while (cur !== null) {
          expect(seen).not.toContain(cur);
          seen.push(cur);
          cur = predecessorOf(names, cur);
        }
        expect(seen).toHaveLength(names.length);
        expect(seen[seen.length - 1]).toBe(electLeader(names));
      }),
    );
  });

  it('property: no herd effect — every node is watched by at most one other node', () => {
    fc.assert(
      fc.property(electionNames, (names) => {
        const watched = names.map((n) => predecessorOf(names, n)).filter((p): p is string => p !== null);
        expect(new Set(watched).size).toBe(watched.length);
        expect(watched).toHaveLength(names.length - 1);
        // the highest-sequence node is the only one nobody watches
        const unwatched = names.filter((n) => !watched.includes(n));
        expect(unwatched).toEqual([sortBySequence(names, ELECTION_PREFIX)[names.length - 1]]);
      }),
    );
  });

  it('property: when the leader leaves, exactly its successor becomes leader', () => {
    fc.assert(
      fc.property(
        electionNames.filter((n) => n.length >= 2),
        (names) => {
          const leader = electLeader(names)!;
          const successor = names.find((n) => predecessorOf(names, n) === leader)!;
          const rest = names.filter((n) => n !== leader);
          expect(electLeader(rest)).toBe(successor);
        },
      ),
    );
  });
});

describe('sortMembers / parseMemberData', () => {
  it('orders by sequence regardless of input order', () => {
    const ms = [
      { node: 'member-0000000012', sequence: 12, id: 'c' },
      { node: 'member-0000000002', sequence: 2, id: 'a' },
      { node: 'member-0000000007', sequence: 7, id: 'b' },
    ];
    expect(sortMembers(ms).map((m) => m.id)).toEqual(['a', 'b', 'c']);
    expect(ms[0].id).toBe('c'); // input untouched
  });

  it('property: sortMembers is a sorted permutation', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 1e9 }), { maxLength: 30 }), (seqs) => {
        const ms = seqs.map((s) => ({ node: formatSequential(MEMBER_PREFIX, s), sequence: s }));
        const out = sortMembers(ms);
        expect(out.map((m) => m.sequence)).toEqual([...seqs].sort((a, b) => a - b));
      }),
    );
  });

  it('parses a well-formed member record', () => {
    const m = { id: 'app-1', host: 'app-1.local', port: 8080, startedAt: '2024-01-01T00:00:00.000Z' };
    expect(parseMemberData(Buffer.from(JSON.stringify({ ...m, extra: true })))).toEqual(m);
  });

  it.each([
    ['not json', Buffer.from('{')],
    ['null data', null],
    ['missing id', Buffer.from(JSON.stringify({ host: 'h', port: 1, startedAt: 'x' }))],
    ['empty id', Buffer.from(JSON.stringify({ id: '', host: 'h', port: 1, startedAt: 'x' }))],
    ['port not integer', Buffer.from(JSON.stringify({ id: 'a', host: 'h', port: '80', startedAt: 'x' }))],
    ['array', Buffer.from('[]')],
  ])('rejects %s', (_name, data) => {
    expect(parseMemberData(data)).toBeNull();
  });
});

describe('path helpers', () => {
  it('basename / parentPath / joinPath', () => {
    expect(basename('/app/election/n_0000000001')).toBe('n_0000000001');
    expect(parentPath('/app/config')).toBe('/app');
    expect(parentPath('/app')).toBe('/');
    expect(joinPath('/', 'app')).toBe('/app');
    expect(joinPath('/app', 'x')).toBe('/app/x');
  });
});
